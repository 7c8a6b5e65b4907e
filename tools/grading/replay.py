"""Planning a hidden test's calls and judging what came back, outside every sandbox.

The hidden tests of a graded notebook run in three steps:

1. :func:`plan` (here, when a run is prepared) runs the exercise's cases with
   the reference implementation standing in for a perfect student, and writes
   down the arguments of every call the check makes. The plan holds inputs
   only: no expected value, no seed.
2. :mod:`kmeans_lab.grading.record` (in a fresh sandbox of its own, where no
   reference and no other route to the answer exists) runs the *source* of the
   student's function, as the notebook reported it at its check cell, on every
   planned call, and writes down what each call returned, raised, ran or
   changed. It judges nothing.
3. :func:`replay` (here) runs the real check, with the same cases, messages
   and hints, through a runner whose calls give back what was recorded; the
   reference's answers are computed here, never in a sandbox.

A check's cases never choose their arguments from the student's answers, so
the planned calls are the calls the check makes, in order; the replay
verifies every one. Plans and recordings cross the sandbox wall as plain data
(:mod:`kmeans_lab.grading.transport`).

Examples
--------
>>> from kmeans_lab.grading.record import record
>>> bundle = plan("compressed_bits", n_random=2, seed=11)
>>> source = "def compressed_bits(n_pixels, K):\\n    return 24 * K + n_pixels * (K - 1).bit_length()"
>>> recording = record(bundle, source)
>>> replay(bundle, recording, n_random=2, seed=11)
compressed_bits: 12/12 checks passed
"""

from __future__ import annotations

import ast
import functools
import importlib
import json
import types
from typing import Any

import numpy as np

from kmeans_lab.checks import provenance
from kmeans_lab.checks.inputs import ReferenceRunner, check_cases
from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.checks.results import CheckFailure, CheckResult
from kmeans_lab.checks.runner import Outcome, Raised, Runner, check_options
from kmeans_lab.grading import transport
from kmeans_lab.grading.record import FORMAT, read_plan, same_array

__all__ = [
    "plan",
    "replay",
    "identity_in_source",
    "import_in_source",
    "PlanError",
    "FORMAT",
]

Bundle = bytes


class PlanError(RuntimeError):
    """The check asked for a call the plan does not have (a bug, or a tampered recording)."""


# -- 1. plan --------------------------------------------------------------------


class _PlanningRunner(ReferenceRunner):
    """Writes down every call's arguments."""

    def __init__(self, exercise: str):
        super().__init__(exercise)
        self.calls: list[dict] = []
        self.arrays: dict[str, np.ndarray] = {}

    def seen(self, fresh: tuple, count_lines: bool) -> None:
        self.calls.append(
            {"args": [transport.encode(a, self.arrays) for a in fresh], "count_lines": count_lines}
        )


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
        runner.run(check_cases(exercise, n_random, seed))
    except CheckFailure as failure:  # pragma: no cover - the reference fails its own check
        raise PlanError(f"the reference fails check_{exercise}: {failure}") from None
    document = {"format": FORMAT, "exercise": exercise, "calls": runner.calls}
    return transport.dump(document, runner.arrays)


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
            if not (isinstance(expected, np.ndarray) and same_array(expected, value)):
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
        self.identity: str | None = None
        self.imported: str | None = None  #: a forbidden import in the source: the first call's hit
        names = set(self.exercise.forbidden)
        self.allowed_hits = (
            names | {provenance.COPY + n for n in names} | set(self.exercise.forbidden_modules)
        )

    def same_arguments(self, planned: list, fresh: tuple) -> bool:
        """The planned call's arguments ``planned`` are ``fresh`` (the diagnoses' probes)."""
        return _same_arguments(planned, fresh, self.plan_arrays)

    def _hit(self, value: Any) -> str | None:
        if value is None:
            return None
        if value not in self.allowed_hits:
            raise transport.TransportError("unreadable recording: an unknown forbidden call")
        return value

    def identity_hit(self) -> str | None:
        return self.identity or self._hit(self.recording.get("identity"))

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
        outcome = Outcome(
            hit=self._hit(entry.get("hit")) or (self.imported if number == 0 else None)
        )
        global_random = entry.get("global_random", False)
        if not isinstance(global_random, bool):
            raise transport.TransportError("unreadable recording: the global random state")
        outcome.global_random = global_random
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


def identity_in_source(exercise: str, source: str) -> str | None:
    """``copy of <reference>`` if a function of ``source`` has a forbidden function's code.

    The source is compiled, never run: a function whose bytecode and global
    names are those of the exercise's reference (or of another course
    function doing its job, :attr:`~kmeans_lab.checks.registry.Exercise.forbidden`)
    is that function, copied, whatever its name or file.

    Examples
    --------
    >>> import inspect
    >>> from kmeans_lab import compressed_bits
    >>> identity_in_source("compressed_bits", inspect.getsource(compressed_bits))
    'copy of kmeans_lab.compression.compressed_bits'
    >>> identity_in_source("compressed_bits", "def compressed_bits(n, K):\\n    return 0\\n")
    """
    bodies = provenance.forbidden_bodies(REGISTRY[exercise].forbidden)
    try:
        todo = [compile(source, "<graded source>", "exec")]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    while todo:
        code = todo.pop()
        hit = provenance.match(code, {}, bodies)
        if hit is not None:
            return hit
        todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return None


def _imported(node: ast.AST) -> list[str]:
    """The dotted names an import statement binds from (``from a import b``: ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def _used(tree: ast.AST) -> list[str]:
    """Every dotted name the source imports, and the attribute chains it reads from them.

    ``import sklearn.metrics as m`` then ``m.pairwise_distances_argmin_min(...)``
    gives ``sklearn.metrics`` and ``sklearn.metrics.pairwise_distances_argmin_min``.
    """
    aliases: dict[str, str] = {}
    names: list[str] = []
    for node in ast.walk(tree):
        names += _imported(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                aliases[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if parts and isinstance(node, ast.Name) and node.id in aliases:
            names.append(".".join([aliases[node.id], *reversed(parts)]))
    return names


def _course_object(dotted: str) -> object | None:
    """What ``dotted`` names in the installed ``kmeans_lab`` (the grader's own), or None."""
    module, _, name = dotted.rpartition(".")
    if not (module == "kmeans_lab" or module.startswith("kmeans_lab.")):
        return None  # never import what a student names, except the course's own package
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def import_in_source(exercise: str, source: str) -> str | None:
    """The forbidden function or module ``source`` imports, if any (compiled, never run).

    Where the source is graded, such an import fails (nothing forbidden is
    there); this names it, so the verdict says what the check in the
    notebook says: the function calls the reference, or a library K-means.

    Examples
    --------
    >>> import_in_source("run_kmeans", "from sklearn.cluster import KMeans")
    'sklearn.cluster'
    >>> import_in_source("find_closest_centroids", "from kmeans_lab import find_closest_centroids")
    'kmeans_lab.kmeans.find_closest_centroids'
    >>> import_in_source(
    ...     "find_closest_centroids",
    ...     "import sklearn.metrics as m\\nlabels = m.pairwise_distances_argmin_min(X, C)[0]",
    ... )
    'sklearn.metrics.pairwise_distances_argmin_min'
    >>> import_in_source("find_closest_centroids", "import numpy as np")
    """
    record = REGISTRY[exercise]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    forbidden = {dotted: _course_object(dotted) for dotted in record.forbidden}
    for dotted in _used(tree):
        for prefix in record.forbidden_modules:
            if dotted == prefix or dotted.startswith(prefix + "."):
                return prefix
        found = _course_object(dotted)
        for name, obj in forbidden.items():
            if dotted == name or (found is not None and found is obj):
                return name
    return None


@functools.lru_cache(maxsize=len(REGISTRY))
def _read_once(plan_bundle: bytes) -> tuple[str, str, dict]:
    exercise, calls, arrays = read_plan(plan_bundle)
    return exercise, json.dumps(calls), arrays


def _read_plan(plan_bundle: bytes) -> tuple[str, list, dict]:
    """:func:`read_plan`, read once per plan in this process (every student has the same);
    each caller gets copies of its calls (from their JSON text: the plan's calls are JSON,
    and parsing them again is five times faster than copy.deepcopy) and arrays."""
    exercise, calls, arrays = _read_once(plan_bundle)
    return exercise, json.loads(calls), {key: a.copy() for key, a in arrays.items()}


def replay(
    plan_bundle: Bundle,
    recording_bundle: Bundle,
    *,
    n_random: int,
    seed: int,
    source: str | None = None,
) -> CheckResult:
    """Judge a recording with the real check: the result a check in the notebook would give.

    Parameters
    ----------
    plan_bundle, recording_bundle : bytes
        What :func:`plan` and :func:`kmeans_lab.grading.record.record` made.
    n_random, seed : int
        The arguments the plan was made with.
    source : str, optional
        The source that was recorded: a copy of the reference in it fails the
        check as the reference itself would (:func:`identity_in_source`), an
        import of a forbidden function or module as a call of it would
        (:func:`import_in_source`).

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
    exercise, calls, plan_arrays = _read_plan(bytes(plan_bundle))
    recording, arrays = transport.load(recording_bundle)
    if (
        recording.get("format") != FORMAT
        or recording.get("exercise") != exercise
        or not isinstance(recording.get("calls"), list)
    ):
        raise transport.TransportError("unreadable recording")
    n_random, seed = check_options(n_random, seed)
    runner = _ReplayRunner(exercise, calls, plan_arrays, recording, arrays)
    if source is not None:
        runner.identity = identity_in_source(exercise, source)
        runner.imported = import_in_source(exercise, source)
    return runner.run(check_cases(exercise, n_random, seed), n_random=n_random, seed=seed)
