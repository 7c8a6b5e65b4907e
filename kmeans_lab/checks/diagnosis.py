"""Diagnoses the evidence proves: a mistake is named only when the function behaves like it.

A check that fails knows *what* is wrong in its case (the labels, the means,
the number); *why* is a claim about the student's code, which one output cannot
prove: many different bugs give the same wrong answer on one input. So an
exercise declares its known mistakes, each as a small wrong implementation
(:class:`Mistake`), and a few **probes**: inputs chosen so that every mistake
gives its own outputs (its *signature*). The runner calls the student's
function on every probe before the cases (:meth:`.runner.Runner.run`); when a
case fails, :func:`proved_mistake` names a mistake only if the student's
function gave that mistake's output on the failing case *and on every probe*.
Otherwise the hint states the facts of the case and stops.

The probe calls are ordinary planned calls, so the grader's plan, record and
replay (``tools/grading/replay.py``) see them like any other.

Examples
--------
>>> import numpy as np
>>> m = Mistake("plus_one", lambda x: x + 1, "you add one")
>>> same_output(m.wrong(np.array([1, 2])), np.array([2, 3]))
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Mistake",
    "Raised",
    "same_output",
    "proved_mistake",
    "signature_of",
    "recorded_probe_results",
]


@dataclass(frozen=True)
class Raised:
    """A probe on which the function raised: its exception's class name."""

    type_name: str


@dataclass(frozen=True)
class Mistake:
    """A known mistake of an exercise: its name, a wrong implementation, its hint.

    Attributes
    ----------
    name : str
        A stable name, e.g. ``"l1_distance"``.
    wrong : callable
        The mistaken implementation, with the exercise's parameters.
    hint : str
        What the hint says when the mistake is proved.
    """

    name: str
    wrong: Callable
    hint: str


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def same_output(a: Any, b: Any) -> bool:
    """True when two results are the same: arrays of one shape and close values
    (NaN equal to NaN), numbers equal to 12 digits, tuples element by element."""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (
            isinstance(a, (tuple, list))
            and isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(same_output(x, y) for x, y in zip(a, b))
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return bool(np.array_equal(a, b))
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    if isinstance(a, (numbers.Real, np.generic)) and isinstance(b, (numbers.Real, np.generic)):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12) or float(a) == float(b)
        except (TypeError, ValueError, OverflowError):
            return False
    return a is None and b is None


def signature_of(func: Callable, probes: Sequence[tuple]) -> list[Any]:
    """``func``'s output on every probe (fresh copies each), or :class:`Raised`."""
    out: list[Any] = []
    for args in probes:
        try:
            out.append(func(*(_copy(a) for a in args)))
        except Exception as exc:  # a mistake may fail on some input: that is its signature
            out.append(Raised(type(exc).__name__))
    return out


def proved_mistake(
    mistakes: Sequence[Mistake],
    case_args: tuple,
    got: Any,
    probes: Sequence[tuple],
    probe_results: Sequence[Any] | None,
) -> Mistake | None:
    """The mistake the student's function provably makes, or None.

    Parameters
    ----------
    mistakes : sequence of Mistake
        The exercise's known mistakes.
    case_args : tuple
        The failing case's arguments; ``got`` is what the student's function returned.
    probes : sequence of tuple
        The exercise's probe arguments.
    probe_results : sequence or None
        What the student's function returned on each probe, or :class:`Raised`
        (None: not probed, nothing is proved). A probe where the mistake raises
        matches only a probe where the function raised the same exception class.

    Returns
    -------
    Mistake or None
        The first mistake whose output equals the student's on the failing case
        and on every probe.
    """
    if probe_results is None or len(probe_results) != len(probes):
        return None
    for mistake in mistakes:
        try:
            if not same_output(mistake.wrong(*(_copy(a) for a in case_args)), got):
                continue
        except Exception:  # the mistake does not apply to this case
            continue
        if all(
            theirs == ours if isinstance(theirs, Raised) else same_output(theirs, ours)
            for theirs, ours in zip(signature_of(mistake.wrong, probes), probe_results)
        ):
            return mistake
    return None


def recorded_probe_results(runner: Any) -> tuple[list[tuple], list[Any] | None]:
    """The grader's replay (``tools/grading/replay.py``): the probes, and their outputs read
    from the recorded calls of the plan made with the same arguments (the probes are the
    fixed cases' inputs; the replay's runner says which planned call has them, its
    ``same_arguments``); None for the outputs when one was not recorded."""
    import importlib  # noqa: PLC0415

    from ..grading import transport  # noqa: PLC0415 - plain data, as the replay reads it

    module = importlib.import_module(f"{__package__}.{runner.exercise.name}")
    make = getattr(module, "probes", None)
    if make is None:
        return [], None
    probes = list(make())
    calls = runner.recording.get("calls", [])
    results: list[Any] = []
    for args in probes:
        number = next(
            (
                i
                for i, planned in enumerate(runner.planned)
                if i < len(calls) and runner.same_arguments(planned["args"], args)
            ),
            None,
        )
        entry = calls[number] if number is not None else None
        if not isinstance(entry, dict) or entry.get("hit") is not None:
            return probes, None  # not recorded: nothing is proved
        raised = entry.get("raised")
        if raised is not None:
            results.append(Raised(str(raised.get("type_name"))))
        elif entry.get("result") is None:
            results.append(None)
        else:
            results.append(transport.decode(entry["result"], runner.arrays))
    return probes, results
