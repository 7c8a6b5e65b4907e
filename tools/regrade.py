"""Regrade one student end to end: grade, merge, grades, feedback, report.

``make regrade STUDENT=s`` runs ``python -m tools.regrade --student s``, the
sequence ``tools.autograde --student s`` alone does not finish:

1. grade the student with the current run (``course/autograde/run.json``,
   the same secret inputs as the class; a new run only if there is none);
2. merge every result of the run into the gradebook (``--merge``);
3. ``make grades`` (overrides and the late policy applied), ``make feedback``,
   ``make report``, and every LMS export already written (``tools.export --refresh``).

It prints the student's total before and after, from ``grades.csv``. Each
step is the course's own command, so a regrade gives what a full batch gives.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

from .nbgrader_course import REPO, add_course_argument, check_course
from .overrides import sync_gradebook

__all__ = ["main", "total_of"]


def total_of(course: Path, student: str) -> str | None:
    """The student's ``points/max_points`` in ``grades.csv`` (``None`` if absent)."""
    path = Path(course) / "grades.csv"
    if not path.exists():
        return None
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["student"] == student and row["exercise"] == "total":
                return f"{row['points']}/{row['max_points']}"
    return None


def _step(module: str, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", f"tools.{module}", *args], cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(
            f"make regrade: `python -m tools.{module}` failed (exit {result.returncode})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    parser.add_argument("--student", required=True, help="the submission folder's name")
    args = parser.parse_args(argv)
    course = check_course(args.course)
    student = args.student
    if not student or not (course / "submitted" / student).is_dir():
        print(
            f"make regrade: no submission folder {course / 'submitted' / str(student)}",
            file=sys.stderr,
        )
        return 2
    before = total_of(course, student)
    where = ("--course", str(course))
    if not (course / "autograde" / "run.json").exists():
        _step("autograde", *where, "--prepare")
    _step("autograde", *where, "--student", student)
    _step("autograde", *where, "--merge")
    sync_gradebook(course)  # the overrides, into the merged gradebook (feedback shows them)
    _step("grades", *where)
    _step("feedback", *where)
    _step("report", *where)
    _step("export", *where, "--refresh")
    after = total_of(course, student)
    print(f"regraded {student}: {before or 'not graded before'} -> {after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
