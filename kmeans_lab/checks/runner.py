"""Running a student's function on a check's cases, safely and one case at a time.

:class:`Runner` calls the student's function on *fresh copies* of every
input, under the provenance watch (:mod:`.provenance`), with NumPy's global
random state and warnings left as they were, and turns whatever goes wrong
(a wrong signature, an exception, a changed input, a forbidden call) into a
:class:`~kmeans_lab.checks.CheckFailure` whose message names the case.
The exercise's facts (parameter names, hints) come from its registry record;
a check's options (``n_random``, ``seed``) and its random streams are
:mod:`.options`' (re-exported here for the exercise modules). What a call did
besides its result (lines run, NumPy's global random state) is measured by
:mod:`kmeans_lab._call_trace`, as the grader's recorder measures it.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._call_trace import GlobalRandom
from . import provenance
from .diagnosis import Mistake, proved_mistake, recorded_probe_results
from .diagnosis import Raised as RaisedOnProbe
from .exception_hints import GENERIC_EXCEPTION_HINT, ExceptionHint, arguments_text
from .line_counter import LineCounter
from .messages import describe, row, snippet
from .options import PUBLIC_N_RANDOM, PUBLIC_SEED, case_rng, check_options
from .outcome import Outcome, Raised
from .plain import plain
from .registry import REGISTRY, Exercise
from .results import CheckFailure, CheckResult

__all__ = [
    "Case",
    "Outcome",
    "Raised",
    "Runner",
    "check_options",
    "case_rng",
    "GENERIC_EXCEPTION_HINT",
    "ExceptionHint",
    "arguments_text",
]

#: One case of a check: a description and a function of the runner.
Case = tuple[str, Callable[["Runner"], None]]


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


class _NotTheAnswers(Exception):
    """An error of the runner itself (a replay's), carried through :meth:`Runner.run`."""


class Runner:
    """Runs one exercise's cases against the student's function.

    The three steps that touch the student's function (is it a forbidden
    function itself, can it take the exercise's arguments, what does one call
    do) are the methods :meth:`identity_hit`, :meth:`signature_problem` and
    :meth:`invoke`; everything else (copies, order, messages) is shared by the
    runners of the grader (``tools/grading/replay.py``) that plan and replay calls for grading
    outside the student's kernel.

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
        self.bodies = provenance.forbidden_bodies(self.exercise.forbidden)
        self.signature_checked = False
        self.last_call: tuple | None = None  # (args, shown) of the case's latest call
        self.last_lines: int | None = None
        self.last_global_random = False  # the latest call changed np.random's global state
        self.global_random = GlobalRandom()  # watches it around every call
        self.public = False
        self.probes: list[tuple] = []  # the exercise's probe arguments (see .diagnosis)
        self.probe_results: list[Any] | None = None  # the function's output on each probe

    # -- failures -----------------------------------------------------------
    def _raise(
        self,
        first: str,
        lines: list[str],
        hint: str,
        reason: str,
        kind: str = "wrong result",
        mistake: str = "",
    ) -> None:
        body = [first] + ["  " + line for line in lines] + [f"  hint: {hint}"]
        raise CheckFailure(
            "\n".join(body),
            exercise=self.exercise.name,
            reason=reason,
            hint=hint,
            kind=kind,
            case=self.description,
            mistake=mistake,
        )

    def fail(
        self,
        lines: list[str],
        hint: str,
        *,
        show_call: bool = True,
        kind: str = "wrong result",
        mistake: str = "",
    ) -> None:
        """Raise CheckFailure for the current case (``kind``: one of ``results.KINDS``).

        Unless ``show_call`` is false (a failure seen over many calls), the
        message ends with the case's latest call as a snippet to run in a new cell.
        ``mistake`` names the mistake the hint diagnoses, which :meth:`diagnose`
        proved; without it the hint is a fact about the case.
        """
        if show_call and self.last_call is not None:
            lines = lines + self._snippet()
        where = f"case {self.case_no} of {self.n_cases}"
        self._raise(
            f"{self.exercise.name}: {where} failed ({self.description})",
            lines,
            hint,
            f"fails {where}",
            kind,
            mistake,
        )

    def diagnose(self, mistakes: Sequence[Mistake], got: Any) -> Mistake | None:
        """The mistake the function provably makes: it gave that mistake's output ``got``
        on the current case's latest call and on every probe (see :mod:`.diagnosis`)."""
        if self.last_call is None:
            return None
        if self.probe_results is None and hasattr(self, "recording"):
            self.probes, self.probe_results = recorded_probe_results(self)
        return proved_mistake(mistakes, self.last_call[0], got, self.probes, self.probe_results)

    def _module(self) -> Any:
        """The exercise's module, which holds its cases, hints and known mistakes."""
        return importlib.import_module(f"{__package__}.{self.exercise.name}")

    def _probe(self) -> None:
        """Call the function on the exercise's probes (module-level ``probes()``), if any.

        Only a check in the student's kernel calls the probes: the grader's runners
        (``tools/grading/replay.py``) plan and record the cases' calls only (a recording stops at the
        first call that raises), and the replay reads the probes' outputs from the
        recorded calls with the same arguments, the fixed cases' (:meth:`diagnose`).
        """
        if type(self) is not Runner:
            return
        make = getattr(self._module(), "probes", None)
        if make is None:
            return
        self.probes = list(make())
        results: list[Any] | None = []
        for args in self.probes:
            outcome = self.invoke(tuple(_copy(a) for a in args))
            if outcome.hit is not None or results is None:
                results = None  # a forbidden call: the case will say so; nothing is proved
                continue
            results.append(
                outcome.result
                if outcome.raised is None
                else RaisedOnProbe(outcome.raised.type_name)
            )
        self.probe_results = results

    def _snippet(self) -> list[str]:
        case = self.case_no if self.public else None
        return snippet(self.exercise.name, self.exercise.params, *self.last_call, case=case)

    # -- the student's function ---------------------------------------------
    def identity_hit(self) -> str | None:
        """The forbidden function the student's function *is*, if any."""
        code = getattr(self.func, "__code__", None)
        return provenance.match(code, self.keys, self.bodies) if code is not None else None

    def signature_problem(self, args: tuple) -> tuple[str, str] | None:
        """``(signature, error)`` when the function cannot take ``args``, else None."""
        try:
            signature = inspect.signature(self.func)
        except (TypeError, ValueError):  # builtins and the like: let the call decide
            return None
        try:
            signature.bind(*args)
        except TypeError as exc:
            return str(signature), str(exc)
        return None

    def invoke(self, fresh: tuple, count_lines: bool = False) -> Outcome:
        """Call the function on ``fresh`` (copies it may change) under the provenance watch.

        With ``count_lines``, also count the lines of the student's own code run.
        """
        previous = sys.getprofile()
        watch = provenance.Watch(self.keys, self.exercise.forbidden_modules, previous, self.bodies)
        counter = LineCounter() if count_lines else None
        outcome = Outcome(args_after=fresh)
        np_state = self.global_random.mark()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                sys.setprofile(watch)
                tracing = sys.gettrace()
                if counter is not None:
                    sys.settrace(counter)
                try:
                    result = self.func(*fresh)
                finally:
                    if counter is not None:
                        sys.settrace(tracing)
                    sys.setprofile(previous)
            outcome.result = plain(result)
        except Exception as exc:  # the student's error, reported by call()
            outcome.raised = Raised.from_exception(exc, self.func)
        finally:
            outcome.global_random = self.global_random.changed(np_state)  # and put back
        outcome.hit = watch.hit
        outcome.lines = counter.lines if counter is not None else None
        return outcome

    # -- checking -------------------------------------------------------------
    def check_identity(self) -> None:
        """Fail at once if the function *is* a forbidden one."""
        hit = self.identity_hit()
        if hit is not None:
            self._raise(*provenance.identity_failure(self.exercise, hit), "not own work")

    def call(self, *args: Any, shown: tuple | None = None, count_lines: bool = False) -> Any:
        """Call the function on fresh copies; check exceptions, provenance, mutation.

        ``shown`` gives the source of arguments a snippet cannot write out
        (``"np.random.default_rng(5)"``); with ``count_lines`` the number of
        lines of the student's code run is left in :attr:`last_lines`.
        """
        names = self.exercise.params
        fresh = tuple(_copy(a) for a in args)
        kept = tuple(_copy(a) for a in args)
        self.last_call = (kept, shown)
        if not self.signature_checked:
            self._check_signature(fresh)
            self.signature_checked = True
        try:
            outcome = self.invoke(fresh, count_lines)
        except Exception as exc:  # the runner's own (a replay's plan or recording): not judged here
            raise _NotTheAnswers(exc) from None
        self.last_lines = outcome.lines
        self.last_global_random = outcome.global_random
        if outcome.hit is not None:
            self._raise(*provenance.provenance_failure(self.exercise, outcome.hit), "not own work")
        if outcome.raised is not None:
            self._exception(outcome.raised)
        for name, before, after in zip(names, kept, outcome.args_after):
            if isinstance(before, np.ndarray):
                self._check_unchanged(name, before, after)
        return outcome.result

    def _check_signature(self, args: tuple) -> None:
        """Fail before calling if the function cannot take this exercise's arguments,
        or names its parameters as the exercise does but in another order."""
        problem = self.signature_problem(args)
        if problem is None:
            self._check_parameter_order()
            return
        signature, error = problem
        names = self.exercise.params
        wanted = ", ".join(names)
        self._raise(
            f"{self.exercise.name}: your function must take exactly ({wanted})",
            [
                f"yours takes {signature}, so calling it with the {len(names)} arguments "
                f"({wanted}) fails: {error}"
            ],
            f"define it with these {len(names)} parameters, in this order: "
            f"{self.exercise.signature()}",
            "has the wrong parameters",
            "wrong parameters",
        )

    def _check_parameter_order(self) -> None:
        """Fail when the function's first parameters are the exercise's names in another
        order (``def pixels_to_image(shape, pixels)``): each would receive the other's value."""
        try:
            parameters = list(inspect.signature(self.func).parameters.values())
        except (TypeError, ValueError):
            return
        names = self.exercise.params
        theirs = tuple(p.name for p in parameters[: len(names)])
        if theirs == names or sorted(theirs) != sorted(names):
            return
        swapped = next(
            f"your {mine} receives the {given}"
            for mine, given in zip(theirs, names)
            if mine != given
        )
        self._raise(
            f"{self.exercise.name}: your function must take exactly ({', '.join(names)}), "
            "in this order",
            [
                f"yours takes ({', '.join(theirs)}); the check passes the arguments in the "
                f"exercise's order ({', '.join(names)}), so {swapped}"
            ],
            f"define it with these {len(names)} parameters, in this order: "
            f"{self.exercise.signature()}",
            "has the wrong parameters",
            "wrong parameters",
        )

    def _exception(self, raised: Raised) -> None:
        name = self.exercise.name
        if raised.not_implemented:
            self._raise(
                f"{name}: not implemented yet",
                [
                    f"your function raised NotImplementedError{': ' + raised.message if raised.message else ''}"
                ],
                "write your code in the cell above (replace the line raise NotImplementedError()), "
                "run that cell, then run this check again",
                "is not implemented yet",
                "not implemented",
            )
        lines = [f"{raised.type_name}: {raised.message.strip()}"] + (
            [raised.where] if raised.where else []
        )
        if self.last_call is not None:
            lines += self._snippet()
        case = f"case {self.case_no} of {self.n_cases}"
        hint = next(
            (
                h.hint
                for h in getattr(self._module(), "EXCEPTION_HINTS", ())
                if h.applies(raised.message, self.description)
            ),
            GENERIC_EXCEPTION_HINT,
        )
        if "{arguments}" in hint and self.last_call is not None:
            hint = hint.replace(
                "{arguments}", arguments_text(self.exercise.params, self.last_call[0])
            )
        self._raise(
            f"{name}: {case} raised {raised.type_name} ({self.description})",
            lines,
            hint,
            f"raises {raised.type_name} in {case}",
            "exception",
        )

    def _check_unchanged(self, name: str, before: np.ndarray, after: np.ndarray) -> None:
        same = (
            before.shape == after.shape
            and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=True)
        )
        if same:
            return
        lines = [
            f"your function changed its argument {name}; it must leave its inputs as they were",
            f"expected {name} unchanged, shape {before.shape}, {before.dtype}",
            (
                f"got {name} with changed values"
                if before.shape == after.shape
                else f"got {name} reshaped to {after.shape}"
            ),
        ]
        if before.shape == after.shape:
            diff = np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))
            if diff.size:
                pos = tuple(int(i) for i in diff[0])
                first = pos[0]
                if before.ndim == 2:
                    lines.append(
                        f"first change at {name}[{first}]: was {row(before[first])}, "
                        f"now {row(after[first])}"
                    )
                else:
                    lines.append(f"first change at {name}{list(pos)}")
        hint = getattr(self._module(), "MUTATION_HINTS", {}).get(
            name,
            f"work on a copy ({name}.copy()) or build a new array instead of changing {name} in place",
        )
        self.fail(lines, hint, kind="changed its input")

    def run(
        self, cases: Sequence[Case], *, n_random: int | None = None, seed: int | None = None
    ) -> CheckResult:
        """Run every case, ``(description, body)``; ``body(runner)`` raises on failure.

        ``n_random`` and ``seed`` are the check's: with the visible check's
        defaults, a snippet too large to write out names
        :func:`kmeans_lab.checks.case_inputs` instead (other seeds are not shown).
        """
        self.public = (n_random, seed) == (PUBLIC_N_RANDOM, PUBLIC_SEED)
        self.check_identity()
        self._probe()
        self.n_cases = len(cases)
        for number, (description, body) in enumerate(cases, 1):
            self.case_no = number
            self.description = description
            self.last_call = None
            try:
                body(self)
            except _NotTheAnswers as wrapped:
                raise wrapped.args[0] from None
            except CheckFailure:
                raise
            except Exception as exc:  # the check could not handle this answer: a clear failure
                self._cannot_compare(exc)
        return CheckResult(self.exercise.name, self.n_cases, self.n_cases)

    def _cannot_compare(self, exc: Exception) -> None:
        try:
            first = (str(exc).strip().splitlines() or [""])[0][:200]
        except Exception:  # a message that cannot be made a string
            first = ""
        what = "the check could not compare what your function returned with the expected answer"
        hint = "return plain numbers: an array of ints or floats (not structured, object or text)"
        self.fail([f"{what} ({type(exc).__name__}: {first})"], hint, kind="wrong type")
