"""Reporting the student's function from the grading sandbox: its source, nothing else.

The grader (``tools/autograde``) runs each submitted notebook in a sandbox
with the environment variable ``KMEANS_LAB_GRADING_ANSWERS`` naming a
writable folder. At each check cell, before the visible check,
:func:`capture_source` writes ``<exercise>.source`` there: the source of the
student's function with the imports, constants and helpers it uses
(:func:`kmeans_lab.saved_functions.function_source`), or the one line that
says what could not be carried over. The notebook's runner
(:mod:`.execute`) sends it back with that cell's outputs.

No planned input, expected value or seed ever enters this sandbox: the
grader runs the reported source in a fresh sandbox of its own per exercise
(:mod:`.record`), where the reference and every other route to the answer
are absent, and judges what it returns outside. The grader takes the source
from the check cell's own results, the first time that cell runs: a later
cell that writes here again changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..saved_functions import function_source

__all__ = ["ANSWERS_VARIABLE", "active", "capture_source", "MAX_SOURCE_CHARS"]

ANSWERS_VARIABLE = "KMEANS_LAB_GRADING_ANSWERS"
#: Longest source sent to the grader (a longer one is not graded, and the feedback says so).
MAX_SOURCE_CHARS = 100_000


def active() -> bool:
    """True inside the grading sandbox (the folder is set)."""
    return bool(os.environ.get(ANSWERS_VARIABLE))


def capture_source(exercise: str, func: Callable) -> None:
    """Write ``func``'s source (or why it has none) for the grader; print one line."""
    path = Path(os.environ[ANSWERS_VARIABLE]) / f"{exercise}.source"
    if not callable(func):
        report = {"problem": f"{exercise} is not a function"}
    else:
        try:
            text = function_source(func, exercise)
        except ValueError as why:
            report = {"problem": str(why)}
        else:
            if len(text) > MAX_SOURCE_CHARS:
                report = {"problem": f"its source is longer than {MAX_SOURCE_CHARS} characters"}
            else:
                report = {"source": text}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(report), encoding="utf-8")
    partial.replace(path)
    if "source" in report:
        print(f"{exercise}: sent to the grader (it runs your function on its own, outside)")
    else:
        print(f"{exercise}: the grader cannot run your function on its own: {report['problem']}")
