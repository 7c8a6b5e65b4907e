"""The explorer's widget app: controls, their observers, and nothing else.

:class:`KMeansExplorer` lays out ipywidgets controls and views and wires
them: moving K, the iterations, the initialisation or the seed asks the
model (:mod:`kmeans_lab.explorer.model`, through its result cache) for a
result, and sets the views to what :mod:`kmeans_lab.explorer.render` makes
of it. Its numbers are those of :attr:`KMeansExplorer.result`, an
:class:`~kmeans_lab.explorer.ExplorerResult` (``explorer.result.psnr``,
``explorer.result.compressed_bits``, ``explorer.result.summary()``, ...).

Views are ``ipywidgets.Image`` (PNG bytes) and ``ipywidgets.HTML`` widgets
set directly, so the explorer works in a kernel, under nbclient and in plain
Python (tests) alike. This is the only module of the package that imports
ipywidgets.

Examples
--------
>>> from kmeans_lab.explorer import KMeansExplorer
>>> explorer = KMeansExplorer("course", K=16, iterations=10, rng=0)
>>> explorer.result.compressed_bits, explorer.result.original_bits
(65920, 393216)
>>> explorer.K_slider.options[:5]         # powers of two: a step doubles K
(1, 2, 4, 8, 16)
>>> explorer.K_slider.value = 2          # what moving the slider does
>>> explorer.result.compressed_bits
16432
"""

from __future__ import annotations

from contextlib import contextmanager

from numpy.typing import ArrayLike

from .._validation import NOT_GIVEN, check_choice, check_int, rng_from_seed_alias
from ..image_io import DEFAULT_MAX_PIXELS, ImageLoadError
from ..kmeans import INIT_METHODS
from . import access, render
from .intake import WORKING_SIZE, ExplorerImage, decode_upload, image_from_array, load_sample
from .layout import MAX_K, ExplorerLayout, K_options
from .model import ExplorerResult, Frame, ResultCache, TradeoffTable
from .tradeoff_view import TradeoffView

__all__ = ["KMeansExplorer", "explore"]


class KMeansExplorer(TradeoffView, ExplorerLayout):
    """Widgets to play with K-means image compression.

    Parameters
    ----------
    image : str or array-like of shape (H, W, 3), default="course"
        A bundled photo (one of :func:`kmeans_lab.sample_image_names`) or
        an image array (floats in [0, 1] or uint8).
    K : int, default=16
        Palette size, 1..256 (and at most the number of pixels). The K
        slider moves in powers of two, 1, 2, 4, ..., 256; another K given
        here or to :meth:`configure` becomes one more stop.
    iterations : int, default=10
        Rounds of K-means, 0..50.
    init : {"k-means++", "random"}, default="k-means++"
        A name in :data:`kmeans_lab.kmeans.INIT_METHODS`.
    rng : int, optional
        Seed of the initialisation, ``>= 0``: the first value of the seed
        box. ``None`` (the default) starts at seed 0, so the explorer opens
        the same way every time.
    working_size : int, default=WORKING_SIZE (256)
        Longest side, in pixels, images are shrunk to.
    max_pixels : int, default=DEFAULT_MAX_PIXELS
        Uploads with more pixels are refused (checked from the header,
        before decoding).
    cache_size : int, default=32
        Results kept in the cache.
    seed : int, optional
        Deprecated old name of ``rng`` (a ``DeprecationWarning``); giving
        both is a TypeError.

    Attributes
    ----------
    widget, K_slider, seed_box, readout, ...
        The controls and views of :class:`~kmeans_lab.explorer.layout.ExplorerLayout`
        (change a control's ``value`` from Python to drive the explorer).
    cache : kmeans_lab.explorer.ResultCache
        ``cache.misses`` counts K-means runs, ``cache.hits`` reuses.

    Examples
    --------
    >>> explorer = KMeansExplorer()
    >>> round(explorer.result.psnr, 2) > 20
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
        rng: int | None = None,
        working_size: int = WORKING_SIZE,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        cache_size: int = 32,
        seed: object = NOT_GIVEN,
    ):
        rng = rng_from_seed_alias(rng, seed, "KMeansExplorer")
        init = check_choice(init, "init", INIT_METHODS)
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
        self._tradeoff_alt: str | None = None

        if isinstance(image, str):
            first = load_sample(image, working_size=working_size)
        else:
            first = image_from_array(image, working_size=working_size)
        self._images[first.key] = first
        super().__init__(
            first, K=K, iterations=iterations, init=init, rng=0 if rng is None else rng
        )
        for control in (self.K_slider, self.iterations_slider, self.init_buttons, self.seed_box):
            control.observe(self._on_setting, names="value")
        self.image_dropdown.observe(self._on_image, names="value")
        self.upload_button.observe(self._on_upload, names="value")
        self.iteration_slider.observe(self._on_scrub, names="value")
        self.tradeoff_button.on_click(lambda _button: self._safe(self.compute_tradeoff))

        self._set_image(first.key)
        self._safe(self.update)

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
        self.status.value = render.status_html(kind, text)
        self._speak()

    def _speak(self) -> None:
        """Names and values of the controls, alt texts, the live region (:mod:`.access`)."""
        result, frame = self._result, self._frame
        if result is None or frame is None:
            return
        names = access.control_names(
            K=int(self.K_slider.value),
            iterations=int(self.iterations_slider.value),
            init=self.init_buttons.value,
            seed=int(self.seed_box.value),
            iteration=frame.iteration,
            n_iter=result.n_iter,
        )
        names.update(access.image_alts(result, frame, tradeoff=self._tradeoff_alt))
        self.access.names = names
        message, line = self.message, access.result_line(result, frame)
        self.access.announcement = f"{message}. {line}" if message else line

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
        scale = render.display_scale(image.image.shape)
        if key not in self._original_png:
            self._original_png[key] = render.image_png(image.image, scale)
        with self._hold():
            self._set_K(self.K_slider.value, image)
            if self.image_dropdown.value != key:
                self.image_dropdown.value = key
        self.original_view.value = self._original_png[key]
        self.original_view.width = str(image.size[0] * scale)
        self.original_view.height = str(image.size[1] * scale)
        self.original_caption.value = render.original_caption(image)
        self.note.value = render.working_size_note(image, self.working_size)
        self._show_tradeoff()

    def _set_K(self, K: int, image: ExplorerImage) -> None:
        """Put the K slider on ``K`` (at most the image's limit), among its stops for ``image``."""
        K = min(check_int(K, "K", minimum=1), MAX_K, image.n_pixels)
        options = K_options(image.n_pixels, K)
        if list(self.K_slider.options) != options:
            with self._hold():
                self.K_slider.options = options  # (resets the value to the first option)
        self.K_slider.value = K

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
        >>> explorer.result.image.key
        'sample:course'
        """
        try:
            image = decode_upload(
                str(name), data, working_size=self.working_size, max_pixels=self.max_pixels
            )
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
            name), ``K``, ``iterations``, ``init``, ``rng`` (the seed; ``seed``
            is its deprecated old name). ``K`` may be any palette size, not
            only a stop of the K slider (a power of two): it becomes one.

        Examples
        --------
        >>> explorer = KMeansExplorer()
        >>> explorer.configure(K=4, iterations=3, init="random", rng=7)
        >>> explorer.result.K, explorer.result.n_iter, explorer.result.seed
        (4, 3, 7)
        """
        if "seed" in settings:
            settings["rng"] = rng_from_seed_alias(
                settings.get("rng"), settings.pop("seed"), "configure"
            )
        controls = {
            "iterations": self.iterations_slider,
            "init": self.init_buttons,
            "rng": self.seed_box,
        }
        unknown = set(settings) - set(controls) - {"image", "K"}
        if unknown:
            raise TypeError(
                f"unknown setting(s) {sorted(unknown)}; use image, K, iterations, init or rng"
            )
        with self._hold():
            if "image" in settings:
                key = settings["image"]
                if key not in self.image_keys and f"sample:{key}" in self.image_keys:
                    key = f"sample:{key}"
                self._set_image(check_choice(key, "image", self.image_keys))
            if "K" in settings:
                self._set_K(settings["K"], self._image)
            for name, control in controls.items():
                if name in settings:
                    control.value = settings[name]
        self._safe(self.update)

    def update(self) -> None:
        """Compute (or fetch from the cache) the result for the controls and show it."""
        image = self._image
        K = min(int(self.K_slider.value), image.n_pixels)
        result = self.cache.get(
            image,
            K,
            self.init_buttons.value,
            int(self.seed_box.value),
            int(self.iterations_slider.value),
        )
        self._result = result
        with self._hold():
            self.iteration_slider.max = result.n_iter
            self.iteration_slider.value = result.n_iter
            self.play.value = result.n_iter
        self._clear_error()  # before the views: the announcement must not repeat an old error
        self.show_iteration(result.n_iter)
        self._show_tradeoff()

    def _clear_error(self) -> None:
        if render.is_error(self.status.value):
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
        scale = render.display_scale(image.image.shape)
        self.compressed_view.value = render.compressed_png(frame.compressed, scale)
        self.compressed_view.width = str(image.size[0] * scale)
        self.compressed_view.height = str(image.size[1] * scale)
        self.palette_view.value = render.palette_png(frame.compressed.palette)
        width, height = render.palette_png_size(frame.compressed.n_colors)
        self.palette_view.width, self.palette_view.height = str(width), str(height)
        if self.iteration_slider.value != frame.iteration:
            with self._hold():
                self.iteration_slider.value = frame.iteration
        self.compressed_caption.value, self.palette_caption.value = render.frame_captions(
            result, frame
        )
        self.readout.value = render.readout_html(result, frame)
        self.curve.value = render.distortion_svg(result.history.distortion, current=frame.iteration)
        self._speak()

    # ------------------------------------------------------------------ state

    @property
    def image_keys(self) -> list[str]:
        """Keys of the images in the menu (``"sample:<name>"``, ``"upload:..."``)."""
        return [key for _, key in self.image_dropdown.options]

    @property
    def result(self) -> ExplorerResult:
        """The current K-means result: its final state, numbers and whole history."""
        return self._result

    @property
    def frame(self) -> Frame:
        """The iteration the views show (see :meth:`show_iteration`)."""
        return self._frame

    @property
    def message(self) -> str:
        """The status line as plain text ('' when there is nothing to say)."""
        return render.status_text(self.status.value)


def explore(image: str | ArrayLike = "course", **kwargs) -> KMeansExplorer:
    """Make a :class:`KMeansExplorer`; the last line of a cell displays it.

    Parameters
    ----------
    image : str or array-like, default="course"
    **kwargs
        ``K``, ``iterations``, ``init``, ``rng``, ... as for
        :class:`KMeansExplorer` (``seed`` is the deprecated old name of
        ``rng``).

    Returns
    -------
    KMeansExplorer

    Examples
    --------
    >>> explorer = explore("course", K=8)
    >>> explorer.result.K
    8
    """
    if "seed" in kwargs:
        kwargs["rng"] = rng_from_seed_alias(kwargs.pop("rng", None), kwargs.pop("seed"), "explore")
    return KMeansExplorer(image, **kwargs)
