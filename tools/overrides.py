"""Manual overrides as data: ``course/overrides.csv``, who changed which score, when and why.

``make override STUDENT=s EXERCISE=e POINTS=p WHY="..."`` runs ``python -m
tools.overrides`` then ``make grades report``: it appends one row

``when, who, student, exercise, points, why``

(``when`` in UTC, ``who`` the instructor's login) and never rewrites an
earlier one: the file is the history of every change. The last row of a
student and exercise is the one that counts. It is also written into
nbgrader's gradebook (:func:`sync_gradebook`: the manual score and comment,
which the formgrader and ``make feedback`` show). ``make grades`` writes its
points in ``grades.csv`` with the note ``override by <who> on <date>: <why>
(graded <points>: <old note>)``, and the report, the exports and ``make
explain`` show the same (:func:`apply`). An override of an exercise
survives every regrade: to undo it, record the graded points with the reason.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import math
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

from .nbgrader_course import add_course_argument

__all__ = ["COLUMNS", "FILE_NAME", "record", "latest", "note_of", "apply", "sync_gradebook", "main"]

FILE_NAME = "overrides.csv"
COLUMNS = ["when", "who", "student", "exercise", "points", "why"]


def _who() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def record(
    course: Path,
    student: str,
    exercise: str,
    points: str | float,
    why: str,
    *,
    who: str | None = None,
    when: datetime | None = None,
) -> dict:
    """Append an override to ``course/overrides.csv``; return its row.

    Raises
    ------
    ValueError
        An unknown exercise or student, points that are not a number between
        0 and the exercise's points, or no reason.
    """
    course = Path(course)
    if exercise not in REGISTRY:
        raise ValueError(f"no exercise {exercise!r}: choose one of {', '.join(REGISTRY)}")
    known = course / "submitted" / student
    if not student or "/" in student or not known.is_dir():
        raise ValueError(f"no submission folder {known}: is {student!r} the student's folder name?")
    try:
        value = float(points)
    except (TypeError, ValueError):
        raise ValueError(f"POINTS must be a number, not {points!r}") from None
    top = float(REGISTRY[exercise].points)
    if math.isnan(value) or not 0.0 <= value <= top:
        raise ValueError(f"{exercise} is worth 0 to {top:g} points, not {points}")
    why = " ".join(str(why or "").split())
    if not why:
        raise ValueError('say why (WHY="..."): the reason is shown wherever the score is')
    row = {
        "when": (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "who": who or _who(),
        "student": student,
        "exercise": exercise,
        "points": f"{value:g}",
        "why": why,
    }
    path = course / FILE_NAME
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


def latest(course: Path) -> dict[tuple[str, str], dict]:
    """``{(student, exercise): row}``: the last override of each, from ``course/overrides.csv``."""
    path = Path(course) / FILE_NAME
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["student"], r["exercise"]): r for r in csv.DictReader(f)}


def note_of(override: dict, graded: str, old_note: str) -> str:
    """The note of an overridden score: who, when, why, and what the grader had given."""
    before = f"graded {graded}" + (f": {old_note}" if old_note else "")
    return f"override by {override['who']} on {override['when'][:10]}: {override['why']} ({before})"


def apply(rows: list[dict], overrides: dict[tuple[str, str], dict]) -> list[dict]:
    """Rows with ``student, exercise, points, note`` (grades.csv's), overrides applied.

    Rows of other exercises (and the totals) are returned as they are.
    """
    out = []
    for row in rows:
        found = overrides.get((row["student"], row["exercise"]))
        if found is not None:
            row = dict(
                row,
                points=found["points"],
                note=note_of(found, row["points"], row.get("note", "")),
            )
        out.append(row)
    return out


def sync_gradebook(course: Path) -> int:
    """Write every latest override into nbgrader's gradebook; return how many were written.

    The check cell's grade gets the override's points as its manual score,
    and the exercise's solution cell the note as its manual comment, so that
    the formgrader and ``make feedback`` show the same score and reason as
    ``grades.csv``. An override of a notebook not graded yet is skipped
    (``make grades`` still applies it).
    """
    from nbgrader.api import Gradebook, MissingEntry

    from .nbgrader_course import ASSIGNMENT, db_url

    written = 0
    found = latest(course)
    if not found or not (Path(course) / "gradebook.db").exists():
        return 0
    with Gradebook(db_url(course)) as gb:
        for (student, exercise), row in found.items():
            notebook = REGISTRY[exercise].notebook
            try:
                grade = gb.find_grade(f"check_{exercise}", notebook, ASSIGNMENT, student)
            except MissingEntry:
                continue
            graded = grade.auto_score
            grade.manual_score = float(row["points"])
            try:
                comment = gb.find_comment(exercise, notebook, ASSIGNMENT, student)
                comment.manual_comment = note_of(row, f"{float(graded or 0):g}", "")
            except MissingEntry:
                pass
            gb.db.commit()
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    parser.add_argument("--student", required=True, help="the submission folder's name")
    parser.add_argument("--exercise", required=True, help="e.g. find_closest_centroids")
    parser.add_argument("--points", required=True, help="the final points of that exercise")
    parser.add_argument("--why", required=True, help="the reason, shown with the score")
    args = parser.parse_args(argv)
    try:
        row = record(args.course, args.student, args.exercise, args.points, args.why)
    except ValueError as exc:
        print(f"make override: {exc}", file=sys.stderr)
        return 2
    sync_gradebook(args.course)
    print(
        f"override recorded in {Path(args.course) / FILE_NAME}: {row['student']} "
        f"{row['exercise']} = {row['points']} ({row['why']}; {row['who']}, {row['when']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
