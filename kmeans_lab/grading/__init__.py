"""The hidden tests of the course's check cells.

Every check cell of a graded notebook ends with a hidden part (nbgrader
removes it from the student versions)::

    check_find_closest_centroids(find_closest_centroids)
    ### BEGIN HIDDEN TESTS
    from kmeans_lab.grading import hidden_check
    hidden_check("find_closest_centroids", find_closest_centroids, n_random=25, seed=303)
    ### END HIDDEN TESTS

What :func:`hidden_check` does depends on where the notebook runs:

- **while a submission is graded** (``make autograde``), the notebook runs in
  a sandbox (``tools/autograde``) that sets the environment variable of
  :mod:`kmeans_lab.grading.capture`. ``hidden_check`` then only *reports the
  source* of the student's function (:func:`.capture.capture_source`); the
  grader runs it in a fresh sandbox of its own (:mod:`.record`), on inputs
  drawn from a fresh secret seed (the ``seed=`` written in the cell is not
  used), judges what it returned outside, and is the only writer of the
  gradebook. Nothing in the student's kernel decides a grade.
- **anywhere else** (an instructor running the solutions, ``nbval``), it runs
  the check in the kernel with ``n_random`` extra random cases, like the
  visible check.

What the grader flags for review by hand (its policy) is not here: it lives
with the grader, outside this package (``tools/grading/policy.py``).

Examples
--------
>>> import numpy as np
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * int(np.ceil(np.log2(K)))
>>> hidden_check("compressed_bits", compressed_bits, n_random=5, seed=1)  # doctest: +ELLIPSIS
compressed_bits: ... checks passed
"""

from __future__ import annotations

from collections.abc import Callable

from ..checks.fallback import check_function
from ..checks.registry import EXERCISES, REGISTRY
from . import capture

__all__ = ["hidden_check"]


def hidden_check(exercise: str, func: Callable, *, n_random: int = 25, seed: int = 0):
    """The hidden test of one exercise: recorded for the grader, or run in the kernel.

    Parameters
    ----------
    exercise : str
        The exercise's name, one of :data:`~kmeans_lab.checks.EXERCISES`
        (e.g. ``"run_kmeans"``).
    func : callable
        The student's function.
    n_random, seed : int
        Extra random cases of the check when it runs in the kernel. While a
        submission is graded the grader chooses them instead.

    Returns
    -------
    CheckResult or None
        What the check returns in the kernel; None while grading (the source
        is reported, run and judged outside).

    Raises
    ------
    CheckFailure
        In the kernel, as the check does.
    """
    if exercise not in REGISTRY:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    if capture.active():
        return capture.capture_source(exercise, func)
    return check_function(exercise)(func, n_random=n_random, seed=seed)
