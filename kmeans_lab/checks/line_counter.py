"""Counting the lines a student's own Python code runs (for the "no loop" cases).

The counting itself is :class:`kmeans_lab._call_trace.LineCounter`, shared with
the grader's recorder (:mod:`kmeans_lab.grading.record`); here is what the
student's own code is in their kernel.
"""

from __future__ import annotations

import os
import sysconfig

from .. import _call_trace
from . import provenance

__all__ = ["LineCounter", "students_code"]

_LIBRARY_DIRS = tuple(
    os.path.realpath(p)
    for p in {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    if p
) + (str(provenance.PACKAGE_DIR),)


def students_code(filename: str) -> bool:
    """Whether code of ``filename`` is the student's own: not the standard library, the
    installed packages nor ``kmeans_lab`` (so the notebook's cells, and helpers they define)."""
    path = os.path.realpath(filename) if not filename.startswith("<") else filename
    return not filename.startswith("<frozen") and not path.startswith(_LIBRARY_DIRS)


class LineCounter(_call_trace.LineCounter):
    """A trace function (:func:`sys.settrace`) counting lines run in the student's own code
    (:func:`students_code`)."""

    def __init__(self) -> None:
        super().__init__(students_code)
