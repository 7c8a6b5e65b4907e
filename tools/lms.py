"""The grade-import formats of four LMSs: one function per LMS, from the class's final scores.

Each format is the one its LMS documents for importing (or, for Gradescope,
exporting) grades; ``tests/fixtures/lms/`` keeps each documented example header
and ``tests/test_export.py`` compares.

``canvas``
    Gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``
    then one column per assignment; the second row ``Points Possible``. A
    column named without an assignment id creates a new assignment, so the
    assignment is one column, its total (per-exercise columns would each
    become an assignment of the course). Students are matched by ``ID`` (the
    roster's ``lms_id``) or ``SIS Login ID`` (``login``).
``moodle``
    Grade import from a CSV file: any header; the teacher maps one column to
    the user (here ``Email address``) and the others to grade items and
    their feedback. Columns are named as Moodle's own export names them
    (``<item> (Real)``), one per exercise and the total, and ``Feedback``.
``blackboard``
    Grade Center upload: students matched by ``Username`` (the roster's
    ``login``); a column whose header has no ``|<column id>`` creates a new
    column, headed ``<name> [Total Pts: <points> Score]`` as its download
    names them: the total and one per exercise.
``gradescope``
    The layout of Gradescope's score export (``First Name, Last Name, SID,
    Email, Sections, Total Score, Max Points, Status, Submission ID,
    Submission Time, Lateness (H:M:S)``, then one column per question,
    ``<n>: <name> (<points> pts)``), which Gradescope's own integrations
    and its roster upload (``Email`` is the key) read.

Every function takes the students in roster order, each a :class:`Final`,
and returns the file's rows (the header first), all strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .roster import Person

__all__ = ["Final", "FORMATS", "NEEDS", "rows_for"]


@dataclass
class Final:
    """One student's final score, as ``grades.csv`` states it.

    ``exercises`` maps each exercise to ``(points, max_points)``; ``note`` is
    why points are missing (the total row's note, or "no submission").
    """

    person: Person
    total: float
    max_total: float
    exercises: dict[str, tuple[float, float]] = field(default_factory=dict)
    note: str = ""
    submitted: bool = True
    submitted_at: str = ""  #: ISO 8601 (UTC), "" when unknown
    lateness: float = 0.0  #: seconds after the deadline (0: on time or no policy)


def _n(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _hms(seconds: float) -> str:
    seconds = int(max(0.0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def canvas(students: list[Final], assignment: str, exercises: list[str]) -> list[list[str]]:
    """Canvas's gradebook import (see the module docstring)."""
    max_total = students[0].max_total if students else 0.0
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
        ["    Points Possible", "", "", "", "", _n(max_total)],
    ]
    for s in students:
        p = s.person
        rows.append([p.sortable_name, p.lms_id, "", p.login, p.section, _n(s.total)])
    return rows


def moodle(students: list[Final], assignment: str, exercises: list[str]) -> list[list[str]]:
    """Moodle's CSV grade import (see the module docstring)."""
    header = ["First name", "Last name", "ID number", "Email address"]
    header += [f"{assignment}: {e} (Real)" for e in exercises]
    header += [f"{assignment} total (Real)", "Feedback"]
    rows = [header]
    for s in students:
        p = s.person
        row = [p.first_name, p.last_name, p.lms_id, p.email]
        row += [_n(s.exercises.get(e, (0.0, 0.0))[0]) for e in exercises]
        rows.append(row + [_n(s.total), s.note])
    return rows


def blackboard(students: list[Final], assignment: str, exercises: list[str]) -> list[list[str]]:
    """Blackboard Learn's Grade Center upload (see the module docstring)."""
    maxima = students[0].exercises if students else {}
    header = ["Last Name", "First Name", "Username", "Student ID"]
    max_total = students[0].max_total if students else 0.0
    header.append(f"{assignment} [Total Pts: {_n(max_total)} Score]")
    header += [f"{e} [Total Pts: {_n(maxima.get(e, (0, 0))[1])} Score]" for e in exercises]
    rows = [header]
    for s in students:
        p = s.person
        row = [p.last_name, p.first_name, p.login, p.lms_id, _n(s.total)]
        rows.append(row + [_n(s.exercises.get(e, (0.0, 0.0))[0]) for e in exercises])
    return rows


def gradescope(students: list[Final], assignment: str, exercises: list[str]) -> list[list[str]]:
    """Gradescope's score layout (see the module docstring)."""
    maxima = students[0].exercises if students else {}
    header = [
        "First Name",
        "Last Name",
        "SID",
        "Email",
        "Sections",
        "Total Score",
        "Max Points",
        "Status",
        "Submission ID",
        "Submission Time",
        "Lateness (H:M:S)",
    ]
    header += [
        f"{i}: {e} ({float(maxima.get(e, (0, 0))[1]):.1f} pts)" for i, e in enumerate(exercises, 1)
    ]
    rows = [header]
    for s in students:
        p = s.person
        row = [p.first_name, p.last_name, p.lms_id, p.email, p.section, _n(s.total)]
        row += [_n(s.max_total), "Graded" if s.submitted else "Missing", ""]
        row += [s.submitted_at, _hms(s.lateness)]
        rows.append(row + [_n(s.exercises.get(e, (0.0, 0.0))[0]) for e in exercises])
    return rows


#: ``{lms: function}`` of every format.
FORMATS = {"canvas": canvas, "moodle": moodle, "blackboard": blackboard, "gradescope": gradescope}
#: The roster columns each LMS matches students by (one of them must be filled).
NEEDS = {
    "canvas": ("lms_id", "login"),
    "moodle": ("email",),
    "blackboard": ("login",),
    "gradescope": ("email",),
}


def rows_for(lms: str, students: list[Final], assignment: str, exercises: list[str]):
    """The rows of ``lms``'s file (header first); ``ValueError`` for an unknown LMS."""
    if lms not in FORMATS:
        raise ValueError(f"unknown LMS {lms!r}: choose one of {', '.join(FORMATS)}")
    return FORMATS[lms](students, assignment, exercises)
