"""Points and centroids: pixels in RGB space, the centroids' paths, assignments.

Clusters are told apart by marker as well as by colour (never by colour
alone), and each helper attaches a text alternative with its numbers to the
Axes it draws on (:func:`kmeans_lab.plots.alt_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._text import count_noun
from .._validation import DEFAULT_SEED, NOT_GIVEN, as_float_matrix, resolve_rng
from ._alt import set_alt_text
from .images import _axes

__all__ = ["plot_pixels_3d", "plot_kmeans_progress", "plot_assignments"]

#: One marker a cluster (cycled), with its name for the text alternatives.
MARKERS = [
    ("o", "circle"),
    ("s", "square"),
    ("^", "triangle"),
    ("D", "diamond"),
    ("v", "down triangle"),
    ("P", "plus"),
    ("*", "star"),
    ("h", "hexagon"),
    ("<", "left triangle"),
    (">", "right triangle"),
]


def _point(p) -> str:
    return "(" + ", ".join(f"{float(v):.2f}" for v in p) + ")"


def _clusters(ax, X, labels, *, s=14, alpha=0.8) -> dict[int, str]:
    """Scatter X cluster by cluster, each its own colour AND marker; describe each cluster."""
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have shape ({X.shape[0]},), got {labels.shape}")
    parts = {}
    for k in np.unique(labels):
        marker, name = MARKERS[int(k) % len(MARKERS)]
        members = X[labels == k]
        ax.scatter(
            members[:, 0],
            members[:, 1],
            color=f"C{int(k) % 10}",
            marker=marker,
            s=s,
            alpha=alpha,
            label=f"cluster {int(k)}" if len(MARKERS) > int(k) else None,
        )
        parts[int(k)] = f"cluster {int(k)} ({name}s): {count_noun(len(members), 'point')}"
    return parts


def plot_pixels_3d(
    X: ArrayLike,
    centroids: ArrayLike | None = None,
    ax=None,
    *,
    max_points: int = 10_000,
    rng=DEFAULT_SEED,
    seed=NOT_GIVEN,
):
    """Scatter pixel colours in RGB space, each dot in its own colour.

    Parameters
    ----------
    X : array-like of shape (N, 3)
        Pixels in [0, 1]. At most ``max_points`` of them, sampled without
        replacement with ``rng``, are drawn.
    centroids : array-like of shape (K, 3), optional
        Drawn as large black-edged crosses.
    ax : matplotlib 3-D Axes, optional
    max_points : int, default=10000
    rng : int or numpy.random.Generator, default=0
        Randomness of the sample of pixels drawn.
    seed : int, optional
        Deprecated old name of ``rng``.

    Returns
    -------
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_pixels_3d(np.random.default_rng(0).random((50, 3)))
    >>> ax.get_xlabel()
    'red'
    """
    generator = resolve_rng(rng, seed, "plot_pixels_3d")
    X = as_float_matrix(X, "X")
    if X.shape[1] != 3:
        raise ValueError(f"X must hold RGB pixels, shape (N, 3), got {X.shape}")
    ax = _axes(ax, projection="3d")
    if X.shape[0] > max_points:
        idx = generator.choice(X.shape[0], size=max_points, replace=False)
        X = X[idx]
    ax.scatter(X[:, 0], X[:, 1], X[:, 2], c=np.clip(X, 0, 1), s=3, alpha=0.6, depthshade=False)
    title = f"{count_noun(X.shape[0], 'pixel', thousands=True)} in RGB space"
    if centroids is not None:
        C = as_float_matrix(centroids, "centroids")
        ax.scatter(
            C[:, 0],
            C[:, 1],
            C[:, 2],
            c=np.clip(C, 0, 1),
            s=220,
            marker="X",
            edgecolors="black",
            linewidths=1.5,
            depthshade=False,
            label="centroids",
        )
        ax.legend(loc="upper left")
        title += f" with {count_noun(C.shape[0], 'centroid')}"
    ax.set_xlabel("red")
    ax.set_ylabel("green")
    ax.set_zlabel("blue")
    ax.set_title(title)
    lo, hi = X.min(axis=0), X.max(axis=0)
    crosses = None
    if centroids is not None:
        b = C.mean(axis=1)
        crosses = (
            f"{count_noun(C.shape[0], 'centroid')} as large black-edged crosses, "
            f"from the darkest {_point(C[b.argmin()])} to the lightest {_point(C[b.argmax()])}"
        )
    return set_alt_text(
        ax,
        f"{count_noun(X.shape[0], 'pixel', thousands=True)} as dots in their own colour, "
        f"red {lo[0]:.2f} to {hi[0]:.2f}, green {lo[1]:.2f} to {hi[1]:.2f}, "
        f"blue {lo[2]:.2f} to {hi[2]:.2f}",
        f"mean colour {_point(X.mean(axis=0))}",
        crosses,
    )


def plot_kmeans_progress(
    X: ArrayLike, centroid_history: Sequence[ArrayLike], labels: ArrayLike | None = None, ax=None
):
    """Show 2-D points and the path of every centroid over the iterations.

    Parameters
    ----------
    X : array-like of shape (N, 2)
    centroid_history : sequence of arrays of shape (K, 2)
        ``centroid_history[0]`` is the initial state (e.g.
        ``KMeansHistory.centroids``).
    labels : array-like of shape (N,), optional
        Draws each cluster in its own colour and marker.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> plot_kmeans_progress(X, [X, X]).get_xlabel()
    'feature 1'
    """
    X = as_float_matrix(X, "X")
    if X.shape[1] != 2:
        raise ValueError(f"plot_kmeans_progress draws 2-D data, got X of shape {X.shape}")
    history = np.stack([as_float_matrix(c, "centroids") for c in centroid_history])
    ax = _axes(ax)
    if labels is None:
        ax.scatter(X[:, 0], X[:, 1], color="0.6", s=12, alpha=0.7)
        clusters = [count_noun(X.shape[0], "point")]
    else:
        clusters = list(_clusters(ax, X, labels, s=12, alpha=0.7).values())
    for k in range(history.shape[1]):
        ax.plot(history[:, k, 0], history[:, k, 1], "-o", color="black", ms=3, lw=1)
    ax.plot(
        history[-1, :, 0],
        history[-1, :, 1],
        "X",
        color="red",
        ms=12,
        markeredgecolor="black",
        label="final centroids",
    )
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    n = history.shape[0] - 1
    ax.set_title(f"Centroid paths over {count_noun(n, 'iteration')}")
    ax.legend(loc="best", fontsize="small")
    moved = np.linalg.norm(np.diff(history, axis=0), axis=2).sum(axis=0)
    set_alt_text(
        ax,
        f"{'; '.join(clusters)}; the paths of {count_noun(history.shape[1], 'centroid')} "
        f"over {count_noun(n, 'iteration')} end at "
        + ", ".join(_point(c) for c in history[-1])
        + f" (red crosses); the longest path is {moved.max():.2f} long",
    )
    return ax


def plot_assignments(X: ArrayLike, centroids: ArrayLike, labels: ArrayLike, ax=None):
    """2-D points in their cluster's colour and marker, each centroid labelled by name.

    Parameters
    ----------
    X : array-like of shape (N, 2)
    centroids : array-like of shape (K, 2)
    labels : array-like of int, shape (N,)
        The index of each point's centroid.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0]])
    >>> ax = plot_assignments(X, [[0.05, 0.0], [1.0, 1.0]], [0, 0, 1])
    >>> [t.get_text() for t in ax.texts]
    ['centroid 0', 'centroid 1']
    """
    X = as_float_matrix(X, "X")
    C = as_float_matrix(centroids, "centroids")
    if X.shape[1] != 2 or C.shape[1] != 2:
        raise ValueError(f"plot_assignments draws 2-D data, got X {X.shape}, centroids {C.shape}")
    ax = _axes(ax)
    parts = _clusters(ax, X, labels)
    for k, c in enumerate(C):
        marker = MARKERS[k % len(MARKERS)][0]
        ax.scatter(
            [c[0]], [c[1]], color=f"C{k % 10}", marker=marker, s=220, edgecolors="black", lw=1.5
        )
        ax.annotate(
            f"centroid {k}", c, xytext=(10, 8), textcoords="offset points", fontweight="bold"
        )
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.legend(loc="best", fontsize="small")
    clusters = [
        f"{parts.get(k, f'cluster {k}: no points')}, centroid {k} at {_point(c)}"
        for k, c in enumerate(C)
    ]
    set_alt_text(
        ax,
        f"{count_noun(X.shape[0], 'point')} assigned to {count_noun(C.shape[0], 'centroid')}: "
        + "; ".join(clusters),
    )
    return ax
