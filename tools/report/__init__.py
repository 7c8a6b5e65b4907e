"""What the class got wrong: a report for instructors, from the autograder's verdicts.

``make report`` runs ``python -m tools.report`` after ``make autograde``. It
reads ``course/verdicts.csv`` (one row per student and exercise:
:mod:`tools.grading.verdicts`) and ``course/autograde_report.json`` (flags,
problems, times), and writes ``course/report/``:

``index.html``
    one self-contained page (figures embedded, no script, no network) that
    reads on a phone and prints: the class's scores; per exercise, points and
    how many did not attempt it; per exercise, the most frequent diagnoses,
    each with its count, the hint the students were shown, the failing case
    and one anonymised example of the code; the submissions flagged for
    review by hand and why; grading time and the submissions that could not
    be graded.
``scores.csv, exercises.csv, diagnoses.csv, review.csv, grading.csv``
    the same tables, for the instructor's own analysis.

The page never shows a student's id next to code: code examples are
anonymised (:func:`tables.anonymise`), shown only for a diagnosis shared by
at least 3 students and never taken from a student flagged for review by
hand; the lines of code a flag quotes stay in ``review.csv``. The scores are
``grades.csv``'s final totals (overrides, late penalty) once ``make grades``
has run, with their notes in ``scores.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from ..csv_safe import write_csv
from ..grading import verdicts
from ..nbgrader_course import ASSIGNMENT, add_course_argument
from . import tables as _tables
from .page import render

__all__ = ["write_report", "main", "FOLDER"]

#: The report's folder, inside the course folder.
FOLDER = "report"

_CSV = {
    "scores.csv": ("scores", _tables.SCORE_COLUMNS),
    "exercises.csv": ("exercises", _tables.EXERCISE_COLUMNS),
    "diagnoses.csv": ("diagnoses", _tables.DIAGNOSIS_COLUMNS),
    "review.csv": ("review", _tables.REVIEW_COLUMNS),
    "grading.csv": ("grading", _tables.GRADING_COLUMNS),
}


def _finals(course: Path) -> dict[str, dict]:
    """``{student: total row}`` of ``grades.csv`` (the final scores), {} before ``make grades``."""
    path = course / "grades.csv"
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f) if r["exercise"] == "total"}


def write_report(course: Path, *, generated: str | None = None) -> Path:
    """Write ``course/report/`` (see the module docstring); return the page's path."""
    course = Path(course)
    rows = verdicts.read(course)
    report_path = course / "autograde_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    folder = course / FOLDER
    folder.mkdir(exist_ok=True)
    finals = _finals(course)
    whole = _tables.build(rows, report, whole_flags=True, finals=finals)  # CSV: flags' code
    for file_name, (attribute, columns) in _CSV.items():
        write_csv(folder / file_name, columns, getattr(whole, attribute))  # tools.csv_safe
    page_tables = _tables.build(rows, report, finals=finals)
    page = folder / "index.html"
    page.write_text(
        render(
            page_tables,
            title=f"{ASSIGNMENT}: what the class got wrong",
            csv_files=list(_CSV),
            generated=generated or time.strftime("%Y-%m-%d %H:%M"),
        ),
        encoding="utf-8",
    )
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser, "verdicts.csv")
    args = parser.parse_args(argv)
    page = write_report(args.course)
    built = _tables.build(verdicts.read(args.course), {})
    print(f"report: {page} ({len(built.scores)} students)")
    for exercise in built.exercises:
        top = next((d for d in built.diagnoses if d["exercise"] == exercise["exercise"]), None)
        if top is not None:
            print(f"  {exercise['exercise']}: {top['students']} x {top['diagnosis'][:90]}")
    return 0
