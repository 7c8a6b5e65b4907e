"""Time each exercise's check on a correct answer: the feedback a student waits for.

A student runs a check cell after every attempt, so a check must answer at
once. Each check is run ``--repeat`` times on a correct implementation from the
test catalogue (``tools/catalogue``), with its default cases, and compared with
a baseline run in the same process: one K-means run of the reference (course
image, K = 16, 10 rounds, what notebook 04 runs in a cell).

Target: every check's median under ``TARGET_MS`` (300 ms) on the course image's
machine; the ratio to the baseline is the figure to compare across machines.

Run from the repository's root, as a module (it imports the repository's ``tools``)::

    .venv/bin/python -m benchmarks.bench_checks [--repeat 7] [--check]

``--check`` exits with status 1 if a check's median misses the target.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time

from kmeans_lab import load_sample_image
from kmeans_lab.checks import EXERCISES
from kmeans_lab.checks.fallback import check_function
from kmeans_lab.kmeans import init_centroids, run_kmeans
from tools.catalogue import RIGHT

TARGET_MS = 300.0


def _median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (default 7)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a check misses the target")
    args = parser.parse_args(argv)

    import numpy as np

    X = load_sample_image("course").reshape(-1, 3)
    start = init_centroids(X, 16, np.random.default_rng(0))
    baseline = _median_ms(lambda: run_kmeans(X, start, 10), args.repeat)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"checks on a correct answer, median of {args.repeat} runs; "
        f"{os.cpu_count()} CPUs, load average {load:.2f}"
    )
    print(f"  baseline: reference run_kmeans, course image, K=16, 10 rounds: {baseline:.1f} ms")
    missed = []
    for exercise in EXERCISES:
        check = check_function(exercise)
        entry = next(e for e in RIGHT[exercise] if "loop" not in e.name)
        check(entry.func)  # warm-up: imports, first allocations
        ms = _median_ms(functools.partial(check, entry.func), args.repeat)
        if ms >= TARGET_MS:
            missed.append(exercise)
        print(
            f"  {exercise:24s} {ms:8.1f} ms   {ms / baseline:6.2f}x the baseline   ({entry.name})"
        )
    print(
        f"  target: every median < {TARGET_MS:.0f} ms: "
        + ("met" if not missed else "NOT met by " + ", ".join(missed))
    )
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
