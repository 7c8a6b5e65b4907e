"""Running a student's function on a check's cases, safely and one case at a time.

:class:`Runner` calls the student's function on *fresh copies* of every
input, under the provenance watch (:mod:`.provenance`), with NumPy's global
random state and warnings left as they were, and turns whatever goes wrong
(a wrong signature, an exception, a changed input, a forbidden call) into a
:class:`~kmeans_lab.checks.CheckFailure` whose message names the case.
The exercise's facts (parameter names, hints) come from its registry record.
"""

from __future__ import annotations

import inspect
import numbers
import sys
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from . import provenance
from .messages import describe, row, where_raised
from .registry import EXERCISES, REGISTRY, Exercise
from .results import CheckFailure, CheckResult

__all__ = ["Case", "Runner", "check_options", "case_rng", "GENERIC_EXCEPTION_HINT"]

#: One case of a check: a description and a function of the runner.
Case = tuple[str, Callable[["Runner"], None]]

GENERIC_EXCEPTION_HINT = ("run your function on this case's inputs in a new cell to reproduce "
                          "the error, and print the shapes of the arrays on the line above")


def check_options(n_random: object, seed: object) -> tuple[int, int]:
    """Validate a check's ``n_random`` and ``seed`` (integers >= 0)."""
    if isinstance(n_random, bool) or not isinstance(n_random, numbers.Integral) or n_random < 0:
        raise TypeError(f"n_random must be an integer >= 0, got {n_random!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be an integer >= 0, got {seed!r}")
    return int(n_random), int(seed)


def case_rng(seed: int, exercise: str) -> np.random.Generator:
    """A Generator per (seed, exercise): checks do not share random streams."""
    return np.random.default_rng([seed, EXERCISES.index(exercise)])


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


class Runner:
    """Runs one exercise's cases against the student's function.

    Parameters
    ----------
    exercise : str
        The exercise's name (a key of the registry).
    func : callable
        The student's function.
    """

    def __init__(self, exercise: str, func: Callable):
        if not callable(func):
            raise TypeError(
                f"check_{exercise} needs your function, got {describe(func)}; "
                f"pass the function itself: check_{exercise}({exercise})"
            )
        self.exercise: Exercise = REGISTRY[exercise]
        self.func = func
        self.case_no = 0
        self.n_cases = 0
        self.description = ""
        self.keys = provenance.forbidden_keys(self.exercise.forbidden)
        self.signature_checked = False

    # -- failures -----------------------------------------------------------
    def _raise(self, first: str, lines: list[str], hint: str, reason: str) -> None:
        body = [first] + ["  " + line for line in lines] + [f"  hint: {hint}"]
        raise CheckFailure("\n".join(body), exercise=self.exercise.name, reason=reason, hint=hint)

    def fail(self, lines: list[str], hint: str) -> None:
        """Raise CheckFailure for the current case."""
        where = f"case {self.case_no} of {self.n_cases}"
        self._raise(f"{self.exercise.name}: {where} failed ({self.description})", lines, hint,
                    f"fails {where}")

    # -- calling ------------------------------------------------------------
    def check_identity(self) -> None:
        """Fail at once if the function *is* a forbidden one."""
        code = getattr(self.func, "__code__", None)
        hit = self.keys.get(provenance.code_key(code)) if code is not None else None
        if hit is not None:
            self._raise(*provenance.identity_failure(self.exercise, hit))

    def call(self, *args: Any) -> Any:
        """Call the function on fresh copies; check exceptions, provenance, mutation."""
        names = self.exercise.params
        fresh = tuple(_copy(a) for a in args)
        kept = tuple(_copy(a) for a in args)
        if not self.signature_checked:
            self._check_signature(fresh)
            self.signature_checked = True
        previous = sys.getprofile()
        watch = provenance.Watch(self.keys, self.exercise.forbidden_modules, previous)
        error: BaseException | None = None
        result = None
        np_state = np.random.get_state()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                sys.setprofile(watch)
                try:
                    result = self.func(*fresh)
                finally:
                    sys.setprofile(previous)
        except Exception as exc:  # the student's error, reported below
            error = exc
        finally:
            np.random.set_state(np_state)
        if watch.hit is not None:
            self._raise(*provenance.provenance_failure(self.exercise, watch.hit))
        if error is not None:
            self._exception(error)
        for name, before, after in zip(names, kept, fresh):
            if isinstance(before, np.ndarray):
                self._check_unchanged(name, before, after)
        return result

    def _check_signature(self, args: tuple) -> None:
        """Fail before calling if the function cannot take this exercise's arguments."""
        names = self.exercise.params
        try:
            signature = inspect.signature(self.func)
        except (TypeError, ValueError):  # builtins and the like: let the call decide
            return
        try:
            signature.bind(*args)
        except TypeError as exc:
            wanted = ", ".join(names)
            self._raise(
                f"{self.exercise.name}: your function must take exactly ({wanted})",
                [f"yours takes {signature}, so calling it with the {len(names)} arguments "
                 f"({wanted}) fails: {exc}"],
                f"define it with these {len(names)} parameters, in this order: "
                f"{self.exercise.signature()}",
                "has the wrong parameters",
            )

    def _exception(self, exc: Exception) -> None:
        name = self.exercise.name
        if isinstance(exc, NotImplementedError):
            self._raise(
                f"{name}: not implemented yet",
                [f"your function raised NotImplementedError{': ' + str(exc) if str(exc) else ''}"],
                "write your code in the cell above (replace the line raise NotImplementedError()), "
                "run that cell, then run this check again",
                "is not implemented yet",
            )
        where = where_raised(exc, self.func)
        lines = [f"{type(exc).__name__}: {str(exc).strip()}"] + ([where] if where else [])
        case = f"case {self.case_no} of {self.n_cases}"
        hint = next((h.hint for h in self.exercise.exception_hints
                     if h.applies(str(exc), self.description)), GENERIC_EXCEPTION_HINT)
        self._raise(
            f"{name}: {case} raised {type(exc).__name__} ({self.description})",
            lines,
            hint,
            f"raises {type(exc).__name__} in {case}",
        )

    def _check_unchanged(self, name: str, before: np.ndarray, after: np.ndarray) -> None:
        same = (
            before.shape == after.shape
            and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=True)
        )
        if same:
            return
        lines = [f"your function changed its argument {name}; it must leave its inputs as they were",
                 f"expected {name} unchanged, shape {before.shape}, {before.dtype}",
                 (f"got {name} with changed values" if before.shape == after.shape
                  else f"got {name} reshaped to {after.shape}")]
        if before.shape == after.shape:
            diff = np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))
            if diff.size:
                pos = tuple(int(i) for i in diff[0])
                first = pos[0]
                if before.ndim == 2:
                    lines.append(f"first change at {name}[{first}]: was {row(before[first])}, "
                                 f"now {row(after[first])}")
                else:
                    lines.append(f"first change at {name}{list(pos)}")
        hint = self.exercise.mutation_hints.get(
            name,
            f"work on a copy ({name}.copy()) or build a new array instead of changing {name} in place",
        )
        self.fail(lines, hint)

    def run(self, cases: Sequence[Case]) -> CheckResult:
        """Run every case, ``(description, body)``; ``body(runner)`` raises on failure."""
        self.check_identity()
        self.n_cases = len(cases)
        for number, (description, body) in enumerate(cases, 1):
            self.case_no = number
            self.description = description
            body(self)
        return CheckResult(self.exercise.name, self.n_cases, self.n_cases)
