"""Curves: the distortion per iteration, the elbow curve, the trade-off over K.

Each helper attaches a text alternative with its numbers to the Axes it
draws on (:func:`kmeans_lab.plots.alt_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._text import count_noun
from .._validation import as_float_vector, check_int
from ._alt import set_alt_text
from .images import _axes

__all__ = ["plot_distortion", "plot_elbow", "plot_tradeoff"]


def _g(v: float) -> str:
    """A number as the figures print it: 3 significant digits."""
    return f"{float(v):.3g}"


def describe_distortion(d) -> str:
    """'distortion J falls from 0.093 to 0.021 over 10 iterations, 90% of the fall in the first 3'.

    Examples
    --------
    >>> describe_distortion([2.0, 2.0])
    'distortion J stays at 2 over 1 iteration'
    """
    d = np.asarray(d, dtype=float)
    n = count_noun(d.size - 1, "iteration")
    fall = d[0] - d[-1]
    if d.size < 2 or not fall > 0:
        return f"distortion J stays at {_g(d[0])} over {n}" if d.size else "no distortion"
    first = int(np.argmax(d[0] - d >= 0.9 * fall))  # iterations until 90% of the fall
    return (
        f"distortion J falls from {_g(d[0])} to {_g(d[-1])} over {n}, "
        f"90% of the fall in the first {first}"
    )


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
    set_alt_text(ax, describe_distortion(d))
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
    steps = circled = None
    if len(Ks) > 1 and np.all(d > 0):
        ratios = d[:-1] / d[1:]
        steps = f"each step of K divides J by {ratios.min():.2f} to {ratios.max():.2f}"
    if elbow is not None:
        circled = f"the elbow, circled, at K = {elbow} (J = {_g(d[Ks.index(elbow)])})"
    return set_alt_text(
        ax,
        f"distortion J against K = {', '.join(map(str, Ks))}"
        f"{' on log-log axes' if log_axes else ''}: J falls from {_g(d[0])} at K = {Ks[0]} "
        f"to {_g(d[-1])} at K = {Ks[-1]}",
        steps,
        circled,
    )


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
    marked = current_K is not None and current_K in Ks
    if marked:
        i = Ks.index(current_K)
        for ax, y in ((ax_q, psnr[i]), (ax_s, kilobits[i])):
            ax.plot([current_K], [y], "o", ms=11, mfc="none", mec="tab:red", mew=2)
    span = f"from K = {Ks[0]} to K = {Ks[-1]} (log scale)"
    set_alt_text(
        ax_q,
        f"PSNR goes from {psnr[0]:.1f} dB to {psnr[-1]:.1f} dB {span}",
        f"K = {current_K} circled, {psnr[i]:.1f} dB" if marked else None,
    )
    set_alt_text(
        ax_s,
        f"compressed size goes from {kilobits[0]:.1f} to {kilobits[-1]:.1f} kilobits {span}",
        f"the original's {original / 1000:.1f} kilobits as a dashed line"
        if original_bits is not None
        else None,
        f"K = {current_K} circled, {kilobits[i]:.1f} kilobits" if marked else None,
    )
    return axes
