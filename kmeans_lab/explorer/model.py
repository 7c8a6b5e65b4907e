"""The computation model of the explorer: K-means runs, their history, a cache.

Nothing here draws or imports ipywidgets, so all of it can be tested and
timed without a browser or a kernel:

- :func:`compute_result` runs the course's K-means (:func:`kmeans_lab.run_kmeans`
  from an initialisation of :data:`kmeans_lab.kmeans.INIT_METHODS`) once and
  keeps its whole history in an :class:`ExplorerResult`;
  :meth:`ExplorerResult.frame` replays any iteration from that history
  (a :class:`Frame`) without running K-means again;
- :class:`ResultCache` remembers results by (image, K, init, seed,
  iterations), so going back to a setting is instant;
- :func:`compute_tradeoff` fills a :class:`TradeoffTable` of PSNR and bits
  against K through that cache.

The randomness parameter is ``rng``, an int seed ``>= 0``: results are cached
and shown under their seed, so a ``Generator`` cannot be used here. The old
name ``seed=`` still works, with a ``DeprecationWarning``, for one release.

Examples
--------
>>> from kmeans_lab.explorer import compute_result, load_sample
>>> result = compute_result(load_sample("course"), K=16, init="k-means++", rng=0, iterations=10)
>>> result.compressed_bits, result.frame(0).iteration
(65920, 0)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .._validation import (
    NOT_GIVEN,
    check_choice,
    check_int,
    check_int_between,
    check_K,
    check_seed,
    check_type,
    rng_from_seed_alias,
)
from ..compression import CompressedImage, original_bits
from ..image_io import image_to_pixels
from ..kmeans import INIT_METHODS, KMeansHistory, run_kmeans
from ..metrics import psnr
from .intake import ExplorerImage, load_sample  # noqa: F401  (load_sample: doctests)

__all__ = [
    "TRADEOFF_KS",
    "Frame",
    "ExplorerResult",
    "compute_result",
    "ResultCache",
    "TradeoffTable",
    "compute_tradeoff",
]

#: Values of K in the trade-off view.
TRADEOFF_KS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)


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
        The seed of the initialisation (the ``rng`` it was computed with).
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
        iteration = check_int_between(iteration, "iteration", 0, self.n_iter)
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

    def summary(self) -> dict:
        """The settings and numbers of the final state, rounded for printing.

        Returns
        -------
        dict
            ``image`` (its label), ``K``, ``init``, ``seed``, ``iterations``,
            ``colours``, ``original_bits``, ``compressed_bits``, ``ratio``
            (2 dp), ``psnr_db`` (2 dp), ``distortion`` (6 dp).

        Examples
        --------
        >>> result = compute_result(load_sample(), K=4, init="random", rng=0, iterations=3)
        >>> result.summary()["compressed_bits"], result.summary()["psnr_db"]
        (32864, 25.77)
        """
        return {
            "image": self.image.label,
            "K": self.K,
            "init": self.init,
            "seed": self.seed,
            "iterations": self.iterations,
            "colours": self.compressed.n_colors,
            "original_bits": self.original_bits,
            "compressed_bits": self.compressed_bits,
            "ratio": round(self.compression_ratio, 2),
            "psnr_db": round(self.psnr, 2),
            "distortion": round(self.distortion, 6),
        }


def compute_result(
    image: ExplorerImage,
    K: int,
    init: str,
    rng: int | None = None,
    iterations: int | None = None,
    *,
    seed: object = NOT_GIVEN,
) -> ExplorerResult:
    """Run K-means on an explorer image and keep its history.

    Parameters
    ----------
    image : ExplorerImage
    K : int
        ``1 <= K <= image.n_pixels``.
    init : {"k-means++", "random"}
        A name in :data:`kmeans_lab.kmeans.INIT_METHODS`.
    rng : int
        Seed of the initialisation, ``>= 0`` (required):
        ``np.random.default_rng(rng)`` chooses the initial centroids. An int
        only, as the result is cached and shown under it.
    iterations : int
        ``>= 0`` rounds of K-means (all are run); required.
    seed : int, optional
        Deprecated old name of ``rng`` (a ``DeprecationWarning``); giving
        both is a TypeError.

    Returns
    -------
    ExplorerResult

    Examples
    --------
    >>> r = compute_result(load_sample(), K=2, init="random", rng=1, iterations=3)
    >>> r.n_iter, r.final.compressed.n_colors <= 2
    (3, True)
    """
    rng = rng_from_seed_alias(rng, seed, "compute_result")
    check_type(image, "image", ExplorerImage, "an ExplorerImage (see load_sample)")
    init = check_choice(init, "init", INIT_METHODS)
    K = check_K(K, image.n_pixels)
    rng = check_seed(rng)
    iterations = check_int(iterations, "iterations", minimum=0)
    start = time.perf_counter()
    X = image_to_pixels(image.image)
    initial = INIT_METHODS[init](X, K, np.random.default_rng(rng))
    _, _, history = run_kmeans(X, initial, iterations, return_history=True)
    result = ExplorerResult(image, K, init, rng, iterations, history)
    _ = result.final  # build the final frame now, so its cost is timed
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
    >>> a = cache.get(img, K=4, init="random", rng=0, iterations=2)
    >>> b = cache.get(img, K=4, init="random", rng=0, iterations=2)
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

    def get(
        self,
        image: ExplorerImage,
        K: int,
        init: str,
        rng: int | None = None,
        iterations: int | None = None,
        *,
        seed: object = NOT_GIVEN,
    ) -> ExplorerResult:
        """Return the cached result, computing (and storing) it if needed.

        The arguments are those of :func:`compute_result` (``seed=`` is the
        deprecated old name of ``rng``).
        """
        rng = rng_from_seed_alias(rng, seed, "ResultCache.get")
        key = (image.key, K, init, rng, iterations)
        if key in self._store:
            self.hits += 1
            self._store.move_to_end(key)
            return self._store[key]
        result = compute_result(image, K, init, rng, iterations)
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
        The settings of every run (``seed`` is the ``rng`` given).
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
    rng: int | None = None,
    iterations: int | None = None,
    *,
    seed: object = NOT_GIVEN,
    Ks: Sequence[int] = TRADEOFF_KS,
    cache: ResultCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TradeoffTable:
    """Compress ``image`` for several K and tabulate PSNR and bits.

    Parameters
    ----------
    image : ExplorerImage
    init, rng, iterations
        As for :func:`compute_result` (required).
    Ks : sequence of int, default=TRADEOFF_KS
        Values larger than the number of pixels are left out.
    cache : ResultCache, optional
        Reuse (and fill) a cache.
    progress : callable, optional
        Called as ``progress(done, total)`` after each K.
    seed : int, optional
        Deprecated old name of ``rng``.

    Returns
    -------
    TradeoffTable

    Examples
    --------
    >>> t = compute_tradeoff(load_sample(), "random", 0, 2, Ks=(2, 16))
    >>> bool(t.psnr[0] < t.psnr[1]), t.compressed_bits.tolist()
    (True, [16432, 65920])
    """
    rng = rng_from_seed_alias(rng, seed, "compute_tradeoff")
    Ks = sorted({check_int(K, "K", minimum=1) for K in Ks if K <= image.n_pixels})
    if not Ks:
        raise ValueError("no value of K fits this image; give at least one K <= its pixel count")
    cache = cache if cache is not None else ResultCache(maxsize=len(Ks))
    psnrs, bits = [], []
    for done, K in enumerate(Ks, start=1):
        result = cache.get(image, K, init, rng, iterations)
        psnrs.append(result.psnr)
        bits.append(result.compressed_bits)
        if progress is not None:
            progress(done, len(Ks))
    return TradeoffTable(
        image.key,
        init,
        rng,
        iterations,
        np.array(Ks),
        np.array(psnrs),
        np.array(bits),
        original_bits(image.n_pixels),
    )
