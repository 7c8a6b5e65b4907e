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

:func:`suspicious_lines` finds code that reaches into the grader or the
interpreter; the grader flags such submissions for review by hand.

Examples
--------
>>> import numpy as np
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * int(np.ceil(np.log2(K)))
>>> hidden_check("compressed_bits", compressed_bits, n_random=5, seed=1)  # doctest: +ELLIPSIS
compressed_bits: ... checks passed
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..checks.fallback import check_function
from ..checks.registry import EXERCISES, REGISTRY
from . import capture

__all__ = ["hidden_check", "SUSPICIOUS_PATTERNS", "suspicious_lines"]

#: Regular expressions for code that reaches into the grader or the interpreter.
#: The grader flags a submission whose own cells match one, for the instructor
#: to read (a flag never changes points).
SUSPICIOUS_PATTERNS: tuple[str, ...] = (
    r"kmeans_lab\.(checks|grading)\b",
    r"\bfrom\s+kmeans_lab\s+import\s+[^\n]*\b(checks|grading)\b",
    r"\bhidden_check\b",
    r"^\s*check_\w+\s*=",
    r"\bkmeans_lab\.\w+\.\w+\s*=[^=]",
    r"\bsys\.modules\b",
    r"\bsetprofile\b|\bsettrace\b",
    r"\bimportlib\b|\b__import__\b|\bbuiltins\b",
    r"\b__code__\b|\bf_back\b|\bf_locals\b|\bf_globals\b|\binspect\.(stack|currentframe)\b",
    r"\bos\._exit\b|\bos\.kill\b|\bos\.killpg\b|\bsignal\.",
    r"\bexec\s*\(|\bcompile\s*\(|\bgetsource\b",
    r"\bsubprocess\b|\bos\.system\b|\bos\.fork\b|\bos\.setsid\b",
    r"\b(np|numpy)\.\w+(\.\w+)*\s*=[^=]",
    r"\b__file__\b|\bsite-packages\b|\.pth\b|\bsitecustomize\b",
    r"\bgradebook\b|\bsqlite3\b|\bsubmitted\b",
)


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


def suspicious_lines(source: str) -> list[str]:
    """The lines of ``source`` that match :data:`SUSPICIOUS_PATTERNS`.

    Examples
    --------
    >>> suspicious_lines("x = 1\\nimport importlib")
    ['import importlib']
    """
    hits = []
    for line in source.splitlines():
        if any(re.search(p, line) for p in SUSPICIOUS_PATTERNS):
            hits.append(line.strip())
    return hits
