"""Throughput of ``make autograde``: notebooks per hour, and a class of 200 projected.

Grades ``--students`` synthetic full submissions (every notebook with a check,
the solutions filled in, a third of them with a wrong answer) in a temporary
course, through the real tools and the real sandbox, once with one worker and
once with ``--workers`` workers (default: the number of cores), and prints:

- the time of each phase (the run's preparation, grading, the gradebook merge);
- notebooks graded per hour, sequential and parallel, and their ratio;
- the projected time for a class of 200 full submissions on this machine.

The old pipeline (nbgrader executing every notebook in the instructor's
process) no longer exists to be timed; the issue measured it at 2.3 s a
notebook on a 2-core machine (a class of 200: about an hour).

Run from the repository's root, as a module (it imports the repository's ``tools``):
``.venv/bin/python -m benchmarks.bench_autograde [--students 8] [--workers 2]``
(``make bench`` runs it). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tools import submissions
from tools.submissions import grade_id

REPO = Path(__file__).resolve().parents[1]

ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"
WRONG = (
    "def find_closest_centroids(X, centroids):\n    import numpy as np\n"
    "    return np.argmax(((X[:, None] - centroids[None]) ** 2).sum(2), axis=1)\n"
)


def filled(release: Path, name: str, wrong: bool):
    """A submission of notebook ``name``: the solutions, or a wrong find_closest_centroids."""
    return submissions.filled(release, name, {"find_closest_centroids": WRONG} if wrong else None)


def tool(course: Path, *args: str, workers: int = 1) -> float:
    env = dict(os.environ, MPLBACKEND="Agg", WORKERS=str(workers))
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "tools." + args[0], "--course", str(course), *args[1:]],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.release",
                "--course",
                str(course),
                "--student-dir",
                str(Path(tmp) / "student"),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        release = course / "release" / ASSIGNMENT
        graded = [
            p.stem
            for p in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            if any(
                grade_id(c) and c.metadata["nbgrader"].get("grade")
                for c in nbformat.read(p, as_version=4).cells
            )
        ]
        students = [f"student{i:03d}" for i in range(args.students)]
        for i, student in enumerate(students):
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name in graded:
                nbformat.write(filled(release, name, wrong=i % 3 == 2), folder / f"{name}.ipynb")
        notebooks = len(students) * len(graded)
        print(
            f"{len(students)} submissions of {len(graded)} graded notebooks ({notebooks} "
            f"notebooks), machine with {os.cpu_count()} cores"
        )
        rows = []
        for workers in sorted({1, args.workers}):
            prepare = tool(course, "autograde", "--prepare", "--seed", "1")
            grading = tool(
                course, "autograde", *(f"--student={s}" for s in students), workers=workers
            )
            merge = tool(course, "autograde", "--merge")
            per_hour = notebooks / grading * 3600
            class_200 = prepare + (grading + merge) / len(students) * 200
            rows.append((workers, prepare, grading, merge, per_hour, class_200))
        print(
            "| workers | prepare (s) | grading (s) | merge (s) | notebooks / hour "
            "| s / notebook | class of 200 (min) |"
        )
        print("|---|---|---|---|---|---|---|")
        for workers, prepare, grading, merge, per_hour, class_200 in rows:
            print(
                f"| {workers} | {prepare:.1f} | {grading:.1f} | {merge:.1f} | {per_hour:,.0f} "
                f"| {grading / notebooks:.2f} | {class_200 / 60:.1f} |"
            )
        if len(rows) == 2:
            print(f"parallel / sequential throughput: {rows[1][4] / rows[0][4]:.2f}x")
        print(
            "old in-kernel pipeline (measured in the issue, not runnable now): 2.3 s a "
            "notebook, a class of 200 in about 60 min"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
