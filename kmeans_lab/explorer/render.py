"""Rendering for the explorer: PNG bytes, SVG and HTML text, no widgets.

Every view of the explorer is a value an ``ipywidgets.Image`` (PNG bytes) or
an ``ipywidgets.HTML`` (text) can hold, built here from the model
(:class:`~kmeans_lab.explorer.ExplorerImage`,
:class:`~kmeans_lab.explorer.ExplorerResult`, :class:`~kmeans_lab.explorer.Frame`,
:class:`~kmeans_lab.explorer.TradeoffTable`), so the app only sets values:

- pictures: :func:`image_png`, :func:`compressed_png`, :func:`palette_png`
  (and :func:`display_scale`, :func:`palette_png_size` for their sizes);
- charts: :func:`distortion_svg` (redrawn at every update, so drawn as text),
  :func:`tradeoff_png` (with :func:`kmeans_lab.plots.plot_tradeoff`);
- text: the readout table, the captions, the working-size note, the status
  line and the trade-off table and its status, all HTML-escaped where they
  hold names (:func:`escape`).

Examples
--------
>>> from kmeans_lab.explorer import compute_result, load_sample, render
>>> result = compute_result(load_sample(), K=16, init="k-means++", rng=0, iterations=10)
>>> "65,920" in render.readout_html(result, result.final)
True
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from PIL import Image

from .._text import count_noun
from .._validation import as_float_vector
from ..compression import CompressedImage
from ..image_io import to_uint8
from ..plots import alt_text, plot_tradeoff
from .intake import ExplorerImage
from .model import ExplorerResult, Frame, TradeoffTable

__all__ = [
    "display_scale",
    "image_png",
    "compressed_png",
    "palette_png",
    "palette_png_size",
    "distortion_svg",
    "tradeoff_png",
    "tradeoff_figure",
    "tradeoff_html",
    "escape",
    "status_html",
    "status_text",
    "is_error",
    "original_caption",
    "working_size_note",
    "frame_captions",
    "readout_html",
    "tradeoff_progress_text",
    "tradeoff_status",
]

#: Headings of the explorer's layout.
TITLE_HTML = "<b>K-means image compression explorer</b>"
TRADEOFF_HEADING_HTML = (
    "<b>Trade-off:</b> PSNR and size against K for this image and these settings "
    "(computed on demand, then cached)"
)

# --------------------------------------------------------------------- pictures


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


def palette_png_size(n_colors: int, *, cell: int = 16, per_row: int = 16) -> tuple[int, int]:
    """(width, height) in pixels of :func:`palette_png` for ``n_colors`` colours.

    Examples
    --------
    >>> palette_png_size(20)
    (256, 32)
    """
    return cell * min(n_colors, per_row), cell * math.ceil(n_colors / per_row)


# ----------------------------------------------------------------------- charts


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


def distortion_svg(
    distortions: Sequence[float], current: int | None = None, *, width: int = 380, height: int = 230
) -> str:
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
    d = as_float_vector(distortions, "distortions")
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
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{mt + ph}" x2="{x(i):.1f}" y2="{mt + ph + 4}" stroke="#888"/>'
            f'<text x="{x(i):.1f}" y="{mt + ph + 16}" text-anchor="middle">{i}</text>'
        )
    for v in _ticks(lo, hi):
        parts.append(
            f'<line x1="{ml - 4}" y1="{y(v):.1f}" x2="{ml + pw}" y2="{y(v):.1f}" stroke="#ddd"/>'
            f'<text x="{ml - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.4g}</text>'
        )
    parts.append(
        f'<text x="{ml + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">iteration</text>'
    )
    parts.append(
        f'<text transform="translate(14 {mt + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
        "distortion J</text>"
    )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(d))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    if d.size <= 60:
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#1f77b4"/>'
            for i, v in enumerate(d)
        )
    if current is not None and 0 <= current < d.size:
        parts.append(
            f'<circle cx="{x(current):.1f}" cy="{y(d[current]):.1f}" r="6" fill="none" '
            f'stroke="#d62728" stroke-width="2.5" class="current"/>'
        )
        parts.append(
            f'<text x="{ml + pw - 4}" y="{mt + 14}" text-anchor="end" fill="#d62728">'
            f"iteration {current}: J = {d[current]:.5f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def tradeoff_png(table: TradeoffTable, *, current_K: int | None = None) -> bytes:
    """PNG bytes of two panels, PSNR against K and bits against K (see :func:`tradeoff_figure`)."""
    return tradeoff_figure(table, current_K=current_K)[0]


def tradeoff_figure(table: TradeoffTable, *, current_K: int | None = None) -> tuple[bytes, str]:
    """The trade-off's PNG bytes and its text alternative (with its numbers).

    Drawn by :func:`kmeans_lab.plots.plot_tradeoff` (the figure of notebooks
    06 and 07) on a private Figure with matplotlib's Agg canvas: no pyplot
    state, nothing to close. ``current_K``, if in the table, is marked.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.4, 3.2), dpi=80, layout="constrained")
    plot_tradeoff(
        table.K,
        table.psnr,
        table.compressed_bits,
        table.original_bits,
        current_K=current_K,
        axes=fig.subplots(1, 2),
    )
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue(), alt_text(fig)


# ------------------------------------------------------------------------- text


def tradeoff_html(table: TradeoffTable, current_K: int | None = None) -> str:
    """An HTML table of the trade-off, the row of ``current_K`` in bold."""
    rows = []
    for K, p, b, r in zip(table.K, table.psnr, table.compressed_bits, table.compression_ratio):
        style = ' style="font-weight: bold"' if current_K == K else ""
        rows.append(f"<tr{style}><td>{K}</td><td>{p:.2f}</td><td>{b:,}</td><td>{r:.2f}</td></tr>")
    return (
        '<table class="kmeans-tradeoff"><tr><th>K</th><th>PSNR (dB)</th><th>bits</th>'
        "<th>ratio</th></tr>" + "".join(rows) + "</table>"
    )


def escape(text: str) -> str:
    """HTML-escape text for the explorer's HTML widgets."""
    return html.escape(str(text))


def status_html(kind: str, text: str) -> str:
    """The status line: ``kind`` is ``"error"`` (red, with a warning sign) or ``"info"``."""
    colour = {"error": "#b00020", "info": "#1a5e20"}.get(kind, "inherit")
    prefix = "\u26a0 " if kind == "error" else ""
    return f'<span class="kmeans-{kind}" style="color: {colour}">{prefix}{escape(text)}</span>'


def status_text(status: str) -> str:
    """The text of a :func:`status_html` line, without tags or warning sign."""
    return html.unescape(re.sub(r"<[^>]+>", "", status)).replace("\u26a0 ", "").strip()


def is_error(status: str) -> bool:
    """Whether a :func:`status_html` line shows an error."""
    return 'class="kmeans-error"' in status


def original_caption(image: ExplorerImage) -> str:
    """Caption of the original: its working size."""
    return f"<b>original</b> ({image.size[0]} x {image.size[1]} px)"


def working_size_note(image: ExplorerImage, working_size: int) -> str:
    """The note under the image menu: images are shrunk, and whether this one was."""
    w, h = image.size
    source = f"{image.source_size[0]} x {image.source_size[1]} px"
    shrink = (
        f" The file is {source}; the explorer works on a {w} x {h} copy."
        if image.shrunk
        else f" This image is {source}: used as it is."
    )
    return (
        f"<small>Images are shrunk to at most {working_size} px on their longest "
        "side (uploads and bundled photos alike) so every update stays fast."
        f"{escape(shrink)}</small>"
    )


def frame_captions(result: ExplorerResult, frame: Frame) -> tuple[str, str]:
    """Captions of the compressed image and of its palette at ``frame``."""
    colours = count_noun(frame.compressed.n_colors, "colour")
    return (
        f"<b>compressed</b> ({colours}, iteration {frame.iteration}/{result.n_iter})",
        f"<b>palette</b> ({colours} in use of K = {result.K}; 8 bits a channel)",
    )


def readout_html(result: ExplorerResult, frame: Frame) -> str:
    """The numbers of ``frame``: sizes in bits, ratio, PSNR, distortion, settings."""
    c = frame.compressed
    timing = f"K-means took {result.seconds * 1000:.0f} ms" if result.seconds else ""
    rows = [
        (
            "image",
            f"{escape(result.image.label)}, {result.image.size[0]} x {result.image.size[1]} "
            f"= {result.image.n_pixels:,} pixels",
        ),
        ("K", f"{result.K} ({count_noun(c.n_colors, 'distinct colour')} used)"),
        ("bits before", f"{c.original_bits:,} (24 per pixel)"),
        (
            "bits after",
            f"{c.compressed_bits:,} (palette 24 &times; {c.n_colors} + "
            f"{c.compressed_bits - 24 * c.n_colors:,} for the indices)",
        ),
        ("compression ratio", f"{c.compression_ratio:.2f}"),
        ("PSNR", f"{frame.psnr:.2f} dB"),
        ("distortion J", f"{frame.distortion:.5f}"),
        (
            "iteration shown",
            f"{frame.iteration} of {result.n_iter} ({escape(result.init)}, seed {result.seed})",
        ),
    ]
    body = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows)
    return (
        f'<table class="kmeans-readout-table">{body}</table>'
        f'<small style="color: #666">{timing}</small>'
    )


#: The trade-off status before the button is pressed for the current settings.
TRADEOFF_NOT_COMPUTED = "<small>Press the button to compute it for these settings.</small>"


def tradeoff_progress_text(done: int, total: int) -> str:
    """The trade-off status while it is computed (``done`` of ``total`` values of K)."""
    if done:
        return f"computed {done} of {count_noun(total, 'value of K', 'values of K')}"
    return f"computing {count_noun(total, 'value of K', 'values of K')}..."


def tradeoff_status(label: str, init: str, seed: int, iterations: int) -> str:
    """The trade-off status once computed: for which image and settings."""
    return f"<small>trade-off for {escape(label)}, {init}, seed {seed}, {iterations} iterations</small>"
