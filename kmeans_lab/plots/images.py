"""Pictures: images side by side, a palette, the labels of an image.

Each helper attaches to every Axes it draws on a text alternative with the
numbers of what it shows (:func:`kmeans_lab.plots.alt_text` reads it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._text import count_noun
from .._validation import as_float_matrix
from ._alt import set_alt_text

__all__ = ["show_images", "plot_palette", "show_labels"]


def _axes(ax, **subplot_kw):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(subplot_kw=subplot_kw or None)
    return ax


def _hex(colour) -> str:
    r, g, b = (int(round(float(v) * 255)) for v in np.clip(colour, 0, 1))
    return f"#{r:02x}{g:02x}{b:02x}"


def distinct_rows(rows: np.ndarray) -> int:
    """How many distinct rows ``rows`` (shape (N, n)) holds: ``len(np.unique(rows, axis=0))``.

    Counted on each row's bytes (about 7 times faster than ``np.unique`` with
    ``axis=0``, which sorts the rows as records), with -0.0 taken as 0.0; rows
    holding NaN, or of a dtype without plain bytes, go to ``np.unique``.

    Examples
    --------
    >>> distinct_rows(np.array([[0.0, 1.0], [-0.0, 1.0], [0.5, 1.0]]))
    2
    """
    if rows.dtype.kind not in "biuf" or rows.ndim != 2 or not rows.shape[1]:
        return len(np.unique(rows, axis=0))
    if rows.dtype.kind == "f":
        if np.isnan(rows).any():
            return len(np.unique(rows, axis=0))
        rows = rows + 0.0  # -0.0 becomes 0.0, one value as np.unique sees them
    rows = np.ascontiguousarray(rows)
    return len(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))))


def describe_image(image: ArrayLike) -> str:
    """'128 x 128 px, 14,215 distinct colours, mean brightness 0.47 (0 black, 1 white)'.

    Parameters
    ----------
    image : array of shape (H, W, 3), floats in [0, 1] or uint8

    Examples
    --------
    >>> describe_image(np.zeros((2, 3, 3)))
    '3 x 2 px, 1 distinct colour, mean brightness 0.00 (0 black, 1 white)'
    """
    image = np.asarray(image)
    values = image / 255 if image.dtype == np.uint8 else np.clip(image, 0, 1)
    H, W = image.shape[:2]
    colours = distinct_rows(image.reshape(H * W, -1)) if H * W else 0
    return (
        f"{W} x {H} px, {count_noun(colours, 'distinct colour', thousands=True)}, "
        f"mean brightness {float(values.mean()) if values.size else 0.0:.2f} (0 black, 1 white)"
    )


def show_images(
    images: Sequence[ArrayLike],
    titles: Sequence[str] | None = None,
    axes=None,
    *,
    ticks: bool = False,
):
    """Show images side by side, each with its title.

    Each panel's text alternative gives its size, its number of distinct
    colours and its mean brightness (:func:`describe_image`).

    Parameters
    ----------
    images : sequence of arrays of shape (H, W, 3) in [0, 1] (or uint8)
    titles : sequence of str, optional
    axes : sequence of matplotlib Axes, optional
        One per image; a new figure with one row is made if omitted.
    ticks : bool, default=False
        Number the rows and columns (axes "column" and "row") instead of
        only giving the size in pixels.

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
        if ticks:
            ax.set_xlabel("column")
            ax.set_ylabel("row")
        else:
            ax.set_xlabel(f"{image.shape[1]} px")
            ax.set_ylabel(f"{image.shape[0]} px")
            ax.set_xticks([])
            ax.set_yticks([])
        set_alt_text(ax, f"an image, {describe_image(image)}")
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
    C = np.clip(P, 0, 1)
    brightness = C.mean(axis=1)
    dark, light = int(brightness.argmin()), int(brightness.argmax())
    return set_alt_text(
        ax,
        f"a strip of {count_noun(K, 'colour')}, indices 0 to {K - 1}",
        f"darkest index {dark} ({_hex(C[dark])}, brightness {brightness[dark]:.2f}), "
        f"lightest index {light} ({_hex(C[light])}, brightness {brightness[light]:.2f})",
        "colours in order: " + ", ".join(_hex(c) for c in C) if K <= 16 else None,
    )


def show_labels(labels: ArrayLike, K: int | None = None, ax=None, *, title: str | None = None):
    """Show an image's labels as a grey image: label 0 black, label K - 1 white.

    Parameters
    ----------
    labels : array-like of int, shape (H, W)
        The palette index of every pixel.
    K : int, optional
        Number of palette entries (default: the largest label + 1).
    ax : matplotlib Axes, optional
    title : str, optional
        Defaults to "labels (0 to K - 1)".

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> ax = show_labels(np.array([[0, 1], [1, 1]]))
    >>> ax.get_title()
    'labels (0 to 1)'
    """
    L = np.asarray(labels)
    if L.ndim != 2 or not np.issubdtype(L.dtype, np.integer):
        raise ValueError(
            f"labels must be a 2-D array of ints, shape (H, W), got {L.dtype} {L.shape}"
        )
    if L.size == 0 or L.min() < 0:
        raise ValueError("labels must be non-empty palette indices >= 0")
    K = int(L.max()) + 1 if K is None else K
    if L.max() >= K:
        raise ValueError(f"labels go up to {int(L.max())}, not below K = {K}")
    ax = _axes(ax)
    ax.imshow(L, cmap="gray", vmin=0, vmax=max(K - 1, 1), interpolation="nearest")
    ax.set_title(title if title is not None else f"labels (0 to {K - 1})")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    counts = np.bincount(L.ravel(), minlength=K)
    top = int(counts.argmax())
    set_alt_text(
        ax,
        f"the {L.shape[1]} x {L.shape[0]} labels as grey levels, 0 black to {K - 1} white; "
        f"{int((counts > 0).sum())} of {K} labels used; the most frequent, label {top}, "
        f"covers {100 * counts[top] / L.size:.0f}% of the pixels",
    )
    return ax
