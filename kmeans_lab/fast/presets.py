"""The presets of :func:`kmeans_lab.quantize`: how hard it works.

One record per preset (``preset=`` of :func:`~kmeans_lab.quantize` and
:func:`~kmeans_lab.fit_palette`, ``--preset`` of ``kmeans-lab compress``):
how many k-means++ starts are tried, how each is judged, how many Lloyd
rounds follow. Why these values: benchmarks/README.md (``bench_quantize.py
--corpus``).

Examples
--------
>>> from kmeans_lab.fast.presets import PRESETS
>>> PRESETS["fast"].n_starts, PRESETS["fast"].max_iter
(1, 4)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Preset", "PRESETS", "DEFAULT_PRESET", "DEFAULT_MAX_ITER"]


@dataclass(frozen=True)
class Preset:
    """How hard :func:`quantize` and :func:`fit_palette` work: a named preset.

    Attributes
    ----------
    max_iter : int
        Lloyd rounds on every distinct colour, unless ``max_iter`` is given.
    n_starts : int
        k-means++ starts tried; the best one is kept (the lowest inertia
        after ``probe_rounds`` Lloyd rounds from it, or, on photos seeded on
        the coarse histogram, after the rounds on the histogram).
    probe_rounds : int
        Lloyd rounds each start runs on the distinct colours before the best
        is chosen (when ``n_starts > 1``); the best one carries on from there.
    """

    max_iter: int
    n_starts: int
    probe_rounds: int


#: The presets (``preset=`` of :func:`quantize`, ``--preset`` of ``kmeans-lab
#: compress``); what each gives on the benchmark's corpus of 21 kinds of
#: image, against scikit-learn's ``KMeans`` (k-means++, 10 Lloyd rounds), and
#: against libimagequant: see :func:`kmeans_lab.quantize` and
#: benchmarks/README.md. "quality", the default: an inertia no worse than
#: scikit-learn's (the best of 3 starts, then 10 rounds; 20 until 2026-12-06,
#: which changed no cell of the corpus from below scikit-learn to above).
#: "fast": faster than libimagequant (pngquant's engine) on
#: photos of 0.25 to 24 megapixels with a PSNR at least as high, for more
#: inertia: one k-means++ start and 4 rounds (on photos with many colours
#: the start has had 10 rounds on the coarse histogram already). With
#: ``max_iter=10`` it is the defaults before 2026-12, bit for bit.
PRESETS = {
    "quality": Preset(max_iter=10, n_starts=3, probe_rounds=10),
    "fast": Preset(max_iter=4, n_starts=1, probe_rounds=0),
}
DEFAULT_PRESET = "quality"
#: Lloyd rounds of the default preset.
DEFAULT_MAX_ITER = PRESETS[DEFAULT_PRESET].max_iter
