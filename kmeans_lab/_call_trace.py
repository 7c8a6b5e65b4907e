"""What one call of a student's function did besides its result (private, a leaf).

Two facts a check asks about a call, measured the same way on both sides of
the grading wall: in the student's kernel (``kmeans_lab.checks.runner``) and
in the grader's fresh sandbox (``kmeans_lab.grading.record``, which sees only
a few files of ``kmeans_lab``: ``tools/grading/fresh.py``'s allow-list):

- :class:`LineCounter`, the lines of the student's own code run (the
  vectorised exercises' "no loop" cases);
- :func:`same_random_state`, whether NumPy's global random state changed
  (a function must draw from the Generator it is given).

It holds no answer and imports only NumPy and the standard library.

Examples
--------
>>> import sys
>>> def f(n):
...     total = 0
...     for i in range(n):
...         total += i
...     return total
>>> counter = LineCounter(own=lambda filename: filename == f.__code__.co_filename)
>>> sys.settrace(counter); _ = f(3); sys.settrace(None)
>>> counter.lines  # total = 0; the for line 4 times; total += i 3 times; return
9
>>> import numpy as np
>>> before = np.random.get_state()
>>> same_random_state(before, np.random.get_state())
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["LineCounter", "same_random_state"]


class LineCounter:
    """A trace function (:func:`sys.settrace`) counting the lines run in the student's code.

    Parameters
    ----------
    own : callable
        ``own(filename) -> bool``: whether code of that file is the student's
        (asked once per file name).

    Attributes
    ----------
    lines : int
        Lines run so far in the student's code.
    """

    def __init__(self, own: Callable[[str], bool]) -> None:
        self.lines = 0
        self.own = own
        self.seen: dict[str, bool] = {}

    def _own(self, filename: str) -> bool:
        own = self.seen.get(filename)
        if own is None:
            own = self.seen[filename] = bool(self.own(filename))
        return own

    def __call__(self, frame, event, arg):
        if event == "call" and self._own(frame.f_code.co_filename):
            return self._local
        return None

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self._local


def same_random_state(a: tuple, b: tuple) -> bool:
    """True when two ``np.random.get_state()`` tuples are the same state.

    Parameters
    ----------
    a, b : tuple
        ``(name, keys (624,) uint32, pos, has_gauss, cached_gaussian)``, as
        :func:`numpy.random.get_state` returns them.

    Returns
    -------
    bool
    """
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])
