"""Recording a student's answers inside the grading sandbox.

The grader (``tools/autograde``) runs each submitted notebook in a sandbox
with two environment variables set:

``KMEANS_LAB_GRADING_PLANS``
    a read-only folder holding ``<exercise>.plan``, the planned calls of each
    exercise of the notebook (:func:`kmeans_lab.checks.remote.plan`);
``KMEANS_LAB_GRADING_ANSWERS``
    a writable folder where :func:`record_answers` writes
    ``<exercise>.answers``, what the student's function did on them.

Nothing here judges: the grader reads the answers back as plain data after
the notebook has finished, outside the sandbox. A cell that tampers with this
module can only spoil its own answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..checks import remote

__all__ = ["PLANS_VARIABLE", "ANSWERS_VARIABLE", "active", "record_answers"]

PLANS_VARIABLE = "KMEANS_LAB_GRADING_PLANS"
ANSWERS_VARIABLE = "KMEANS_LAB_GRADING_ANSWERS"


def active() -> bool:
    """True inside the grading sandbox (both folders are set)."""
    return bool(os.environ.get(PLANS_VARIABLE)) and bool(os.environ.get(ANSWERS_VARIABLE))


def record_answers(exercise: str, func: Callable) -> None:
    """Run ``func`` on the planned calls of ``exercise``; write the answers for the grader."""
    plan_file = Path(os.environ[PLANS_VARIABLE]) / f"{exercise}.plan"
    answers = Path(os.environ[ANSWERS_VARIABLE]) / f"{exercise}.answers"
    if not callable(func):
        print(f"{exercise}: not recorded for grading: {exercise} is not a function")
        return None
    bundle = remote.record(plan_file.read_bytes(), func)
    partial = answers.with_suffix(".partial")
    partial.write_bytes(bundle)
    partial.replace(answers)
    print(
        f"{exercise}: answers recorded for grading (the grader judges them outside this notebook)"
    )
    return None
