"""What one call of a student's function did besides its result (private, a leaf).

Two facts a check asks about a call, measured the same way on both sides of
the grading wall: in the student's kernel (``kmeans_lab.checks.runner``) and
in the grader's fresh sandbox (``kmeans_lab.grading.record``, which sees only
a few files of ``kmeans_lab``: ``tools/grading/fresh.py``'s allow-list):

- :class:`LineCounter`, the lines of the student's own code run (the
  vectorised exercises' "no loop" cases);
- :class:`GlobalRandom` (and :func:`same_random_state`), whether NumPy's
  global random state changed (a function must draw from the Generator it is
  given), put back when it did.

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
>>> watch = GlobalRandom()
>>> mark = watch.mark(); _ = np.random.random(); watch.changed(mark)  # put back, too
True
>>> np.random.get_state()[2] == before[2]
True
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["LineCounter", "GlobalRandom", "same_random_state"]

#: Bytes of NumPy's ``mt19937_state``: ``uint32_t key[624]; int pos``.
_MT_STATE_BYTES = 624 * 4 + 4


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


def _global_bit_generator() -> Any:
    """The bit generator behind ``np.random.<function>`` (NumPy >= 1.25 names it publicly)."""
    get = getattr(np.random, "get_bit_generator", None)
    return get() if get is not None else np.random.mtrand._rand._bit_generator


def _raw_state(bit_generator: Any) -> bytes | None:
    """The Mersenne Twister's key and position as bytes (about 1 µs), or None if not one."""
    if type(bit_generator).__name__ != "MT19937":
        return None
    try:
        return ctypes.string_at(bit_generator.ctypes.state_address, _MT_STATE_BYTES)
    except Exception:  # noqa: BLE001 - no ctypes here: the whole state is read instead
        return None


def _raw_matches(raw: bytes, state: tuple) -> bool:
    """Whether ``raw`` holds the key and position of ``state`` (the struct is as expected)."""
    key = np.asarray(state[1], dtype=np.uint32).tobytes()
    pos = int.from_bytes(raw[len(key) :], sys.byteorder, signed=True)
    return raw[: len(key)] == key and pos == state[2]


class GlobalRandom:
    """Whether a call changed NumPy's global random state; put back the state when it did.

    :func:`numpy.random.get_state` copies the generator's 624 words one by one
    (about 50 µs, more than a call of a small student function, and a check
    makes a thousand calls). The watch compares the raw bytes of the Mersenne
    Twister's key and position instead (about 1 µs), which every draw of
    ``np.random.<function>`` and every ``np.random.seed`` with another seed
    moves, and reads the whole state only when those bytes are new. The one
    change it does not see: a single Gaussian draw served from the value the
    previous odd-numbered Gaussian draw left cached (no bit of the generator
    moves; the next draw of any kind does). Where the raw bytes cannot be read
    or do not match the state NumPy reports (another layout), every mark and
    comparison reads the whole state, as :func:`same_random_state` compares it.
    A bit generator replaced during the call (``np.random.set_bit_generator``)
    is a change, and the old one is put back.

    Examples
    --------
    >>> watch = GlobalRandom()
    >>> mark = watch.mark(); watch.changed(mark)
    False
    >>> mark = watch.mark(); np.random.seed(3); watch.changed(mark)
    True
    """

    def __init__(self) -> None:
        #: (bit generator, its raw bytes or None, the whole state), as last read
        self._known: tuple | None = None

    def mark(self) -> tuple:
        """The state now, to give :meth:`changed` after the call."""
        generator = _global_bit_generator()
        raw = _raw_state(generator)
        known = self._known
        if raw is not None and known is not None and known[0] is generator and known[1] == raw:
            return known
        state = np.random.get_state()
        if raw is not None and not _raw_matches(raw, state):
            raw = None
        self._known = (generator, raw, state)
        return self._known

    def changed(self, mark: tuple) -> bool:
        """Whether the state moved since ``mark``; if it did, it is put back as it was."""
        generator, raw, state = mark
        now = _global_bit_generator()
        if now is not generator:
            moved = True
        elif raw is not None:
            moved = _raw_state(now) != raw
        else:
            moved = not same_random_state(state, np.random.get_state())
        if moved:
            if now is not generator:
                np.random.set_bit_generator(generator)
            np.random.set_state(state)
        return moved
