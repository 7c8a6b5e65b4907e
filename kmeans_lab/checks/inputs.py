"""The inputs of a check's cases: to reproduce a failing case, and to plan hidden tests.

A failing check's message shows its case's inputs; when they are too large to
write out, it tells how to get them with :func:`case_inputs`. The grader
plans its hidden tests from the same cases (``tools/grading/replay.py``).

Examples
--------
>>> X, centroids = case_inputs("find_closest_centroids", 1)
>>> X.shape, centroids.shape
((5, 2), (2, 2))
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .registry import REGISTRY
from .runner import Case, Outcome, Runner, check_options

__all__ = ["case_inputs", "check_cases", "ReferenceRunner"]


def check_cases(exercise: str, n_random: int, seed: int) -> list[Case]:
    """The cases ``check_<exercise>(f, n_random=, seed=)`` runs, in order."""
    module = importlib.import_module(f".{exercise}", __package__)
    return module.cases(n_random, seed)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


class ReferenceRunner(Runner):
    """Runs a check with the reference standing in for a perfect student.

    :meth:`seen` is told the arguments of every call, before the call.
    """

    def __init__(self, exercise: str):
        super().__init__(exercise, REGISTRY[exercise].reference_function())

    def identity_hit(self) -> str | None:
        return None

    def signature_problem(self, args: tuple) -> tuple[str, str] | None:
        return None

    def seen(self, fresh: tuple, count_lines: bool) -> None:
        """Called with each call's arguments (copies the function may change)."""

    def invoke(self, fresh: tuple, count_lines: bool = False) -> Outcome:
        self.seen(fresh, count_lines)
        return Outcome(result=self.func(*fresh), args_after=fresh, lines=0 if count_lines else None)


class _FirstCallRunner(ReferenceRunner):
    """Keeps the arguments of each case's first call."""

    def __init__(self, exercise: str):
        super().__init__(exercise)
        self.first: dict[int, tuple] = {}

    def seen(self, fresh: tuple, count_lines: bool) -> None:
        self.first.setdefault(self.case_no, tuple(_copy(a) for a in fresh))


def case_inputs(exercise: str, case: int, *, n_random: int = 3, seed: int = 0) -> tuple:
    """The arguments of case number ``case`` (from 1) of ``check_<exercise>``, as it calls them.

    A failing check's message shows its case's inputs; when they are too large
    to write out, it tells how to get them with this function (for the check of
    a notebook's check cell: ``n_random=3``, ``seed=0``). For a case that calls
    the function several times, these are the first call's arguments.

    Examples
    --------
    >>> X, centroids = case_inputs("find_closest_centroids", 1)
    >>> X.shape, centroids.shape
    ((5, 2), (2, 2))
    """
    if exercise not in REGISTRY:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(REGISTRY)}")
    n_random, seed = check_options(n_random, seed)
    all_cases = check_cases(exercise, n_random, seed)
    if isinstance(case, bool) or not isinstance(case, int) or not 1 <= case <= len(all_cases):
        raise ValueError(f"case must be a case number from 1 to {len(all_cases)}, got {case!r}")
    runner = _FirstCallRunner(exercise)
    runner.run(all_cases[:case])
    return runner.first[case]
