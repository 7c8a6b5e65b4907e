"""Benchmark kmeans_lab.quantize against scikit-learn, Pillow and naive NumPy.

Run from the repository root (takes about 10 minutes on 2 cores)::

    python benchmarks/bench_quantize.py                 # full run, markdown table on stdout
    python benchmarks/bench_quantize.py --quick         # smaller image, fewer runs (a smoke test)

What it does
------------
1. Builds the test photo from a bundled one: ``astronaut.png`` (320 x 320)
   upscaled 8x with bicubic interpolation to 2560 x 2560 = 6.55 megapixels,
   plus seeded Gaussian noise (sigma = 4 levels of 255), rounded to 8 bits:
   about 1.05 million distinct colours, like a real camera photo. Every
   method gets the same float32 image in [0, 1] (Pillow gets its 8-bit copy).
2. Runs every method in its own fresh Python process, so that its peak memory
   is its own: the peak resident memory of the process during the run
   (``VmHWM``, reset just before the run through ``/proc/self/clear_refs``;
   ``ru_maxrss`` elsewhere) minus the resident memory once the image is
   loaded. tracemalloc would miss what BLAS and OpenMP allocate.
3. Alternates the methods (round 1: each method once, round 2: ..., seed =
   round number) and reports medians.
4. Inertia is computed the same way for every method, outside the timing:
   the sum over all pixels of the squared distance between the pixel and the
   colour the method gives it, in [0, 1] float units, in float64. For
   ``quantize`` this is its 8-bit palette (what is stored); for scikit-learn
   its float centres. PSNR = 10 log10(3 N / inertia).

Methods: ``kmeans_lab.quantize`` (K-means++ then 10 Lloyd rounds, tol=0),
scikit-learn ``KMeans(n_clusters=16, init="k-means++", n_init=1,
max_iter=10, tol=0, algorithm="lloyd")``, ``quantize(sample=200_000)``,
Pillow ``Image.quantize`` (median cut and fast octree: not K-means, no
iterations), and a naive NumPy K-means: the course's ``kmeans_plusplus``
(float64, same number of local trials) and Lloyd rounds with one
(N, K, 3) broadcast array of differences.

The numbers depend on the machine and on what else runs on it: the script
prints the CPU, the BLAS library and kernel in use, the versions and the
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

K = 16
MAX_ITER = 10
METHODS = {
    "quantize": "kmeans_lab.quantize",
    "sklearn": "scikit-learn KMeans (lloyd)",
    "quantize-sample": "quantize(sample=200_000)",
    "pillow-mediancut": "Pillow quantize, median cut",
    "pillow-fastoctree": "Pillow quantize, fast octree",
    "naive": "naive NumPy (broadcast)",
}
SEEDED = {"quantize", "sklearn", "quantize-sample", "naive"}


# ------------------------------------------------------------------ images


def build_photo(scale: int = 8, sigma: float = 4.0, seed: int = 0) -> np.ndarray:
    """The bundled astronaut photo upscaled ``scale`` times with mild noise (uint8)."""
    from PIL import Image

    import kmeans_lab as kl

    with Image.open(kl.sample_image_path("astronaut")) as im:
        im = im.convert("RGB")
        big = im.resize((im.width * scale, im.height * scale), Image.Resampling.BICUBIC)
    pixels = np.asarray(big).astype(np.float32)
    pixels += np.random.default_rng(seed).normal(0.0, sigma, pixels.shape).astype(np.float32)
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def n_distinct(u8: np.ndarray) -> int:
    flat = u8.reshape(-1, 3).astype(np.uint32)
    return len(np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]))


# ------------------------------------------------------------------ worker


def _inertia(img: np.ndarray, palette: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared distances pixel -> its colour, float64, in blocks."""
    X = img.reshape(-1, 3)
    labels = labels.reshape(-1)
    palette = np.asarray(palette, dtype=np.float64)
    total = 0.0
    for start in range(0, X.shape[0], 1 << 20):
        diff = (
            X[start : start + (1 << 20)].astype(np.float64)
            - palette[labels[start : start + (1 << 20)]]
        )
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


def _naive_kmeans(X: np.ndarray, seed: int):
    """Textbook NumPy K-means: reference k-means++, then broadcasting Lloyd."""
    import kmeans_lab as kl

    C = kl.kmeans_plusplus(X, K, np.random.default_rng(seed), n_local_trials=2 + int(math.log(K)))
    C = C.astype(X.dtype)
    labels = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    for _ in range(MAX_ITER):
        for k in range(K):
            members = X[labels == k]
            if len(members):
                C[k] = members.mean(axis=0)
        labels = np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
    return C, labels


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _memory_baseline() -> int:
    """Resident memory now (KB), with the peak reset to it where Linux allows.

    Writing 5 to /proc/self/clear_refs resets the peak (VmHWM), so an earlier
    peak (imports, loading) cannot hide the method's own.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        now = _status_kb("VmRSS")
        if now is not None:
            return now
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _memory_peak() -> int:
    """Peak resident memory (KB) since the baseline."""
    peak = _status_kb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker(method: str, image_path: str, seed: int) -> dict:
    """Run one method once in this (fresh) process and measure it."""
    img = np.load(image_path)  # float32 (H, W, 3) in [0, 1]
    X = img.reshape(-1, 3)
    if method.startswith("pillow"):
        from PIL import Image

        rgb = Image.fromarray(np.rint(img * 255).astype(np.uint8), "RGB")
        algo = (
            Image.Quantize.MEDIANCUT if method == "pillow-mediancut" else Image.Quantize.FASTOCTREE
        )
    elif method == "sklearn":
        from sklearn.cluster import KMeans
    else:
        from kmeans_lab.fast import quantize

    base = _memory_baseline()
    start_cpu, start = time.process_time(), time.perf_counter()
    if method == "quantize":
        c = quantize(img, K, init="k-means++", max_iter=MAX_ITER, tol=0, rng=seed)
        palette, labels = c.palette, c.labels
    elif method == "quantize-sample":
        c = quantize(img, K, init="k-means++", max_iter=MAX_ITER, tol=0, rng=seed, sample=200_000)
        palette, labels = c.palette, c.labels
    elif method == "sklearn":
        km = KMeans(
            n_clusters=K,
            init="k-means++",
            n_init=1,
            max_iter=MAX_ITER,
            tol=0,
            algorithm="lloyd",
            random_state=seed,
        ).fit(X)
        palette, labels = km.cluster_centers_, km.labels_
    elif method.startswith("pillow"):
        out = rgb.quantize(K, method=algo)
        labels = np.asarray(out)
        palette = np.asarray(out.getpalette("RGB")).reshape(-1, 3)[: labels.max() + 1] / 255.0
    elif method == "naive":
        palette, labels = _naive_kmeans(X, seed)
    else:
        raise SystemExit(f"unknown method {method}")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = _memory_peak()
    inertia = _inertia(img, palette, labels)
    n = X.shape[0]
    return {
        "method": method,
        "seed": seed,
        "time": elapsed,
        "cpu": cpu,
        "extra_mb": (peak - base) / 1024,
        "inertia": inertia,
        "psnr": 10 * math.log10(3 * n / inertia),
        "n_colors": int(len(np.unique(labels))),
    }


# ------------------------------------------------------------------ driver


def machine_info() -> dict:
    import PIL
    import sklearn
    from threadpoolctl import threadpool_info

    model = platform.processor()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(
            line.split(":", 1)[1].strip()
            for line in out.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration):
        pass
    import sklearn.cluster  # noqa: F401

    import kmeans_lab  # noqa: F401 (BLAS loaded the way the methods load it)

    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')} kernel, "
        f"{i.get('num_threads')} threads, {Path(i.get('filepath', '')).name})"
        for i in threadpool_info()
        if i.get("user_api") in ("blas", "openmp")
    ]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "pillow": PIL.__version__,
        "blas": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
    }


def run_worker(method: str, image_path: Path, seed: int) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        method,
        "--image",
        str(image_path),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def course_timing(repeats: int = 50) -> dict:
    """In-process timing on the 128 x 128 course image (after warm-up)."""
    import kmeans_lab as kl
    from kmeans_lab.fast import quantize

    image = kl.load_sample_image().astype(np.float32)
    results = {}
    for name, kwargs in [
        ("quantize (defaults: up to 20 rounds, tol=1e-4)", {}),
        ("quantize (10 rounds, tol=0)", {"max_iter": 10, "tol": 0}),
    ]:
        for _ in range(5):
            quantize(image, 16, **kwargs)
        walls, cpus = [], []
        for _ in range(repeats):
            c0, t0 = time.process_time(), time.perf_counter()
            quantize(image, 16, **kwargs)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        results[name] = (statistics.median(walls), min(walls), statistics.median(cpus))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=7, help="runs of each seeded method (default 7)"
    )
    parser.add_argument(
        "--naive-runs", type=int, default=3, help="runs of the naive NumPy version (default 3)"
    )
    parser.add_argument(
        "--pillow-runs", type=int, default=3, help="runs of each Pillow method (default 3)"
    )
    parser.add_argument(
        "--scale", type=int, default=8, help="upscaling of the 320 x 320 photo (default 8)"
    )
    parser.add_argument("--quick", action="store_true", help="scale 3, 2 runs each: a smoke test")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    parser.add_argument("--json", help="also write all measurements to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.image, args.seed)))
        return 0
    if args.quick:
        args.scale, args.runs, args.naive_runs, args.pillow_runs = 3, 2, 1, 1
    methods = [m for m in args.methods.split(",") if m]

    info = machine_info()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        u8 = build_photo(args.scale)
        image_path = Path(tmp) / "photo.npy"
        np.save(image_path, u8.astype(np.float32) / np.float32(255))
        H, W, _ = u8.shape
        distinct = n_distinct(u8)
        del u8
        print(
            f"# test photo: astronaut x{args.scale} + noise, {W} x {H} = {W * H / 1e6:.2f} megapixels, "
            f"{distinct:,} distinct colours; K = {K}, {MAX_ITER} rounds",
            file=sys.stderr,
        )
        results = {m: [] for m in methods}
        rounds = max(args.runs, args.naive_runs, args.pillow_runs)
        for r in range(rounds):
            for m in methods:
                wanted = (
                    args.naive_runs
                    if m == "naive"
                    else args.pillow_runs
                    if m.startswith("pillow")
                    else args.runs
                )
                if r >= wanted:
                    continue
                res = run_worker(m, image_path, r)
                results[m].append(res)
                print(
                    f"# round {r + 1}/{rounds} {m:18s} {res['time']:7.2f} s  cpu {res['cpu']:7.2f} s  "
                    f"+{res['extra_mb']:6.0f} MB  inertia {res['inertia']:10.1f}",
                    file=sys.stderr,
                    flush=True,
                )
    course = course_timing()
    load_after = os.getloadavg()

    def med(m, key):
        return statistics.median(r[key] for r in results[m])

    ref = "sklearn" if "sklearn" in results else None
    print(
        f"Test photo: {W} x {H} = {W * H / 1e6:.2f} megapixels, {distinct:,} distinct colours, "
        f"K = {K}, {MAX_ITER} Lloyd rounds, float32 input. Medians over runs; inertia = sum of squared "
        "distances in [0, 1] units over all pixels.\n"
    )
    print(
        "| method | runs | time (s) | CPU (s) | peak memory (MB) | inertia | PSNR (dB) | "
        "time / sklearn | memory / sklearn | inertia / sklearn |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in methods:
        t, cpu, mem, inertia, p = (
            med(m, k) for k in ("time", "cpu", "extra_mb", "inertia", "psnr")
        )
        if ref:
            ratios = (
                f"{t / med(ref, 'time'):.3f}",
                f"{mem / med(ref, 'extra_mb'):.2f}",
                f"{inertia / med(ref, 'inertia'):.4f}",
            )
        else:
            ratios = ("", "", "")
        print(
            f"| {METHODS[m]} | {len(results[m])} | {t:.2f} | {cpu:.2f} | {mem:.0f} | {inertia:,.0f} | {p:.2f} | "
            + " | ".join(ratios)
            + " |"
        )
    if ref and "quantize" in results:
        print(
            f"\nquantize is {med(ref, 'time') / med('quantize', 'time'):.1f}x faster than scikit-learn "
            f"(wall clock; {med(ref, 'cpu') / med('quantize', 'cpu'):.1f}x less CPU time)."
        )
    print("\nCourse image (128 x 128, float32, K = 16), in-process after warm-up, 50 calls:")
    for name, (median, best, cpu) in course.items():
        print(
            f"- {name}: median {median * 1000:.1f} ms, best {best * 1000:.1f} ms, CPU {cpu * 1000:.1f} ms"
        )
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']}, "
        f"scikit-learn {info['sklearn']}, Pillow {info['pillow']}."
    )
    print(f"BLAS/OpenMP: {'; '.join(info['blas'])}. OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']}.")
    print(
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (other work on the machine slows every method)."
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"info": info, "results": results, "course": course, "photo": [W, H, distinct]},
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
