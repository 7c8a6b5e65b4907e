"""Figures for the course. Every helper takes ``ax=None``, returns the Axes
it drew on, labels what it draws, and never calls ``plt.show()``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._text import count_noun
from ._validation import (
    DEFAULT_SEED,
    NOT_GIVEN,
    as_float_matrix,
    as_float_vector,
    check_int,
    resolve_rng,
)

__all__ = [
    "show_images",
    "plot_palette",
    "plot_pixels_3d",
    "plot_kmeans_progress",
    "plot_distortion",
    "plot_elbow",
    "plot_tradeoff",
]


def _axes(ax, **subplot_kw):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(subplot_kw=subplot_kw or None)
    return ax


def show_images(images: Sequence[ArrayLike], titles: Sequence[str] | None = None, axes=None):
    """Show images side by side, each with its title.

    Parameters
    ----------
    images : sequence of arrays of shape (H, W, 3) in [0, 1] (or uint8)
    titles : sequence of str, optional
    axes : sequence of matplotlib Axes, optional
        One per image; a new figure with one row is made if omitted.

    Returns
    -------
    axes : list of matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> axes = show_images([np.zeros((2, 2, 3)), np.ones((2, 2, 3))], ["black", "white"])
    >>> [ax.get_title() for ax in axes]
    ['black', 'white']
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("images must contain at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    if axes is None:
        _, axes = plt.subplots(1, len(images), figsize=(3.2 * len(images), 3.4), squeeze=False)
        axes = list(axes[0])
    axes = list(np.ravel(axes))
    if len(axes) != len(images):
        raise ValueError(f"got {len(images)} images but {len(axes)} axes")
    for i, (ax, image) in enumerate(zip(axes, images)):
        image = np.asarray(image)
        ax.imshow(
            np.clip(image, 0, 1) if image.dtype != np.uint8 else image, interpolation="nearest"
        )
        ax.set_title(titles[i] if titles is not None else f"image {i}")
        ax.set_xlabel(f"{image.shape[1]} px")
        ax.set_ylabel(f"{image.shape[0]} px")
        ax.set_xticks([])
        ax.set_yticks([])
    return axes


def plot_palette(palette: ArrayLike, ax=None, *, title: str | None = None):
    """Draw a palette as a strip of coloured squares, index under each.

    Parameters
    ----------
    palette : array-like of shape (K, 3)
        Colours in [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional
        Defaults to "Palette: K colours".

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> plot_palette(np.eye(3)).get_title()
    'Palette: 3 colours'
    """
    P = as_float_matrix(palette, "palette")
    if P.shape[1] != 3:
        raise ValueError(f"palette must have shape (K, 3), got {P.shape}")
    ax = _axes(ax)
    K = P.shape[0]
    ax.imshow(np.clip(P, 0, 1)[None, :, :], aspect="auto", interpolation="nearest")
    step = max(1, K // 16)
    ax.set_xticks(range(0, K, step))
    ax.set_yticks([])
    ax.set_xlabel("palette index")
    ax.set_title(title if title is not None else f"Palette: {count_noun(K, 'colour')}")
    return ax


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
    return ax


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
        Colours the points by cluster.
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
    else:
        ax.scatter(X[:, 0], X[:, 1], c=np.asarray(labels), cmap="tab10", s=12, alpha=0.7)
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
    ax.set_title(f"Centroid paths over {count_noun(history.shape[0] - 1, 'iteration')}")
    ax.legend(loc="best")
    return ax


def plot_distortion(distortions: Sequence[float], ax=None):
    """Plot the K-means distortion against the iteration number.

    Parameters
    ----------
    distortions : sequence of float
        ``distortions[i]`` after i iterations (e.g. ``KMeansHistory.distortion``).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> plot_distortion([3.0, 2.0, 1.5]).get_ylabel()
    'distortion (mean squared distance)'
    """
    d = as_float_vector(distortions, "distortions")
    ax = _axes(ax)
    ax.plot(np.arange(d.size), d, "o-")
    ax.set_xlabel("iteration")
    ax.set_ylabel("distortion (mean squared distance)")
    ax.set_title("Distortion per iteration")
    ax.grid(True, alpha=0.3)
    return ax


def plot_elbow(
    Ks: Sequence[int],
    distortions: ArrayLike,
    ax=None,
    *,
    elbow: int | None = None,
    log_axes: bool = False,
):
    """Plot the final distortion against K: the *elbow curve*.

    More clusters always lower the distortion, so its minimum says nothing
    about K. The elbow method looks instead for the K after which the curve
    stops falling steeply (its "elbow"): beyond it, extra clusters only
    split groups that were already well served. Data made of a few
    well-separated groups have a clear elbow; a photograph usually has none.

    Parameters
    ----------
    Ks : sequence of int, shape (n,)
        The numbers of clusters tried, each ``>= 1``, in increasing order.
    distortions : array-like of shape (n,)
        The distortion J reached with each K (e.g. the lowest of a few
        random starts, :func:`kmeans_lab.distortion`).
    ax : matplotlib Axes, optional
    elbow : int, optional
        A K of ``Ks`` to circle in red and label as the elbow.
    log_axes : bool, default=False
        Draw both axes on a logarithmic scale (K in base 2, a tick at every
        K; for ``Ks`` such as 2, 4, ..., 64). A distortion that falls by the
        same factor at every doubling of K is then a straight line: a curve
        without an elbow, whatever the range of K drawn.

    Returns
    -------
    ax : matplotlib.axes.Axes

    See Also
    --------
    plot_distortion : the distortion against the iteration, for one K.
    plot_tradeoff : quality and size against K, for a compressed image.

    Examples
    --------
    >>> ax = plot_elbow([1, 2, 3, 4], [6.8, 3.5, 1.2, 1.0], elbow=3)
    >>> ax.get_xlabel(), ax.get_title()
    ('K, number of clusters', 'Elbow curve: distortion against K')
    """
    Ks = [check_int(K, "K", minimum=1) for K in Ks]
    d = as_float_vector(distortions, "distortions")
    if len(Ks) != d.size:
        raise ValueError(
            f"Ks and distortions must have the same length, got {len(Ks)} and {d.size}"
        )
    if any(b <= a for a, b in zip(Ks, Ks[1:])):
        raise ValueError(f"Ks must be in increasing order, got {Ks}")
    if elbow is not None and elbow not in Ks:
        raise ValueError(f"elbow={elbow} is not one of Ks {Ks}")
    if log_axes and np.any(d <= 0):
        raise ValueError("log_axes=True needs distortions > 0")
    ax = _axes(ax)
    ax.plot(Ks, d, "o-", color="tab:blue")
    if elbow is not None:
        y = d[Ks.index(elbow)]
        ax.plot([elbow], [y], "o", ms=14, mfc="none", mec="tab:red", mew=2, label="elbow")
        ax.annotate(
            f"elbow: K = {elbow}",
            (elbow, y),
            xytext=(12, 12),
            textcoords="offset points",
            color="tab:red",
        )
    if log_axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
    ax.set_xticks(Ks, [str(K) for K in Ks])
    ax.set_xlabel("K, number of clusters (log scale)" if log_axes else "K, number of clusters")
    ax.set_ylabel(f"distortion J (mean squared distance{', log scale' if log_axes else ''})")
    ax.set_title("Elbow curve: distortion against K")
    ax.grid(True, alpha=0.3)
    return ax


def plot_tradeoff(
    Ks: Sequence[int],
    psnr: ArrayLike,
    compressed_bits: ArrayLike,
    original_bits: int | None = None,
    *,
    current_K: int | None = None,
    axes=None,
):
    """Draw the trade-off over K: quality on the left, size on the right.

    Both panels put K on a logarithmic axis (base 2) with a tick at every
    value, so each doubling of K is one step to the right: the size grows by
    about one bit a pixel per step while the PSNR gains less and less.

    Parameters
    ----------
    Ks : sequence of int, shape (n,)
        Palette sizes, each ``>= 1``.
    psnr : array-like of shape (n,)
        PSNR in dB of the image compressed with each K.
    compressed_bits : array-like of shape (n,)
        Its size in bits (palette plus indices), drawn in kilobits.
    original_bits : int, optional
        Size of the uncompressed image (24 bits a pixel), drawn as a dashed
        line; omitted if not given.
    current_K : int, optional
        Circle the two points of this K in red (the explorer's current
        setting); nothing is marked if it is not one of ``Ks``.
    axes : sequence of two matplotlib Axes, optional
        Where to draw (quality, size); a new 10 x 3.4 inch figure if omitted.

    Returns
    -------
    axes : list of two matplotlib.axes.Axes
        ``[quality, size]``.

    See Also
    --------
    kmeans_lab.explorer.compute_tradeoff : computes the table the explorer draws.

    Examples
    --------
    >>> ax_q, ax_s = plot_tradeoff([2, 4, 8], [21.9, 26.1, 29.2], [16432, 32864, 49344], 393216)
    >>> ax_q.get_ylabel(), ax_s.get_ylabel()
    ('PSNR (dB), higher is better', 'size (kilobits)')
    """
    Ks = [check_int(K, "K", minimum=1) for K in Ks]
    psnr = as_float_vector(psnr, "psnr")
    kilobits = as_float_vector(compressed_bits, "compressed_bits") / 1000
    if not len(Ks) == len(psnr) == len(kilobits):
        raise ValueError(
            f"Ks, psnr and compressed_bits must have the same length, got "
            f"{len(Ks)}, {len(psnr)} and {len(kilobits)}"
        )
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    axes = list(np.ravel(axes))
    if len(axes) != 2:
        raise ValueError(f"axes must be two Axes (quality, size), got {len(axes)}")
    ax_q, ax_s = axes
    ax_q.plot(Ks, psnr, "o-", color="tab:blue")
    ax_q.set_ylabel("PSNR (dB), higher is better")
    ax_q.set_title("Quality against K")
    ax_s.plot(Ks, kilobits, "o-", color="tab:orange", label="compressed")
    if original_bits is not None:
        original = check_int(original_bits, "original_bits", minimum=1)
        ax_s.axhline(original / 1000, color="0.4", ls="--", label="original, 24 bits a pixel")
    ax_s.set_ylabel("size (kilobits)")
    ax_s.set_title("Size against K")
    ax_s.legend(loc="center right", fontsize="small")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(Ks, [str(K) for K in Ks])
        ax.set_xlabel("K, number of colours (log scale)")
        ax.grid(True, alpha=0.3)
    if current_K is not None and current_K in Ks:
        i = Ks.index(current_K)
        for ax, y in ((ax_q, psnr[i]), (ax_s, kilobits[i])):
            ax.plot([current_K], [y], "o", ms=11, mfc="none", mec="tab:red", mew=2)
    return axes
