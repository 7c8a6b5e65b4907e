"""Text alternatives of the course's figures: stored on each Axes, read for a figure.

Every plot helper of :mod:`kmeans_lab.plots` ends with :func:`set_alt_text`:
one sentence, with the numbers of what it drew, attached to the Axes it drew
on. :func:`alt_text` reads it back for an Axes, or for a whole figure (its
panels in order, each named by its title as it is when the figure is shown).

In IPython (JupyterLab, nbclient, the grading sandbox), importing
:mod:`kmeans_lab.plots` registers :func:`figure_mimebundle` for matplotlib
figures: a figure with a text alternative is shown as an HTML ``<img alt>``
(what JupyterLab's screen-reader users reach: its PNG renderer writes no
``alt``), beside the same PNG with the text in its ``alt`` metadata (what the
course's nbconvert theme reads) and the text as its ``text/plain``, drawn once
for both (:class:`_DrawnOnce`). A figure without one is shown as before.
"""

from __future__ import annotations

import base64
import html

__all__ = ["set_alt_text", "alt_text", "figure_mimebundle"]

_ATTRIBUTE = "_kmeans_lab_alt_text"


def set_alt_text(ax, text: str, *more: str | None):
    """Attach ``text``, what ``ax`` shows with its numbers, to the Axes ``ax``; return ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    text : str
        The sentence's first clause (not empty).
    *more : str or None
        Further clauses, each added after a semicolon; a ``None`` or empty
        one is left out (a clause that only some figures have: ``"K = 4
        circled" if marked else None``).

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> alt_text(set_alt_text(ax, "J falls from 0.093 to 0.021"))
    'J falls from 0.093 to 0.021'
    >>> alt_text(set_alt_text(ax, "J falls", None, "the elbow at K = 3"))
    'J falls; the elbow at K = 3'
    """
    for part in (text, *(m for m in more if m is not None)):
        if not isinstance(part, str):
            raise TypeError(f"a text alternative must be a str, got {type(part).__name__}")
    if not text.strip():
        raise ValueError("a text alternative must be a non-empty string")
    clauses = [part.strip() for part in (text, *more) if part and part.strip()]
    setattr(ax, _ATTRIBUTE, "; ".join(clauses))
    return ax


def _panel(ax) -> str | None:
    text = getattr(ax, _ATTRIBUTE, None)
    if not text or not ax.get_visible():
        return None
    title = ax.get_title().replace("\n", " ").strip()
    return f"{title}: {text}" if title else text


def alt_text(target) -> str:
    """The text alternative of an Axes or of a figure ('' if it has none).

    Parameters
    ----------
    target : matplotlib Axes or Figure
        A figure's text names each described panel by its title:
        ``"Figure of 2 panels. Panel 1, <title>: <text> Panel 2, ..."``.

    Returns
    -------
    str
    """
    from matplotlib.figure import FigureBase

    if not isinstance(target, FigureBase):  # an Axes
        return getattr(target, _ATTRIBUTE, "") or ""
    panels = [p for p in (_panel(ax) for ax in target.axes) if p]
    if not panels:
        return ""
    if len(panels) == 1:
        return f"Figure. {_sentence(panels[0])}"
    parts = " ".join(f"Panel {i}, {_sentence(p)}" for i, p in enumerate(panels, 1))
    return f"Figure of {len(panels)} panels. {parts}"


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def figure_mimebundle(fig, png_formatter) -> tuple[dict, dict]:
    """The display data of a described figure: HTML ``<img alt>``, PNG with ``alt``, text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    png_formatter : callable
        Returns the figure's PNG as base64 text (IPython's ``image/png``
        formatter for figures, which matplotlib's inline backend sets up).

    Returns
    -------
    (data, metadata) : tuple of dict
        Empty when the figure has no text alternative (IPython then shows
        it as usual).
    """
    text = alt_text(fig)
    if not text:
        return {}, {}
    png = png_formatter(fig)
    if isinstance(png, tuple):
        png = png[0]
    if isinstance(png, bytes):
        png = base64.b64encode(png).decode("ascii")
    if not png:
        return {}, {}
    img = (
        f'<img class="kmeans-lab-figure" src="data:image/png;base64,{png}" '
        f'alt="{html.escape(text, quote=True)}">'
    )
    return (
        {"text/html": img, "image/png": png, "text/plain": text},
        {"image/png": {"alt": text}},
    )


class _DrawnOnce:
    """The ``image/png`` printer of figures, in front of the one matplotlib registers.

    IPython asks for a described figure's PNG twice in one display: once in
    :func:`figure_mimebundle` (the ``<img alt>``), once from the ``image/png``
    printer matplotlib's inline backend registers for figures (a per-type
    printer takes precedence over a mime bundle's value). Drawing is most of
    a figure cell's time. This printer hands back, once, what the registered
    printer returned for the bundle of that same figure in the same display
    call (``last``, cleared when any display call ends); otherwise it calls
    the registered printer.
    """

    def __init__(self, formatter, figure_type) -> None:
        self.formatter, self.figure_type = formatter, figure_type
        self.printer = None  #: the printer it stands in front of
        self.bundling = False
        self.last: tuple | None = None  #: (figure, what the printer returned) for the bundle

    def install(self) -> None:
        """Stand in front of the registered printer (again, if it was replaced since)."""
        try:
            current = self.formatter.lookup_by_type(self.figure_type)
        except KeyError:  # none registered (not the inline backend): nothing to stand for
            return
        if current is not self:
            self.printer = current
            self.formatter.for_type(self.figure_type, self)

    def __call__(self, fig):
        last, self.last = self.last, None
        if last is not None and last[0] is fig:
            return last[1]
        result = self.printer(fig)
        if self.bundling:
            self.last = (fig, result)
        return result


def register_ipython() -> bool:
    """Show described figures with their text alternative in the running IPython (if any)."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - IPython comes with JupyterLab
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatters = shell.display_formatter
    png = formatters.formatters["image/png"]
    once = _DrawnOnce(png, Figure)

    def bundle(fig):
        once.install()
        once.bundling, once.last = True, None
        try:
            data, metadata = figure_mimebundle(fig, png)
        finally:
            once.bundling = False
        if not data:
            once.last = None
        return (data, metadata) if data else None

    display_call = formatters.format

    def format(obj, include=None, exclude=None):
        try:
            return display_call(obj, include=include, exclude=exclude)
        finally:
            once.last = None  # a PNG is handed back within its own display call only

    formatters.mimebundle_formatter.for_type(Figure, bundle)
    if not getattr(display_call, "_kmeans_lab_once", False):
        format._kmeans_lab_once = True
        formatters.format = format
    return True
