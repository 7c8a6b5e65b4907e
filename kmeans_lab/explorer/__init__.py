"""The interactive K-means explorer: intake, model, rendering, app.

Move K, the number of iterations, the initialisation and the seed, pick a
bundled photo or upload your own, and see at once the compressed image, its
palette, the bits saved, the PSNR, the distortion curve, and a replay of the
convergence iteration by iteration; a button computes the PSNR/size
trade-off over K. ``kmeans_lab.explore()`` opens it in a notebook.

The package is four layers, each a module that only uses the ones before it:

1. :mod:`~kmeans_lab.explorer.intake` -- what the explorer works on: an
   :class:`ExplorerImage` from a bundled photo, an array or an uploaded
   file, shrunk to :data:`WORKING_SIZE` (256 px) so updates stay fast;
2. :mod:`~kmeans_lab.explorer.model` -- the computation: one K-means run
   with its whole history (:class:`ExplorerResult`, replayed a
   :class:`Frame` at a time), a :class:`ResultCache`, the trade-off table
   (:func:`compute_tradeoff`). The course's own functions do the work
   (:func:`kmeans_lab.run_kmeans`, :data:`kmeans_lab.kmeans.INIT_METHODS`);
3. :mod:`~kmeans_lab.explorer.render` -- the views as values: PNG bytes,
   SVG and HTML text, the trade-off figure
   (:func:`kmeans_lab.plots.plot_tradeoff`);
4. :mod:`~kmeans_lab.explorer.layout` and :mod:`~kmeans_lab.explorer.app` --
   the ipywidgets: the controls and where they sit, then
   :class:`KMeansExplorer`, whose observers ask the model for a result and
   set each view to what the renderer makes of it. Its numbers are those
   of ``explorer.result``.

Layers 1-3 import no widgets, so they can be tested and timed without a
kernel or a browser. Importing this package does not import ipywidgets
either: :class:`KMeansExplorer` and :func:`explore` are loaded when first
asked for. The randomness parameter is ``rng`` (an int seed here: results
are cached and shown under it); ``seed=`` is its deprecated old name.

Examples
--------
>>> from kmeans_lab.explorer import compute_result, load_sample
>>> result = compute_result(load_sample("course"), K=16, init="k-means++", rng=0, iterations=10)
>>> result.summary()["compressed_bits"], round(result.psnr, 2)
(65920, 31.69)
"""

from .intake import (
    MAX_UPLOAD_BYTES,
    WORKING_SIZE,
    ExplorerImage,
    decode_upload,
    image_from_array,
    load_sample,
)
from .model import (
    TRADEOFF_KS,
    ExplorerResult,
    Frame,
    ResultCache,
    TradeoffTable,
    compute_result,
    compute_tradeoff,
)

__all__ = [
    "WORKING_SIZE",
    "MAX_UPLOAD_BYTES",
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
    "KMeansExplorer",
    "explore",
]


def __getattr__(name):
    # The app needs ipywidgets: import it only when asked for.
    if name in ("KMeansExplorer", "explore"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module 'kmeans_lab.explorer' has no attribute {name!r}")
