"""Fast K-means colour quantization of real photos.

The course runs K-means on the 16,384 pixels of a 128 x 128 image. A
12-megapixel photo has 12 million pixels, and the textbook implementation
(one (N, K, 3) array of differences) needs gigabytes and minutes.
:func:`quantize` gives the *same* K-means, only faster:

1. **Distinct colours, weighted.** Pixels of the same colour always land in
   the same cluster, so Lloyd's algorithm runs on the distinct colours, each
   weighted by its number of pixels. The centroids are identical (a weighted
   mean equals the mean over the pixels) and a photo has far fewer distinct
   colours than pixels. With 8-bit data the colours are packed into one
   24-bit integer each, ``r << 16 | g << 8 | b``, marked in a table of one
   byte per colour, then numbered by a 3 MB rank index (a bit per colour and
   a running count), which also labels the pixels at the end: no sort, no
   float copy of the image. Their cluster sums are sums of integers, exact.
2. **Distances as a matrix product,** in float32 and in blocks of rows:
   :math:`\\lVert x - \\mu \\rVert^2 = \\lVert x \\rVert^2 - 2\\, x \\cdot \\mu
   + \\lVert \\mu \\rVert^2`. Memory stays bounded whatever the photo size.
   For K > 32, a point with a good guess of its centroid only measures the
   centroids closer to that guess than twice its distance to it (Elkan's
   triangle inequality): a handful out of 256.
3. **Greedy k-means++ seeding** (``2 + int(log K)`` candidates a step, keep
   the best, as scikit-learn does) on the weighted colours; above 65,536
   distinct colours, on a coarse histogram (the mean colour of each cube of
   8 levels a side), refined by Lloyd rounds on those cubes, so that its
   cost does not grow with the photo. The default preset ("quality") keeps
   the best of 3 starts, each judged after 10 rounds, and runs 10 more:
   on images of every kind (the benchmark's corpus,
   :mod:`kmeans_lab.fast._corpus`) its inertia is no worse than
   scikit-learn's on the median image at every K, and within 2% on every
   image; "fast" keeps one start and 4 rounds (faster than libimagequant
   on photos, with a higher PSNR).
4. **No wasted palette entry:** a centroid that loses all its pixels moves to
   the colour farthest from its centroid.
5. **Only what can change is measured again:** after the first round, a
   colour whose distance to its centroid stays below its distance to every
   other centroid (bounds updated by how far the centroids moved, Hamerly
   2010) keeps its label without a new distance computation; the few
   centroids that moved most in a round are checked by their distance
   rather than allowed to loosen every bound; near ties are decided in
   float64, so the labels are those of the float64 reference.

See ``benchmarks/`` for measurements against scikit-learn and Pillow.

Layout, as scipy's ``vq`` / ``_vq`` and scikit-learn's ``_kmeans`` /
``_k_means_*``: the public functions and the private kernels are separate
files.

- :mod:`kmeans_lab.fast.palette` -- the public API: :func:`quantize`,
  :func:`fit_palette` and its result :class:`PaletteFit`,
  :func:`print_progress`. Checks the arguments, chooses the points K-means
  runs on, packs the result into a :class:`~kmeans_lab.CompressedImage`.
- :mod:`kmeans_lab.fast.presets` -- the presets of :func:`quantize`
  ("quality", the default, and "fast"): starts tried, rounds run.
- :mod:`kmeans_lab.fast.dithering` -- :func:`dither`, Floyd-Steinberg
  dithering with a given palette (for instance the one :func:`quantize`
  found).
- the private engine: ``_lloyd`` (the points, the cluster sums, Lloyd's
  loop: points 4 and 5 above), ``_bounds`` (every point's label and Hamerly's
  bounds on it), ``_round`` (one round's reassignment: which points to
  measure again, tightening, search), ``_seeding`` (weighted k-means++
  and random, on the coarse histogram for large photos: point 3), ``_search`` (closest
  centroids: float32 block distances, the pruned search, exact ties),
  ``_colours`` (packing and indexing colours, the coarse histogram: point 1),
  ``_movers`` (the centroids that moved most, kept out of the bounds: point
  5), :mod:`kmeans_lab._threads` (the pool, shared with the PNG writer), ``_corpus``
  (the images of every kind the quality is measured on) and ``_two_loads`` (the command line's fit,
  which loads the photo again to label it rather than keep it during the
  rounds). Pure NumPy: a compiled kernel (numba) was measured and left out,
  see ``benchmarks/README.md``.

The public names are re-exported here and by :mod:`kmeans_lab`
(``kl.quantize``, ``kl.fit_palette``, ``kl.PaletteFit``, ``kl.dither``).
The exercise checks forbid student code from running anything in this
package (the module prefix ``kmeans_lab.fast``): it does every K-means step
at once.

Examples
--------
>>> import kmeans_lab as kl
>>> from kmeans_lab.fast import dither, quantize
>>> image = kl.load_sample_image()
>>> compressed = quantize(image, 8, rng=0)
>>> dithered = dither(image, compressed.palette)
>>> compressed.n_colors, dithered.n_colors
(8, 8)
"""

from .. import _threads  # noqa: F401 (its old place, kmeans_lab.fast._threads, still imports)
from .dithering import dither
from .palette import PaletteFit, fit_palette, print_progress, quantize

__all__ = ["quantize", "fit_palette", "PaletteFit", "print_progress", "dither"]
