"""Figures for the course. Every helper takes ``ax=None``, returns the Axes
it drew on, labels what it draws, and never calls ``plt.show()``.

**Figures speak.** Every helper also attaches to each Axes it draws on a
text alternative: one sentence saying what the panel shows, with the numbers
of this run ("distortion J falls from 0.093 to 0.021 over 10 iterations,
90% of the fall in the first 3"). :func:`alt_text` reads it for an Axes or
a whole figure; in a notebook the figure is shown with it as its ``alt``
text (:mod:`kmeans_lab.plots._alt`), so a screen reader reads it in
JupyterLab, in the HTML exports and in the feedback. Clusters and series
compared in one panel differ by marker or label too, never by colour alone.

Examples
--------
>>> import numpy as np
>>> ax = plot_distortion([0.093, 0.05, 0.03, 0.021])
>>> alt_text(ax)
'distortion J falls from 0.093 to 0.021 over 3 iterations, 90% of the fall in the first 3'
"""

from ._alt import alt_text, figure_mimebundle, register_ipython, set_alt_text
from .clusters import plot_assignments, plot_kmeans_progress, plot_pixels_3d
from .curves import plot_distortion, plot_elbow, plot_tradeoff
from .images import plot_palette, show_images, show_labels

__all__ = [
    "show_images",
    "show_labels",
    "plot_palette",
    "plot_pixels_3d",
    "plot_kmeans_progress",
    "plot_assignments",
    "plot_distortion",
    "plot_elbow",
    "plot_tradeoff",
    "alt_text",
    "set_alt_text",
    "figure_mimebundle",
]

register_ipython()  # in a notebook: figures are shown with their text alternative
