"""``make export``: each LMS's file against its documented header, keyed through the roster.

The class here is written as ``grades.csv`` and ``roster.csv`` files (what
``make grades`` and the instructor write); the end-to-end path, from a graded
class, is in ``tests/test_term.py``.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kmeans_lab.checks.registry import REGISTRY
from tools import export, lms, overrides
from tools.csv_safe import neutralise
from tools.grades import COLUMNS

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "lms"
MAX = sum(r.points for r in REGISTRY.values())


def write_grades(course: Path, scores: dict[str, dict[str, float]], notes=None) -> None:
    """grades.csv as ``make grades`` writes it, from ``{student: {exercise: points}}``."""
    notes = notes or {}
    with open(course / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for student, given in scores.items():
            for exercise, record in REGISTRY.items():
                writer.writerow(
                    dict(
                        student=student,
                        notebook=record.notebook,
                        exercise=exercise,
                        points=f"{given.get(exercise, 0):g}",
                        max_points=str(record.points),
                        note=notes.get((student, exercise), ""),
                    )
                )
            total = sum(given.values())
            writer.writerow(
                dict(
                    student=student,
                    notebook="",
                    exercise="total",
                    points=f"{total:g}",
                    max_points=str(MAX),
                    note=notes.get((student, "total"), ""),
                )
            )
            (course / "submitted" / student).mkdir(parents=True, exist_ok=True)


ROSTER = [
    "student,name,email,lms_id,login,section",
    's01,"Lovelace, Ada",ada@uni.example,1001,alovelace,A',
    "s02,Alan Turing,alan@uni.example,1002,aturing,A",
    's03,=HYPERLINK("http://evil.example"),eve@uni.example,1003,eve,B',
]


@pytest.fixture
def course(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    (course / "roster.csv").write_text("\n".join(ROSTER) + "\n", encoding="utf-8")
    write_grades(
        course,
        {
            "s01": {e: r.points for e, r in REGISTRY.items()},
            "s02": {"image_to_pixels": 1, "find_closest_centroids": 3},
        },
        notes={("s02", "compute_centroids"): "CheckFailure: compute_centroids: case 4 of 35"},
    )
    return course


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def documented(name: str) -> list[list[str]]:
    return read(FIXTURES / f"{name}.csv")


# the grade columns of each LMS, as its documented header names them
GRADE_COLUMN = {
    "canvas": r"^.+$",
    "moodle": r"^.+ \(Real\)$",
    "blackboard": r"^.+ \[Total Pts: \d+(\.\d+)? Score\]( \|\d+)?$",
    "gradescope": r"^\d+: .+ \(\d+\.\d pts\)$",
}


@pytest.mark.parametrize("name", sorted(lms.FORMATS))
def test_each_export_follows_its_lms_documented_header(course, name):
    rows = read(export.export(course, name))
    header, example = rows[0], documented(name)[0]
    first_grade = next(
        i
        for i, c in enumerate(example)
        if re.match(GRADE_COLUMN[name], c) and c not in ("Student", "ID") and i >= 4
    )
    identity = example[:first_grade]
    ours = [c for c in header if c in identity]
    # our identity columns are the documented ones, in the documented order ...
    assert ours == [c for c in identity if c in ours] and len(ours) >= 2, (header, identity)
    # ... and every other column is a grade column as the LMS names them (Moodle's feedback aside)
    for column in header[len(ours) :]:
        if name == "moodle" and column == "Feedback":
            continue
        assert re.match(GRADE_COLUMN[name], column), (name, column)
        assert re.match(GRADE_COLUMN[name], example[first_grade])
    body = rows[2:] if name == "canvas" else rows[1:]
    assert len(body) == 3  # one row per roster student
    if name == "canvas":  # the points-possible row, as documented
        assert rows[1][0] == documented(name)[1][0]  # "    Points Possible"
        assert rows[1][-1] == str(MAX)


def test_the_numbers_are_grades_csv_s_keyed_by_each_lms_s_id(course):
    canvas = read(export.export(course, "canvas"))
    by_id = {r[1]: r for r in canvas[2:]}
    assert by_id["1001"][0] == "Lovelace, Ada" and by_id["1001"][-1] == "13"
    assert by_id["1002"][0] == "Turing, Alan" and by_id["1002"][-1] == "4"
    moodle = read(export.export(course, "moodle"))
    header = moodle[0]
    row = next(r for r in moodle[1:] if r[header.index("Email address")] == "alan@uni.example")
    assert row[header.index("kmeans_lab: find_closest_centroids (Real)")] == "3"
    assert row[header.index("kmeans_lab: compute_centroids (Real)")] == "0"
    assert "compute_centroids: CheckFailure" in row[header.index("Feedback")]
    blackboard = course / "export" / "blackboard.csv"
    export.export(course, "blackboard")
    assert blackboard.read_text().startswith('"Last Name","First Name","Username"')
    gradescope = read(export.export(course, "gradescope"))
    row = next(r for r in gradescope[1:] if r[3] == "ada@uni.example")
    assert row[5:8] == ["13", "13", "Graded"]


def test_a_roster_student_without_submission_gets_0_with_a_note(course):
    rows = read(export.export(course, "gradescope"))
    eve = next(r for r in rows[1:] if r[3] == "eve@uni.example")
    assert eve[5] == "0" and eve[7] == "Missing"
    notes = read(course / "export" / "notes.csv")
    assert any(r[0] == "s03" and r[3] == "no submission" for r in notes)


def test_cells_that_a_spreadsheet_would_run_are_neutralised(course):
    for name in lms.FORMATS:
        text = (export.export(course, name)).read_text(encoding="utf-8")
        for row in csv.reader(text.splitlines()):
            for cell in row:
                assert not re.match(r"^[=+@\t\r]", cell), (name, cell)
                assert not re.match(r"^-(?!\d+(\.\d+)?$)", cell), (name, cell)
    notes = (course / "export" / "notes.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in notes
    assert neutralise("+cmd") == "'+cmd" and neutralise("-2") == "-2"


def test_a_submission_without_a_roster_row_is_refused_in_one_line(course):
    (course / "submitted" / "s99").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "tools.export", "--course", str(course), "--lms", "canvas"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "s99" in result.stderr
    assert not (course / "export" / "canvas.csv").exists()


def test_a_roster_without_the_lms_key_is_refused_naming_the_student(course):
    text = (course / "roster.csv").read_text().replace(",aturing,", ",,")
    (course / "roster.csv").write_text(text)
    with pytest.raises(SystemExit, match="login.*s02"):
        export.export(course, "blackboard")
    (course / "roster.csv").unlink()
    with pytest.raises(SystemExit, match="no .*roster.csv: write it"):
        export.export(course, "canvas")


def test_an_override_reaches_the_export_with_its_reason(course):
    row = overrides.record(course, "s02", "compute_centroids", "2", "appeal: tie rule unclear")
    assert row["who"] and row["when"].endswith("Z")
    # grades.csv is what make grades writes: apply() is its step
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = overrides.apply(list(csv.DictReader(f)), overrides.latest(course))
    changed = next(
        r for r in rows if r["student"] == "s02" and r["exercise"] == "compute_centroids"
    )
    assert changed["points"] == "2"
    assert "appeal: tie rule unclear (graded 0: CheckFailure" in changed["note"]
    with pytest.raises(ValueError, match="worth 0 to 3"):
        overrides.record(course, "s02", "compute_centroids", "4", "too generous")
    with pytest.raises(ValueError, match="say why"):
        overrides.record(course, "s02", "compute_centroids", "1", "  ")
    with pytest.raises(ValueError, match="no exercise"):
        overrides.record(course, "s02", "nope", "1", "x")
    lines = (course / "overrides.csv").read_text().splitlines()
    assert lines[0] == ",".join(overrides.COLUMNS) and len(lines) == 2  # refused ones not kept


def test_the_demo_class_roster_keys_every_export(tmp_path):
    from tools import demo_class

    course = tmp_path / "demo"
    course.mkdir()
    demo_class.write_roster(course)
    write_grades(course, {s: {"image_to_pixels": 1} for s in demo_class.STUDENTS[:-1]})
    for name in lms.FORMATS:
        rows = read(export.export(course, name))
        assert len(rows) == 30 + (2 if name == "canvas" else 1)
    notes = read(course / "export" / "notes.csv")
    assert [r[0] for r in notes if r[3] == "no submission"] == [demo_class.STUDENTS[-1]]


def test_refresh_rewrites_every_export_already_written_from_the_new_grades(course):
    # nothing exported yet: a refresh writes nothing
    assert export.main(["--course", str(course), "--refresh"]) == 0
    assert not (course / "export").exists() or not list((course / "export").glob("*.csv"))
    assert export.main(["--course", str(course), "--lms", "canvas", "--assignment", "Lab 3"]) == 0
    assert export.main(["--course", str(course), "--lms", "moodle"]) == 0
    before = read(course / "export" / "canvas.csv")
    s02 = next(r for r in before if r[1] == "1002")
    assert s02[-1] == "4" and before[0][-1] == "Lab 3"
    # the grades change (an override, a regrade, a rejudge): make grades rewrites grades.csv
    write_grades(
        course, {"s01": {e: r.points for e, r in REGISTRY.items()}, "s02": {"run_kmeans": 2}}
    )
    assert export.main(["--course", str(course), "--refresh"]) == 0
    after = read(course / "export" / "canvas.csv")
    assert after[0][-1] == "Lab 3"  # the assignment's name it was exported under
    assert next(r for r in after if r[1] == "1002")[-1] == "2"
    moodle = read(course / "export" / "moodle.csv")
    total = moodle[0].index("kmeans_lab total (Real)")
    assert next(r for r in moodle if "alan@uni.example" in r)[total] == "2"
    # only what was exported is written again
    assert sorted(p.name for p in (course / "export").glob("*.csv")) == [
        "canvas.csv",
        "moodle.csv",
        "notes.csv",
    ]
