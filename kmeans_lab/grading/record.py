"""Recording what a student's function returns, in a fresh process that holds no answer.

The grader starts this module once per exercise, each time in a new sandbox of
its own (``tools/grading/fresh.py``)::

    python -m kmeans_lab.grading.record FOLDER --result-fd N

``FOLDER`` holds ``plan`` (the exercise's planned calls, inputs only) and
``function.json``: the *source* of the student's function as the notebook
reported it at its check cell (with the helpers, imports and constants it
uses, :func:`kmeans_lab.saved_functions.function_source`), the sources of
the other exercises it may call (``run_kmeans`` calls the course's
``find_closest_centroids`` and ``compute_centroids``), and the line to
show when it imports a module the sandbox does not have.

The process sees this module, :mod:`.transport`, ``kmeans_lab._validation``,
NumPy, SciPy without ``scipy.cluster`` and Python's standard library:
nothing that computes an exercise's answer except the source it is given.
:func:`record` runs that source, calls the function on each planned call's
arguments (fresh copies, NumPy's random state and warnings left as they
were, the student's own lines counted when the check asks) and writes what
happened to file descriptor ``N`` as plain data. It judges nothing, and the
grader trusts nothing of it beyond "this is what the function returned on
these inputs": it replays the recording through the real check outside
(``tools/grading/replay.py``).

Only NumPy and the standard library are imported here (the sandbox has no
other part of ``kmeans_lab``).
"""

from __future__ import annotations
import __future__

import builtins
import importlib.abc
import inspect
import json
import linecache
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._call_trace import GlobalRandom, LineCounter
from . import transport

__all__ = [
    "record",
    "record_function",
    "read_plan",
    "same_array",
    "hand_over",
    "main",
    "FORMAT",
    "SOURCE_FILE",
    "PROGRESS",
    "JOB",
]

#: Version of the plan and recording documents.
FORMAT = 1
#: The file name the student's source runs under (tracebacks show its lines).
SOURCE_FILE = "<your function>"
#: Written on stderr before each planned call: ``<PROGRESS><number>/<calls>``, so that a
#: recording stopped at the time limit still tells which call was running.
PROGRESS = "kmeans-lab-recorder: call "
#: What opens one job's progress lines where one server records several
#: (:mod:`.record_serve`): then the exercise's name.
JOB = "kmeans-lab-recorder: job "


def read_plan(bundle: bytes) -> tuple[str, list, dict]:
    """``(exercise, calls, arrays)`` of a plan; TransportError if malformed."""
    document, arrays = transport.load(bundle)
    exercise, calls = document.get("exercise"), document.get("calls")
    if (
        document.get("format") != FORMAT
        or not isinstance(exercise, str)
        or not exercise.isidentifier()
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


def same_array(before: Any, after: Any) -> bool:
    """``after`` is an array equal to ``before`` (shape, dtype, values, NaN where NaN)."""
    return (
        isinstance(after, np.ndarray)
        and before.shape == after.shape
        and before.dtype == after.dtype
        and np.array_equal(before, after, equal_nan=True)
    )


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _encode_result(value: Any, arrays: dict) -> dict:
    try:
        return transport.encode(value, arrays)
    except (transport.TransportError, RecursionError) as exc:
        return {"t": "other", "type": type(value).__name__, "repr": f"<not gradable: {exc}>"}


class _Missing(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: a module nobody found gets a message that says why."""

    def __init__(self, line: str) -> None:
        self.line = line

    def find_spec(self, fullname, path, target=None):
        raise ModuleNotFoundError(f"No module named {fullname!r}: {self.line}", name=fullname)


def _run_text(text: str, filename: str, namespace: dict) -> dict:
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    # annotations stay text: the names they use are not carried over with the function
    flags = __future__.annotations.compiler_flag
    exec(compile(text, filename, "exec", flags=flags, dont_inherit=True), namespace)
    return namespace


def load_function(name: str, source: str, deps: dict[str, str]) -> Callable:
    """Run ``source`` in a namespace of its own; return its function ``name``.

    ``deps`` maps other exercises the function may call to their sources;
    each runs in a namespace of its own too.
    """
    namespace: dict = {"__name__": "your_function", "__builtins__": builtins}
    for other, text in deps.items():
        own = _run_text(text, f"<{other}>", {"__name__": other, "__builtins__": builtins})
        namespace[other] = own[other]
    _run_text(source, SOURCE_FILE, namespace)
    func = namespace.get(name)
    if not callable(func):
        raise NameError(f"the source of your function does not define {name}")
    return func


def _where(exc: BaseException, name: str) -> str | None:
    """``raised at line 4 of your function: d = X - c`` for the innermost frame of the source."""
    chosen = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == SOURCE_FILE:
            chosen = frame, lineno
    if chosen is None:
        return None
    frame, lineno = chosen
    code = frame.f_code
    text = linecache.getline(SOURCE_FILE, lineno).strip()
    if code.co_name == "<module>":
        return "raised while the imports and constants your function uses were run" + (
            f": {text}" if text else ""
        )
    place = "your function" if code.co_name == name else f"{code.co_name}()"
    line = lineno - code.co_firstlineno + 1
    return f"raised at line {line} of {place}" + (f": {text}" if text else "")


def _text(value: Any) -> str:
    try:
        return str(value)[:2_000]
    except Exception:  # noqa: BLE001 - a student's __str__ may raise
        return f"<{type(value).__name__} whose message could not be read>"


def _raised(exc: BaseException, name: str) -> dict:
    return {
        "type_name": type(exc).__name__[:100],
        "message": _text(exc),
        "not_implemented": isinstance(exc, NotImplementedError),
        "where": _where(exc, name),
    }


#: NumPy's global random state, watched around every call.
_GLOBAL_RANDOM = GlobalRandom()


def _call(
    func: Callable, args: tuple, count_lines: bool
) -> tuple[Any, dict | None, int | None, bool]:
    """The function's result, what it raised, the lines it ran, whether it used np.random."""
    counter = LineCounter(lambda filename: filename == SOURCE_FILE) if count_lines else None
    np_state = _GLOBAL_RANDOM.mark()
    result, raised, global_random = None, None, False
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if counter is not None:
                sys.settrace(counter)
            try:
                result = func(*args)
            finally:
                if counter is not None:
                    sys.settrace(None)
    except Exception as exc:  # the student's error, reported by the check outside
        raised = _raised(exc, getattr(func, "__name__", ""))
    finally:
        global_random = _GLOBAL_RANDOM.changed(np_state)  # and put back
    return result, raised, counter.lines if counter is not None else None, global_random


def _announce(number: int, total: int) -> None:
    """Say on stderr which planned call starts (the grader reads it only after a timeout)."""
    try:
        sys.__stderr__.write(f"\n{PROGRESS}{number}/{total}\n")
        sys.__stderr__.flush()
    except (AttributeError, OSError, ValueError):  # the source closed or replaced stderr
        pass


def _signature_problem(func: Callable, args: tuple) -> dict | None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*args)
    except TypeError as exc:
        return {"text": str(signature)[:300], "error": str(exc)[:500]}
    return None


def _document(exercise: str) -> dict[str, Any]:
    """A recording's document before its calls."""
    return {
        "format": FORMAT,
        "exercise": exercise,
        "identity": None,
        "signature": None,
        "calls": [],
    }


def record(
    plan_bundle: bytes, source: str, deps: dict[str, str] | None = None, *, missing: str = ""
) -> bytes:
    """Run ``source``, call its function on every planned call; write down what happened.

    Stops at the first call that raises or changes an argument: the check
    stops there too. A source that cannot be run counts as a first call that
    raised.

    Parameters
    ----------
    plan_bundle : bytes
        The exercise's plan (``tools/grading/replay.py``).
    source : str
        The student's function as a module (its imports, constants, helpers).
    deps : dict of str to str, optional
        Sources of the other exercises it may call, by name.
    missing : str, optional
        What a ``ModuleNotFoundError`` says after the module's name.

    Returns
    -------
    bytes
        A bundle: ``{"format", "exercise", "identity", "signature", "calls"}``,
        each call ``{"result", "raised", "hit", "after", "lines", "global_random"}``
        (the last: the call changed NumPy's global random state), and its arrays.
    """
    exercise, calls, _ = read_plan(plan_bundle)
    finder = _Missing(missing or "the grader runs your function without it")
    sys.meta_path.append(finder)
    try:
        func = load_function(exercise, source, deps or {})
    except BaseException as exc:  # noqa: BLE001 - whatever the source does when it runs
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or not calls:
            raise
        entry = {"result": None, "raised": _raised(exc, exercise), "hit": None, "lines": 0}
        entry["after"] = [None] * len(calls[0]["args"])
        document = _document(exercise)
        document["calls"].append(entry)
        return transport.dump(document, {})
    finally:
        sys.meta_path.remove(finder)
    return record_function(plan_bundle, func)


def record_function(plan_bundle: bytes, func: Callable) -> bytes:
    """Call ``func`` on every planned call of ``plan_bundle``; write down what happened.

    What :func:`record` does once the source is loaded (the tests call it with
    a function directly). Same bundle as :func:`record`.
    """
    exercise, calls, plan_arrays = read_plan(plan_bundle)
    arrays: dict[str, np.ndarray] = {}
    document = _document(exercise)
    for number, planned in enumerate(calls):
        args = tuple(transport.decode(t, plan_arrays) for t in planned["args"])
        if number == 0:
            document["signature"] = _signature_problem(func, args)
            if document["signature"] is not None:
                break
        kept = tuple(_copy(a) for a in args)
        _announce(number + 1, len(calls))
        result, raised, lines, global_random = _call(func, args, planned["count_lines"])
        after, changed = [], False
        for before, now in zip(kept, args):
            if isinstance(now, np.random.Generator):
                after.append(transport.encode(now, arrays))
            elif isinstance(before, np.ndarray) and not same_array(before, now):
                after.append(_encode_result(now, arrays))
                changed = True
            else:
                after.append(None)
        document["calls"].append(
            {
                "result": _encode_result(result, arrays) if raised is None else None,
                "raised": raised,
                "hit": None,
                "after": after,
                "lines": lines,
                "global_random": global_random,
            }
        )
        if raised is not None or changed:
            break
    return transport.dump(document, arrays)


def main(argv: list[str] | None = None) -> int:
    """``python -m kmeans_lab.grading.record FOLDER --result-fd N`` (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[1] != "--result-fd":
        print("usage: python -m kmeans_lab.grading.record FOLDER --result-fd N", file=sys.stderr)
        return 2
    folder, fd = argv[0], int(argv[2])
    os.set_inheritable(fd, False)
    with open(os.path.join(folder, "plan"), "rb") as f:
        plan_bundle = f.read()
    with open(os.path.join(folder, "function.json"), encoding="utf-8") as f:
        job = json.load(f)
    hand_over(
        record(plan_bundle, job["source"], job.get("deps") or {}, missing=job.get("missing", "")),
        fd,
    )


def hand_over(bundle: bytes, fd: int) -> None:
    """Write a recording to the result pipe ``fd`` and exit at once. Never returns."""
    view = memoryview(bundle)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)
    sys.stdout.flush()
    os._exit(0)  # nothing the source left behind (threads, handlers) may hold the exit


if __name__ == "__main__":  # pragma: no cover - run by the grader in its sandbox
    sys.exit(main())
