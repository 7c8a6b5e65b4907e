"""The thread pool of the fast engine and the PNG writer (private).

NumPy releases the GIL inside its loops and BLAS calls, so the blocks of a
long pass can run on several cores from plain Python threads. Work is cut
into parts of a fixed size (not one part per thread), so the result,
including the order of floating-point sums, does not depend on the number of
cores.

A leaf module (it imports nothing from the package), so that
:mod:`kmeans_lab.fast` and :mod:`kmeans_lab._png_write` both use it without
one importing the other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Points per part of a parallel pass; shorter passes run in the calling thread.
_PART = 1 << 17
_pool = None


def n_threads() -> int:
    """Threads of the pool: the cores this process may use, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def in_parts(n: int, work: Callable[[int, int], object], part: int | None = None) -> list:
    """``[work(start, stop) for each part of range(n)]``, parts in parallel."""
    step = _PART if part is None else part
    bounds = list(range(0, n, step)) + [n]
    parts = [(a, b) for a, b in zip(bounds[:-1], bounds[1:])] or [(0, 0)]
    if len(parts) == 1 or n_threads() == 1:
        return [work(a, b) for a, b in parts]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=n_threads(), thread_name_prefix="kmeans_lab")
    return list(_pool.map(lambda ab: work(*ab), parts))
