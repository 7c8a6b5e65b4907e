"""The explorer's widgets and where they sit: layout only, no behaviour.

:class:`ExplorerLayout` creates every control and view of the explorer as an
attribute and arranges them in one ``ipywidgets.VBox``, :attr:`widget`.
:class:`~kmeans_lab.explorer.KMeansExplorer` inherits it and adds what the
controls do (:mod:`kmeans_lab.explorer.app`). The CSS classes set here
(``kmeans-explorer``, ``kmeans-K``, ``kmeans-readout``, ...) are how the
browser test finds the explorer's parts.
"""

from __future__ import annotations

import ipywidgets as widgets

from .._validation import check_int
from ..datasets import sample_image_names
from ..kmeans import INIT_METHODS
from . import render
from .access import AccessBridge
from .intake import ExplorerImage
from .model import TRADEOFF_KS

__all__ = ["ExplorerLayout", "K_STOPS", "K_options"]

#: Largest K on the slider (an indexed PNG holds at most 256 colours).
MAX_K = 256
#: The stops of the K slider: the powers of two 1, 2, 4, ..., 256. Each step
#: to the right doubles K and costs one more bit a pixel, so the slider's
#: travel follows the trade-off (an even 1..256 scale spent three quarters
#: of its travel above K = 64, where the picture hardly changes).
K_STOPS: tuple[int, ...] = tuple(2**i for i in range(MAX_K.bit_length()))
#: Most rounds of K-means on the iterations slider.
MAX_ITERATIONS = 50
#: Largest seed the seed box takes.
MAX_SEED = 2**31 - 1


def K_options(n_pixels: int, K: int | None = None) -> list[int]:
    """The values of the K slider for an image of ``n_pixels`` pixels.

    The stops of :data:`K_STOPS` up to the largest K the image allows,
    ``min(MAX_K, n_pixels)``; that largest K itself, so that every pixel
    can keep its own colour on a tiny image; and ``K``, a value set from
    code (``configure(K=10)``), so that the slider can show it.

    Examples
    --------
    >>> K_options(128 * 128)
    [1, 2, 4, 8, 16, 32, 64, 128, 256]
    >>> K_options(9), K_options(128 * 128, K=10)[:6]
    ([1, 2, 4, 8, 9], [1, 2, 4, 8, 10, 16])
    """
    limit = min(MAX_K, n_pixels)
    values = {k for k in K_STOPS if k <= limit} | {limit}
    if K is not None and 1 <= K <= limit:
        values.add(K)
    return sorted(values)


class ExplorerLayout:
    """The controls and views of the explorer, created and laid out.

    Parameters
    ----------
    first : ExplorerImage
        The image the menu starts with (the bundled photos follow).
    K, iterations : int
    init : str
    rng : int
        First values of the controls (``rng`` is the seed box's).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole explorer; displaying the explorer displays it.
    image_dropdown, upload_button, K_slider, iterations_slider, init_buttons, seed_box
        The controls (change their ``value`` from Python to drive the explorer).
        ``K_slider`` is a ``SelectionSlider`` whose values are
        :func:`K_options` (powers of two): its ``value`` must be one of
        them; ``configure(K=...)`` takes any K and adds it as a stop.
    iteration_slider, play
        The scrubber: which stored iteration the views show.
    original_view, compressed_view, palette_view : ipywidgets.Image
        PNG bytes in ``.value``.
    readout, curve, status, note : ipywidgets.HTML
        Numbers; the distortion curve (SVG); messages; the working-size note.
    tradeoff_button, tradeoff_progress, tradeoff_plot, tradeoff_table
        The trade-off view.
    access : kmeans_lab.explorer.access.AccessBridge
        Accessible names, alt texts and the live region, set by the explorer.
    original_caption, compressed_caption, palette_caption, tradeoff_status : ipywidgets.HTML
        Captions of the views, and the trade-off's status line.
    """

    def __init__(
        self, first: ExplorerImage, *, K: int, iterations: int, init: str, rng: int
    ) -> None:
        W = widgets
        wide = {"description_width": "initial"}
        options = [(first.label, first.key)]
        for name in sample_image_names():
            if f"sample:{name}" != first.key:
                options.append((name, f"sample:{name}"))
        self.image_dropdown = W.Dropdown(options=options, value=first.key, description="image")
        self.upload_button = W.FileUpload(
            accept="image/*",
            multiple=False,
            description="upload",
            tooltip="Upload your own image (PNG, JPEG, ...)",
        )
        K = min(check_int(K, "K", minimum=1), MAX_K, first.n_pixels)
        self.K_slider = W.SelectionSlider(
            options=K_options(first.n_pixels, K),
            value=K,
            description="K (colours)",
            continuous_update=False,
            style=wide,
            layout=W.Layout(width="420px"),
        )
        self.iterations_slider = W.IntSlider(
            value=iterations,
            min=0,
            max=MAX_ITERATIONS,
            description="iterations",
            continuous_update=False,
            style=wide,
            layout=W.Layout(width="420px"),
        )
        self.init_buttons = W.ToggleButtons(
            options=list(INIT_METHODS),
            value=init,
            description="init",
            style={"button_width": "100px"},
        )
        self.seed_box = W.BoundedIntText(
            value=rng, min=0, max=MAX_SEED, description="seed", layout=W.Layout(width="170px")
        )
        self.iteration_slider = W.IntSlider(
            value=0,
            min=0,
            max=0,
            description="show iteration",
            continuous_update=True,
            style=wide,
            layout=W.Layout(width="420px"),
        )
        self.play = W.Play(value=0, min=0, max=0, interval=400, description="replay")
        W.jslink((self.play, "value"), (self.iteration_slider, "value"))
        W.jslink((self.play, "max"), (self.iteration_slider, "max"))
        self.status = W.HTML(layout=W.Layout(min_height="1.5em"))
        self.note = W.HTML()
        self.original_view = W.Image(format="png")
        self.compressed_view = W.Image(format="png")
        self.palette_view = W.Image(format="png")
        self.original_caption = W.HTML()
        self.compressed_caption = W.HTML()
        self.palette_caption = W.HTML()
        self.readout = W.HTML()
        self.curve = W.HTML()
        self.tradeoff_button = W.Button(
            description="Compute the trade-off over K",
            icon="line-chart",
            layout=W.Layout(width="260px"),
            tooltip="Compress the current image for K = 2, 4, ..., 256",
        )
        self.tradeoff_progress = W.IntProgress(
            value=0, min=0, max=len(TRADEOFF_KS), description="progress"
        )
        self.tradeoff_plot = W.Image(format="png")
        self.tradeoff_table = W.HTML()
        self.tradeoff_status = W.HTML()
        # accessible names, alt texts and the live region (kmeans_lab.explorer.access)
        self.access = AccessBridge()

        def column(*children):
            return W.VBox(list(children), layout=W.Layout(margin="0 20px 8px 0", flex="0 0 auto"))

        self.widget = W.VBox(
            [
                self.access,
                W.HTML(render.TITLE_HTML),
                W.HBox([self.image_dropdown, self.upload_button]),
                self.note,
                W.HBox([self.K_slider, self.init_buttons]),
                W.HBox([self.iterations_slider, self.seed_box]),
                self.status,
                W.HBox(
                    [
                        column(self.original_caption, self.original_view),
                        column(self.compressed_caption, self.compressed_view),
                        column(self.readout),
                    ],
                    layout=W.Layout(flex_flow="row wrap"),
                ),
                W.HBox(
                    [column(self.palette_caption, self.palette_view), column(self.curve)],
                    layout=W.Layout(flex_flow="row wrap"),
                ),
                W.HBox([self.iteration_slider, self.play]),
                W.HTML(render.TRADEOFF_HEADING_HTML),
                W.HBox([self.tradeoff_button, self.tradeoff_progress]),
                self.tradeoff_status,
                W.HBox(
                    [self.tradeoff_plot, self.tradeoff_table], layout=W.Layout(flex_flow="row wrap")
                ),
            ],
            layout=W.Layout(padding="6px"),
        )
        self.widget.add_class("kmeans-explorer")
        self.K_slider.add_class("kmeans-K")
        self.readout.add_class("kmeans-readout")
        self.compressed_view.add_class("kmeans-compressed")
        self.status.add_class("kmeans-status")
        self.upload_button.add_class("kmeans-upload")
        for widget, name in (
            (self.image_dropdown, "image"),
            (self.iterations_slider, "iterations"),
            (self.init_buttons, "init"),
            (self.seed_box, "seed"),
            (self.iteration_slider, "show-iteration"),
            (self.play, "play"),
            (self.original_view, "original"),
            (self.palette_view, "palette"),
            (self.tradeoff_plot, "tradeoff-plot"),
            (self.tradeoff_progress, "tradeoff-progress"),
        ):
            widget.add_class(f"kmeans-{name}")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
