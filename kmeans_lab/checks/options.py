"""A check's options: how many random cases (``n_random``), from which ``seed``.

Every check (``check_<exercise>(func, n_random=..., seed=...)``) and the
grader's replay (``tools/grading/replay.py``) validate their options here and
draw their random cases from :func:`case_rng`. The visible check of a
notebook's check cell runs with :data:`PUBLIC_N_RANDOM` and
:data:`PUBLIC_SEED`: its cases can be shown by number.

Examples
--------
>>> check_options(3, 0)
(3, 0)
>>> check_options(-1, 0)
Traceback (most recent call last):
...
ValueError: n_random must be at least 0, got -1
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from .registry import EXERCISES

__all__ = ["PUBLIC_N_RANDOM", "PUBLIC_SEED", "check_options", "case_rng"]

#: The visible check's settings (a notebook's check cell): its cases can be shown by number.
PUBLIC_N_RANDOM, PUBLIC_SEED = 3, 0


def check_options(n_random: object, seed: object) -> tuple[int, int]:
    """Validate a check's ``n_random`` and ``seed`` (integers >= 0).

    Parameters
    ----------
    n_random : int
        Random cases to run after the fixed ones, at least 0.
    seed : int
        Seed of the random cases, at least 0.

    Returns
    -------
    (int, int)
        ``(n_random, seed)`` as Python ints.

    Raises
    ------
    TypeError
        Either is not an integer (a bool, a float, a string).
    ValueError
        Either is negative.
    """
    return check_int(n_random, "n_random", minimum=0), check_int(seed, "seed", minimum=0)


def case_rng(seed: int, exercise: str) -> np.random.Generator:
    """A Generator per (seed, exercise): checks do not share random streams.

    Examples
    --------
    >>> a = case_rng(0, "find_closest_centroids").integers(1000, size=3)
    >>> b = case_rng(0, "compute_centroids").integers(1000, size=3)
    >>> bool((a == case_rng(0, "find_closest_centroids").integers(1000, size=3)).all())
    True
    >>> bool((a == b).all())
    False
    """
    return np.random.default_rng([seed, EXERCISES.index(exercise)])
