"""Export the final grades for an LMS: ``course/export/<lms>.csv``, keyed through the roster.

``make export LMS=canvas|moodle|blackboard|gradescope`` runs ``python -m
tools.export --lms <lms>`` after ``make grades``. It reads ``grades.csv``
(the final scores: overrides and any late penalty applied) and the roster
``course/roster.csv`` (:mod:`tools.roster`), and writes one row per roster
student in the LMS's import format (:mod:`tools.lms`):

- a roster student with no submission gets 0, with the note "no submission";
- a submission (a folder in ``course/submitted/`` or a student of
  ``grades.csv``) with no roster row is refused, in one line naming it: no
  file is written, so no student silently misses a grade;
- every note is also in ``course/export/notes.csv`` (``student, name, note``),
  for the LMSs that take no comment column;
- every cell that a spreadsheet would run as a formula (it starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return, and is not a number) is
  written with a leading ``'`` (:mod:`tools.csv_safe`, as every CSV the tools write).

An export is never left behind its grades: each export written is listed in
``course/export/exports.json`` (``{lms: assignment}``), and ``--refresh``
writes every listed export again from the current ``grades.csv``. ``make
override``, ``make regrade`` and ``make rejudge`` end with it, so a file
already exported for an LMS always holds the score ``grades.csv`` holds.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

from . import lms as _lms
from .csv_safe import neutralise, write_csv
from .late import lateness, read_policy
from .nbgrader_course import ASSIGNMENT, add_course_argument, check_course
from .roster import RosterError, read_roster

__all__ = ["finals", "export", "refresh", "main", "FOLDER"]

FOLDER = "export"
#: The exports written so far, ``{lms: assignment}`` (what ``--refresh`` writes again).
MANIFEST = "exports.json"


def _written(course: Path) -> dict[str, str]:
    path = Path(course) / FOLDER / MANIFEST
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(listed, dict):
        return {}
    return {k: v for k, v in listed.items() if k in _lms.FORMATS and isinstance(v, str) and v}


def _grades(course: Path) -> dict[str, list[dict]]:
    path = course / "grades.csv"
    if not path.exists():
        raise SystemExit(f"make export: no {path}: run `make grades` first")
    by_student: dict[str, list[dict]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_student.setdefault(row["student"], []).append(row)
    return by_student


def finals(course: Path, people: dict) -> list[_lms.Final]:
    """Each roster student's final score from ``grades.csv``, in roster order.

    Raises
    ------
    SystemExit
        A submission without a roster row (named), or no ``grades.csv``.
    """
    grades = _grades(course)
    try:
        policy = read_policy(course)
    except ValueError as exc:
        raise SystemExit(f"make export: {exc}") from None
    submitted = course / "submitted"
    folders = {p.name for p in submitted.iterdir() if p.is_dir()} if submitted.is_dir() else set()
    strangers = sorted((folders | set(grades)) - set(people))
    if strangers:
        raise SystemExit(
            f"make export: no row in {course / 'roster.csv'} for the submission of "
            f"{', '.join(strangers)}: add them to the roster (nothing was written)"
        )
    out = []
    for student, person in people.items():
        rows = grades.get(student)
        if not rows:
            exercises = {e: (0.0, float(r.points)) for e, r in REGISTRY.items()}
            out.append(
                _lms.Final(
                    person,
                    0.0,
                    float(sum(r.points for r in REGISTRY.values())),
                    exercises,
                    note="no submission",
                    submitted=False,
                )
            )
            continue
        total = next(r for r in rows if r["exercise"] == "total")
        exercises = {
            r["exercise"]: (float(r["points"]), float(r["max_points"]))
            for r in rows
            if r["exercise"] != "total"
        }
        notes = [f"{r['exercise']}: {r['note']}" for r in rows if r["note"]]
        late = lateness(course, student, 0.0, 0.0, policy)
        out.append(
            _lms.Final(
                person,
                float(total["points"]),
                float(total["max_points"]),
                exercises,
                note="; ".join(notes),
                submitted=student in folders,
                submitted_at=late.when.strftime("%Y-%m-%dT%H:%M:%SZ") if late.when else "",
                lateness=late.seconds,
            )
        )
    return out


def export(course: Path, lms: str, *, assignment: str = ASSIGNMENT) -> Path:
    """Write ``course/export/<lms>.csv`` and ``notes.csv``; return the export's path."""
    course = Path(course)
    try:
        people = read_roster(course)
    except RosterError as exc:
        raise SystemExit(f"make export: {exc}") from None
    students = finals(course, people)
    needs = _lms.NEEDS[lms]
    for s in students:
        if not any(getattr(s.person, column) for column in needs):
            raise SystemExit(
                f"make export: {lms} matches students by {' or '.join(needs)}, and the roster "
                f"has none for {s.person.student}: fill it in {course / 'roster.csv'}"
            )
    rows = _lms.rows_for(lms, students, assignment, list(REGISTRY))
    folder = course / FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / f"{lms}.csv"
    quoting = csv.QUOTE_ALL if lms == "blackboard" else csv.QUOTE_MINIMAL
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=quoting).writerows([[neutralise(c) for c in r] for r in rows])
    listed = _written(course)
    listed[lms] = assignment
    (folder / MANIFEST).write_text(json.dumps(listed, indent=1, sort_keys=True) + "\n")
    write_csv(
        folder / "notes.csv",
        ["student", "name", "total", "note"],
        (
            {"student": s.person.student, "name": s.person.name, "total": s.total, "note": s.note}
            for s in students
            if s.note
        ),
    )
    return path


def refresh(course: Path) -> list[Path]:
    """Write again every export listed in ``course/export/exports.json``; return their paths."""
    return [export(course, lms, assignment=name) for lms, name in sorted(_written(course).items())]


def _count(path: Path, lms: str) -> int:
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - (2 if lms == "canvas" else 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser, "grades.csv and roster.csv")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--lms", help=f"one of {', '.join(_lms.FORMATS)}")
    which.add_argument(
        "--refresh", action="store_true", help="write again every export already written"
    )
    parser.add_argument("--assignment", default=ASSIGNMENT, help="the assignment's name in the LMS")
    args = parser.parse_args(argv)
    if args.refresh:
        course = check_course(args.course)
        paths = refresh(course)
        for path in paths:
            print(f"rewrote {path} ({_count(path, path.stem)} students)")
        return 0
    if args.lms not in _lms.FORMATS:
        print(f"make export: LMS must be one of {', '.join(_lms.FORMATS)}", file=sys.stderr)
        return 2
    course = check_course(args.course)
    path = export(course, args.lms, assignment=args.assignment)
    count = _count(path, args.lms)
    print(f"wrote {path} ({count} students); notes: {path.parent / 'notes.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
