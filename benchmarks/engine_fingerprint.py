"""Fingerprint of the fast engine's results: a refactoring must leave it unchanged.

Runs :func:`kmeans_lab.fit_palette` and :func:`kmeans_lab.quantize` on 13
images of different character (the bundled samples, photos with gradients and
noise, a smooth gradient, a posterised image, a flat map of 12 colours, a
screenshot, uniform noise, a float image off the 8-bit grid), K = 2, 16, 64,
256, both presets, on 1, 2 and 3 threads, plus ``tol=0`` with 50 rounds,
``sample=`` and ``init="random"``, and the command line's fit (the photo
loaded twice) with both presets: 564 configurations. Each gets a hash of its
centroids, labels, counts, inertia, rounds and progress reports, and of the
quantized palette and labels. Takes 3 to 7 minutes on 2 cores (``--quick``: a
third of the images)::

    python benchmarks/engine_fingerprint.py --save before.json      # before the change
    python benchmarks/engine_fingerprint.py --save after.json       # after it
    python benchmarks/engine_fingerprint.py --compare before.json after.json

``--compare`` lists the configurations whose hash differs and exits with 1 if
any does. A run also says whether any result depended on the number of
threads (it must not). Hashes are of float64 bytes: compare runs on the same
machine and NumPy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time

import numpy as np


def images() -> dict[str, np.ndarray]:
    """The images, uint8 (H, W, 3) but one float64 image off the 8-bit grid."""
    from kmeans_lab.datasets import load_sample_image
    from kmeans_lab.fast._corpus import corpus

    full, small = corpus("full"), corpus("small")
    out = {
        "course sample": (load_sample_image("course") * 255).round().astype(np.uint8),
        "astronaut sample": (load_sample_image("astronaut") * 255).round().astype(np.uint8),
        "chelsea 451x300": full["chelsea 451x300"](),
        "coffee 600x400": full["coffee 600x400"](),
        "astronaut 1024 gradient noise": full["astronaut 1024x1024, gradient, noise 4"](),
        "linear gradient 512": full["linear gradient 512x512"](),
        "posterised astronaut": full["posterised astronaut (5 levels a channel)"](),
        "flat map 12": full["flat map of 12 colours"](),
        "screenshot": full["screenshot"](),
        "uniform noise 400": full["uniform noise 400x400"](),
        "heavy noise coffee": full["coffee 600x400, heavy noise 24"](),
        "dark coffee small": small["dark low-contrast coffee"](),
    }
    f = full["coffee 600x400"]()[:200, :300].astype(np.float64) / 255.0
    noise = np.random.default_rng(0).normal(0, 1e-3, f.shape)
    out["float coffee off grid"] = np.clip(f + noise, 0, 1)
    return out


def digest(*arrays) -> str:
    """A short hash of the arrays' dtypes, shapes and bytes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def set_threads(n: int) -> None:
    """Make the engine's pool use ``n`` threads (a fresh pool)."""
    from kmeans_lab import _threads

    if _threads._pool is not None:
        _threads._pool.shutdown()
        _threads._pool = None
    _threads.n_threads = lambda: n


def two_loads(img: np.ndarray, K: int, preset: str):
    """The command line's fit of ``img``, loaded twice (as for a large photo)."""
    from kmeans_lab.fast import _two_loads

    keep, _two_loads.KEEP_MAX_PIXELS = _two_loads.KEEP_MAX_PIXELS, 0
    try:
        return _two_loads.fit_palette_loading_twice(lambda: img.copy(), K, preset=preset, rng=0)[0]
    finally:
        _two_loads.KEEP_MAX_PIXELS = keep


def fingerprint(quick: bool = False) -> dict[str, list]:
    """Configuration name -> [hashes..., inertia, rounds]."""
    import kmeans_lab

    imgs = images()
    if quick:
        imgs = {k: imgs[k] for k in list(imgs)[::3]}
    result, start = {}, time.time()
    for name, img in imgs.items():
        for K in (2, 16, 64, 256):
            for preset in ("quality", "fast"):
                for threads in (1, 2, 3):
                    set_threads(threads)
                    seen = []
                    fit = kmeans_lab.fit_palette(
                        img, K, preset=preset, rng=0, progress=lambda *a, s=seen: s.append(a)
                    )
                    q = kmeans_lab.quantize(img, K, preset=preset, rng=0)
                    result[f"{name} | K={K} | {preset} | threads={threads}"] = [
                        digest(fit.centroids, fit.labels, fit.counts,
                               np.array([fit.inertia, fit.n_iter]), np.array(seen, float)),
                        digest(q.palette, q.labels), repr(fit.inertia), fit.n_iter,
                    ]  # fmt: skip
            set_threads(2)
            if img.dtype == np.uint8:  # the command line's fit (the photo loaded twice)
                for preset in ("quality", "fast"):
                    fit = two_loads(img, K, preset)
                    result[f"{name} | K={K} | {preset} | two loads"] = [
                        digest(fit.centroids, fit.labels, fit.counts,
                               np.array([fit.inertia, fit.n_iter, fit.n_distinct])),
                        repr(fit.inertia), fit.n_iter,
                    ]  # fmt: skip
            runs = {"tol0 50 rounds": dict(rng=1, tol=0.0, max_iter=50, preset="fast"),
                    "random init": dict(rng=3, init="random", max_iter=15)}  # fmt: skip
            n = img.shape[0] * img.shape[1]
            if n > 4 * K:
                runs["sample"] = dict(rng=2, sample=max(K, n // 3))
            for what, kwargs in runs.items():
                fit = kmeans_lab.fit_palette(img, K, **kwargs)
                result[f"{name} | K={K} | {what}"] = [
                    digest(fit.centroids, fit.labels),
                    repr(fit.inertia),
                    fit.n_iter,
                ]
        print(f"{name}: done at {time.time() - start:.0f} s", file=sys.stderr, flush=True)
    groups: dict[str, set] = {}
    for key, value in result.items():
        if "threads=" in key:
            groups.setdefault(key.rsplit(" | ", 1)[0], set()).add(tuple(value))
    varying = sorted(g for g, values in groups.items() if len(values) > 1)
    print(f"{len(result)} configurations in {time.time() - start:.0f} s; results that depend "
          f"on the number of threads: {len(varying)} {varying[:3]}")  # fmt: skip
    return result


def compare(before: dict, after: dict) -> int:
    keys = sorted(set(before) | set(after))
    differ = [k for k in keys if before.get(k) != after.get(k)]
    for k in differ:
        print(f"differs: {k}: {before.get(k)} -> {after.get(k)}")
    print(f"{len(keys)} configurations compared, {len(differ)} differ")
    return 1 if differ else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", metavar="JSON", help="write the fingerprint to this file")
    parser.add_argument("--quick", action="store_true", help="a third of the images")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="two saved runs")
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(open(p).read()) for p in args.compare)
        return compare(before, after)
    if not args.save:
        parser.error("give --save JSON (then --compare BEFORE AFTER)")
    result = fingerprint(args.quick)
    with open(args.save, "w") as fh:
        json.dump(result, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
