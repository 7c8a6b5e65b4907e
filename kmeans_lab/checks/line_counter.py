"""Counting the lines a student's own Python code runs (for the "no loop" cases)."""

from __future__ import annotations

import os
import sysconfig

from . import provenance

__all__ = ["LineCounter"]

_LIBRARY_DIRS = tuple(
    os.path.realpath(p)
    for p in {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    if p
) + (str(provenance.PACKAGE_DIR),)


class LineCounter:
    """A trace function (:func:`sys.settrace`) counting lines run in the student's own code.

    The student's code is any code outside the standard library, the installed
    packages and ``kmeans_lab``: the notebook's cells, and helpers they define.
    """

    def __init__(self) -> None:
        self.lines = 0
        self.seen: dict[str, bool] = {}

    def _own(self, filename: str) -> bool:
        own = self.seen.get(filename)
        if own is None:
            path = os.path.realpath(filename) if not filename.startswith("<") else filename
            own = not filename.startswith("<frozen") and not path.startswith(_LIBRARY_DIRS)
            self.seen[filename] = own
        return own

    def __call__(self, frame, event, arg):
        if event == "call" and self._own(frame.f_code.co_filename):
            return self._local
        return None

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self._local
