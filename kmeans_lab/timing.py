"""Timing a function the way the notebooks do: the best of a few runs.

The shortest of several runs is the figure least disturbed by whatever else
the machine is doing (the advice of :mod:`timeit`); the notebooks compare a
loop with its vectorized version (03) and several quantizers (07) with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ._validation import check_int

__all__ = ["best_time"]


def best_time(function: Callable, *args, repeat: int = 3, **kwargs) -> float:
    """Shortest wall-clock time of ``repeat`` calls of ``function(*args, **kwargs)``.

    Parameters
    ----------
    function : callable
        What to time; its result is discarded.
    *args, **kwargs
        Passed to ``function`` at every call.
    repeat : int, default=3
        Number of calls, ``>= 1``.

    Returns
    -------
    seconds : float
        The fastest call, measured with :func:`time.perf_counter`.

    See Also
    --------
    timeit.Timer.repeat : the same idea, for statements and many loops.

    Examples
    --------
    >>> import numpy as np
    >>> seconds = best_time(np.sort, np.arange(1000)[::-1], repeat=2)
    >>> 0 <= seconds < 1
    True
    """
    repeat = check_int(repeat, "repeat", minimum=1)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)
