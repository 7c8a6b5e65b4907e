"""The class's verdicts as data: one row per student and exercise, beside the gradebook.

``make autograde`` (its merge, :mod:`.merge`) writes ``course/verdicts.csv``:
every exercise of every student it merged, whatever the outcome, with what
the grader decided and why. ``course/grades.csv`` says how many points; this
file says what went wrong, as data a report can count
(:mod:`tools.report`). It is kept beside the gradebook, so it outlives the
next grading run (which deletes ``course/autograde/``). Columns:

``run``
    the grading run's id (``course/autograde/run.json``).
``student, notebook, exercise``
    as in ``grades.csv``.
``status``
    ``passed``, ``failed``, ``not attempted`` (the released stub is still
    there), ``not submitted`` (the notebook is missing) or ``not graded``
    (the notebook could not be read or graded, or a time or memory limit stopped
    the check: ``kind`` says which; ``message`` says why).
``points, max_points``
    the grader's points (before any late penalty of nbgrader's).
``kind``
    what went wrong: one of :data:`kmeans_lab.checks.results.KINDS` (``wrong
    result``, ``wrong shape``, ``exception``, ``changed its input``, ``not own
    work`` ...) or :data:`tools.grading.judge.NOT_RUN_KINDS` (``timeout``,
    ``kernel died`` ...); empty when passed.
``case``
    the failing case, a stable id: ``<number>/<cases>: <description>``, e.g.
    ``1/35: 5 points, 2 centroids, 2 features`` (the same number is the same
    inputs for everyone graded in the run); empty when the check stopped
    before any case (not own work, wrong parameters, a check that never ran).
``diagnosis``
    the hint with its numbers as ``#``: the same mistake gets the same text.
``hint``
    the hint the student was shown (the message's ``hint:`` line).
``message``
    the whole message the student was shown (the case's inputs as a
    snippet, expected and got, the hint).
``code``
    the student's code for the exercise (their solution cell).
"""

from __future__ import annotations

import re
from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

from ..csv_safe import read_csv, write_csv

__all__ = ["COLUMNS", "FILE_NAME", "STATUSES", "rows_of", "write", "read", "hint_of", "case_id"]

FILE_NAME = "verdicts.csv"
COLUMNS = [
    "run",
    "student",
    "notebook",
    "exercise",
    "status",
    "points",
    "max_points",
    "kind",
    "case",
    "diagnosis",
    "hint",
    "message",
    "code",
]
STATUSES = ("passed", "failed", "not attempted", "not submitted", "not graded")
#: Kinds of a check stopped by a limit: its answer was never judged, so its status is
#: ``not graded`` (as in the report, the feedback and grading.csv), not ``failed``.
STOPPED_KINDS = ("timeout", "kernel died")

_CASE_NUMBER = re.compile(r": case (\d+) of (\d+) ")


def hint_of(message: str) -> str:
    """The text of a message's ``hint:`` line ("" if it has none)."""
    for line in reversed(message.splitlines()):
        if line.strip().startswith("hint: "):
            return line.strip()[len("hint: ") :]
    return ""


def case_id(message: str, description: str) -> str:
    """``<number>/<cases>: <description>`` from a message's first line ("" if no case failed).

    Examples
    --------
    >>> case_id("f: case 2 of 9 failed (3 points)", "3 points")
    '2/9: 3 points'
    >>> case_id("f: your function calls the course's reference implementation", "3 points")
    ''
    """
    first = message.splitlines()[0] if message else ""
    found = _CASE_NUMBER.search(first)
    if found is None:
        return ""
    return f"{found[1]}/{found[2]}: {description}" if description else f"{found[1]}/{found[2]}"


def _number(value) -> str:
    value = float(value or 0.0)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def rows_of(run_id: str, results: dict[str, dict], report: dict[str, dict]) -> list[dict]:
    """The rows of the students' results (:mod:`.worker`) and their report entries (:mod:`.merge`).

    One row per student and exercise of the registry, in the registry's order.
    """
    rows = []
    for student in sorted(results):
        result, entry = results[student], report.get(student, {})
        graded = set(entry.get("graded_notebooks", result.get("graded_notebooks", [])))
        failed = entry.get("failed_notebooks", result.get("failed_notebooks", {}))
        missing = set(entry.get("missing_notebooks", result.get("missing_notebooks", [])))
        sources = result.get("sources", {})
        for exercise, record in REGISTRY.items():
            notebook = record.notebook
            verdict = result.get("notebooks", {}).get(notebook, {}).get("exercises", {})
            verdict = verdict.get(exercise)
            row = {
                "run": run_id,
                "student": student,
                "notebook": notebook,
                "exercise": exercise,
                "status": "not graded",
                "points": "0",
                "max_points": _number(record.points),
                "kind": "",
                "case": "",
                "diagnosis": "",
                "hint": "",
                "message": "",
                "code": sources.get(exercise, ""),
            }
            if notebook in missing:
                row["status"] = "not submitted"
                row["message"] = f"{notebook}.ipynb not submitted"
            elif notebook in failed:
                row["message"] = f"{notebook}.ipynb {failed[notebook]}"
            elif notebook not in graded or verdict is None:
                row["message"] = f"{notebook}.ipynb was not graded"
            else:
                message = str(verdict.get("message", ""))
                kind = str(verdict.get("kind", ""))
                row.update(
                    points=_number(verdict.get("points", 0)),
                    max_points=_number(verdict.get("max_points", record.points)),
                    status="passed"
                    if verdict.get("passed")
                    else "not attempted"
                    if kind == "not implemented"
                    else "not graded"
                    if kind in STOPPED_KINDS
                    else "failed",
                    kind="" if verdict.get("passed") else kind,
                    case="" if verdict.get("passed") else case_id(message, verdict.get("case", "")),
                    diagnosis=str(verdict.get("diagnosis", "")),
                    hint=hint_of(message),
                    message=message,
                )
            rows.append(row)
    return rows


def write(course: Path, rows: list[dict]) -> Path:
    """Write ``course/verdicts.csv`` (no cell a spreadsheet runs: :mod:`tools.csv_safe`)."""
    return write_csv(Path(course) / FILE_NAME, COLUMNS, rows)


def read(course: Path) -> list[dict]:
    """The rows of ``course/verdicts.csv``."""
    path = Path(course) / FILE_NAME
    if not path.exists():
        raise SystemExit(f"no {path}: run `make autograde` first")
    return read_csv(path)
