"""An interactive K-means explorer for Jupyter (ipywidgets).

Move K, the number of iterations, the initialisation and the seed, pick a
bundled photo or upload your own, and see at once the compressed image, its
palette, the bits saved, the PSNR, the distortion curve, and a replay of the
convergence iteration by iteration. A button computes the PSNR/size
trade-off over K.

Everything is computed by :mod:`kmeans_lab.explorer_core`; results are
cached by (image, K, init, seed, iterations), so going back to a setting you
have seen is instant, and the iteration scrubber replays the stored history
without running K-means again. Views are ``ipywidgets.Image`` (PNG bytes) and
``ipywidgets.HTML`` widgets set directly, so the explorer works in a kernel,
under nbclient and in plain Python (tests) alike.

Images larger than :data:`~kmeans_lab.explorer_core.WORKING_SIZE` (256 px on
the longest side) are shrunk to it, uploads and bundled photos alike; the
128 x 128 course image is used as it is.

Examples
--------
>>> from kmeans_lab.widgets import KMeansExplorer
>>> explorer = KMeansExplorer("course", K=16, iterations=10, seed=0)
>>> explorer.compressed_bits, explorer.original_bits
(65920, 393216)
>>> explorer.K_slider.value = 2          # what moving the slider does
>>> explorer.compressed_bits
16432
"""

from __future__ import annotations

from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .datasets import sample_image_names
from .explorer_core import (
    INIT_METHODS,
    TRADEOFF_KS,
    WORKING_SIZE,
    ExplorerImage,
    ExplorerResult,
    Frame,
    ResultCache,
    TradeoffTable,
    compressed_png,
    compute_tradeoff,
    decode_upload,
    display_scale,
    distortion_svg,
    escape,
    image_from_array,
    image_png,
    load_sample,
    palette_png,
    tradeoff_html,
    tradeoff_png,
)
from .image_io import DEFAULT_MAX_PIXELS, ImageLoadError

__all__ = ["KMeansExplorer", "explore"]

_MAX_K = 256
_MAX_ITERATIONS = 50
_MAX_SEED = 2**31 - 1


class KMeansExplorer:
    """Widgets to play with K-means image compression.

    Parameters
    ----------
    image : str or array-like of shape (H, W, 3), default="course"
        A bundled photo (one of :func:`kmeans_lab.sample_image_names`) or
        an image array (floats in [0, 1] or uint8).
    K : int, default=16
        Palette size, 1..256 (and at most the number of pixels).
    iterations : int, default=10
        Rounds of K-means, 0..50.
    init : {"k-means++", "random"}, default="k-means++"
    seed : int, default=0
        Seed of the initialisation, ``>= 0``.
    working_size : int, default=WORKING_SIZE (256)
        Longest side, in pixels, images are shrunk to.
    max_pixels : int, default=DEFAULT_MAX_PIXELS
        Uploads with more pixels are refused (checked from the header,
        before decoding).
    cache_size : int, default=32
        Results kept in the cache.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole explorer; displaying the explorer displays it.
    image_dropdown, upload_button, K_slider, iterations_slider, init_buttons, seed_box
        The controls (change their ``value`` from Python to drive the explorer).
    iteration_slider, play
        The scrubber: which stored iteration the views show.
    original_view, compressed_view, palette_view : ipywidgets.Image
        PNG bytes in ``.value``.
    readout, curve, status, note : ipywidgets.HTML
        Numbers; the distortion curve (SVG); messages; the working-size note.
    tradeoff_button, tradeoff_progress, tradeoff_plot, tradeoff_table
        The trade-off view.
    cache : kmeans_lab.explorer_core.ResultCache
        ``cache.misses`` counts K-means runs, ``cache.hits`` reuses.

    Examples
    --------
    >>> explorer = KMeansExplorer()
    >>> round(explorer.psnr, 2) > 20
    True
    >>> explorer.show_iteration(0)            # the initial centroids
    >>> explorer.frame.iteration
    0
    """

    def __init__(
        self,
        image: str | ArrayLike = "course",
        *,
        K: int = 16,
        iterations: int = 10,
        init: str = "k-means++",
        seed: int = 0,
        working_size: int = WORKING_SIZE,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        cache_size: int = 32,
    ):
        if init not in INIT_METHODS:
            raise ValueError(f"init must be one of {sorted(INIT_METHODS)}, got {init!r}")
        self.working_size = working_size
        self.max_pixels = max_pixels
        self.cache = ResultCache(cache_size)
        self._images: dict[str, ExplorerImage] = {}
        self._original_png: dict[str, bytes] = {}
        self._tradeoffs: dict[tuple, TradeoffTable] = {}
        self._result: ExplorerResult | None = None
        self._frame: Frame | None = None
        self._holding = False
        self._tradeoff_shown: tuple | None = None

        if isinstance(image, str):
            first = load_sample(image, working_size=working_size)
        else:
            first = image_from_array(image, working_size=working_size)
        self._images[first.key] = first
        self._build_widgets(first, K=K, iterations=iterations, init=init, seed=seed)
        self._set_image(first.key)
        self._safe(self.update)

    # ------------------------------------------------------------------ build

    def _build_widgets(self, first: ExplorerImage, *, K: int, iterations: int, init: str, seed: int) -> None:
        W = widgets
        wide = {"description_width": "initial"}
        options = [(first.label, first.key)]
        for name in sample_image_names():
            if f"sample:{name}" != first.key:
                options.append((name, f"sample:{name}"))
        self.image_dropdown = W.Dropdown(options=options, value=first.key, description="image")
        self.upload_button = W.FileUpload(accept="image/*", multiple=False, description="upload",
                                          tooltip="Upload your own image (PNG, JPEG, ...)")
        self.K_slider = W.IntSlider(value=K, min=1, max=_MAX_K, step=1, description="K (colours)",
                                    continuous_update=False, style=wide,
                                    layout=W.Layout(width="420px"))
        self.iterations_slider = W.IntSlider(value=iterations, min=0, max=_MAX_ITERATIONS,
                                             description="iterations", continuous_update=False,
                                             style=wide, layout=W.Layout(width="420px"))
        self.init_buttons = W.ToggleButtons(options=list(INIT_METHODS), value=init,
                                            description="init", style={"button_width": "100px"})
        self.seed_box = W.BoundedIntText(value=seed, min=0, max=_MAX_SEED, description="seed",
                                         layout=W.Layout(width="170px"))
        self.iteration_slider = W.IntSlider(value=0, min=0, max=0, description="show iteration",
                                            continuous_update=True, style=wide,
                                            layout=W.Layout(width="420px"))
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
        self.tradeoff_button = W.Button(description="Compute the trade-off over K", icon="line-chart",
                                        layout=W.Layout(width="260px"),
                                        tooltip="Compress the current image for K = 2, 4, ..., 256")
        self.tradeoff_progress = W.IntProgress(value=0, min=0, max=len(TRADEOFF_KS), description="progress")
        self.tradeoff_plot = W.Image(format="png")
        self.tradeoff_table = W.HTML()
        self.tradeoff_status = W.HTML()

        for control in (self.K_slider, self.iterations_slider, self.init_buttons, self.seed_box):
            control.observe(self._on_setting, names="value")
        self.image_dropdown.observe(self._on_image, names="value")
        self.upload_button.observe(self._on_upload, names="value")
        self.iteration_slider.observe(self._on_scrub, names="value")
        self.tradeoff_button.on_click(lambda _button: self._safe(self.compute_tradeoff))

        def column(*children):
            return W.VBox(list(children), layout=W.Layout(margin="0 20px 8px 0", flex="0 0 auto"))

        self.widget = W.VBox(
            [
                W.HTML("<b>K-means image compression explorer</b>"),
                W.HBox([self.image_dropdown, self.upload_button]),
                self.note,
                W.HBox([self.K_slider, self.init_buttons]),
                W.HBox([self.iterations_slider, self.seed_box]),
                self.status,
                W.HBox([column(self.original_caption, self.original_view),
                        column(self.compressed_caption, self.compressed_view),
                        column(self.readout)], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([column(self.palette_caption, self.palette_view), column(self.curve)],
                       layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.iteration_slider, self.play]),
                W.HTML("<b>Trade-off:</b> PSNR and size against K for this image and these settings "
                       "(computed on demand, then cached)"),
                W.HBox([self.tradeoff_button, self.tradeoff_progress]),
                self.tradeoff_status,
                W.HBox([self.tradeoff_plot, self.tradeoff_table], layout=W.Layout(flex_flow="row wrap")),
            ],
            layout=W.Layout(padding="6px"),
        )
        self.widget.add_class("kmeans-explorer")
        self.K_slider.add_class("kmeans-K")
        self.readout.add_class("kmeans-readout")
        self.compressed_view.add_class("kmeans-compressed")
        self.status.add_class("kmeans-status")
        self.upload_button.add_class("kmeans-upload")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------- plumbing

    @contextmanager
    def _hold(self):
        """Change several controls without an update for each."""
        previous, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = previous

    def _safe(self, action, *args) -> bool:
        """Run an action; any error becomes a message in the widget."""
        try:
            action(*args)
            return True
        except Exception as exc:  # noqa: BLE001 - nothing may raise into the notebook
            self._message("error", f"{type(exc).__name__}: {exc}")
            return False

    def _message(self, kind: str, text: str) -> None:
        colour = {"error": "#b00020", "info": "#1a5e20"}.get(kind, "inherit")
        prefix = "\u26a0 " if kind == "error" else ""
        self.status.value = (f'<span class="kmeans-{kind}" style="color: {colour}">'
                             f"{prefix}{escape(text)}</span>")

    def _on_setting(self, change) -> None:
        if not self._holding:
            self._safe(self.update)

    def _on_image(self, change) -> None:
        if self._holding:
            return
        if self._safe(self._set_image, change["new"]):
            self._safe(self.update)

    def _on_scrub(self, change) -> None:
        if not self._holding:
            self._safe(self.show_iteration, change["new"])

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[-1]
        try:
            name = str(item["name"])
            data = bytes(item["content"])
        except Exception as exc:  # noqa: BLE001
            self._message("error", f"could not read the upload ({type(exc).__name__}: {exc})")
            return
        self.load_upload(name, data)
        try:
            self.upload_button.value = ()  # ready for the next file
        except Exception:  # noqa: BLE001 - cosmetic only
            pass

    # -------------------------------------------------------------- images

    def _set_image(self, key: str) -> None:
        """Make ``key`` the current image: limits, original view, note."""
        if key not in self._images:
            if not key.startswith("sample:"):
                raise ValueError(f"unknown image {key!r}")
            self._images[key] = load_sample(key.split(":", 1)[1], working_size=self.working_size)
        image = self._images[key]
        self._image = image
        scale = display_scale(image.image.shape)
        if key not in self._original_png:
            self._original_png[key] = image_png(image.image, scale)
        with self._hold():
            self.K_slider.max = min(_MAX_K, image.n_pixels)
            if self.image_dropdown.value != key:
                self.image_dropdown.value = key
        self.original_view.value = self._original_png[key]
        self.original_view.width = str(image.size[0] * scale)
        self.original_view.height = str(image.size[1] * scale)
        w, h = image.size
        self.original_caption.value = f"<b>original</b> ({w} x {h} px)"
        source = f"{image.source_size[0]} x {image.source_size[1]} px"
        shrink = (f" The file is {source}; the explorer works on a {w} x {h} copy."
                  if image.shrunk else f" This image is {source}: used as it is.")
        self.note.value = (f"<small>Images are shrunk to at most {self.working_size} px on their longest "
                           "side (uploads and bundled photos alike) so every update stays fast."
                           f"{escape(shrink)}</small>")
        self._show_tradeoff()

    def load_upload(self, name: str, data: bytes) -> bool:
        """Load an uploaded file's bytes and make it the current image.

        This is what the upload button calls. A file that cannot be used
        (empty, not an image, damaged, too many pixels) leaves the current
        image in place and shows why in :attr:`message`; nothing is raised.

        Parameters
        ----------
        name : str
            The file name.
        data : bytes
            The file's content.

        Returns
        -------
        bool
            Whether the image was loaded.

        Examples
        --------
        >>> explorer = KMeansExplorer()
        >>> explorer.load_upload("notes.txt", b"not an image")
        False
        >>> explorer.image_key
        'sample:course'
        """
        try:
            image = decode_upload(str(name), data, working_size=self.working_size,
                                  max_pixels=self.max_pixels)
        except (ImageLoadError, TypeError) as exc:
            self._message("error", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. MemoryError on an odd file
            self._message("error", f"cannot load upload '{name}': {type(exc).__name__}: {exc}")
            return False
        self._images[image.key] = image
        options = list(self.image_dropdown.options)
        if image.key not in [key for _, key in options]:
            with self._hold():
                self.image_dropdown.options = options + [(image.label, image.key)]
        previous = self._image.key
        if not self._safe(self._set_image, image.key) or not self._safe(self.update):
            self._safe(self._set_image, previous)
            self._safe(self.update)
            return False
        w, h = image.size
        sw, sh = image.source_size
        extra = f", shrunk to {w} x {h} px" if image.shrunk else ""
        self._message("info", f"loaded '{name}' ({sw} x {sh} px{extra})")
        return True

    # ------------------------------------------------------------- updates

    def configure(self, **settings) -> None:
        """Set several controls at once, then update once.

        Parameters
        ----------
        **settings
            Any of ``image`` (a key from :attr:`image_keys` or a sample
            name), ``K``, ``iterations``, ``init``, ``seed``.

        Examples
        --------
        >>> explorer = KMeansExplorer()
        >>> explorer.configure(K=4, iterations=3, init="random", seed=7)
        >>> explorer.result.K, explorer.result.n_iter
        (4, 3)
        """
        controls = {"K": self.K_slider, "iterations": self.iterations_slider,
                    "init": self.init_buttons, "seed": self.seed_box}
        unknown = set(settings) - set(controls) - {"image"}
        if unknown:
            raise TypeError(f"unknown setting(s) {sorted(unknown)}; use image, K, iterations, init or seed")
        with self._hold():
            if "image" in settings:
                key = settings["image"]
                if key not in self.image_keys and f"sample:{key}" in self.image_keys:
                    key = f"sample:{key}"
                if key not in self.image_keys:
                    raise ValueError(f"unknown image {key!r}; choose one of {self.image_keys}")
                self._set_image(key)
            for name, control in controls.items():
                if name in settings:
                    control.value = settings[name]
        self._safe(self.update)

    def update(self) -> None:
        """Compute (or fetch from the cache) the result for the controls and show it."""
        image = self._image
        K = min(int(self.K_slider.value), image.n_pixels)
        result = self.cache.get(image, K, self.init_buttons.value, int(self.seed_box.value),
                                int(self.iterations_slider.value))
        self._result = result
        with self._hold():
            self.iteration_slider.max = result.n_iter
            self.iteration_slider.value = result.n_iter
            self.play.value = result.n_iter
        self.show_iteration(result.n_iter)
        self._clear_error()
        self._show_tradeoff()

    def _clear_error(self) -> None:
        if 'class="kmeans-error"' in self.status.value:
            self.status.value = ""

    def show_iteration(self, iteration: int) -> None:
        """Show the stored state after ``iteration`` rounds (runs no K-means step).

        Parameters
        ----------
        iteration : int
            ``0 <= iteration <= result.n_iter``; the iteration slider
            calls this.
        """
        result = self._result
        frame = result.frame(int(iteration))
        self._frame = frame
        image = result.image
        scale = display_scale(image.image.shape)
        self.compressed_view.value = compressed_png(frame.compressed, scale)
        self.compressed_view.width = str(image.size[0] * scale)
        self.compressed_view.height = str(image.size[1] * scale)
        self.palette_view.value = palette_png(frame.compressed.palette)
        n = frame.compressed.n_colors
        self.palette_view.width = str(16 * min(n, 16))
        self.palette_view.height = str(16 * -(-n // 16))
        if self.iteration_slider.value != frame.iteration:
            with self._hold():
                self.iteration_slider.value = frame.iteration
        colours = frame.compressed.n_colors
        self.compressed_caption.value = (f"<b>compressed</b> ({colours} colours, "
                                         f"iteration {frame.iteration}/{result.n_iter})")
        self.palette_caption.value = (f"<b>palette</b> ({colours} colours in use of K = {result.K}; "
                                      "8 bits a channel)")
        self.readout.value = self._readout_html(result, frame)
        self.curve.value = distortion_svg(result.history.distortion, current=frame.iteration)

    def _readout_html(self, result: ExplorerResult, frame: Frame) -> str:
        c = frame.compressed
        timing = f"K-means took {result.seconds * 1000:.0f} ms" if result.seconds else ""
        rows = [
            ("image", f"{escape(result.image.label)}, {result.image.size[0]} x {result.image.size[1]} "
                      f"= {result.image.n_pixels:,} pixels"),
            ("K", f"{result.K} ({c.n_colors} distinct colours used)"),
            ("bits before", f"{c.original_bits:,} (24 per pixel)"),
            ("bits after", f"{c.compressed_bits:,} (palette 24 &times; {c.n_colors} + "
                           f"{c.compressed_bits - 24 * c.n_colors:,} for the indices)"),
            ("compression ratio", f"{c.compression_ratio:.2f}"),
            ("PSNR", f"{frame.psnr:.2f} dB"),
            ("distortion J", f"{frame.distortion:.5f}"),
            ("iteration shown", f"{frame.iteration} of {result.n_iter} ({escape(result.init)}, seed {result.seed})"),
        ]
        body = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows)
        return (f'<table class="kmeans-readout-table">{body}</table>'
                f'<small style="color: #666">{timing}</small>')

    # ------------------------------------------------------------ trade-off

    def _tradeoff_key(self) -> tuple:
        return (self._image.key, self.init_buttons.value, int(self.seed_box.value),
                int(self.iterations_slider.value))

    def compute_tradeoff(self) -> TradeoffTable:
        """Compute (or fetch) the PSNR/bits trade-off over K and show it.

        The trade-off button calls this. Each K uses the result cache, and the
        table is cached by (image, init, seed, iterations).

        Returns
        -------
        kmeans_lab.explorer_core.TradeoffTable
        """
        key = self._tradeoff_key()
        if key not in self._tradeoffs:
            Ks = [K for K in TRADEOFF_KS if K <= self._image.n_pixels]
            self.tradeoff_progress.max = len(Ks)
            self.tradeoff_progress.value = 0
            self.tradeoff_progress.bar_style = "info"
            self.tradeoff_status.value = f"computing {len(Ks)} values of K..."

            def progress(done: int, total: int) -> None:
                self.tradeoff_progress.value = done
                self.tradeoff_status.value = f"computed {done} of {total} values of K"

            self._tradeoffs[key] = compute_tradeoff(self._image, *key[1:], Ks=Ks, cache=self.cache,
                                                    progress=progress)
        self._show_tradeoff(force=True)
        return self._tradeoffs[key]

    def _show_tradeoff(self, force: bool = False) -> None:
        key = self._tradeoff_key()
        table = self._tradeoffs.get(key)
        if table is None:
            self.tradeoff_plot.value = b""
            self.tradeoff_plot.layout.display = "none"  # no broken-image icon while empty
            self.tradeoff_table.value = ""
            self.tradeoff_progress.value = 0
            self.tradeoff_progress.bar_style = ""
            self.tradeoff_status.value = "<small>Press the button to compute it for these settings.</small>"
            return
        current_K = self._result.K if self._result is not None else None
        if force or self.tradeoff_plot.value == b"" or self._tradeoff_shown != key:
            self.tradeoff_plot.value = tradeoff_png(table)
            self._tradeoff_shown = key
        self.tradeoff_plot.layout.display = None
        self.tradeoff_table.value = tradeoff_html(table, current_K)
        self.tradeoff_progress.max = len(table.K)
        self.tradeoff_progress.value = len(table.K)
        self.tradeoff_progress.bar_style = "success"
        self.tradeoff_status.value = (f"<small>trade-off for {escape(self._image.label)}, {key[1]}, "
                                      f"seed {key[2]}, {key[3]} iterations</small>")

    # ----------------------------------------------------------- properties

    @property
    def image_keys(self) -> list[str]:
        """Keys of the images in the menu (``"sample:<name>"``, ``"upload:..."``)."""
        return [key for _, key in self.image_dropdown.options]

    @property
    def image_key(self) -> str:
        """Key of the current image."""
        return self._image.key

    @property
    def image(self) -> NDArray[np.float64]:
        """The current working image, shape (H, W, 3), floats in [0, 1]."""
        return self._image.image

    @property
    def result(self) -> ExplorerResult:
        """The current K-means result (final state and whole history)."""
        return self._result

    @property
    def history(self):
        """The current :class:`~kmeans_lab.KMeansHistory`."""
        return self._result.history

    @property
    def frame(self) -> Frame:
        """The iteration the views show (see :meth:`show_iteration`)."""
        return self._frame

    @property
    def psnr(self) -> float:
        """Final PSNR in dB of the current result."""
        return self._result.psnr

    @property
    def distortion(self) -> float:
        """Final distortion J of the current result."""
        return self._result.distortion

    @property
    def original_bits(self) -> int:
        """Bits of the current image at 24 bits a pixel."""
        return self._result.original_bits

    @property
    def compressed_bits(self) -> int:
        """Bits of the final palette plus indices."""
        return self._result.compressed_bits

    @property
    def compression_ratio(self) -> float:
        """``original_bits / compressed_bits`` of the final result."""
        return self._result.compression_ratio

    @property
    def palette(self) -> NDArray[np.float64]:
        """Palette of the final result, shape (n_colours, 3)."""
        return self._result.compressed.palette

    @property
    def compressed_image(self) -> NDArray[np.float64]:
        """The final compressed image, shape (H, W, 3)."""
        return self._result.compressed.reconstruct()

    @property
    def message(self) -> str:
        """The status line as plain text ('' when there is nothing to say)."""
        import re

        import html as _html

        return _html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).replace("\u26a0 ", "").strip()

    def summary(self) -> dict:
        """The numbers of the current result, rounded for printing.

        Returns
        -------
        dict
            ``image``, ``K``, ``init``, ``seed``, ``iterations``,
            ``colours``, ``original_bits``, ``compressed_bits``, ``ratio``
            (2 dp), ``psnr_db`` (2 dp), ``distortion`` (6 dp).
        """
        r = self._result
        return {
            "image": r.image.label,
            "K": r.K,
            "init": r.init,
            "seed": r.seed,
            "iterations": r.iterations,
            "colours": r.compressed.n_colors,
            "original_bits": r.original_bits,
            "compressed_bits": r.compressed_bits,
            "ratio": round(r.compression_ratio, 2),
            "psnr_db": round(r.psnr, 2),
            "distortion": round(r.distortion, 6),
        }


def explore(image: str | ArrayLike = "course", **kwargs) -> KMeansExplorer:
    """Make a :class:`KMeansExplorer`; the last line of a cell displays it.

    Parameters
    ----------
    image : str or array-like, default="course"
    **kwargs
        ``K``, ``iterations``, ``init``, ``seed``, ... as for
        :class:`KMeansExplorer`.

    Returns
    -------
    KMeansExplorer

    Examples
    --------
    >>> explorer = explore("course", K=8)
    >>> explorer.result.K
    8
    """
    return KMeansExplorer(image, **kwargs)
