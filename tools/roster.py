"""The class roster, ``course/roster.csv``: who each submission folder is in the LMS.

One row per student, with the columns

``student``
    the submission folder's name (``course/submitted/<student>/``), as in
    ``grades.csv``;
``name``
    the display name, ``Last, First`` (or ``First Last``: the last word is
    then the last name);
``email``
    the e-mail address (Moodle and Gradescope match students by it);
``lms_id``
    the LMS's own user id (Canvas ``ID``, Gradescope ``SID``, Blackboard
    ``Student ID``);
``login``
    the login (Canvas ``SIS Login ID``, Blackboard ``Username``);
``section``
    optional: the section (Canvas, Gradescope).

Each export needs only some of them (:data:`tools.lms.FORMATS`); an empty
one it needs is refused, naming the student and the column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COLUMNS", "REQUIRED", "FILE_NAME", "Person", "read_roster", "RosterError"]

FILE_NAME = "roster.csv"
COLUMNS = ["student", "name", "email", "lms_id", "login", "section"]
#: Columns every roster has (the others may be absent or empty).
REQUIRED = ("student", "name")
#: The largest roster read (a class of 20,000 is far beyond any course).
MAX_BYTES = 10_000_000


class RosterError(ValueError):
    """A roster that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Person:
    """One student of the roster (see the module docstring)."""

    student: str
    name: str
    email: str = ""
    lms_id: str = ""
    login: str = ""
    section: str = ""

    @property
    def first_name(self) -> str:
        """The first name: after the comma of ``Last, First``, else all but the last word."""
        if "," in self.name:
            return self.name.split(",", 1)[1].strip()
        return " ".join(self.name.split()[:-1])

    @property
    def last_name(self) -> str:
        """The last name: before the comma of ``Last, First``, else the last word."""
        if "," in self.name:
            return self.name.split(",", 1)[0].strip()
        return (self.name.split() or [""])[-1]

    @property
    def sortable_name(self) -> str:
        """``Last, First`` (Canvas's ``Student`` column)."""
        first, last = self.first_name, self.last_name
        return f"{last}, {first}" if first else last


def read_roster(course: Path) -> dict[str, Person]:
    """``{student: Person}`` from ``course/roster.csv``.

    Raises
    ------
    RosterError
        The file is missing, too large, lacks a required column, or names a
        student twice (the message names the file, the row and what to do).
    """
    path = Path(course) / FILE_NAME
    if not path.is_file():
        raise RosterError(
            f"no {path}: write it with the columns {','.join(COLUMNS)} "
            "(one row per student; `student` is the submission folder's name)"
        )
    if path.stat().st_size > MAX_BYTES:
        raise RosterError(f"{path} is larger than {MAX_BYTES // 1_000_000} MB: not a roster")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RosterError(
                f"{path} has no column {', '.join(missing)}: its header must hold "
                f"{','.join(COLUMNS)}"
            )
        people: dict[str, Person] = {}
        for line, row in enumerate(reader, start=2):
            values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            student = values.get("student", "")
            if not student:
                raise RosterError(f"{path} line {line}: no student (the submission folder's name)")
            if student in people:
                raise RosterError(f"{path} line {line}: student {student!r} is listed twice")
            people[student] = Person(**{c: values.get(c, "") for c in COLUMNS})
    return people
