"""The computing half of the interactive explorer (no widgets here).

:mod:`kmeans_lab.widgets` draws controls and views; everything it shows is
computed by this module, so it can be tested and timed without a browser or a
kernel:

- :func:`load_sample` and :func:`decode_upload` turn a bundled photo or the
  bytes of an uploaded file into an :class:`ExplorerImage`, shrunk to the
  working size (:data:`WORKING_SIZE`, 256 px on the longest side) so every
  update stays interactive;
- :func:`compute_result` runs the course's K-means once and keeps its whole
  history (:class:`ExplorerResult`); :meth:`ExplorerResult.frame` replays any
  iteration from that history without running K-means again;
- :class:`ResultCache` remembers results by (image, K, init, seed,
  iterations); :func:`compute_tradeoff` fills a PSNR/bits-against-K table
  through it;
- ``*_png`` and :func:`distortion_svg` render pictures as PNG bytes or SVG
  text for ``ipywidgets.Image`` and ``ipywidgets.HTML``.

Examples
--------
>>> from kmeans_lab.explorer_core import load_sample, compute_result
>>> result = compute_result(load_sample("course"), K=16, init="k-means++", seed=0, iterations=10)
>>> result.compressed_bits, result.frame(0).iteration
(65920, 0)
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image, ImageOps

from ._validation import check_int
from .compression import CompressedImage, original_bits
from .datasets import load_sample_image
from .image_io import (
    DEFAULT_MAX_PIXELS,
    ImageLoadError,
    decode_image,
    image_from_pil,
    image_to_pixels,
    to_uint8,
)
from .kmeans import KMeansHistory, init_centroids, kmeans_plusplus, run_kmeans
from .metrics import psnr

__all__ = [
    "WORKING_SIZE",
    "MAX_UPLOAD_BYTES",
    "INIT_METHODS",
    "TRADEOFF_KS",
    "ExplorerImage",
    "load_sample",
    "image_from_array",
    "decode_upload",
    "Frame",
    "ExplorerResult",
    "compute_result",
    "ResultCache",
    "TradeoffTable",
    "compute_tradeoff",
    "image_png",
    "compressed_png",
    "palette_png",
    "distortion_svg",
    "tradeoff_png",
]

#: Longest side, in pixels, of the images the explorer works on. Larger
#: images (uploads and bundled photos alike) are shrunk to it with a Lanczos
#: filter, so one update takes tens of milliseconds, not seconds.
WORKING_SIZE = 256

#: Largest upload accepted, in bytes (20 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

#: The initialisations offered: name -> function(X, K, rng).
INIT_METHODS: dict[str, Callable] = {"k-means++": kmeans_plusplus, "random": init_centroids}

#: Values of K in the trade-off view.
TRADEOFF_KS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)


# --------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ExplorerImage:
    """An image ready for the explorer.

    Attributes
    ----------
    key : str
        Identifies the pixels in caches: ``"sample:<name>"`` for a bundled
        photo, ``"upload:<name>:<digest>"`` for an upload (the digest of its
        bytes, so two different files with the same name never collide).
    label : str
        What the image menu shows.
    image : ndarray of shape (H, W, 3), float64
        The working copy, values in [0, 1], longest side at most the working size.
    source_size : tuple (width, height)
        Size of the file before any shrinking.
    """

    key: str
    label: str
    image: NDArray[np.float64]
    source_size: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the working copy."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def n_pixels(self) -> int:
        """Number of pixels of the working copy."""
        return int(self.image.shape[0] * self.image.shape[1])

    @property
    def shrunk(self) -> bool:
        """Whether the working copy is smaller than the file."""
        return self.size != tuple(self.source_size)


def _target_size(width: int, height: int, working_size: int) -> tuple[int, int]:
    scale = working_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink_float(image: NDArray[np.float64], working_size: int) -> NDArray[np.float64]:
    """Shrink an (H, W, 3) float image so its longest side is ``working_size``."""
    height, width = image.shape[:2]
    if max(width, height) <= working_size:
        return image
    size = _target_size(width, height, working_size)
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(image[:, :, c], dtype=np.float32), mode="F").resize(
                size, Image.Resampling.LANCZOS, reducing_gap=3.0
            ),
            dtype=np.float64,
        )
        for c in range(3)
    ]
    return np.ascontiguousarray(np.clip(np.stack(channels, axis=2), 0.0, 1.0))


def load_sample(name: str = "course", *, working_size: int = WORKING_SIZE) -> ExplorerImage:
    """Load a bundled photo for the explorer, shrunk to the working size.

    Parameters
    ----------
    name : str, default="course"
        One of :func:`kmeans_lab.sample_image_names`.
    working_size : int, default=WORKING_SIZE (256)
        Longest side of the working copy; the 128 x 128 course image is
        kept as it is.

    Returns
    -------
    ExplorerImage

    Examples
    --------
    >>> load_sample("chelsea").size
    (256, 170)
    """
    working_size = check_int(working_size, "working_size", minimum=1)
    full = load_sample_image(name)
    return ExplorerImage(
        key=f"sample:{name}",
        label=name,
        image=_shrink_float(full, working_size),
        source_size=(int(full.shape[1]), int(full.shape[0])),
    )


def image_from_array(
    image: ArrayLike, label: str = "array", *, working_size: int = WORKING_SIZE
) -> ExplorerImage:
    """Wrap an (H, W, 3) array (floats in [0, 1] or uint8) for the explorer.

    Parameters
    ----------
    image : array-like of shape (H, W, 3)
    label : str, default="array"
        Name shown in the image menu.
    working_size : int, default=WORKING_SIZE (256)

    Returns
    -------
    ExplorerImage
        Its key holds a digest of the pixels.

    Examples
    --------
    >>> import numpy as np
    >>> image_from_array(np.zeros((4, 6, 3))).size
    (6, 4)
    """
    working_size = check_int(working_size, "working_size", minimum=1)
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got {arr.shape}")
    data = to_uint8(arr)
    floats = data.astype(np.float64) / 255.0 if arr.dtype == np.uint8 else np.asarray(arr, dtype=np.float64)
    digest = hashlib.sha1(data.tobytes() + repr(arr.shape).encode()).hexdigest()[:12]
    return ExplorerImage(
        key=f"array:{label}:{digest}",
        label=label,
        image=_shrink_float(np.ascontiguousarray(floats), working_size),
        source_size=(int(arr.shape[1]), int(arr.shape[0])),
    )


def decode_upload(
    name: str,
    data: bytes,
    *,
    working_size: int = WORKING_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> ExplorerImage:
    """Decode the bytes of an uploaded file into a working image.

    The pixel count is read from the file's header and checked against
    ``max_pixels`` *before* any decoding, so a tiny file that claims to be a
    gigapixel image is refused at once. JPEGs are decoded directly at a
    reduced scale when they are much larger than the working size.

    Parameters
    ----------
    name : str
        File name (used in messages and in the image menu).
    data : bytes-like
        The file's content.
    working_size : int, default=WORKING_SIZE (256)
        Longest side of the working copy; larger images are shrunk with a
        Lanczos filter.
    max_pixels : int, default=DEFAULT_MAX_PIXELS (50,000,000)
        Refuse images with more pixels than this.
    max_bytes : int, default=MAX_UPLOAD_BYTES (20 MB)
        Refuse larger files.

    Returns
    -------
    ExplorerImage
        EXIF orientation applied, transparency composited on white (as
        :func:`kmeans_lab.load_image` does).

    Raises
    ------
    ImageLoadError
        (a ``ValueError``) for an empty file, a file too large, a file that
        is not an image, a damaged file, or too many pixels. The message
        names the upload and says what to do.
    TypeError
        If ``data`` is not bytes-like.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (600, 300), "red").save(buf, format="PNG")
    >>> decode_upload("red.png", buf.getvalue()).size
    (256, 128)
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    working_size = check_int(working_size, "working_size", minimum=1)
    max_pixels = check_int(max_pixels, "max_pixels", minimum=1)
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    data = bytes(data)

    def fail(problem: str) -> ImageLoadError:
        return ImageLoadError(f"cannot load upload '{name}': {problem}")

    if len(data) == 0:
        raise fail("the file is empty (0 bytes); it may not have been uploaded completely, try again")
    if len(data) > max_bytes:
        raise fail(f"the file is {len(data) / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB "
                   "upload limit; shrink or re-save it first")
    image, (width, height) = decode_image(
        io.BytesIO(data), fail, max_pixels=max_pixels,
        convert=lambda im: _pil_to_working(im, working_size), draft_size=working_size,
    )
    digest = hashlib.sha1(data).hexdigest()[:12]
    return ExplorerImage(key=f"upload:{name}:{digest}", label=f"upload: {name}", image=image,
                         source_size=(int(width), int(height)))


def _pil_to_working(im: Image.Image, working_size: int) -> NDArray[np.float64]:
    """Orient, shrink (in Pillow, before going to float64) and convert."""
    im = ImageOps.exif_transpose(im) or im
    if max(im.size) <= working_size:
        return image_from_pil(im)
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # high bit depth grey: convert exactly first, shrink the floats
        return _shrink_float(image_from_pil(im), working_size)
    has_alpha = "A" in im.mode or "a" in im.mode or "transparency" in im.info
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGBA" if has_alpha else "RGB")
    size = _target_size(im.size[0], im.size[1], working_size)
    return image_from_pil(im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))


# --------------------------------------------------------------------------
# K-means results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The state of one K-means run after ``iteration`` rounds.

    Attributes
    ----------
    iteration : int
    centroids : ndarray of shape (K, 3)
        The centroids as K-means had them (not rounded).
    labels : ndarray of shape (N,)
        The assignment of every pixel to ``centroids``.
    compressed : CompressedImage
        Palette (rounded to 8 bits, colours in use only) plus indices.
    psnr : float
        PSNR in dB of ``compressed`` against the original.
    distortion : float
        K-means cost J of ``centroids`` and ``labels``.
    """

    iteration: int
    centroids: NDArray[np.float64]
    labels: NDArray
    compressed: CompressedImage
    psnr: float
    distortion: float


@dataclass(frozen=True, eq=False)
class ExplorerResult:
    """One K-means run on one image, with its whole history.

    Build it with :func:`compute_result`. The final state is
    ``frame(n_iter)``; the properties describe it.

    Attributes
    ----------
    image : ExplorerImage
    K : int
    init : str
    seed : int
    iterations : int
        Rounds requested (and run: no early stop).
    history : KMeansHistory
        ``history.centroids[i]``, ``history.labels[i]``,
        ``history.distortion[i]`` after i rounds; index 0 is the
        initialisation.
    seconds : float
        Time K-means and the final frame took.
    """

    image: ExplorerImage
    K: int
    init: str
    seed: int
    iterations: int
    history: KMeansHistory
    seconds: float = 0.0
    _frames: dict = field(default_factory=dict, repr=False)

    @property
    def key(self) -> tuple:
        """The cache key ``(image key, K, init, seed, iterations)``."""
        return (self.image.key, self.K, self.init, self.seed, self.iterations)

    @property
    def n_iter(self) -> int:
        """Number of rounds stored (the last frame's index)."""
        return self.history.n_iter

    def frame(self, iteration: int) -> Frame:
        """The state after ``iteration`` rounds, replayed from the history.

        Runs no K-means step: it reads the stored centroids and labels and
        only builds the palette image and its PSNR (memoised).

        Parameters
        ----------
        iteration : int
            ``0 <= iteration <= n_iter``.

        Returns
        -------
        Frame
        """
        iteration = check_int(iteration, "iteration", minimum=0)
        if iteration > self.n_iter:
            raise ValueError(f"iteration must be between 0 and {self.n_iter}, got {iteration}")
        if iteration not in self._frames:
            centroids = self.history.centroids[iteration]
            labels = self.history.labels[iteration]
            compressed = CompressedImage.from_kmeans(centroids, labels, self.image.image.shape)
            self._frames[iteration] = Frame(
                iteration=iteration,
                centroids=centroids,
                labels=labels,
                compressed=compressed,
                psnr=psnr(self.image.image, compressed.reconstruct()),
                distortion=float(self.history.distortion[iteration]),
            )
        return self._frames[iteration]

    @property
    def final(self) -> Frame:
        """``frame(n_iter)``."""
        return self.frame(self.n_iter)

    @property
    def compressed(self) -> CompressedImage:
        """The final compressed image."""
        return self.final.compressed

    @property
    def psnr(self) -> float:
        """Final PSNR in dB."""
        return self.final.psnr

    @property
    def distortion(self) -> float:
        """Final K-means cost J."""
        return self.final.distortion

    @property
    def original_bits(self) -> int:
        """24 bits a pixel."""
        return original_bits(self.image.n_pixels)

    @property
    def compressed_bits(self) -> int:
        """Palette plus indices for the colours actually in use (<= K)."""
        return self.compressed.compressed_bits

    @property
    def compression_ratio(self) -> float:
        """``original_bits / compressed_bits``."""
        return self.original_bits / self.compressed_bits


def compute_result(image: ExplorerImage, K: int, init: str, seed: int, iterations: int) -> ExplorerResult:
    """Run K-means on an explorer image and keep its history.

    Parameters
    ----------
    image : ExplorerImage
    K : int
        ``1 <= K <= image.n_pixels``.
    init : {"k-means++", "random"}
    seed : int
        ``>= 0``; ``np.random.default_rng(seed)`` drives the initialisation.
    iterations : int
        ``>= 0`` rounds of K-means (all are run).

    Returns
    -------
    ExplorerResult

    Examples
    --------
    >>> r = compute_result(load_sample(), K=2, init="random", seed=1, iterations=3)
    >>> r.n_iter, r.final.compressed.n_colors <= 2
    (3, True)
    """
    if not isinstance(image, ExplorerImage):
        raise TypeError(f"image must be an ExplorerImage (see load_sample), got {type(image).__name__}")
    if init not in INIT_METHODS:
        raise ValueError(f"init must be one of {sorted(INIT_METHODS)}, got {init!r}")
    K = check_int(K, "K", minimum=1)
    if K > image.n_pixels:
        raise ValueError(f"K={K} is larger than the number of pixels ({image.n_pixels}); "
                         f"choose K between 1 and {image.n_pixels}")
    seed = check_int(seed, "seed", minimum=0)
    iterations = check_int(iterations, "iterations", minimum=0)
    start = time.perf_counter()
    X = image_to_pixels(image.image)
    initial = INIT_METHODS[init](X, K, np.random.default_rng(seed))
    _, _, history = run_kmeans(X, initial, iterations, return_history=True)
    result = ExplorerResult(image, K, init, seed, iterations, history)
    result.final  # build the final frame now, so its cost is timed
    object.__setattr__(result, "seconds", time.perf_counter() - start)
    return result


class ResultCache:
    """Least-recently-used cache of :class:`ExplorerResult` by key.

    Parameters
    ----------
    maxsize : int, default=32
        Results kept (each holds its history: about 50 KB a round for a
        128 x 128 image).

    Attributes
    ----------
    hits, misses : int
        Look-ups answered from the cache, and computed.

    Examples
    --------
    >>> cache = ResultCache()
    >>> img = load_sample()
    >>> a = cache.get(img, K=4, init="random", seed=0, iterations=2)
    >>> b = cache.get(img, K=4, init="random", seed=0, iterations=2)
    >>> a is b, cache.hits, cache.misses
    (True, 1, 1)
    """

    def __init__(self, maxsize: int = 32):
        self.maxsize = check_int(maxsize, "maxsize", minimum=1)
        self._store: OrderedDict[tuple, ExplorerResult] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: tuple) -> bool:
        return key in self._store

    def get(self, image: ExplorerImage, K: int, init: str, seed: int, iterations: int) -> ExplorerResult:
        """Return the cached result, computing (and storing) it if needed."""
        key = (image.key, K, init, seed, iterations)
        if key in self._store:
            self.hits += 1
            self._store.move_to_end(key)
            return self._store[key]
        result = compute_result(image, K, init, seed, iterations)
        self.misses += 1
        self._store[key] = result
        while len(self._store) > self.maxsize:
            self._store.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every result (the counters are kept)."""
        self._store.clear()


@dataclass(frozen=True)
class TradeoffTable:
    """PSNR and bits against K for one image and one setting.

    Attributes
    ----------
    image_key : str
    init : str
    seed, iterations : int
    K : ndarray of shape (n,), int
    psnr : ndarray of shape (n,), float (dB)
    compressed_bits : ndarray of shape (n,), int
    original_bits : int
    """

    image_key: str
    init: str
    seed: int
    iterations: int
    K: NDArray[np.int64]
    psnr: NDArray[np.float64]
    compressed_bits: NDArray[np.int64]
    original_bits: int

    @property
    def compression_ratio(self) -> NDArray[np.float64]:
        """``original_bits / compressed_bits`` for each K."""
        return self.original_bits / self.compressed_bits


def compute_tradeoff(
    image: ExplorerImage,
    init: str,
    seed: int,
    iterations: int,
    *,
    Ks: Sequence[int] = TRADEOFF_KS,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TradeoffTable:
    """Compress ``image`` for several K and tabulate PSNR and bits.

    Parameters
    ----------
    image : ExplorerImage
    init, seed, iterations
        As for :func:`compute_result`.
    Ks : sequence of int, default=TRADEOFF_KS
        Values larger than the number of pixels are left out.
    cache : ResultCache, optional
        Reuse (and fill) a cache.
    progress : callable, optional
        Called as ``progress(done, total)`` after each K.

    Returns
    -------
    TradeoffTable

    Examples
    --------
    >>> t = compute_tradeoff(load_sample(), "random", 0, 2, Ks=(2, 16))
    >>> bool(t.psnr[0] < t.psnr[1]), t.compressed_bits.tolist()
    (True, [16432, 65920])
    """
    Ks = sorted({check_int(K, "K", minimum=1) for K in Ks if K <= image.n_pixels})
    if not Ks:
        raise ValueError("no value of K fits this image; give at least one K <= its pixel count")
    cache = cache if cache is not None else ResultCache(maxsize=len(Ks))
    psnrs, bits = [], []
    for done, K in enumerate(Ks, start=1):
        result = cache.get(image, K, init, seed, iterations)
        psnrs.append(result.psnr)
        bits.append(result.compressed_bits)
        if progress is not None:
            progress(done, len(Ks))
    return TradeoffTable(image.key, init, seed, iterations, np.array(Ks), np.array(psnrs),
                         np.array(bits), original_bits(image.n_pixels))


# --------------------------------------------------------------------------
# rendering (PNG bytes for ipywidgets.Image, SVG/HTML text for ipywidgets.HTML)
# --------------------------------------------------------------------------


def display_scale(image_shape: tuple[int, ...], target: int = 256) -> int:
    """Integer factor that brings the longest side near ``target`` px (>= 1)."""
    return max(1, target // max(image_shape[0], image_shape[1]))


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def image_png(image: ArrayLike, scale: int = 1) -> bytes:
    """PNG bytes of an (H, W, 3) image, enlarged ``scale`` times (nearest).

    Examples
    --------
    >>> import numpy as np
    >>> image_png(np.zeros((2, 2, 3)), scale=2)[:4]
    b'\\x89PNG'
    """
    data = to_uint8(image)
    if scale > 1:
        data = np.repeat(np.repeat(data, scale, axis=0), scale, axis=1)
    return _png(Image.fromarray(np.ascontiguousarray(data)))


def compressed_png(compressed: CompressedImage, scale: int = 1) -> bytes:
    """PNG bytes of a compressed image as an indexed (palette) PNG.

    Decoded, it shows exactly ``compressed.reconstruct()`` (enlarged).
    """
    labels = compressed.labels.astype(np.uint8)
    if scale > 1:
        labels = np.repeat(np.repeat(labels, scale, axis=0), scale, axis=1)
    labels = np.ascontiguousarray(labels)
    im = Image.frombytes("P", (labels.shape[1], labels.shape[0]), labels.tobytes())
    im.putpalette(to_uint8(compressed.palette[None], "palette").reshape(-1).tolist(), rawmode="RGB")
    return _png(im)


def palette_png(palette: ArrayLike, *, cell: int = 16, per_row: int = 16) -> bytes:
    """PNG bytes of a palette: ``cell`` x ``cell`` squares, ``per_row`` a row.

    Row-major: colour k is at row ``k // per_row``, column ``k % per_row``;
    unused squares of the last row are white.
    """
    P = to_uint8(np.asarray(palette, dtype=np.float64)[None], "palette")[0]
    K = P.shape[0]
    cols = min(K, per_row)
    rows = math.ceil(K / per_row)
    grid = np.full((rows * cols, 3), 255, dtype=np.uint8)
    grid[:K] = P
    grid = grid.reshape(rows, cols, 3)
    grid = np.repeat(np.repeat(grid, cell, axis=0), cell, axis=1)
    return _png(Image.fromarray(np.ascontiguousarray(grid)))


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def distortion_svg(distortions: Sequence[float], current: int | None = None, *,
                   width: int = 380, height: int = 230) -> str:
    """An SVG line chart of the distortion per iteration, current point marked.

    Drawn as text (well under a millisecond) rather than with matplotlib,
    which takes ~100 ms a figure on a slow machine: the curve is redrawn on
    every update and every move of the iteration scrubber.

    Parameters
    ----------
    distortions : sequence of float
        ``distortions[i]`` after i iterations (``KMeansHistory.distortion``).
    current : int, optional
        Iteration to highlight.
    width, height : int
        Size in CSS pixels.

    Returns
    -------
    str
        An ``<svg>`` element; its ``<polyline>`` has one point per iteration.
    """
    d = np.asarray(distortions, dtype=np.float64)
    if d.ndim != 1 or d.size == 0:
        raise ValueError("distortions must be a non-empty 1-D sequence of numbers")
    ml, mr, mt, mb = 66, 16, 30, 44
    pw, ph = width - ml - mr, height - mt - mb
    xmax = max(d.size - 1, 1)
    lo, hi = float(d.min()), float(d.max())
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.05, 1e-6)
    lo, hi = lo - pad, hi + pad

    def x(i: float) -> float:
        return ml + pw * i / xmax

    def y(v: float) -> float:
        return mt + ph * (hi - v) / (hi - lo)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="kmeans-distortion" '
        'style="font-family: sans-serif; font-size: 11px; background: white">',
        "<title>Distortion per iteration</title>",
        f'<text x="{ml + pw / 2:.1f}" y="16" text-anchor="middle" font-size="13">Distortion per iteration</text>',
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>',
    ]
    xstep = max(1, math.ceil(xmax / 8))
    for i in range(0, d.size, xstep):
        parts.append(f'<line x1="{x(i):.1f}" y1="{mt + ph}" x2="{x(i):.1f}" y2="{mt + ph + 4}" stroke="#888"/>'
                     f'<text x="{x(i):.1f}" y="{mt + ph + 16}" text-anchor="middle">{i}</text>')
    for v in _ticks(lo, hi):
        parts.append(f'<line x1="{ml - 4}" y1="{y(v):.1f}" x2="{ml + pw}" y2="{y(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{ml - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.4g}</text>')
    parts.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">iteration</text>')
    parts.append(f'<text transform="translate(14 {mt + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 "distortion J</text>")
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(d))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    if d.size <= 60:
        parts.extend(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#1f77b4"/>' for i, v in enumerate(d))
    if current is not None and 0 <= current < d.size:
        parts.append(f'<circle cx="{x(current):.1f}" cy="{y(d[current]):.1f}" r="6" fill="none" '
                     f'stroke="#d62728" stroke-width="2.5" class="current"/>')
        parts.append(f'<text x="{ml + pw - 4}" y="{mt + 14}" text-anchor="end" fill="#d62728">'
                     f"iteration {current}: J = {d[current]:.5f}</text>")
    parts.append("</svg>")
    return "".join(parts)


def tradeoff_png(table: TradeoffTable, *, current_K: int | None = None) -> bytes:
    """PNG bytes of two panels: PSNR against K, and bits against K.

    Drawn with matplotlib's Agg canvas on a private Figure (no pyplot state,
    nothing to close). ``current_K``, if in the table, is marked.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 3.2), dpi=80, layout="constrained")
    ax_psnr, ax_bits = fig.subplots(1, 2)
    ax_psnr.plot(table.K, table.psnr, "o-", color="#1f77b4")
    ax_psnr.set_ylabel("PSNR (dB), higher is better")
    ax_psnr.set_title("Quality against K")
    ax_bits.plot(table.K, table.compressed_bits / 1000, "o-", color="#ff7f0e", label="compressed")
    ax_bits.axhline(table.original_bits / 1000, color="0.4", ls="--", label="original (24 bits/pixel)")
    ax_bits.set_ylabel("size (kilobits)")
    ax_bits.set_title("Size against K")
    ax_bits.legend(loc="center right", fontsize=8)
    for ax in (ax_psnr, ax_bits):
        ax.set_xscale("log", base=2)
        ax.set_xticks(table.K, [str(k) for k in table.K])
        ax.set_xlabel("K (palette colours)")
        ax.grid(True, alpha=0.3)
    if current_K is not None and current_K in table.K:
        i = int(np.flatnonzero(table.K == current_K)[0])
        ax_psnr.plot([current_K], [table.psnr[i]], "o", ms=11, mfc="none", mec="#d62728", mew=2)
        ax_bits.plot([current_K], [table.compressed_bits[i] / 1000], "o", ms=11, mfc="none",
                     mec="#d62728", mew=2)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def tradeoff_html(table: TradeoffTable, current_K: int | None = None) -> str:
    """An HTML table of the trade-off, the row of ``current_K`` in bold."""
    rows = []
    for K, p, b, r in zip(table.K, table.psnr, table.compressed_bits, table.compression_ratio):
        style = ' style="font-weight: bold"' if current_K == K else ""
        rows.append(f"<tr{style}><td>{K}</td><td>{p:.2f}</td><td>{b:,}</td><td>{r:.2f}</td></tr>")
    return ('<table class="kmeans-tradeoff"><tr><th>K</th><th>PSNR (dB)</th><th>bits</th>'
            "<th>ratio</th></tr>" + "".join(rows) + "</table>")


def escape(text: str) -> str:
    """HTML-escape text for the explorer's HTML widgets."""
    return html.escape(str(text))
