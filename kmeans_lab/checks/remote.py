"""A check split in three, so that the student's code and the judgement never share a process.

The hidden tests of a graded notebook run this way:

1. :func:`plan` (the grader, outside the sandbox) runs the exercise's cases
   with the reference implementation standing in for a perfect student, and
   writes down the arguments of every call the check makes. The plan holds
   inputs only: no expected value, no seed.
2. :func:`record` (in the sandbox, in the student's kernel) calls the
   student's function on each planned call's arguments, with the same copies,
   provenance watch and exception capture as a check in the notebook
   (:class:`~.runner.Runner`), and writes down what each call returned,
   raised, ran or changed. It judges nothing.
3. :func:`replay` (the grader again) runs the real check, with the same cases,
   messages and hints, through a runner whose calls give back what was
   recorded; the reference's answers are computed there, never in the sandbox.

A check's cases never choose their arguments from the student's answers, so
the planned calls are the calls the check makes, in order; the replay
verifies every one. Plans and recordings cross the sandbox wall as plain data
(:mod:`.transport`).

Examples
--------
>>> import numpy as np
>>> bundle = plan("compressed_bits", n_random=2, seed=11)
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * (K - 1).bit_length()
>>> recording = record(bundle, compressed_bits)
>>> replay(bundle, recording, n_random=2, seed=11)
compressed_bits: 12/12 checks passed
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from . import provenance, transport
from .registry import REGISTRY
from .results import CheckFailure, CheckResult
from .runner import Outcome, Raised, Runner, check_options

__all__ = ["plan", "record", "replay", "case_inputs", "PlanError", "FORMAT"]

#: Version of the plan and recording documents.
FORMAT = 1

Bundle = bytes


class PlanError(RuntimeError):
    """The check asked for a call the plan does not have (a bug, or a tampered recording)."""


def _cases(exercise: str, n_random: int, seed: int) -> list:
    module = importlib.import_module(f".{exercise}", __package__)
    return module.cases(n_random, seed)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


# -- 1. plan --------------------------------------------------------------------


class _PlanningRunner(Runner):
    """Runs a check with the reference as the student; writes down every call's arguments."""

    def __init__(self, exercise: str):
        super().__init__(exercise, REGISTRY[exercise].reference_function())
        self.calls: list[list[dict]] = []
        self.arrays: dict[str, np.ndarray] = {}

    def identity_hit(self) -> str | None:
        return None

    def signature_problem(self, args: tuple) -> tuple[str, str] | None:
        return None

    def invoke(self, fresh: tuple, count_lines: bool = False) -> Outcome:
        self.calls.append(
            {"args": [transport.encode(a, self.arrays) for a in fresh], "count_lines": count_lines}
        )
        return Outcome(result=self.func(*fresh), args_after=fresh, lines=0 if count_lines else None)


def plan(exercise: str, *, n_random: int, seed: int) -> Bundle:
    """The arguments of every call ``check_<exercise>(f, n_random=, seed=)`` makes.

    Parameters
    ----------
    exercise : str
        The exercise's name.
    n_random, seed : int
        The check's random cases.

    Returns
    -------
    bytes
        A bundle (:func:`.transport.dump`): the document
        ``{"format", "exercise", "calls"}`` and the arrays of the arguments.
    """
    n_random, seed = check_options(n_random, seed)
    runner = _PlanningRunner(exercise)
    try:
        runner.run(_cases(exercise, n_random, seed))
    except CheckFailure as failure:  # pragma: no cover - the reference fails its own check
        raise PlanError(f"the reference fails check_{exercise}: {failure}") from None
    document = {"format": FORMAT, "exercise": exercise, "calls": runner.calls}
    return transport.dump(document, runner.arrays)


class _FirstCallRunner(_PlanningRunner):
    """Keeps the arguments of each case's first call."""

    def __init__(self, exercise: str):
        super().__init__(exercise)
        self.first: dict[int, tuple] = {}

    def invoke(self, fresh: tuple, count_lines: bool = False) -> Outcome:
        self.first.setdefault(self.case_no, tuple(_copy(a) for a in fresh))
        return super().invoke(fresh, count_lines)


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
    all_cases = _cases(exercise, n_random, seed)
    if isinstance(case, bool) or not isinstance(case, int) or not 1 <= case <= len(all_cases):
        raise ValueError(f"case must be a case number from 1 to {len(all_cases)}, got {case!r}")
    runner = _FirstCallRunner(exercise)
    runner.run(all_cases[:case])
    return runner.first[case]


def _read_plan(bundle: Bundle) -> tuple[str, list, dict]:
    document, arrays = transport.load(bundle)
    exercise, calls = document.get("exercise"), document.get("calls")
    if (
        document.get("format") != FORMAT
        or exercise not in REGISTRY
        or not isinstance(calls, list)
        or not all(
            isinstance(c, dict)
            and isinstance(c.get("args"), list)
            and isinstance(c.get("count_lines"), bool)
            for c in calls
        )
    ):
        raise transport.TransportError("unreadable plan")
    return exercise, calls, arrays


# -- 2. record (in the sandbox) ----------------------------------------------------


def _same(before: Any, after: Any) -> bool:
    return (
        isinstance(after, np.ndarray)
        and before.shape == after.shape
        and before.dtype == after.dtype
        and np.array_equal(before, after, equal_nan=True)
    )


def _encode_result(value: Any, arrays: dict) -> dict:
    try:
        return transport.encode(value, arrays)
    except (transport.TransportError, RecursionError) as exc:
        return {"t": "other", "type": type(value).__name__, "repr": f"<not gradable: {exc}>"}


def record(plan_bundle: Bundle, func: Callable) -> Bundle:
    """Call ``func`` on every planned call's arguments; write down what happened.

    Stops at the first call that raises, runs a forbidden function or changes
    an argument: the check stops there too.

    Parameters
    ----------
    plan_bundle : bytes
        What :func:`plan` made.
    func : callable
        The student's function.

    Returns
    -------
    bytes
        A bundle: ``{"format", "exercise", "identity", "signature", "calls"}``,
        each call ``{"result", "raised", "hit", "after"}``, and its arrays.
    """
    exercise, calls, plan_arrays = _read_plan(plan_bundle)
    runner = Runner(exercise, func)
    arrays: dict[str, np.ndarray] = {}
    document: dict[str, Any] = {
        "format": FORMAT,
        "exercise": exercise,
        "identity": runner.identity_hit(),
        "signature": None,
        "calls": [],
    }
    if document["identity"] is not None:
        return transport.dump(document, arrays)
    for number, planned in enumerate(calls):
        args = tuple(transport.decode(t, plan_arrays) for t in planned["args"])
        if number == 0:
            problem = runner.signature_problem(args)
            if problem is not None:
                document["signature"] = {"text": problem[0], "error": problem[1]}
                break
        kept = tuple(_copy(a) for a in args)
        outcome = runner.invoke(args, planned["count_lines"])
        after, changed = [], False
        for before, now in zip(kept, outcome.args_after):
            if isinstance(now, np.random.Generator):
                after.append(transport.encode(now, arrays))
            elif isinstance(before, np.ndarray) and not _same(before, now):
                after.append(_encode_result(now, arrays))
                changed = True
            else:
                after.append(None)
        raised = outcome.raised
        document["calls"].append(
            {
                "result": _encode_result(outcome.result, arrays) if raised is None else None,
                "raised": None if raised is None else {k: v for k, v in asdict(raised).items()},
                "hit": outcome.hit,
                "after": after,
                "lines": outcome.lines,
            }
        )
        if raised is not None or outcome.hit is not None or changed:
            break
    return transport.dump(document, arrays)


# -- 3. replay (the grader) ----------------------------------------------------------


def _text(value: Any, limit: int = 2_000) -> str:
    if not isinstance(value, str):
        raise transport.TransportError("unreadable recording: a text")
    return value[:limit]


def _same_arguments(planned: list, fresh: tuple, arrays: dict) -> bool:
    if len(planned) != len(fresh):
        return False
    for tag, value in zip(planned, fresh):
        expected = transport.decode(tag, arrays)
        if isinstance(value, np.ndarray):
            if not (isinstance(expected, np.ndarray) and _same(expected, value)):
                return False
        elif isinstance(value, np.random.Generator):
            if not (
                isinstance(expected, np.random.Generator)
                and expected.bit_generator.state == value.bit_generator.state
            ):
                return False
        elif not (type(expected) is type(value) and expected == value):
            return False
    return True


class _ReplayRunner(Runner):
    """Runs the real check; each call gives back what the sandbox recorded."""

    def __init__(
        self, exercise: str, calls: list, plan_arrays: dict, recording: dict, arrays: dict
    ):
        super().__init__(exercise, _student_stand_in)
        self.planned, self.plan_arrays = calls, plan_arrays
        self.recording, self.arrays = recording, arrays
        self.index = 0
        names = set(self.exercise.forbidden)
        self.allowed_hits = (
            names | {provenance.COPY + n for n in names} | set(self.exercise.forbidden_modules)
        )

    def _hit(self, value: Any) -> str | None:
        if value is None:
            return None
        if value not in self.allowed_hits:
            raise transport.TransportError("unreadable recording: an unknown forbidden call")
        return value

    def identity_hit(self) -> str | None:
        return self._hit(self.recording.get("identity"))

    def signature_problem(self, args: tuple) -> tuple[str, str] | None:
        problem = self.recording.get("signature")
        if problem is None:
            return None
        if not isinstance(problem, dict):
            raise transport.TransportError("unreadable recording: a signature")
        return _text(problem.get("text"), 300), _text(problem.get("error"), 500)

    def invoke(self, fresh: tuple, count_lines: bool = False) -> Outcome:
        number = self.index
        self.index += 1
        if (
            number >= len(self.planned)
            or self.planned[number]["count_lines"] != count_lines
            or not _same_arguments(self.planned[number]["args"], fresh, self.plan_arrays)
        ):
            raise PlanError(
                f"check_{self.exercise.name} made a call that is not call {number + 1} of the plan"
            )
        calls = self.recording["calls"]
        if number >= len(calls):
            raise PlanError(f"the recording of {self.exercise.name} stops before call {number + 1}")
        entry = calls[number]
        if not isinstance(entry, dict):
            raise transport.TransportError("unreadable recording: a call")
        outcome = Outcome(hit=self._hit(entry.get("hit")))
        lines = entry.get("lines")
        if count_lines:
            if type(lines) is not int or lines < 0:
                raise transport.TransportError("unreadable recording: a line count")
            outcome.lines = lines
        raised = entry.get("raised")
        if raised is not None:
            if not isinstance(raised, dict) or not isinstance(raised.get("not_implemented"), bool):
                raise transport.TransportError("unreadable recording: an exception")
            where = raised.get("where")
            outcome.raised = Raised(
                _text(raised.get("type_name"), 100),
                _text(raised.get("message")),
                raised["not_implemented"],
                None if where is None else _text(where, 500),
            )
        elif entry.get("result") is not None:
            outcome.result = transport.decode(entry["result"], self.arrays)
        after = entry.get("after")
        if not isinstance(after, list) or len(after) != len(fresh):
            raise transport.TransportError("unreadable recording: the arguments after a call")
        args_after = []
        for value, tag in zip(fresh, after):
            if tag is None:
                args_after.append(value)
            elif isinstance(value, np.random.Generator):
                state = transport.decode(tag, self.arrays)
                if not isinstance(state, np.random.Generator):
                    raise transport.TransportError("unreadable recording: a Generator")
                value.bit_generator.state = state.bit_generator.state
                args_after.append(value)
            else:
                args_after.append(transport.decode(tag, self.arrays))
        outcome.args_after = tuple(args_after)
        return outcome


def _student_stand_in(*args):  # pragma: no cover - never called: the replay answers instead
    raise AssertionError("the replay never calls the student's function")


def replay(
    plan_bundle: Bundle, recording_bundle: Bundle, *, n_random: int, seed: int
) -> CheckResult:
    """Judge a recording with the real check: the result a check in the notebook would give.

    Parameters
    ----------
    plan_bundle, recording_bundle : bytes
        What :func:`plan` and :func:`record` made.
    n_random, seed : int
        The arguments the plan was made with.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        As the check would, with the same message.
    transport.TransportError
        If the recording cannot be read (malformed or tampered).
    PlanError
        If the recording does not belong to this plan.
    """
    exercise, calls, plan_arrays = _read_plan(plan_bundle)
    recording, arrays = transport.load(recording_bundle)
    if (
        recording.get("format") != FORMAT
        or recording.get("exercise") != exercise
        or not isinstance(recording.get("calls"), list)
    ):
        raise transport.TransportError("unreadable recording")
    n_random, seed = check_options(n_random, seed)
    runner = _ReplayRunner(exercise, calls, plan_arrays, recording, arrays)
    return runner.run(_cases(exercise, n_random, seed), n_random=n_random, seed=seed)
