"""Benchmark kmeans_lab.quantize and ``kmeans-lab compress`` against what people use.

Run from the repository root::

    python benchmarks/bench_quantize.py                  # the peers grid (about 25 minutes on 2 cores)
    python benchmarks/bench_quantize.py --quick          # 0.25 and 1 MP, K = 16 and 256, one run
    python benchmarks/bench_quantize.py --dither         # --dither vs pngquant's dithering, perceptual
    python benchmarks/bench_quantize.py --sklearn        # the 2026-11-26 table: scikit-learn, Pillow, naive NumPy
    python benchmarks/bench_quantize.py --corpus         # inertia and time against scikit-learn, 21 kinds of image
    python benchmarks/bench_quantize.py --corpus --seeds 1   # the same, seed 0 only: 11 minutes on 2 loaded cores

The peers grid (issue #13)
--------------------------
1. Test photos of 0.25, 1, 6.5 and 24 megapixels, built from the bundled
   ones: astronaut, chelsea and coffee side by side (and again, mirrored,
   below), upscaled with bicubic interpolation, times an illumination gradient
   of +-8 % from left to right, plus seeded Gaussian noise (sigma 4 levels),
   rounded to 8 bits: hundreds of thousands to 1.6 million distinct colours,
   like camera photos. Saved as PNG (for the command-line tools) and as a
   uint8 array (for the in-process methods).
2. For K = 2, 16, 64, 256 and every photo, each method in its own fresh
   process, the methods interleaved, ``--runs`` rounds (seed = round), medians:

   - ``quantize``: ``kmeans_lab.quantize(u8, K, rng=seed)`` with its defaults
     (the "quality" preset), and ``quantize-fast``, the same with
     ``preset="fast"`` (one k-means++ start, 4 Lloyd rounds), in process, on
     the uint8 array; peak memory = the process's peak resident memory during
     the call minus its resident memory before (``VmHWM`` reset through
     ``/proc/self/clear_refs``);
   - ``libimagequant``: the ``imagequant`` binding (``pip install
     imagequant``, the ``bench`` extra), ``quantize_pil_image(im,
     dithering_level=0, max_colors=K)`` on the RGB Pillow image, in process,
     measured the same way;
   - ``kmeans-lab compress IN.png -k K -o OUT.png --seed S --quiet``: file to
     file, its own process; wall time, CPU time and peak resident memory of
     the whole process (``wait4``'s ``ru_maxrss``), interpreter included;
   - ``pngquant --nofs --force --output OUT.png K IN.png`` (Debian's
     ``pngquant``; skipped with a message when absent): the same.

   PSNR is computed the same way for all, in integers: the written (or
   returned) palette image against the 8-bit photo.
3. A bandwidth probe: the time of one read pass over the float32 coordinates
   of the 6.5 MP photo's distinct colours (what a Lloyd round must read at
   least), against the median time of a Lloyd round of ``quantize`` on them
   (rounds 2 to the last, timed through ``progress``).

``--dither``: ``kmeans-lab compress --dither`` (Floyd-Steinberg with the
K-means palette) against ``pngquant`` with its default dithering, on the 1
and 6.5 MP photos, judged by the mean CIEDE2000 colour difference between the
photo and the result after both are blurred by a Gaussian of sigma 1.5 pixels
in linear light (what the eye averages at a normal viewing distance); PSNR
alongside.

``--sklearn``: the earlier table (astronaut upscaled 8x, K = 16, 10 rounds,
``tol=0``): ``quantize``, scikit-learn ``KMeans(init="k-means++", n_init=1,
algorithm="lloyd")``, ``quantize(sample=200_000)``, Pillow's median cut and
fast octree, and a naive NumPy K-means (the course's ``kmeans_plusplus``,
then Lloyd rounds on one (N, K, 3) broadcast array), with inertias in [0, 1]
units computed the same way for all.

The numbers depend on the machine and on what else runs on it: the script
prints the CPU, the versions and the load average before and after.
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
        "--sklearn",
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
        ("quantize (defaults: up to 10 rounds, tol=1e-4)", {}),
        ("quantize (20 rounds, tol=0)", {"max_iter": 20, "tol": 0}),
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


def sklearn_main(args) -> int:
    if args.quick:
        args.scale, args.runs, args.naive_runs, args.pillow_runs = 3, 2, 1, 1
    args.runs = args.runs or 7
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


# ------------------------------------------------------------ peers grid

SIZES = (0.25, 1.0, 6.5, 24.0)
KS = (2, 16, 64, 256)
PEERS = {
    "quantize": "kmeans_lab.quantize",
    "quantize-fast": 'quantize(preset="fast")',
    "libimagequant": "libimagequant (imagequant)",
    "cli": "kmeans-lab compress",
    "pngquant": "pngquant --nofs",
}
IN_PROCESS = {"quantize", "quantize-fast", "libimagequant"}


def build_mosaic(megapixels: float, sigma: float = 4.0, gradient: float = 0.08, seed: int = 0):
    """The bundled photos side by side, upscaled to about ``megapixels`` (uint8).

    astronaut, chelsea and coffee, each resized to 450 x 300, side by side,
    and the same row mirrored below (1350 x 600), upscaled with bicubic
    interpolation, times a left-to-right illumination gradient of
    ``1 +- gradient``, plus Gaussian noise of ``sigma`` levels, rounded.
    """
    from PIL import Image

    import kmeans_lab as kl

    row = Image.new("RGB", (1350, 300))
    for i, name in enumerate(("astronaut", "chelsea", "coffee")):
        with Image.open(kl.sample_image_path(name)) as im:
            row.paste(im.convert("RGB").resize((450, 300), Image.Resampling.BICUBIC), (450 * i, 0))
    top = np.asarray(row)
    both = np.concatenate([top, top[::-1, ::-1]], axis=0)
    height = int(round((megapixels * 1e6 * 600 / 1350) ** 0.5))
    width = int(round(height * 1350 / 600))
    big = Image.fromarray(both).resize((width, height), Image.Resampling.BICUBIC)
    del both
    out = np.empty((height, width, 3), dtype=np.uint8)
    light = np.linspace(1 - gradient, 1 + gradient, width, dtype=np.float32)[None, :, None]
    rng = np.random.default_rng(seed)
    rows = max(1, (1 << 20) // width)
    pixels = np.asarray(big)
    for top_row in range(0, height, rows):
        band = pixels[top_row : top_row + rows].astype(np.float32) * light
        band += rng.normal(0.0, sigma, band.shape).astype(np.float32)
        out[top_row : top_row + rows] = np.clip(np.rint(band), 0, 255)
    return out


def _sse(u8: np.ndarray, palette8: np.ndarray, labels: np.ndarray) -> int:
    """Sum of squared 8-bit differences, in integers, a band at a time."""
    palette8 = np.asarray(palette8, dtype=np.int32)
    total = 0
    for start in range(0, u8.shape[0], 256):
        diff = u8[start : start + 256].astype(np.int32)
        diff -= palette8[labels[start : start + 256]]
        diff *= diff
        total += int(diff.sum(dtype=np.int64))
    return total


def _psnr_of(sse: int, n_values: int) -> float:
    return float("inf") if sse == 0 else 10 * math.log10(255.0**2 * n_values / sse)


def _read_indexed_png(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        if im.mode != "P":
            raise RuntimeError(f"{path} is mode {im.mode}, not an indexed PNG")
        labels = np.asarray(im)
        palette = np.asarray(im.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3)
    return palette, labels


def peer_worker(method: str, stem: str, K: int, seed: int) -> dict:
    """Run an in-process method once in this fresh process and measure it."""
    from PIL import Image

    u8 = np.load(stem + ".npy")
    if method.startswith("quantize"):
        from kmeans_lab.fast import quantize
    else:
        import imagequant

        rgb = Image.fromarray(u8, "RGB")
    base = _memory_baseline()
    start_cpu, start = time.process_time(), time.perf_counter()
    if method.startswith("quantize"):
        preset = {"preset": "fast"} if method == "quantize-fast" else {}
        c = quantize(u8, K, rng=seed, **preset)
        palette8, labels = np.rint(c.palette * 255).astype(np.uint8), c.labels
    else:
        out = imagequant.quantize_pil_image(rgb, dithering_level=0.0, max_colors=K)
        labels = np.asarray(out)
        palette8 = np.asarray(out.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = _memory_peak()
    return {
        "time": elapsed,
        "cpu": cpu,
        "mb": (peak - base) / 1024,
        "psnr": _psnr_of(_sse(u8, palette8, labels), u8.size),
        "colors": int(len(np.unique(labels))),
    }


#: Runs a command and reports its exit code, peak memory and CPU time. A small
#: process of its own: a child's peak memory (ru_maxrss) counts what it had
#: before exec, a copy of its parent, so the parent must not be this script.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
print(json.dumps([os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime]))
"""


def run_external(cmd: list[str], u8: np.ndarray, output: Path) -> dict:
    """Run a command line tool, with its wall time, CPU time and peak memory."""
    if output.exists():
        output.unlink()
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *cmd], capture_output=True, text=True
    )
    code, elapsed, maxrss, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}):\n{done.stderr}")
    palette8, labels = _read_indexed_png(output)
    return {
        "time": elapsed,
        "cpu": cpu,
        "mb": maxrss / 1024,
        "psnr": _psnr_of(_sse(u8, palette8, labels), u8.size),
        "colors": int(len(np.unique(labels))),
    }


def run_peer(method: str, stem: Path, u8: np.ndarray, K: int, seed: int, tmp: Path) -> dict:
    if method in IN_PROCESS:
        cmd = [sys.executable, __file__, "--peer-worker", method, "--image", str(stem)]
        cmd += ["-k", str(K), "--seed", str(seed)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{method} failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    out = tmp / f"out-{method}.png"
    png = str(stem) + ".png"
    if method == "cli":
        script = Path(sys.executable).parent / "kmeans-lab"
        cmd = [str(script), "compress", png, "-k", str(K), "-o", str(out), "--seed", str(seed)]
        cmd += ["--quiet", "--force"]
    else:
        cmd = ["pngquant", "--nofs", "--force", "--output", str(out), str(K), png]
    return run_external(cmd, u8, out)


def bandwidth_probe(u8: np.ndarray, repeats: int = 20) -> dict:
    """One read pass over the float32 coordinates of the distinct colours,
    against a Lloyd round of quantize on them, K = 16 and 256."""
    from kmeans_lab.fast import _colours, _lloyd, _seeding

    keys = _colours.pixel_keys(u8)
    distinct, counts, _ = _colours.distinct_colors_of(keys, u8.shape[0] * u8.shape[1])
    points = _lloyd.Points(keys=distinct, weights=counts)
    passes = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.add.reduce(points.XT, axis=None)
        passes.append(time.perf_counter() - t0)
    one_pass = statistics.median(passes)
    rounds = {}
    for K in (16, 256):
        initial = _seeding.seed_kmeans_plusplus(points, K, np.random.default_rng(0))
        stamps = []
        _lloyd.weighted_lloyd(
            points, initial, 10, 0.0, lambda i, m, d, s=stamps: s.append(time.perf_counter())
        )
        rounds[K] = statistics.median(np.diff(stamps)[1:])
    return {
        "n_distinct": int(distinct.shape[0]),
        "bytes": int(points.XT.nbytes),
        "pass_s": one_pass,
        "GBps": points.XT.nbytes / one_pass / 1e9,
        "round_s": rounds,
    }


def peers_main(args) -> int:
    import shutil

    sizes = [float(x) for x in args.sizes.split(",")]
    Ks = [int(k) for k in args.ks.split(",")]
    methods = [m for m in args.peers.split(",") if m]
    if "pngquant" in methods and shutil.which("pngquant") is None:
        print(
            "# pngquant not found: skipped (Debian: apt-get install -y pngquant)", file=sys.stderr
        )
        methods.remove("pngquant")
    if "libimagequant" in methods:
        try:
            import imagequant  # noqa: F401
        except ImportError:
            print(
                "# imagequant not installed: libimagequant skipped (pip install -e '.[bench]')",
                file=sys.stderr,
            )
            methods.remove("libimagequant")
    load_before = os.getloadavg()
    results = {}
    photos = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        from PIL import Image

        for mp in sizes:
            u8 = build_mosaic(mp)
            stem = tmp / f"photo-{mp:g}"
            np.save(str(stem) + ".npy", u8)
            Image.fromarray(u8).save(str(stem) + ".png", compress_level=6)
            photos[mp] = (u8.shape[1], u8.shape[0], n_distinct(u8))
            print(
                f"# photo {mp:g} MP: {u8.shape[1]} x {u8.shape[0]}, {photos[mp][2]:,} distinct colours",
                file=sys.stderr,
                flush=True,
            )
            del u8
        probe = None
        if not args.no_probe and 6.5 in sizes:
            probe = bandwidth_probe(np.load(str(tmp / "photo-6.5") + ".npy"))
        for r in range(args.runs):
            for mp in sizes:
                stem = tmp / f"photo-{mp:g}"
                u8 = np.load(str(stem) + ".npy")
                for K in Ks:
                    for m in methods:
                        res = run_peer(m, stem, u8, K, r, tmp)
                        results.setdefault((mp, K, m), []).append(res)
                        print(
                            f"# run {r + 1}/{args.runs} {mp:5g} MP K={K:3d} {m:14s} {res['time']:6.2f} s "
                            f"cpu {res['cpu']:6.2f} s {res['mb']:6.0f} MB PSNR {res['psnr']:.2f}",
                            file=sys.stderr,
                            flush=True,
                        )
    load_after = os.getloadavg()

    def med(mp, K, m, key):
        runs = results.get((mp, K, m))
        return statistics.median(x[key] for x in runs) if runs else float("nan")

    print(
        f"Peers grid: {args.runs} run(s) per cell, medians; time in s (wall clock), memory in MB "
        "(in process: peak growth during the call; command lines: peak resident memory of the "
        "whole process), PSNR in dB against the 8-bit photo, no dithering.\n"
    )
    print(
        "| photo | K | quantize s | libimagequant s | time ratio | PSNR q / liq | "
        "fast preset s | fast / liq | PSNR fast | "
        "CLI s | pngquant s | time ratio | PSNR CLI / pngquant | CLI MB | pngquant MB | memory ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for mp in sizes:
        w, h, distinct = photos[mp]
        for K in Ks:
            q, liq = med(mp, K, "quantize", "time"), med(mp, K, "libimagequant", "time")
            qf = med(mp, K, "quantize-fast", "time")
            c, pq = med(mp, K, "cli", "time"), med(mp, K, "pngquant", "time")
            cm, pm = med(mp, K, "cli", "mb"), med(mp, K, "pngquant", "mb")
            print(
                f"| {w * h / 1e6:.2f} MP ({distinct / 1e6:.2f} M colours) | {K} | {q:.3f} | {liq:.3f} | "
                f"{q / liq:.2f} | {med(mp, K, 'quantize', 'psnr'):.2f} / {med(mp, K, 'libimagequant', 'psnr'):.2f} | "
                f"{qf:.3f} | {qf / liq:.2f} | {med(mp, K, 'quantize-fast', 'psnr'):.2f} | "
                f"{c:.2f} | {pq:.2f} | {c / pq:.2f} | {med(mp, K, 'cli', 'psnr'):.2f} / {med(mp, K, 'pngquant', 'psnr'):.2f} | "
                f"{cm:.0f} | {pm:.0f} | {cm / pm:.2f} |"
            )
    print("\nCPU time (s), medians:\n")
    print("| photo | K | " + " | ".join(PEERS[m] for m in methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for mp in sizes:
        for K in Ks:
            cells = " | ".join(f"{med(mp, K, m, 'cpu'):.3f}" for m in methods)
            print(f"| {mp:g} MP | {K} | {cells} |")
    if probe:
        print(
            f"\nBandwidth probe (6.5 MP photo, {probe['n_distinct']:,} distinct colours): one read pass "
            f"over their float32 coordinates ({probe['bytes'] / 1e6:.1f} MB) takes {probe['pass_s'] * 1000:.2f} ms "
            f"({probe['GBps']:.1f} GB/s); a Lloyd round of quantize (median of rounds 2-10) takes "
            + ", ".join(
                f"{t * 1000:.1f} ms at K = {K} ({t / probe['pass_s']:.1f}x the pass)"
                for K, t in probe["round_s"].items()
            )
            + "."
        )
    info = machine_info()
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']}, "
        f"Pillow {info['pillow']}; pngquant {_version(['pngquant', '--version'])}."
    )
    print(
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)}."
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "info": info,
                    "photos": {str(k): v for k, v in photos.items()},
                    "probe": probe,
                    "results": [
                        {"mp": mp, "K": K, "method": m, "runs": runs}
                        for (mp, K, m), runs in results.items()
                    ],
                },
                indent=1,
            )
        )
    return 0


def _version(cmd) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        return "(absent)"


# ---------------------------------------------------------------- dither


def _linear(u8: np.ndarray) -> np.ndarray:
    c = u8.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of linear sRGB."""
    M = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = linear @ M.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), elementwise."""
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    C1, C2 = np.hypot(a1, b1), np.hypot(a2, b2)
    Cm7 = ((C1 + C2) / 2) ** 7
    G = 0.5 * (1 - np.sqrt(Cm7 / (Cm7 + 25.0**7)))
    a1p, a2p = (1 + G) * a1, (1 + G) * a2
    C1p, C2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(C1p * C2p == 0, 0, dh)
    dHp = 2 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh / 2))
    Lm, Cm = (L1 + L2) / 2, (C1p + C2p) / 2
    hs = h1p + h2p
    hm = np.where(np.abs(h1p - h2p) > 180, np.where(hs < 360, hs + 360, hs - 360), hs) / 2
    hm = np.where(C1p * C2p == 0, hs, hm)
    T = (
        1
        - 0.17 * np.cos(np.radians(hm - 30))
        + 0.24 * np.cos(np.radians(2 * hm))
        + 0.32 * np.cos(np.radians(3 * hm + 6))
        - 0.20 * np.cos(np.radians(4 * hm - 63))
    )
    SL = 1 + 0.015 * (Lm - 50) ** 2 / np.sqrt(20 + (Lm - 50) ** 2)
    SC, SH = 1 + 0.045 * Cm, 1 + 0.015 * Cm * T
    Cm7p = Cm**7
    RT = (
        -2
        * np.sqrt(Cm7p / (Cm7p + 25.0**7))
        * np.sin(np.radians(60 * np.exp(-(((hm - 275) / 25) ** 2))))
    )
    return np.sqrt(
        (dLp / SL) ** 2 + (dCp / SC) ** 2 + (dHp / SH) ** 2 + RT * (dCp / SC) * (dHp / SH)
    )


def perceptual_difference(u8: np.ndarray, other: np.ndarray, sigma: float = 1.5) -> float:
    """Mean CIEDE2000 between two 8-bit images after a Gaussian blur of
    ``sigma`` pixels in linear light (a model of viewing distance)."""
    from scipy.ndimage import gaussian_filter

    blurred = [
        gaussian_filter(_linear(img), sigma=(sigma, sigma, 0), mode="nearest")
        for img in (u8, other)
    ]
    return float(ciede2000(_lab(blurred[0]), _lab(blurred[1])).mean())


def dither_main(args) -> int:
    import shutil

    from PIL import Image

    sizes = [
        float(x)
        for x in (args.sizes if args.sizes != ",".join(map(str, SIZES)) else "1,6.5").split(",")
    ]
    Ks = [
        int(k) for k in (args.ks if args.ks != ",".join(map(str, KS)) else "16,64,256").split(",")
    ]
    if shutil.which("pngquant") is None:
        print(
            "pngquant not found (apt-get install -y pngquant): nothing to compare", file=sys.stderr
        )
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for mp in sizes:
            u8 = build_mosaic(mp)
            png = tmp / "photo.png"
            Image.fromarray(u8).save(png)
            for K in Ks:
                row = {"mp": mp, "K": K}
                cli = ["compress", str(png), "-k", str(K), "-o", str(tmp / "cli.png")]
                cli += ["--quiet", "--force"]
                for name, cmd in [
                    ("cli", cli),
                    ("cli --dither", [*cli, "--dither"]),
                    (
                        "pngquant --nofs",
                        ["--nofs", "--force", "--output", str(tmp / "pq.png"), str(K), str(png)],
                    ),
                    ("pngquant", ["--force", "--output", str(tmp / "pq.png"), str(K), str(png)]),
                ]:
                    out = tmp / ("cli.png" if name.startswith("cli") else "pq.png")
                    exe = (
                        [str(Path(sys.executable).parent / "kmeans-lab")]
                        if name.startswith("cli")
                        else ["pngquant"]
                    )
                    res = run_external(exe + cmd, u8, out)
                    palette8, labels = _read_indexed_png(out)
                    row[name] = (
                        res["psnr"],
                        perceptual_difference(u8, palette8[labels]),
                        res["time"],
                    )
                    print(
                        f"# {mp:g} MP K={K} {name:16s} PSNR {row[name][0]:.2f} dB, blurred CIEDE2000 {row[name][1]:.3f}",
                        file=sys.stderr,
                        flush=True,
                    )
                rows.append(row)
    names = ["cli", "cli --dither", "pngquant --nofs", "pngquant"]
    print(
        "Mean CIEDE2000 after a Gaussian blur of sigma 1.5 px in linear light (lower is closer to the photo), and PSNR (dB):\n"
    )
    print("| photo | K | " + " | ".join(f"{n}: dE00 / PSNR" for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for row in rows:
        cells = " | ".join(f"{row[n][1]:.3f} / {row[n][0]:.2f}" for n in names)
        print(f"| {row['mp']:g} MP | {row['K']} | {cells} |")
    return 0


# ------------------------------------------------------------------ main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per cell (default 3; --sklearn: 7)"
    )
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="photo sizes in megapixels"
    )
    parser.add_argument("--ks", default=",".join(map(str, KS)), help="palette sizes K")
    parser.add_argument(
        "--peers", default=",".join(PEERS), help="comma-separated subset of the peers"
    )
    parser.add_argument("--no-probe", action="store_true", help="skip the bandwidth probe")
    parser.add_argument("--quick", action="store_true", help="a smoke test: small photos, one run")
    parser.add_argument("--dither", action="store_true", help="--dither vs pngquant's dithering")
    parser.add_argument("--sklearn", action="store_true", help="the earlier scikit-learn table")
    parser.add_argument(
        "--corpus", action="store_true", help="inertia against scikit-learn on 21 kinds of image"
    )
    parser.add_argument("--json", help="also write all measurements to this file")
    # --sklearn options
    parser.add_argument("--naive-runs", type=int, default=3, help="--sklearn: naive NumPy runs")
    parser.add_argument("--pillow-runs", type=int, default=3, help="--sklearn: Pillow runs")
    parser.add_argument("--scale", type=int, default=8, help="--sklearn: upscaling of astronaut")
    parser.add_argument("--methods", default=",".join(METHODS), help="--sklearn: methods")
    # --corpus options
    parser.add_argument("--seeds", type=int, default=3, help="--corpus: seeds per method")
    parser.add_argument("--preset", default=None, help="--corpus: presets (default: all)")
    parser.add_argument("--images", default=None, help="--corpus: images whose name has one of")
    parser.add_argument(
        "--corpus-size", default="full", choices=("full", "small"), help="--corpus: image size"
    )
    # workers
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--peer-worker", help=argparse.SUPPRESS)
    parser.add_argument("--image", help=argparse.SUPPRESS)
    parser.add_argument("-k", type=int, default=16, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.peer_worker:
        print(json.dumps(peer_worker(args.peer_worker, args.image, args.k, args.seed)))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.image, args.seed)))
        return 0
    if args.sklearn:
        return sklearn_main(args)
    if args.dither:
        return dither_main(args)
    if args.corpus:
        from quality_corpus import corpus_main  # beside this script

        return corpus_main(args)
    if args.quick:
        args.sizes, args.ks, args.runs = "0.25,1", "16,256", args.runs or 1
    args.runs = args.runs or 3
    return peers_main(args)


if __name__ == "__main__":
    sys.exit(main())
