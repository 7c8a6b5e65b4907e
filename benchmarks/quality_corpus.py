"""``bench_quantize.py --corpus``: quantize's quality against scikit-learn on images of every kind.

For every image of :func:`kmeans_lab.fast._corpus.corpus` (21 images: photos
at several sizes with gradients and noise, smooth gradients, a screenshot,
posterised and few-colour images, a dark low-contrast photo, one dominant
colour, noise with more distinct colours than half its pixels) and K = 2, 16,
64, 256, in one process:

- ``kmeans_lab.quantize(u8, K, rng=s)`` with its defaults (or ``--preset``),
  for the seeds ``s`` = 0 .. ``--seeds`` - 1 (its default seed is 0);
- scikit-learn ``KMeans(K, init="k-means++", n_init=1, max_iter=10, tol=0,
  algorithm="lloyd", random_state=s).fit(X)`` on the same pixels as float32
  in [0, 1], for the same seeds.

Inertia is computed the same way for both, outside the clock, in float64: the
sum over the pixels of the squared distance to the colour each method gives
the pixel, in [0, 1] units (for ``quantize``, its 8-bit palette, what is
stored; for scikit-learn, its float centres). k-means++ is random, so each
side is the median over the seeds; the **inertia ratio** is quantize's median
over scikit-learn's (below 1: quantize is better), the **worst** ratio
quantize's worst seed over scikit-learn's median. When both are 0 (no more
distinct colours than K), the ratio is 1. The **time ratio** is the median
wall time of the calls, from this one run: noisy on a shared machine (the
inertias are not).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import numpy as np

KS = (2, 16, 64, 256)


def inertia(u8: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> float:
    """Sum over the pixels of the squared distance to their colour, in [0, 1] units."""
    X = u8.reshape(-1, 3)
    labels = labels.reshape(-1)
    palette = np.asarray(palette, dtype=np.float64)
    total = 0.0
    for start in range(0, X.shape[0], 1 << 18):
        x = X[start : start + (1 << 18)].astype(np.float32) / np.float32(255)
        diff = x.astype(np.float64) - palette[labels[start : start + (1 << 18)]]
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


def _ratio(ours: float, theirs: float) -> float:
    if theirs <= 0.0:
        return 1.0 if ours <= 1e-12 else float("inf")
    return ours / theirs


def _rounded(centres: np.ndarray) -> np.ndarray:
    """Centres rounded to the 8-bit grid, what a palette image stores."""
    return np.round(np.clip(centres, 0.0, 1.0) * 255.0) / 255.0


def compare(u8: np.ndarray, K: int, seeds, preset: str | None = None) -> dict:
    """quantize and scikit-learn on one image and K, over the seeds.

    ``ratio``: quantize's centroids before rounding (``fit_palette``, what
    ``quantize`` rounds) against scikit-learn's float centres, the quantity
    K-means minimises; ``stored``: quantize's 8-bit palette against
    scikit-learn's centres rounded to 8 bits (its labels kept)."""
    from sklearn.cluster import KMeans

    import kmeans_lab as kl

    kwargs = {} if preset is None else {"preset": preset}
    X = (u8.reshape(-1, 3).astype(np.float32)) / np.float32(255)
    ours, ours8, ours_t, theirs, theirs8, theirs_t = [], [], [], [], [], []
    for s in seeds:
        t0 = time.perf_counter()
        fit = kl.fit_palette(u8, K, rng=s, **kwargs)
        c = fit.to_compressed()  # what quantize(u8, K, rng=s) returns
        ours_t.append(time.perf_counter() - t0)
        ours.append(inertia(u8, fit.centroids, fit.labels))
        ours8.append(inertia(u8, c.palette, c.labels))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fewer distinct colours than K
            t0 = time.perf_counter()
            km = KMeans(
                K, init="k-means++", n_init=1, max_iter=10, tol=0, algorithm="lloyd", random_state=s
            ).fit(X)
            theirs_t.append(time.perf_counter() - t0)
        theirs.append(inertia(u8, km.cluster_centers_, km.labels_))
        theirs8.append(inertia(u8, _rounded(km.cluster_centers_), km.labels_))
    med_theirs = statistics.median(theirs)
    return {
        "K": K,
        "ours": ours,
        "ours8": ours8,
        "theirs": theirs,
        "theirs8": theirs8,
        "ours_time": ours_t,
        "theirs_time": theirs_t,
        "ratio": _ratio(statistics.median(ours), med_theirs),
        "worst": _ratio(max(ours), med_theirs),
        "stored": _ratio(statistics.median(ours8), statistics.median(theirs8)),
        "time_ratio": statistics.median(ours_t) / statistics.median(theirs_t),
    }


def corpus_main(args) -> int:
    import os

    from kmeans_lab.fast._colours import distinct_colors, pack_colors
    from kmeans_lab.fast._corpus import corpus

    seeds = range(args.seeds)
    ks = [int(k) for k in args.ks.split(",")] if args.ks else list(KS)
    names = list(corpus(args.corpus_size))
    if args.images:
        names = [n for n in names if any(part in n for part in args.images.split(","))]
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"quantize{'' if args.preset is None else f'(preset={args.preset!r})'} against "
        f"scikit-learn KMeans (k-means++, n_init=1, 10 Lloyd rounds, tol=0), "
        f"medians over seeds {list(seeds)}; ratio < 1: quantize is better"
    )
    head = " | ".join(f"K={k} inertia (worst seed), 8-bit / time" for k in ks)
    print(f"| image | pixels | colours | {head} |")
    print("|---|---|---|" + "---|" * len(ks))
    rows = []
    images = corpus(args.corpus_size)
    for name in names:
        u8 = images[name]()
        n_colours = len(distinct_colors(pack_colors(u8))[0])
        cells = [compare(u8, K, seeds, args.preset) for K in ks]
        rows.append({"image": name, "pixels": u8.shape[0] * u8.shape[1], "colours": n_colours,
                     "cells": cells})  # fmt: skip
        text = " | ".join(
            f"{c['ratio']:.4f} ({c['worst']:.4f}), {c['stored']:.4f} / {c['time_ratio']:.2f}"
            for c in cells
        )
        print(f"| {name} | {u8.shape[0] * u8.shape[1]:,} | {n_colours:,} | {text} |", flush=True)
    print()
    print("| K | worst inertia ratio | median | best | worst seed / sklearn median | "
          "worst 8-bit ratio | median 8-bit | median time ratio | slowest |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for i, K in enumerate(ks):
        ratios = [r["cells"][i]["ratio"] for r in rows]
        worst_seed = max(r["cells"][i]["worst"] for r in rows)
        stored = [r["cells"][i]["stored"] for r in rows]
        times = [r["cells"][i]["time_ratio"] for r in rows]
        print(
            f"| {K} | {max(ratios):.4f} | {statistics.median(ratios):.4f} | {min(ratios):.4f} "
            f"| {worst_seed:.4f} | {max(stored):.4f} | {statistics.median(stored):.4f} "
            f"| {statistics.median(times):.2f} | {max(times):.2f} |"
        )
    worst = max((c["ratio"], r["image"], c["K"]) for r in rows for c in r["cells"])
    print(f"\nworst cell: {worst[1]}, K = {worst[2]}: {worst[0]:.4f}")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"seeds": list(seeds), "preset": args.preset, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: python benchmarks/bench_quantize.py --corpus")
