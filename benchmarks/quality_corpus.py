"""``bench_quantize.py --corpus``: quantize's quality against scikit-learn on images of every kind.

For every image of :func:`kmeans_lab.fast._corpus.corpus` (21 images: photos
at several sizes with gradients and noise, smooth gradients, a screenshot,
posterised and few-colour images, a dark low-contrast photo, one dominant
colour, noise with more distinct colours than half its pixels) and K = 2, 16,
64, 256, in one process:

- ``kmeans_lab.quantize(u8, K, rng=s, preset=p)`` for each preset ``p``
  (default: all of them; the default preset is "quality"), for the seeds
  ``s`` = 0 .. ``--seeds`` - 1 (its default seed is 0);
- scikit-learn ``KMeans(K, init="k-means++", n_init=1, max_iter=10, tol=0,
  algorithm="lloyd", random_state=s).fit(X)`` on the same pixels as float32
  in [0, 1], for the same seeds.

Inertia is computed the same way for both, outside the clock, in float64 (the
8-bit pixels divided by 255 exactly): the sum over the pixels of the squared distance to the colour each method gives
the pixel, in [0, 1] units (for ``quantize``, its 8-bit palette, what is
stored; for scikit-learn, its float centres). k-means++ is random, so each
side is the median over the seeds; the **inertia ratio** is quantize's median
over scikit-learn's (below 1: quantize is better), the **worst** ratio
quantize's worst seed over scikit-learn's median. When both are 0 (up to
1e-9: no more distinct colours than K), the ratio is 1. The **time ratio** is the median
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
        x = X[start : start + (1 << 18)] / 255.0  # exact: an exact palette scores 0
        diff = x - palette[labels[start : start + (1 << 18)]]
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


def _ratio(ours: float, theirs: float) -> float:
    """ours / theirs; 1 when both are 0 up to float32 rounding (1e-9)."""
    if theirs <= 1e-9:
        return 1.0 if ours <= 1e-9 else float("inf")
    return ours / theirs


def _rounded(centres: np.ndarray) -> np.ndarray:
    """Centres rounded to the 8-bit grid, what a palette image stores."""
    return np.round(np.clip(centres, 0.0, 1.0) * 255.0) / 255.0


def compare(u8: np.ndarray, K: int, seeds, presets) -> dict:
    """quantize (each of ``presets``) and scikit-learn on one image and K, over the seeds.

    Per preset, ``ratio``: quantize's centroids before rounding
    (``fit_palette``, what ``quantize`` rounds) against scikit-learn's float
    centres, the quantity K-means minimises; ``worst``: quantize's worst seed
    against scikit-learn's median; ``stored``: quantize's 8-bit palette
    against scikit-learn's centres rounded to 8 bits (its labels kept);
    ``time_ratio``: median wall times, ``fit_palette`` + ``to_compressed``
    (what ``quantize`` runs) against ``KMeans.fit``."""
    from sklearn.cluster import KMeans

    import kmeans_lab as kl

    X = (u8.reshape(-1, 3).astype(np.float32)) / np.float32(255)
    theirs, theirs8, theirs_t = [], [], []
    for s in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fewer distinct colours than K
            t0 = time.perf_counter()
            km = KMeans(
                K, init="k-means++", n_init=1, max_iter=10, tol=0, algorithm="lloyd", random_state=s
            ).fit(X)
            theirs_t.append(time.perf_counter() - t0)
        theirs.append(inertia(u8, km.cluster_centers_, km.labels_))
        theirs8.append(inertia(u8, _rounded(km.cluster_centers_), km.labels_))
    med, med8, med_t = (statistics.median(v) for v in (theirs, theirs8, theirs_t))
    out = {"K": K, "theirs": theirs, "theirs8": theirs8, "theirs_time": theirs_t}
    for preset in presets:
        ours, ours8, ours_t = [], [], []
        for s in seeds:
            t0 = time.perf_counter()
            fit = kl.fit_palette(u8, K, rng=s, preset=preset)
            c = fit.to_compressed()  # what quantize(u8, K, rng=s, preset=preset) returns
            ours_t.append(time.perf_counter() - t0)
            ours.append(inertia(u8, fit.centroids, fit.labels))
            ours8.append(inertia(u8, c.palette, c.labels))
        out[preset] = {
            "ours": ours,
            "ours8": ours8,
            "ours_time": ours_t,
            "ratio": _ratio(statistics.median(ours), med),
            "worst": _ratio(max(ours), med),
            "stored": _ratio(statistics.median(ours8), med8),
            "time_ratio": statistics.median(ours_t) / med_t,
        }
    return out


def corpus_main(args) -> int:
    import os

    from kmeans_lab.fast._colours import distinct_colors, pack_colors
    from kmeans_lab.fast._corpus import corpus
    from kmeans_lab.fast.palette import PRESETS

    seeds = range(args.seeds)
    ks = [int(k) for k in args.ks.split(",")] if args.ks else list(KS)
    presets = args.preset.split(",") if args.preset else list(PRESETS)
    images = corpus(args.corpus_size)
    names = list(images)
    if args.images:
        names = [n for n in names if any(part in n for part in args.images.split(","))]
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"quantize's presets {presets} against scikit-learn KMeans (k-means++, n_init=1, "
        f"10 Lloyd rounds, tol=0), medians over seeds {list(seeds)}; ratio < 1: quantize is "
        "better. Each cell, per preset: inertia ratio (worst seed), 8-bit ratio / time ratio"
    )
    print(f"| image | pixels | colours | {' | '.join(f'K = {k}' for k in ks)} |")
    print("|---|---|---|" + "---|" * len(ks))
    rows = []
    for name in names:
        u8 = images[name]()
        n_colours = len(distinct_colors(pack_colors(u8))[0])
        cells = [compare(u8, K, seeds, presets) for K in ks]
        rows.append({"image": name, "pixels": u8.shape[0] * u8.shape[1], "colours": n_colours,
                     "cells": cells})  # fmt: skip
        text = " | ".join(
            "<br>".join(
                f"{p}: {c[p]['ratio']:.4f} ({c[p]['worst']:.4f}), {c[p]['stored']:.4f} "
                f"/ {c[p]['time_ratio']:.2f}"
                for p in presets
            )
            for c in cells
        )
        print(f"| {name} | {u8.shape[0] * u8.shape[1]:,} | {n_colours:,} | {text} |", flush=True)
    for p in presets:
        print(f"\npreset {p!r}, over the {len(rows)} images:\n")
        print("| K | worst inertia ratio | median | best | worst seed / sklearn median | "
              "worst 8-bit ratio | median 8-bit | median time ratio | slowest |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|")
        for i, K in enumerate(ks):
            cells = [r["cells"][i][p] for r in rows]
            ratios = [c["ratio"] for c in cells]
            stored = [c["stored"] for c in cells]
            times = [c["time_ratio"] for c in cells]
            print(
                f"| {K} | {max(ratios):.4f} | {statistics.median(ratios):.4f} "
                f"| {min(ratios):.4f} | {max(c['worst'] for c in cells):.4f} "
                f"| {max(stored):.4f} | {statistics.median(stored):.4f} "
                f"| {statistics.median(times):.2f} | {max(times):.2f} |"
            )
        worst = max((r["cells"][i][p]["ratio"], r["image"], K) for r in rows
                    for i, K in enumerate(ks))  # fmt: skip
        print(f"\nworst cell of {p!r}: {worst[1]}, K = {worst[2]}: {worst[0]:.4f}")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"seeds": list(seeds), "presets": presets, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: python benchmarks/bench_quantize.py --corpus")
