"""Write the grades CSV: one row per student and exercise, and a total per student.

``make grades`` runs ``python -m tools.grades`` after ``make autograde``. It
reads nbgrader's gradebook (``nbgrader.api.Gradebook`` over
``course/gradebook.db``) and ``course/autograde_report.json``, and writes
``course/grades.csv`` with the columns

``student, notebook, exercise, points, max_points, note``

one row per student and exercise (``exercise`` is the exercise's name, e.g.
``find_closest_centroids``; its check cell is ``check_<exercise>``), then a row
``exercise = total`` per student. ``note`` says why points are missing: the
first line of the failed check's message (e.g. ``CheckFailure: ...``), "not
submitted", or why a notebook could not be graded. Every student with a
submission folder, or known to the gradebook, gets every row: a submission
that could not be graded at all scores 0 with its reason. The total row's note
starts with ``review by hand`` when the grader flagged the submission, and
says why: code reaching into the grader or the interpreter
(``tools.grading.policy``, read by ``tools.grading.reading``), a graded function naming the
course's reference, or a graded function that closely matches the reference
or another student's (``tools.grading.similarity``). Flags never change points.

Overrides (``course/overrides.csv``, :mod:`tools.overrides`) replace an
exercise's points, and its note says who changed it, when, why and what the
grader had given; a score changed in nbgrader's formgrader says so too. The
total row also gives the submission's time (nbgrader's ``timestamp.txt``) and,
with a late policy (``course/late_policy.json``, :mod:`tools.late`), the
penalty taken off the total.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

from . import overrides
from .csv_safe import write_csv
from .grading.student_files import printable
from .late import lateness, read_policy
from .nbgrader_course import (
    ASSIGNMENT,
    add_course_argument,
    check_course,
    db_url,
    find_assignment,
)

COLUMNS = ["student", "notebook", "exercise", "points", "max_points", "note"]
CHECK_PREFIX = "check_"
#: What a cell interrupted by nbgrader's per-cell timeout shows.
TIMEOUT_ERRORS = ("CellTimeoutError", "KeyboardInterrupt")


def exercise_name(grade_id: str) -> str:
    """``check_find_closest_centroids`` -> ``find_closest_centroids``."""
    return grade_id[len(CHECK_PREFIX) :] if grade_id.startswith(CHECK_PREFIX) else grade_id


def _number(value: float) -> str:
    value = float(value or 0.0)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def graded_cells(gb, assignment) -> list[tuple[str, str, float]]:
    """(notebook, grade_id, max_score) of every graded cell, in notebook order."""
    cells = []
    for notebook in sorted(assignment.notebooks, key=lambda nb: nb.name):
        source_order = {cell.name: i for i, cell in enumerate(notebook.source_cells)}
        for cell in sorted(notebook.grade_cells, key=lambda c: source_order.get(c.name, 0)):
            cells.append((notebook.name, cell.name, float(cell.max_score)))
    return cells


def check_messages(course: Path, student: str, notebook: str) -> dict[str, str]:
    """{grade_id: first line of the error} for the failed checks of one notebook."""
    path = course / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb"
    messages: dict[str, str] = {}
    if not path.exists():
        return messages
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return messages
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not grade_id or cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                ename = output.get("ename", "Error")
                if ename in TIMEOUT_ERRORS:
                    messages[grade_id] = (
                        f"{ename}: the cell ran longer than the per-cell "
                        "timeout and was interrupted"
                    )
                    break
                lines = str(output.get("evalue", "")).strip().splitlines()
                first = lines[0] if lines else ""
                messages[grade_id] = f"{ename}: {first}"[:300]
                break
    return messages


def _formgrader_note(grade) -> str:
    """The note of a score changed by hand in nbgrader's formgrader ("" if it was not)."""
    manual, auto = grade.manual_score, grade.auto_score
    if manual is None or auto is None or float(manual) == float(auto):
        return ""
    return f"changed by hand in the formgrader (graded {_number(auto)})"


def collect(course: Path) -> list[dict[str, str]]:
    """All rows of the grades CSV (see the module docstring)."""
    from nbgrader.api import Gradebook, MissingEntry

    report_path = course / "autograde_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    outcomes = report.get("students", {})

    changed = overrides.latest(course)
    policy = read_policy(course)
    rows = []
    with Gradebook(db_url(course)) as gb:
        assignment = find_assignment(gb, "run `make release` and `make autograde` first")
        cells = graded_cells(gb, assignment)
        students = sorted(set(outcomes) | {s.id for s in gb.students})
        for student in students:
            outcome = outcomes.get(student, {})
            failed = outcome.get("failed_notebooks", {})
            missing = set(outcome.get("missing_notebooks", []))
            total = maximum = 0.0
            messages_cache: dict[str, dict[str, str]] = {}
            for notebook, grade_id, max_score in cells:
                points, note = 0.0, ""
                if notebook in failed:
                    note = f"{notebook}.ipynb {failed[notebook]}"
                elif notebook in missing:
                    note = f"{notebook}.ipynb not submitted"
                elif outcome and notebook not in outcome.get("graded_notebooks", []):
                    note = "not graded"
                else:
                    try:
                        grade = gb.find_grade(grade_id, notebook, ASSIGNMENT, student)
                    except MissingEntry:
                        note = "not autograded yet (run make autograde)"
                    else:
                        points = float(grade.score or 0.0)
                        by_hand = _formgrader_note(grade)
                        if (student, exercise_name(grade_id)) in changed:
                            # overridden (the gradebook holds the override): say what the
                            # grader gave, and why
                            points, by_hand = float(grade.auto_score or 0.0), ""
                        if by_hand:
                            note = by_hand
                        elif points < max_score:
                            note = outcome.get("notes", {}).get(exercise_name(grade_id), "")
                            if not note:
                                if notebook not in messages_cache:
                                    messages_cache[notebook] = check_messages(
                                        course, student, notebook
                                    )
                                note = messages_cache[notebook].get(grade_id, "")
                row = {
                    "student": student,
                    "notebook": notebook,
                    "exercise": exercise_name(grade_id),
                    "points": _number(points),
                    "max_points": _number(max_score),
                    "note": printable(note),
                }
                (row,) = overrides.apply([row], changed)
                total += float(row["points"])
                maximum += max_score
                rows.append(row)
            problems = list(outcome.get("problems", []))
            if not outcome:
                problems.append("no submission folder (known to the gradebook only)")
            flags = list(outcome.get("flags", []))
            if flags:
                problems.insert(
                    0,
                    "review by hand: " + " / ".join(flags[:5]) + (" ..." if len(flags) > 5 else ""),
                )
            late = lateness(course, student, total, maximum, policy)
            if late.note:
                problems.append(late.note)
            total = max(0.0, total - late.penalty)
            rows.append(
                {
                    "student": student,
                    "notebook": "",
                    "exercise": "total",
                    "points": _number(total),
                    "max_points": _number(maximum),
                    "note": printable("; ".join(problems)),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    parser.add_argument(
        "--output", type=Path, default=None, help="CSV file to write (default: <course>/grades.csv)"
    )
    args = parser.parse_args(argv)
    course = check_course(args.course)
    output = args.output or course / "grades.csv"
    try:
        rows = collect(course)
    except ValueError as exc:  # a late policy that cannot be read
        raise SystemExit(f"make grades: {exc}") from None
    write_csv(output, COLUMNS, rows)  # no cell a spreadsheet runs (tools.csv_safe)
    totals = [r for r in rows if r["exercise"] == "total"]
    for row in totals:
        print(f"{row['student']}: {row['points']}/{row['max_points']}")
    print(f"wrote {output} ({len(totals)} students, {len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
