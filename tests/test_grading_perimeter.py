"""The grader's perimeter: what a root grader does with hostile files, names, answers and CSVs.

Fast unit tests of :mod:`tools.grading.student_files` (links, hard links,
FIFOs, escaped names), then one small end-to-end batch (marked slow) graded
with the real tools, sandbox and nbgrader: each hostile submission's score,
flag and refusal reason is asserted, and honest classmates graded in the same
batch keep their exact scores.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_grading import (
    ASSIGNMENT,
    EXPECTED_POINTS,
    FIND,
    points,
    read_rows,
    run_tool,
    total_note,
)

from tools.grading.stage import read_notebook
from tools.grading.student_files import other_names, printable, read_submission
from tools.submissions import filled

REPO = Path(__file__).resolve().parents[1]

# --- Reading a submission folder --------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "submitted"
    (root / "ann" / ASSIGNMENT).mkdir(parents=True)
    return root


def test_regular_files_are_read_and_links_never_followed(folder, tmp_path):
    mine = folder / "ann" / ASSIGNMENT
    secret = tmp_path / "shadow"
    secret.write_text("root:SECRET-HASH:19000:0:99999:7:::\n")
    (mine / "timestamp.txt").symlink_to(secret)
    (mine / "notes.txt").write_text("mine")
    (mine / "link-to-dir").symlink_to(tmp_path)
    os.mkfifo(mine / "pipe.ipynb")
    listing = read_submission(folder, ["ann", ASSIGNMENT], {"timestamp.txt": 100, "notes.txt": 100})
    assert listing.problem is None
    by_name = {e.name: e for e in listing.entries}
    assert by_name["notes.txt"].data == b"mine"
    assert by_name["timestamp.txt"].data is None
    assert by_name["timestamp.txt"].refused == "a symbolic link: refused, never followed"
    assert by_name["link-to-dir"].refused == "a symbolic link: refused, never followed"
    assert by_name["pipe.ipynb"].refused.startswith("a FIFO, not a regular file")


def test_a_hard_link_is_refused_and_its_other_names_found(folder):
    (folder / "bob" / ASSIGNMENT).mkdir(parents=True)
    theirs = folder / "bob" / ASSIGNMENT / f"{FIND}.ipynb"
    theirs.write_text("{}")
    os.link(theirs, folder / "ann" / ASSIGNMENT / f"{FIND}.ipynb")
    listing = read_submission(folder, ["ann", ASSIGNMENT], {f"{FIND}.ipynb": 1000})
    entry = listing.get(f"{FIND}.ipynb")
    assert entry.data is None and entry.refused.startswith("a hard link (2 names for one file")
    assert other_names(folder, entry.inode, depth=3) == [
        f"ann/{ASSIGNMENT}/{FIND}.ipynb",
        f"bob/{ASSIGNMENT}/{FIND}.ipynb",
    ]


def test_a_linked_folder_is_refused_with_nothing_read(folder, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (folder / "eve").symlink_to(folder / "ann")
    (folder / "ann" / "kmeans_lab2").symlink_to(tmp_path / "elsewhere")
    assert read_submission(folder, ["eve", ASSIGNMENT], {}).problem == (
        "eve: a symbolic link, not a folder: refused, never followed"
    )
    assert read_submission(folder, ["ann", "kmeans_lab2"], {}).problem.startswith(
        "ann/kmeans_lab2: a symbolic link"
    )
    assert read_submission(folder, ["nobody", ASSIGNMENT], {}).problem == "nobody: missing"


def test_too_large_files_are_not_read(folder):
    (folder / "ann" / ASSIGNMENT / "big.ipynb").write_bytes(b"x" * 2000)
    entry = read_submission(folder, ["ann", ASSIGNMENT], {"big.ipynb": 1000}).get("big.ipynb")
    assert entry.data is None and entry.refused.startswith("too large (2,000 bytes")


def test_read_notebook_refuses_a_link_to_a_real_notebook(tmp_path):
    real = tmp_path / "real.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), real)
    (tmp_path / "link.ipynb").symlink_to(real)
    assert read_notebook(real)[1] is None
    assert read_notebook(tmp_path / "link.ipynb") == (
        None,
        "a symbolic link: refused, never followed",
    )


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("plain name.ipynb", "plain name.ipynb"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("undecodable \udcff byte", "undecodable \\udcff byte"),
        ("bidi \u202egnp.exe", "bidi \\u202egnp.exe"),
        ("back\\slash", "back\\slash"),
        ("accents é ü 中文", "accents é ü 中文"),
    ],
)
def test_printable_escapes_what_a_terminal_would_obey(raw, shown):
    assert printable(raw) == shown
    printable(raw).encode("utf-8")  # never a lone surrogate
    assert all(ch.isprintable() for ch in printable(raw))
    assert printable(printable(raw)) == printable(raw)


# --- One hostile batch, end to end -------------------------------------------------------

TIMESTAMP = b"2026-12-06 10:00:00.000000 UTC"


def secret(student: str) -> bytes:
    """A submission secret as nbgrader submit writes one (token_hex(64)), one per student."""
    return (hashlib.sha256(student.encode()).hexdigest() * 2).encode()


SHADOW = "root:SHADOW-SECRET-HASH:19000:0:99999:7:::\n"
#: A file name that would clear the screen, retitle the terminal and fake a progress line.
ESCAPE_NAME = "\x1b]0;owned\x07\x1b[2J\n[9 of 9] zzz_honest: graded.ipynb"


def honest(release, **extra):
    return {FIND: filled(release, FIND), **extra}


#: student -> (files of the submission, points per exercise, text in the total's note, flagged)
#: A value ``("symlink", target)`` or ``("hardlink", student)`` makes a link instead of a file.
BATCH = {
    "aaa_honest": (
        lambda r, c: honest(
            r, **{"timestamp.txt": TIMESTAMP, "submission_secret.txt": secret("aaa_honest")}
        ),
        {"find_closest_centroids": 3},
        None,
        False,
    ),
    "stamp_shadow": (
        lambda r, c: honest(
            r,
            **{
                "timestamp.txt": ("symlink", c.parent / "shadow"),
                "submission_secret.txt": secret("stamp_shadow"),
            },
        ),
        {"find_closest_centroids": 3},
        "timestamp.txt: a symbolic link: refused, never followed",
        True,
    ),
    "stamp_runjson": (
        lambda r, c: honest(r, **{"timestamp.txt": ("symlink", c / "autograde" / "run.json")}),
        {"find_closest_centroids": 3},
        "timestamp.txt: a symbolic link: refused, never followed",
        True,
    ),
    "bad_stamp": (
        lambda r, c: honest(
            r, **{"timestamp.txt": b"yesterday-ish", "submission_secret.txt": secret("bad_stamp")}
        ),
        {"find_closest_centroids": 3},
        "timestamp.txt: not a timestamp nbgrader can read",
        True,
    ),
    "hardlink_victim": (lambda r, c: honest(r), {}, "also at hardlink_thief/", True),
    "hardlink_thief": (
        lambda r, c: {FIND: ("hardlink", "hardlink_victim")},
        {},
        "a hard link (2 names for one file",
        True,
    ),
    "escape_name": (
        lambda r, c: honest(r, **{ESCAPE_NAME: b"{}"}),
        {"find_closest_centroids": 3},
        "ignored (not graded, never run): " + printable(ESCAPE_NAME),
        False,
    ),
    "zzz_honest": (lambda r, c: honest(r), {"find_closest_centroids": 3}, None, False),
}
HONEST = ("aaa_honest", "zzz_honest")


def write_files(course: Path, student: str, files: dict) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / (name if "." in name else f"{name}.ipynb")
        if isinstance(content, tuple) and content[0] == "symlink":
            path.symlink_to(content[1])
        elif isinstance(content, tuple) and content[0] == "hardlink":
            os.link(course / "submitted" / content[1] / ASSIGNMENT / path.name, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)


def every_text(folder: Path) -> str:
    """All the bytes of every file below ``folder``, as text (links not followed)."""
    chunks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")
    tmp = tmp_path_factory.mktemp("perimeter")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    (tmp / "shadow").write_text(SHADOW)
    os.chmod(tmp / "shadow", 0o600)
    run_tool("release", "--course", str(course), "--student-dir", str(tmp / "student"))
    release = course / "release" / ASSIGNMENT
    for student, (build, _, _, _) in BATCH.items():
        write_files(course, student, build(release, course))
    autograde = run_tool("autograde", "--course", str(course), "--seed", "5", WORKERS="2")
    run_tool("grades", "--course", str(course))
    run_tool("feedback", "--course", str(course))
    (tmp / "exchange").mkdir()
    released = subprocess.run(
        [
            str(Path(sys.executable).parent / "nbgrader"),
            "release_feedback",
            ASSIGNMENT,
            f"--Exchange.root={tmp / 'exchange'}",
            "--CourseDirectory.course_id=kmeans-lab",
        ],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {
        "course": course,
        "tmp": tmp,
        "stdout": autograde.stdout + autograde.stderr,
        "rows": read_rows(course),
        "released": released,
    }


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(BATCH))
def test_batch_scores_reasons_and_flags(batch, student):
    _, expected, note, flagged = BATCH[student]
    want = {ex: float(expected.get(ex, 0)) for ex in EXPECTED_POINTS}
    assert points(batch["rows"], student) == want
    notes = " | ".join(r["note"] for r in batch["rows"] if r["student"] == student)
    if note is not None:
        assert note in notes, notes
    assert ("review by hand" in total_note(batch["rows"], student)) == flagged, notes


@pytest.mark.slow
def test_no_secret_behind_a_link_reaches_any_output(batch):
    course = batch["course"]
    seeds = json.loads((course / "autograde" / "run.json").read_text())["seeds"]
    outputs = "\n".join(
        [batch["stdout"]]
        + [
            every_text(course / name)
            for name in ("autograde/judged", "autograde/results", "autograded", "feedback")
        ]
        + [
            (course / name).read_text(encoding="utf-8")
            for name in ("grades.csv", "verdicts.csv", "autograde.log", "autograde_report.json")
        ]
        + [(course / "autograde" / "log.txt").read_text(encoding="utf-8")]
    )
    assert "SHADOW-SECRET" not in outputs
    assert not any(str(seed) in outputs for seed in seeds.values())
    for student in ("stamp_shadow", "stamp_runjson"):
        judged = course / "autograde" / "judged" / student / ASSIGNMENT
        assert (
            not (judged / "timestamp.txt").exists()
            or (judged / "timestamp.txt").read_bytes() == b""
        )


@pytest.mark.slow
def test_escaped_names_in_the_output_the_log_and_the_csv(batch):
    course = batch["course"]
    log = (course / "autograde" / "log.txt").read_text(encoding="utf-8")
    grades = (course / "grades.csv").read_text(encoding="utf-8")
    for text in (batch["stdout"], log, grades):
        assert "\x1b" not in text and "\x07" not in text
    assert printable(ESCAPE_NAME) in batch["stdout"]
    assert not any(line.startswith("[9 of 9]") for line in batch["stdout"].splitlines())


@pytest.mark.slow
def test_exchange_files_reach_autograded_and_feedback_and_release_feedback_finds_them(batch):
    from nbgrader.utils import notebook_hash

    course = batch["course"]
    for step in ("autograded", "feedback"):
        folder = course / step / "aaa_honest" / ASSIGNMENT
        assert (folder / "timestamp.txt").read_bytes() == TIMESTAMP
        assert (folder / "submission_secret.txt").read_bytes() == secret("aaa_honest")
    assert batch["released"].returncode == 0, batch["released"].stdout + batch["released"].stderr
    released = batch["tmp"] / "exchange" / "kmeans-lab" / "feedback"
    for student in ("aaa_honest", "stamp_shadow", "bad_stamp"):
        name = notebook_hash(secret=secret(student).decode(), notebook_id=FIND) + ".html"
        assert (released / name).is_file(), student
    rows = [r for r in batch["rows"] if r["exercise"] == "total"]
    assert not any("submission_secret.txt" in r["note"] and "ignored" in r["note"] for r in rows)
    assert not any("timestamp.txt" in r["note"] and "ignored" in r["note"] for r in rows)
