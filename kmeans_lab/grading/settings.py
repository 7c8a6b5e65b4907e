"""The grading settings, read in this one place: the time limits and the output cap.

Every reader imports them from here: the notebook's sandbox (:mod:`.execute`
cuts long outputs), the grader outside it (``tools.grading.worker.Settings``
reads the time limits), and nbgrader (``course/nbgrader_config.py`` sets
``Execute.timeout`` and ``LimitOutputSize.max_chars``; the ``LimitOutputSize``
preprocessor cuts with :func:`cut_text`). Standard library only: it runs in
the sandbox and in the nbgrader configuration alike.

Environment variables (for CI and for slow machines):

``KMEANS_LAB_CELL_TIMEOUT``
    seconds a single cell may run while grading (default 60): a cell that
    runs longer is interrupted with a ``CellTimeoutError`` and the next cell
    runs. Also the timeout of ``nbgrader validate`` (the Validate button).
``KMEANS_LAB_NOTEBOOK_TIMEOUT``
    seconds a whole notebook may run in its sandbox (default 600).

Examples
--------
>>> cell_timeout({"KMEANS_LAB_CELL_TIMEOUT": "30"})
30
>>> cut_text("abcdef", max_chars=4)
'abcd\\n... Output truncated (2 more characters) ...\\n'
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = [
    "CELL_TIMEOUT",
    "NOTEBOOK_TIMEOUT",
    "MAX_OUTPUT_CHARS",
    "whole_number",
    "cell_timeout",
    "notebook_timeout",
    "cut_text",
    "cut_output_texts",
]

#: The cell time limit's environment variable and its default, in seconds.
CELL_TIMEOUT = ("KMEANS_LAB_CELL_TIMEOUT", 60)
#: The notebook time limit's environment variable and its default, in seconds.
NOTEBOOK_TIMEOUT = ("KMEANS_LAB_NOTEBOOK_TIMEOUT", 600)
#: Most characters of one text output kept (the rest is cut, with a note).
MAX_OUTPUT_CHARS = 20_000


def whole_number(name: str, raw: str, unit: str) -> int:
    """Read a setting that must be a whole number of ``unit`` (plural), at least 1.

    Parameters
    ----------
    name : str
        The setting's name, for the message (an environment variable).
    raw : str
        Its text.
    unit : str
        What it counts, plural (``"seconds"``).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        One line naming the setting and what it got.

    Examples
    --------
    >>> whole_number("WORKERS", "4", "workers")
    4
    """
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of {unit}, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _seconds(setting: tuple[str, int], environ: Mapping[str, str] | None) -> int:
    name, default = setting
    environ = os.environ if environ is None else environ
    return whole_number(name, environ.get(name) or str(default), "seconds")


def cell_timeout(environ: Mapping[str, str] | None = None) -> int:
    """Seconds one cell may run: ``KMEANS_LAB_CELL_TIMEOUT`` of ``environ`` (default ``os.environ``)."""
    return _seconds(CELL_TIMEOUT, environ)


def notebook_timeout(environ: Mapping[str, str] | None = None) -> int:
    """Seconds one notebook may run: ``KMEANS_LAB_NOTEBOOK_TIMEOUT`` (default 600)."""
    return _seconds(NOTEBOOK_TIMEOUT, environ)


def cut_text(text: str | list[str], max_chars: int | None = None) -> str:
    """``text`` as one string of at most ``max_chars`` characters, with a note when cut.

    Parameters
    ----------
    text : str or list of str
        A stream's text or a ``text/*`` value, as a notebook stores it.
    max_chars : int, optional
        Most characters kept; default :data:`MAX_OUTPUT_CHARS` (read at call time).

    Returns
    -------
    str
        ``text`` joined, unchanged if it has at most ``max_chars`` characters,
        else its first ``max_chars`` characters followed by
        ``"\\n... Output truncated (<n> more characters) ...\\n"``.
    """
    if max_chars is None:
        max_chars = MAX_OUTPUT_CHARS
    if isinstance(text, list):
        text = "".join(text)
    if len(text) <= max_chars:
        return text
    dropped = len(text) - max_chars
    return text[:max_chars] + f"\n... Output truncated ({dropped} more characters) ...\n"


def cut_output_texts(output: dict, max_chars: int | None = None) -> None:
    """Cut an output's text in place: a stream's text and each ``text/*`` value (:func:`cut_text`).

    Other data (a figure's ``image/png``, JSON) is kept whole: cut, an image
    would be broken. The one rule of the notebook's sandbox
    (:func:`kmeans_lab.grading.execute.cap_outputs`) and of nbgrader's path
    (``tools/preprocessors/limit_output_size.py``).

    Examples
    --------
    >>> out = {"output_type": "display_data", "data": {"text/plain": "x" * 5, "image/png": "y" * 5}}
    >>> cut_output_texts(out, 2)
    >>> out["data"]["text/plain"].splitlines()[0], out["data"]["image/png"]
    ('xx', 'yyyyy')
    """
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        output["text"] = cut_text(text if isinstance(text, (str, list)) else str(text), max_chars)
    for mime, value in list(output.get("data", {}).items()):
        if str(mime).startswith("text/") and isinstance(value, (str, list)):
            output["data"][mime] = cut_text(value, max_chars)
