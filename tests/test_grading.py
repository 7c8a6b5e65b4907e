"""End to end: release, autograde hostile submissions, grades CSV, feedback, export.

Runs the real nbgrader command line through the course's own tools, in a
temporary copy of the course (``course/nbgrader_config.py``):

1. ``tools/release.py`` (``nbgrader generate_assignment``) releases every
   course notebook;
2. the test writes one submission per case of :data:`CASES`, each made from
   the released student notebooks with the solution notebooks' code filled in
   and then broken in one way (an infinite loop, ``os._exit``, a patched
   check, a deleted test cell, a file that is not JSON ...);
3. ``tools/autograde.py`` grades them all in one batch, ``tools/grades.py``
   writes the CSV, ``tools/feedback.py`` the HTML feedback, and
   ``nbgrader export`` nbgrader's own CSV;
4. every student's points per exercise are asserted.

Most cases submit only ``03_find_closest_centroids`` (3 points) to keep the
run short; ``correct`` submits the whole course.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from kmeans_lab.checks.registry import REGISTRY

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SOLUTIONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"
LOAD = "01_load_and_reshape"
#: Per-cell timeout while grading in this test (the course default is 60 s).
CELL_TIMEOUT = 20

WRONG_FIND = '''def find_closest_centroids(X, centroids):
    """argmax instead of argmin: every point goes to its farthest centroid."""
    import numpy as np
    distances = ((np.asarray(X)[:, None, :] - np.asarray(centroids)[None, :, :]) ** 2).sum(axis=2)
    return np.argmax(distances, axis=1)
'''
#: The course's exercises and their points, from the exercise registry.
EXPECTED_POINTS = {name: exercise.points for name, exercise in REGISTRY.items()}


# --- Building submissions -------------------------------------------------------------


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def index_of(nb, gid: str) -> int:
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == gid:
            return i
    raise KeyError(gid)


def without_markers(source: str) -> str:
    """A solution cell as a student would write it: no BEGIN/END SOLUTION lines."""
    return "\n".join(
        line
        for line in source.splitlines()
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def filled(release: Path, name: str):
    """The released student notebook ``name`` with the solutions' code filled in."""
    student = nbformat.read(release / f"{name}.ipynb", as_version=4)
    solution = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    answers = {
        grade_id(c): c.source
        for c in solution.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for cell in student.cells:
        if grade_id(cell) in answers:
            cell.source = without_markers(answers[grade_id(cell)])
    return student


def code_cell(source: str):
    return nbformat.v4.new_code_cell(source)


def set_answer(nb, source: str):
    nb.cells[index_of(nb, "find_closest_centroids")].source = source
    return nb


def insert_after(nb, gid: str, source: str):
    nb.cells.insert(index_of(nb, gid) + 1, code_cell(source))
    return nb


def has_exercises(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.cells)


def case_correct(release):
    # every notebook with an exercise (the others earn no points and only cost time)
    return {p.stem: filled(release, p.stem) for p in SOLUTIONS if has_exercises(p)}


def case_wrong(release):
    return {FIND: set_answer(filled(release, FIND), WRONG_FIND)}


def case_stub(release):
    return {FIND: nbformat.read(release / f"{FIND}.ipynb", as_version=4)}


def case_infinite_loop(release):
    return {
        FIND: set_answer(
            filled(release, FIND),
            "def find_closest_centroids(X, centroids):\n    while True:\n        pass\n",
        )
    }


def case_import_error(release):
    nb = filled(release, FIND)
    cell = nb.cells[index_of(nb, "find_closest_centroids")]
    cell.source = "import kmeans_lab_answers  # a module that does not exist\n" + cell.source
    return {FIND: nb}


def case_sys_exit(release):
    return {
        FIND: insert_after(
            filled(release, FIND),
            "find_closest_centroids",
            "import sys\nsys.exit('done for today')",
        )
    }


def case_os_exit(release):
    # after the check: the points earned before the kernel died are kept
    return {
        FIND: insert_after(
            filled(release, FIND), "check_find_closest_centroids", "import os\nos._exit(0)"
        )
    }


def case_killed_kernel(release):
    # before the check: the check never runs, 0 points
    return {
        FIND: insert_after(
            filled(release, FIND),
            "find_closest_centroids",
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        )
    }


def case_big_output(release):
    return {
        FIND: insert_after(
            filled(release, FIND),
            "find_closest_centroids",
            "print('x' * 5_000_000)\nfor i in range(200_000):\n    print(i)",
        )
    }


def case_edited_test(release):
    nb = set_answer(filled(release, FIND), WRONG_FIND)
    nb.cells[index_of(nb, "check_find_closest_centroids")].source = "print('all checks passed')"
    return {FIND: nb}


def case_deleted_test(release):
    nb = filled(release, FIND)
    del nb.cells[index_of(nb, "check_find_closest_centroids")]
    return {FIND: nb}


def case_monkeypatch_module(release):
    return {
        FIND: set_answer(
            filled(release, FIND),
            WRONG_FIND
            + (
                "\nimport kmeans_lab.checks\n"
                "kmeans_lab.checks.check_find_closest_centroids = lambda func, **kwargs: None\n"
            ),
        )
    }


def case_monkeypatch_name(release):
    return {
        FIND: set_answer(
            filled(release, FIND),
            WRONG_FIND + ("\ncheck_find_closest_centroids = lambda func, **kwargs: None\n"),
        )
    }


def case_patched_reference(release):
    return {
        FIND: set_answer(
            filled(release, FIND),
            WRONG_FIND
            + (
                "\nimport kmeans_lab.kmeans\n"
                "kmeans_lab.kmeans.find_closest_centroids = find_closest_centroids\n"
            ),
        )
    }


def case_reference_import(release):
    return {
        FIND: set_answer(filled(release, FIND), "from kmeans_lab import find_closest_centroids\n")
    }


def case_extra_cell(release):
    # the answer is wrong when its check runs; a later cell fixes it: too late
    nb = set_answer(filled(release, FIND), WRONG_FIND)
    solution = filled(release, FIND).cells[index_of(nb, "find_closest_centroids")].source
    return {FIND: insert_after(nb, "check_find_closest_centroids", solution)}


def case_not_json(release):
    return {LOAD: filled(release, LOAD), FIND: "this is not a notebook {"}


def case_wrong_name(release):
    return {LOAD: filled(release, LOAD), f"{FIND}-Copy1": filled(release, FIND)}


#: student -> (builder, points earned per exercise, text expected in the grades CSV)
CASES = {
    "correct": (case_correct, dict(EXPECTED_POINTS), None),
    "wrong": (case_wrong, {}, "case 1 of"),
    "stub": (case_stub, {}, "not implemented yet"),
    "infinite_loop": (case_infinite_loop, {}, "per-cell timeout"),
    "import_error": (case_import_error, {}, "NameError"),
    "sys_exit": (case_sys_exit, {"find_closest_centroids": 3}, None),
    "os_exit": (case_os_exit, {"find_closest_centroids": 3}, "the kernel died in cell"),
    "killed_kernel": (case_killed_kernel, {}, "DeadKernelError: not run: the kernel died"),
    "big_output": (case_big_output, {"find_closest_centroids": 3}, None),
    "edited_test": (case_edited_test, {}, "case 1 of"),
    "deleted_test": (case_deleted_test, {"find_closest_centroids": 3}, None),
    "monkeypatch_module": (case_monkeypatch_module, {}, "case 1 of"),
    "monkeypatch_name": (case_monkeypatch_name, {}, "case 1 of"),
    "patched_reference": (case_patched_reference, {}, "kmeans_lab.kmeans.find_closest_centroids"),
    "reference_import": (case_reference_import, {}, "reference implementation"),
    "extra_cell": (case_extra_cell, {}, "case 1 of"),
    "not_json": (
        case_not_json,
        {"image_to_pixels": 1, "pixels_to_image": 1},
        "not a readable notebook",
    ),
    "wrong_name": (
        case_wrong_name,
        {"image_to_pixels": 1, "pixels_to_image": 1},
        "unknown notebook name",
    ),
    "no_folder": (None, {}, f"no {ASSIGNMENT}/ folder"),
}


def write_submission(course: Path, student: str, notebooks: dict) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        path = folder / f"{name}.ipynb"
        if isinstance(nb, str):
            path.write_text(nb, encoding="utf-8")
        else:
            nbformat.write(nb, path)


# --- The run ---------------------------------------------------------------------------


def run_tool(script: str, *args: str, timeout: float = 1500) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLBACKEND="Agg", KMEANS_LAB_CELL_TIMEOUT=str(CELL_TIMEOUT))
    module = "tools." + script.removesuffix(".py")  # run as a module of the tools package
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole workflow on a temporary course; returns what the tests inspect."""
    tmp = tmp_path_factory.mktemp("grading")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    times = {}

    started = time.monotonic()
    run_tool("release.py", "--course", str(course), "--student-dir", str(tmp / "student"))
    times["release"] = time.monotonic() - started
    release = course / "release" / ASSIGNMENT

    for student, (builder, _, _) in CASES.items():
        if builder is None:  # notebooks straight in the student folder
            folder = course / "submitted" / student
            folder.mkdir(parents=True)
            nbformat.write(filled(release, LOAD), folder / f"{LOAD}.ipynb")
        else:
            write_submission(course, student, builder(release))
    (course / "submitted" / "README.txt").write_text("not a student")

    started = time.monotonic()
    autograde = run_tool("autograde.py", "--course", str(course))
    times["autograde"] = time.monotonic() - started

    started = time.monotonic()
    run_tool("grades.py", "--course", str(course))
    times["grades"] = time.monotonic() - started
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    started = time.monotonic()
    run_tool("feedback.py", "--course", str(course))
    times["feedback"] = time.monotonic() - started

    started = time.monotonic()
    export = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "export", "--to", str(tmp / "export.csv")],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(
            os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
        ),
    )
    times["export"] = time.monotonic() - started
    assert export.returncode == 0, export.stdout + export.stderr
    with open(tmp / "export.csv", newline="", encoding="utf-8") as f:
        exported = list(csv.DictReader(f))

    print("\nworkflow times (s):", {k: round(v, 1) for k, v in times.items()})
    return {
        "course": course,
        "rows": rows,
        "exported": exported,
        "stdout": autograde.stdout,
        "report": json.loads((course / "autograde_report.json").read_text()),
    }


def points(rows, student):
    return {
        r["exercise"]: float(r["points"])
        for r in rows
        if r["student"] == student and r["exercise"] != "total"
    }


def test_csv_has_every_student_and_exercise(graded):
    rows = graded["rows"]
    assert list(rows[0]) == ["student", "notebook", "exercise", "points", "max_points", "note"]
    students = sorted({r["student"] for r in rows})
    assert students == sorted(CASES)
    exercises = [r["exercise"] for r in rows if r["student"] == "correct"]
    assert exercises == list(EXPECTED_POINTS) + ["total"]
    for r in rows:
        if r["exercise"] != "total":
            assert float(r["max_points"]) == EXPECTED_POINTS[r["exercise"]]
    totals = {r["student"]: r for r in rows if r["exercise"] == "total"}
    assert all(float(t["max_points"]) == sum(EXPECTED_POINTS.values()) for t in totals.values())


@pytest.mark.parametrize("student", sorted(CASES))
def test_score(graded, student):
    _, expected, note = CASES[student]
    want = {ex: float(expected.get(ex, 0)) for ex in EXPECTED_POINTS}
    got = points(graded["rows"], student)
    assert got == want
    total = next(r for r in graded["rows"] if r["student"] == student and r["exercise"] == "total")
    assert float(total["points"]) == sum(want.values())
    if note is not None:
        notes = " | ".join(r["note"] for r in graded["rows"] if r["student"] == student)
        assert note in notes, notes


def test_ungradable_submissions_are_reported_by_name(graded):
    out = graded["stdout"]
    assert re.search(rf"not_json: partial.*\n\s+{FIND}\.ipynb: not a readable notebook", out)
    assert f"{FIND}-Copy1.ipynb: unknown notebook name" in out
    assert "no_folder: failed" in out and f"no {ASSIGNMENT}/ folder" in out
    assert "README.txt: not a student folder, ignored" in out
    report = graded["report"]["students"]
    for student in ("os_exit", "killed_kernel"):
        assert report[student]["graded_notebooks"] == [FIND]
        assert any("the kernel died in cell" in p for p in report[student]["problems"])
        assert f"{student}: graded" in out


def test_infinite_loop_is_cut_by_the_cell_timeout(graded):
    nb = nbformat.read(
        graded["course"] / "autograded" / "infinite_loop" / ASSIGNMENT / f"{FIND}.ipynb",
        as_version=4,
    )
    check = nb.cells[index_of(nb, "check_find_closest_centroids")]
    names = [o.ename for o in check.outputs if o.output_type == "error"]
    assert "CellTimeoutError" in names or "KeyboardInterrupt" in names, names


def test_megabytes_of_output_are_truncated(graded):
    path = graded["course"] / "autograded" / "big_output" / ASSIGNMENT / f"{FIND}.ipynb"
    assert path.stat().st_size < 500_000
    assert "Output truncated" in path.read_text(encoding="utf-8")


def test_restored_cells_hold_the_hidden_tests(graded):
    for student in ("edited_test", "deleted_test"):
        nb = nbformat.read(
            graded["course"] / "autograded" / student / ASSIGNMENT / f"{FIND}.ipynb", as_version=4
        )
        check = nb.cells[index_of(nb, "check_find_closest_centroids")]
        assert "BEGIN HIDDEN TESTS" in check.source
        assert "all checks passed" not in check.source


def test_feedback_for_every_graded_student(graded):
    feedback = graded["course"] / "feedback"
    for student in CASES:
        html = feedback / student / ASSIGNMENT / f"{FIND}.html"
        if student in ("correct", "wrong", "stub", "big_output", "deleted_test"):
            assert html.exists(), html
            assert html.stat().st_size < 2_000_000
    text = (feedback / "wrong" / ASSIGNMENT / f"{FIND}.html").read_text(encoding="utf-8")
    assert "find_closest_centroids: case 1 of" in text


def test_nbgrader_export_agrees_for_fully_graded_students(graded):
    ours = {r["student"]: float(r["points"]) for r in graded["rows"] if r["exercise"] == "total"}
    report = graded["report"]["students"]
    for row in graded["exported"]:
        student = row["student_id"]
        if report[student]["status"] == "graded":
            assert float(row["score"]) == ours[student], student
            assert float(row["max_score"]) == sum(EXPECTED_POINTS.values())


# --- nbgrader validate: what a student's Validate button says ---------------------------


def _validate(paths: list[Path]) -> dict[str, str]:
    """{notebook file name: nbgrader validate's verdict text} in one nbgrader run."""
    env = dict(
        os.environ,
        MPLBACKEND="Agg",
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "validate", *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        env=env,
        cwd=paths[0].parent,
    )
    text = result.stdout  # nbgrader's log (stderr) and verdicts (stdout), in order
    verdicts = {}
    for chunk in text.split("Validating '")[1:]:
        path, rest = chunk.split("'", 1)
        verdicts[Path(path).name] = rest
    return verdicts


def test_validate_fails_on_student_notebooks_and_passes_on_solutions():
    solutions = [p for p in SOLUTIONS if has_exercises(p)]
    assert solutions, "no notebook with exercises"
    students = [NOTEBOOKS / "student" / p.name for p in solutions]
    verdicts = _validate(students)
    assert sorted(verdicts) == sorted(p.name for p in students)
    for name, verdict in verdicts.items():
        assert "VALIDATION FAILED" in verdict, name
        assert "not implemented yet" in verdict, name
    verdicts = _validate(solutions)
    assert sorted(verdicts) == sorted(p.name for p in solutions)
    for name, verdict in verdicts.items():
        assert "Success! Your notebook passes all the tests." in verdict, (name, verdict[-2000:])


# --- kmeans_lab.grading: hidden tests that a cell cannot switch off (fast, in-process) ----


def _right(X, centroids):
    X, centroids = np.asarray(X, dtype=float), np.asarray(centroids, dtype=float)
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


def _wrong(X, centroids):
    X, centroids = np.asarray(X, dtype=float), np.asarray(centroids, dtype=float)
    return np.argmax(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


def test_hidden_check_passes_a_right_and_fails_a_wrong_function():
    from kmeans_lab.grading import hidden_check

    result = hidden_check("find_closest_centroids", _right, n_random=5, seed=7)
    assert result.passed and result.n_total > 5
    with pytest.raises(AssertionError, match="find_closest_centroids: case 1 of"):
        hidden_check("find_closest_centroids", _wrong, n_random=5, seed=7)


def test_hidden_check_ignores_a_patched_checks_module(monkeypatch):
    import kmeans_lab.checks as checks
    import kmeans_lab.checks.find_closest_centroids as find_module
    import kmeans_lab.checks.runner as runner
    from kmeans_lab.grading import hidden_check

    monkeypatch.setattr(checks, "check_find_closest_centroids", lambda func, **kw: None)
    monkeypatch.setattr(find_module, "check_find_closest_centroids", lambda func, **kw: None)
    monkeypatch.setattr(runner, "Runner", None)
    with pytest.raises(AssertionError, match="case 1 of"):
        hidden_check("find_closest_centroids", _wrong)


def test_hidden_check_detects_a_replaced_reference(monkeypatch):
    import kmeans_lab.kmeans as reference
    from kmeans_lab.grading import TamperingDetected, hidden_check

    monkeypatch.setattr(reference, "find_closest_centroids", _wrong)
    with pytest.raises(TamperingDetected, match="kmeans_lab.kmeans.find_closest_centroids is not"):
        hidden_check("find_closest_centroids", _wrong)


def test_hidden_check_detects_a_replaced_setprofile(monkeypatch):
    from kmeans_lab.grading import TamperingDetected, hidden_check

    monkeypatch.setattr(sys, "setprofile", lambda func: None)
    with pytest.raises(TamperingDetected, match="sys.setprofile was replaced"):
        hidden_check("find_closest_centroids", _right)


def test_hidden_check_catches_the_reference_after_importlib_reload():
    """A reloaded reference has new code objects; the pristine checks still know it.

    (In a subprocess: reloading kmeans_lab.kmeans would change it for every
    other test of this session.)
    """
    script = """
import importlib, kmeans_lab.kmeans as km
from kmeans_lab.kmeans import find_closest_centroids as before_reload
from kmeans_lab.grading import hidden_check
importlib.reload(km)
def uses_the_reloaded(X, centroids):
    return km.find_closest_centroids(X, centroids)
def uses_the_old_copy(X, centroids):
    return before_reload(X, centroids)
for func in (uses_the_reloaded, uses_the_old_copy, before_reload):
    try:
        hidden_check("find_closest_centroids", func)
        print("passed")
    except AssertionError as exc:
        print(str(exc).splitlines()[0])
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout + result.stderr
    for line in lines:
        assert "reference implementation kmeans_lab.kmeans.find_closest_centroids" in line


def test_hidden_check_allows_what_the_checks_allow():
    """run_kmeans may call the reference assignment and update steps (issue #3)."""
    import kmeans_lab as kl
    from kmeans_lab.grading import hidden_check

    def run_kmeans(X, initial_centroids, max_iters):
        centroids = np.array(initial_centroids, dtype=float)
        for _ in range(max_iters):
            labels = kl.find_closest_centroids(X, centroids)
            centroids = kl.compute_centroids(X, labels, centroids)
        return centroids, kl.find_closest_centroids(X, centroids)

    assert hidden_check("run_kmeans", run_kmeans, n_random=3, seed=1).passed
    with pytest.raises(
        AssertionError, match="reference implementation kmeans_lab.kmeans.run_kmeans"
    ):
        hidden_check("run_kmeans", lambda X, c, m: kl.run_kmeans(X, c, m), n_random=3, seed=1)


def test_hidden_check_names_the_exercises():
    from kmeans_lab.grading import hidden_check

    with pytest.raises(ValueError, match="unknown exercise 'find_closest'"):
        hidden_check("find_closest", _right)


def test_suspicious_lines_flag_code_that_reaches_into_the_grader():
    from kmeans_lab.grading import suspicious_lines

    flagged = [
        "import kmeans_lab.checks as c",
        "check_find_closest_centroids = lambda f, **kw: None",
        "kmeans_lab.kmeans.find_closest_centroids = mine",
        "sys.modules['kmeans_lab.grading'] = fake",
        "importlib.reload(kmeans_lab.kmeans)",
        "os._exit(0)",
    ]
    innocent = [
        "labels = np.argmin(distances, axis=1)",
        "kl.find_closest_centroids = find_closest_centroids  # plug in my own",
        "check = labels == expected",
        "from kmeans_lab.plots import show_images",
    ]
    assert suspicious_lines("\n".join(flagged)) == flagged
    assert suspicious_lines("\n".join(innocent)) == []


@pytest.mark.parametrize(
    "solution", [p for p in SOLUTIONS if has_exercises(p)], ids=lambda p: p.stem
)
def test_every_check_cell_hides_a_pristine_check(solution):
    """The hidden part of each check cell calls kmeans_lab.grading.hidden_check.

    Without it, a solution cell that rebinds ``check_<exercise>`` or patches
    the reference implementation earns the points (cases monkeypatch_name and
    patched_reference above).
    """
    nb = nbformat.read(solution, as_version=4)
    for cell in nb.cells:
        gid = grade_id(cell)
        if not (gid and cell.metadata["nbgrader"].get("grade")):
            continue
        exercise = gid.removeprefix("check_")
        hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)
        assert len(hidden) == 2, f"{gid} has no hidden tests"
        assert "from kmeans_lab.grading import hidden_check" in hidden[1], gid
        assert REGISTRY[exercise].hidden_call() in hidden[1], gid


def test_hidden_check_forbids_kmeans_plusplus_for_init_centroids():
    import kmeans_lab as kl
    from kmeans_lab.grading import hidden_check

    def init_centroids(X, K, rng):
        return kl.kmeans_plusplus(X, K, rng)  # another course function doing the job

    with pytest.raises(AssertionError, match="kmeans_plusplus"):
        hidden_check("init_centroids", init_centroids, n_random=3, seed=1)
