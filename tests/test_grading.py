"""End to end: release, autograde hostile submissions in sandboxes, grades CSV, feedback.

Runs the course's own tools in a temporary copy of the course
(``course/nbgrader_config.py``), with the real nbgrader and the real sandbox:

1. ``python -m tools.release`` releases every course notebook;
2. the test writes one submission per case of :data:`CASES`, each made from
   the released student notebooks with the solution notebooks' code filled in
   and then broken in one way: the classic mistakes (an infinite loop,
   ``os._exit``, a deleted test cell, a file that is not JSON ...) and one
   attack of each kind a hostile student may try (write the checker, the
   gradebook, a classmate's submission or the environment; read the
   solutions; ship a package; walk the checker's stack frames; patch numpy;
   re-execute the reference's source; kill the grader; leave processes
   behind; exhaust memory, processes and disk);
3. ``python -m tools.autograde`` grades them all (two workers, a fixed seed),
   ``tools.grades`` writes the CSV, ``tools.feedback`` the HTML feedback, and
   ``nbgrader export`` nbgrader's own CSV; then a later batch grades the
   honest students again;
4. every student's points per exercise are asserted, honest classmates graded
   around the attackers (and in the later batch) keep their scores, and the
   instructor's checkout and environment are byte-identical afterwards.

Most cases submit only ``03_find_closest_centroids`` (3 points) to keep the
run short; ``correct`` submits the whole course.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from kmeans_lab.checks.registry import REGISTRY
from tools.submissions import filled

pytestmark = pytest.mark.slow  # end to end: make test-quick skips this module

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SOLUTIONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"
LOAD = "01_load_and_reshape"
#: Time limits while grading in this test (the course defaults are 60 s and 600 s).
CELL_TIMEOUT = 10
NOTEBOOK_TIMEOUT = 40
#: The grading run's seed in this test (a real run draws a fresh secret one).
SEED = 11

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


def case_honest(release):
    return {FIND: filled(release, FIND)}


def case_wrong(release):
    return {FIND: set_answer(filled(release, FIND), WRONG_FIND)}


def case_stub(release):
    return {FIND: nbformat.read(release / f"{FIND}.ipynb", as_version=4)}


def case_infinite_loop(release):
    loop = "def find_closest_centroids(X, centroids):\n    while True:\n        pass\n"
    return {FIND: set_answer(filled(release, FIND), loop)}


def case_import_error(release):
    nb = filled(release, FIND)
    cell = nb.cells[index_of(nb, "find_closest_centroids")]
    cell.source = "import kmeans_lab_answers  # a module that does not exist\n" + cell.source
    return {FIND: nb}


def after_answer(source: str, wrong: bool = False):
    """A builder: a cell right after the answer (right, or wrong)."""

    def build(release):
        nb = filled(release, FIND)
        if wrong:
            set_answer(nb, WRONG_FIND)
        return {FIND: insert_after(nb, "find_closest_centroids", source)}

    return build


def after_check(source: str):
    """A builder: a right answer, and a cell right after its check."""

    def build(release):
        return {FIND: insert_after(filled(release, FIND), "check_find_closest_centroids", source)}

    return build


def answer(source: str):
    """A builder: ``source`` is the answer cell."""
    return lambda release: {FIND: set_answer(filled(release, FIND), source)}


def case_edited_test(release):
    nb = set_answer(filled(release, FIND), WRONG_FIND)
    nb.cells[index_of(nb, "check_find_closest_centroids")].source = "print('all checks passed')"
    return {FIND: nb}


def case_deleted_test(release):
    nb = filled(release, FIND)
    del nb.cells[index_of(nb, "check_find_closest_centroids")]
    return {FIND: nb}


def case_extra_cell(release):
    # the answer is wrong when its check runs; a later cell fixes it: too late
    nb = set_answer(filled(release, FIND), WRONG_FIND)
    solution = filled(release, FIND).cells[index_of(nb, "find_closest_centroids")].source
    return {FIND: insert_after(nb, "check_find_closest_centroids", solution)}


def case_not_json(release):
    return {LOAD: filled(release, LOAD), FIND: "this is not a notebook {"}


def case_wrong_name(release):
    return {LOAD: filled(release, LOAD), f"{FIND}-Copy1": filled(release, FIND)}


def case_ships_package(release):
    # a kmeans_lab/ package beside the notebooks, whose checks pass everything
    return {
        FIND: nbformat.read(release / f"{FIND}.ipynb", as_version=4),
        "kmeans_lab/__init__.py": "",
        "kmeans_lab/checks.py": "def check_find_closest_centroids(f):\n    return 'passed'\n",
        "kmeans_lab/grading.py": "def hidden_check(*args, **kwargs):\n    return 'passed'\n",
    }


#: Where the attacks aim: the real places on the instructor's machine.
TARGETS = "COURSE = {course!r}\nREPO = {repo!r}\n"

ATTACKS = {
    # writes the checker: the package copy in the sandbox, and the instructor's files
    "writes_checker": """
import glob, kmeans_lab.checks
results = []
for path in [kmeans_lab.checks.__file__] + glob.glob(REPO + "/kmeans_lab/checks/*.py"):
    try:
        with open(path, "a") as f:
            f.write("\\nCheckFailure = None\\n")
        results.append("wrote " + path)
    except OSError as exc:
        results.append(type(exc).__name__)
print(results)
""",
    # a .pth file and a sitecustomize that would run in every later Python
    "drops_pth": """
import site, sysconfig
for folder in site.getsitepackages() + [sysconfig.get_paths()["purelib"], REPO + "/.venv/lib"]:
    for name in ("zz_attack.pth", "sitecustomize.py"):
        try:
            open(folder + "/" + name, "w").write("import os; os.environ['HACKED'] = '1'\\n")
            print("wrote", folder, name)
        except OSError as exc:
            print(type(exc).__name__)
""",
    # full marks for itself, zero for a classmate, and a check cell rewritten in the gradebook
    "writes_gradebook": """
import sqlite3
try:
    db = sqlite3.connect(COURSE + "/gradebook.db")
    db.execute("update grade set manual_score = 0")
    db.execute("update source_cell set source = 'assert False'")
    db.commit()
    print("gradebook written")
except Exception as exc:
    print(type(exc).__name__, exc)
""",
    # a classmate's submitted notebook, overwritten
    "rewrites_classmate": """
import glob
for path in glob.glob(COURSE + "/submitted/*/kmeans_lab/*.ipynb"):
    try:
        open(path, "w").write("{}")
        print("overwrote", path)
    except OSError as exc:
        print(type(exc).__name__)
print("found", len(glob.glob(COURSE + "/submitted/*")), "classmates")
""",
    # the solutions, a classmate's answer, the gradebook and the run's seeds, read and printed
    "reads_secrets": """
import glob, json
stolen = {}
for path in ([REPO + "/notebooks/03_find_closest_centroids.ipynb", COURSE + "/gradebook.db",
              COURSE + "/autograde/run.json", COURSE + "/source/kmeans_lab/03_find_closest_centroids.ipynb"]
             + glob.glob(COURSE + "/submitted/*/kmeans_lab/03*.ipynb")):
    try:
        stolen[path] = open(path, "rb").read()
    except OSError as exc:
        print("cannot read", path.rsplit("/", 1)[-1], type(exc).__name__)
for path, data in stolen.items():
    if path.endswith(".ipynb"):
        for cell in json.loads(data)["cells"]:
            if "def find_closest_centroids" in "".join(cell["source"]):
                exec("".join(cell["source"]).replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
print("stolen:", sorted(stolen))
""",
}

ANSWER_ATTACKS = {
    # walks the checker's stack frames for the expected answer
    "walks_frames": """def find_closest_centroids(X, centroids):
    import sys
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "exp_labels"):
            if name in frame.f_locals:
                return frame.f_locals[name]
        frame = frame.f_back
    return None
""",
    # re-executes the reference's own source text under another file name
    "reexecutes_reference": """import sys, types
import kmeans_lab.kmeans as _reference
_module = types.ModuleType("kmeans_lab.my_copy")
_module.__package__ = "kmeans_lab"
sys.modules["kmeans_lab.my_copy"] = _module
exec(compile(open(_reference.__file__).read(), "/home/student/my_copy.py", "exec"), _module.__dict__)
find_closest_centroids = _module.find_closest_centroids
""",
    "reference_import": "from kmeans_lab import find_closest_centroids\n",
}


def case_attack(name):
    """A builder: a wrong answer (the stub for ``reads_secrets``), then the attack's cell."""

    def build(release, course):
        text = TARGETS.format(course=str(course), repo=str(REPO)) + ATTACKS[name]
        if name == "reads_secrets":  # it has no answer of its own: it looks for one
            nb = nbformat.read(release / f"{FIND}.ipynb", as_version=4)
            return {FIND: insert_after(nb, "find_closest_centroids", text)}
        return after_answer(text, wrong=True)(release)

    build.needs_course = True
    return build


#: student -> (builder, points earned per exercise, text expected in the grades CSV, flagged)
CASES = {
    "aaa_honest": (case_honest, {"find_closest_centroids": 3}, None, False),
    "correct": (case_correct, dict(EXPECTED_POINTS), None, False),
    "wrong": (case_wrong, {}, "case 1 of", False),
    "stub": (case_stub, {}, "not implemented yet", False),
    "infinite_loop": (case_infinite_loop, {}, "ran longer than 10 s", False),
    "import_error": (case_import_error, {}, "NameError", False),
    "sys_exit": (
        after_answer("import sys\nsys.exit('done for today')"),
        {"find_closest_centroids": 3},
        None,
        False,
    ),
    "os_exit": (
        after_check("import os\nos._exit(0)"),
        {"find_closest_centroids": 3},
        "the kernel died in cell",
        True,
    ),
    "killed_kernel": (
        after_answer("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        {},
        "the kernel died",
        True,
    ),
    "big_output": (
        after_answer("print('x' * 5_000_000)\nfor i in range(200_000):\n    print(i)"),
        {"find_closest_centroids": 3},
        None,
        False,
    ),
    "edited_test": (case_edited_test, {}, "case 1 of", False),
    "deleted_test": (case_deleted_test, {"find_closest_centroids": 3}, None, False),
    "monkeypatch_module": (
        answer(
            WRONG_FIND + "\nimport kmeans_lab.checks\n"
            "kmeans_lab.checks.check_find_closest_centroids = "
            "lambda func, **kwargs: None\n"
        ),
        {},
        "case 1 of",
        True,
    ),
    "monkeypatch_name": (
        answer(WRONG_FIND + "\ncheck_find_closest_centroids = lambda func, **kwargs: None\n"),
        {},
        "case 1 of",
        True,
    ),
    "patched_reference": (
        answer(
            WRONG_FIND + "\nimport kmeans_lab.kmeans\n"
            "kmeans_lab.kmeans.find_closest_centroids = find_closest_centroids\n"
        ),
        {},
        "case 1 of",
        True,
    ),
    "reference_import": (
        answer(ANSWER_ATTACKS["reference_import"]),
        {},
        "reference implementation",
        True,  # the graded source is the reference's: similarity finds it
    ),
    "extra_cell": (case_extra_cell, {}, "case 1 of", False),
    "not_json": (
        case_not_json,
        {"image_to_pixels": 1, "pixels_to_image": 1},
        "not a readable notebook",
        False,
    ),
    "wrong_name": (
        case_wrong_name,
        {"image_to_pixels": 1, "pixels_to_image": 1},
        "03_find_closest_centroids-Copy1.ipynb",
        False,
    ),
    "no_folder": (None, {}, f"no {ASSIGNMENT}/ folder", False),
    # attacks
    "writes_checker": (case_attack("writes_checker"), {}, "case 1 of", True),
    "drops_pth": (case_attack("drops_pth"), {}, "case 1 of", True),
    "writes_gradebook": (case_attack("writes_gradebook"), {}, "case 1 of", True),
    "rewrites_classmate": (case_attack("rewrites_classmate"), {}, "case 1 of", True),
    "reads_secrets": (case_attack("reads_secrets"), {}, "not implemented yet", True),
    "ships_package": (case_ships_package, {}, "ignored (not graded, never run): kmeans_lab", False),
    "walks_frames": (answer(ANSWER_ATTACKS["walks_frames"]), {}, "case 1 of", True),
    "patches_numpy": (
        answer(
            WRONG_FIND + "\nimport numpy as np\n"
            "np.array_equal = lambda *a, **k: True\n"
            "np.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
        ),
        {},
        "case 1 of",
        True,
    ),
    "reexecutes_reference": (
        answer(ANSWER_ATTACKS["reexecutes_reference"]),
        {},
        # its code comes from a file that does not exist: nothing to send to the grader
        "the grader cannot run your function on its own: the source of your function "
        "cannot be found",
        True,
    ),
    "kills_grader": (
        after_check(
            "import os, signal\nfor pid in sorted(int(p) for p in os.listdir('/proc') "
            "if p.isdigit()):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n        pass\nos.kill(os.getppid(), signal.SIGKILL)"
        ),
        {"find_closest_centroids": 3},
        "the kernel died in cell",
        True,
    ),
    "leaves_processes": (
        after_check(
            "import subprocess, os\n"
            "subprocess.Popen(['kmeans-lab-left-behind', '600'], executable='/bin/sleep',"
            " start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n"
            "    os.execv('/bin/sleep', ['kmeans-lab-left-behind', '600'])\n"
        ),
        {"find_closest_centroids": 3},
        None,
        True,
    ),
    "memory_hog": (
        after_answer("block = bytearray(8 << 30)  # 8 GiB"),
        {"find_closest_centroids": 3},
        None,
        False,
    ),
    "process_hog": (
        after_answer(
            "import subprocess\nchildren = [subprocess.Popen(['sleep', '60']) for _ in range(500)]"
        ),
        {"find_closest_centroids": 3},
        None,
        True,
    ),
    "disk_hog": (
        after_answer(
            "with open('big.bin', 'wb') as f:\n    for _ in range(2048):\n"
            "        f.write(b'x' * (1 << 20))  # 2 GiB"
        ),
        {"find_closest_centroids": 3},
        None,
        False,
    ),
    "hangs_notebook": (
        after_check(
            "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "while True:\n    time.sleep(1)"
        ),
        {"find_closest_centroids": 3},
        "notebook time limit",
        True,
    ),
    "zzz_honest": (case_honest, {"find_closest_centroids": 3}, None, False),
}
#: Students who should score what they deserve whatever the others did.
HONEST = ("aaa_honest", "correct", "zzz_honest")


def write_submission(course: Path, student: str, files: dict) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / (name if "/" in name else f"{name}.ipynb")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            nbformat.write(content, path)


# --- The run ---------------------------------------------------------------------------


def run_tool(
    module: str, *args: str, timeout: float = 1500, check: bool = True, **env
) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        MPLBACKEND="Agg",
        KMEANS_LAB_CELL_TIMEOUT=str(CELL_TIMEOUT),
        KMEANS_LAB_NOTEBOOK_TIMEOUT=str(NOTEBOOK_TIMEOUT),
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-m", f"tools.{module}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
    if check:
        assert result.returncode == 0, f"{module} failed:\n{result.stdout}\n{result.stderr}"
    return result


def checkout_fingerprint() -> dict[str, str]:
    """Every file of the checkout (tracked or not, but not ignored) and of the environment."""
    from tools.grading import integrity

    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    found = {}
    for name in filter(None, listed):
        path = REPO / name
        if path.is_file() and "__pycache__" not in path.parts:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    found.update(integrity.fingerprint())
    return found


def left_behind() -> str:
    return subprocess.run(
        ["pgrep", "-a", "-f", "kmeans-lab-left-behind"], capture_output=True, text=True
    ).stdout.strip()


def read_rows(course: Path) -> list[dict]:
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole workflow on a temporary course; returns what the tests inspect."""
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")
    before = checkout_fingerprint()
    tmp = tmp_path_factory.mktemp("grading")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    times = {}

    started = time.monotonic()
    run_tool("release", "--course", str(course), "--student-dir", str(tmp / "student"))
    times["release"] = time.monotonic() - started
    release = course / "release" / ASSIGNMENT

    for student, (builder, _, _, _) in CASES.items():
        if builder is None:  # notebooks straight in the student folder
            folder = course / "submitted" / student
            folder.mkdir(parents=True)
            nbformat.write(filled(release, LOAD), folder / f"{LOAD}.ipynb")
        elif getattr(builder, "needs_course", False):
            write_submission(course, student, builder(release, course))
        else:
            write_submission(course, student, builder(release))
    (course / "submitted" / "README.txt").write_text("not a student")
    submitted = {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")}

    started = time.monotonic()
    autograde = run_tool("autograde", "--course", str(course), "--seed", str(SEED), WORKERS="2")
    times["autograde"] = time.monotonic() - started
    processes = left_behind()

    started = time.monotonic()
    run_tool("grades", "--course", str(course))
    times["grades"] = time.monotonic() - started
    rows = read_rows(course)

    started = time.monotonic()
    run_tool("feedback", "--course", str(course))
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
    report = json.loads((course / "autograde_report.json").read_text())
    log = (course / "autograde" / "log.txt").read_text()

    # a later batch, after the attackers: the honest students again
    started = time.monotonic()
    run_tool("autograde", "--course", str(course), "--prepare")
    run_tool("autograde", "--course", str(course), *(f"--student={s}" for s in HONEST), WORKERS="1")
    run_tool("autograde", "--course", str(course), "--merge")
    run_tool("grades", "--course", str(course))
    times["later batch"] = time.monotonic() - started
    later = read_rows(course)

    print("\nworkflow times (s):", {k: round(v, 1) for k, v in times.items()})
    return {
        "course": course,
        "rows": rows,
        "later": later,
        "exported": exported,
        "stdout": autograde.stdout,
        "report": report,
        "log": log,
        "before": before,
        "after": checkout_fingerprint(),
        "submitted": submitted,
        "processes": processes,
    }


def points(rows, student):
    return {
        r["exercise"]: float(r["points"])
        for r in rows
        if r["student"] == student and r["exercise"] != "total"
    }


def total_note(rows, student) -> str:
    return next(r["note"] for r in rows if r["student"] == student and r["exercise"] == "total")


def test_csv_has_every_student_and_exercise(graded):
    rows = graded["rows"]
    assert list(rows[0]) == ["student", "notebook", "exercise", "points", "max_points", "note"]
    assert sorted({r["student"] for r in rows}) == sorted(CASES)
    exercises = [r["exercise"] for r in rows if r["student"] == "correct"]
    assert exercises == list(EXPECTED_POINTS) + ["total"]
    for r in rows:
        if r["exercise"] != "total":
            assert float(r["max_points"]) == EXPECTED_POINTS[r["exercise"]]
    totals = {r["student"]: r for r in rows if r["exercise"] == "total"}
    assert all(float(t["max_points"]) == sum(EXPECTED_POINTS.values()) for t in totals.values())


@pytest.mark.parametrize("student", sorted(CASES))
def test_score(graded, student):
    _, expected, note, _ = CASES[student]
    want = {ex: float(expected.get(ex, 0)) for ex in EXPECTED_POINTS}
    got = points(graded["rows"], student)
    assert got == want
    total = next(r for r in graded["rows"] if r["student"] == student and r["exercise"] == "total")
    assert float(total["points"]) == sum(want.values())
    if note is not None:
        notes = " | ".join(r["note"] for r in graded["rows"] if r["student"] == student)
        assert note in notes, notes


@pytest.mark.parametrize("student", sorted(CASES))
def test_flags_for_review_by_hand(graded, student):
    flagged = CASES[student][3]
    note = total_note(graded["rows"], student)
    assert ("review by hand" in note) == flagged, note


def test_honest_students_keep_their_scores_in_the_batch_and_a_later_one(graded):
    for rows in (graded["rows"], graded["later"]):
        for student in HONEST:
            want = {ex: float(CASES[student][1].get(ex, 0)) for ex in EXPECTED_POINTS}
            assert points(rows, student) == want, student
            assert "review by hand" not in total_note(rows, student)


def test_the_checkout_and_the_environment_are_unchanged(graded):
    before, after = graded["before"], graded["after"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == []


def test_submissions_are_unchanged_and_no_process_is_left(graded):
    for path, data in graded["submitted"].items():
        assert path.read_bytes() == data, path
    assert graded["processes"] == ""


def test_what_an_attacker_could_reach_is_nothing(graded):
    course = graded["course"]

    def outputs(student):
        nb = nbformat.read(
            course / "autograded" / student / ASSIGNMENT / f"{FIND}.ipynb", as_version=4
        )
        return "\n".join(
            o.get("text", "")
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
        )

    text = outputs("reads_secrets")
    assert "stolen: []" in text and "cannot read run.json" in text
    assert "found 0 classmates" in outputs("rewrites_classmate")
    assert "gradebook written" not in outputs("writes_gradebook")
    assert "wrote" not in outputs("writes_checker") and "wrote" not in outputs("drops_pth")
    feedback = (course / "feedback" / "reads_secrets" / ASSIGNMENT / f"{FIND}.html").read_text()
    feedback = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", feedback)
    seeds = json.loads((course / "autograde" / "run.json").read_text())["seeds"]
    assert str(seeds["find_closest_centroids"]) not in feedback


def test_ungradable_submissions_are_reported_by_name(graded):
    out = graded["stdout"]
    assert re.search(rf"not_json: partial.*\n\s+{FIND}\.ipynb: not a readable notebook", out)
    assert f"ignored (not graded, never run): {FIND}-Copy1.ipynb" in out
    assert "no_folder: failed" in out and f"no {ASSIGNMENT}/ folder" in out
    assert "README.txt: not a student folder, ignored" in out
    report = graded["report"]["students"]
    for student in ("os_exit", "killed_kernel", "kills_grader"):
        assert report[student]["graded_notebooks"] == [FIND]
        assert any("the kernel died in cell" in p for p in report[student]["problems"])


def test_the_log_names_every_student_as_grading_goes(graded):
    for student in CASES:
        if CASES[student][0] is not None:
            assert f"{student}: grading (worker " in graded["log"]
    assert re.search(r"\[\d+/\d+\] .*ETA \d+ s", graded["stdout"])


def test_infinite_loop_is_cut_by_the_cell_timeout(graded):
    nb = nbformat.read(
        graded["course"] / "autograded" / "infinite_loop" / ASSIGNMENT / f"{FIND}.ipynb",
        as_version=4,
    )
    check = nb.cells[index_of(nb, "check_find_closest_centroids")]
    (error,) = [o for o in check.outputs if o.output_type == "error"]
    assert "ran longer than" in error.evalue


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
    for student in ("correct", "wrong", "stub", "big_output", "deleted_test"):
        html = feedback / student / ASSIGNMENT / f"{FIND}.html"
        assert html.exists(), html
        assert html.stat().st_size < 2_000_000
    text = (feedback / "wrong" / ASSIGNMENT / f"{FIND}.html").read_text(encoding="utf-8")
    assert "find_closest_centroids: case 1 of" in text


def test_nbgrader_export_agrees_for_fully_graded_students(graded):
    ours = {r["student"]: float(r["points"]) for r in graded["rows"] if r["exercise"] == "total"}
    report = graded["report"]["students"]
    for row in graded["exported"]:
        student = row["student_id"]
        if report.get(student, {}).get("status") == "graded":
            assert float(row["score"]) == ours[student], student
            assert float(row["max_score"]) == sum(EXPECTED_POINTS.values())


# --- The unit of work: a student at a time, then a merge, gives the batch's grades ---------


def test_student_by_student_and_merge_gives_the_batch_grades(tmp_path):
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed: no grading sandbox")
    csvs = []
    for way in ("batch", "one by one"):
        course = tmp_path / way.replace(" ", "_") / "course"
        course.mkdir(parents=True)
        shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
        run_tool("release", "--course", str(course), "--student-dir", str(course.parent / "s"))
        release = course / "release" / ASSIGNMENT
        for student in ("aaa_honest", "wrong", "stub"):
            write_submission(course, student, CASES[student][0](release))
        if way == "batch":
            run_tool("autograde", "--course", str(course), "--seed", "5", WORKERS="2")
        else:
            run_tool("autograde", "--course", str(course), "--prepare", "--seed", "5")
            for student in ("stub", "aaa_honest", "wrong"):
                run_tool("autograde", "--course", str(course), "--student", student, WORKERS="1")
            run_tool("autograde", "--course", str(course), "--merge")
        run_tool("grades", "--course", str(course))
        csvs.append((course / "grades.csv").read_text())
    assert csvs[0] == csvs[1]
    assert "aaa_honest,03_find_closest_centroids,find_closest_centroids,3,3," in csvs[0]


def test_without_a_sandbox_autograde_refuses_in_one_line(tmp_path):
    course = tmp_path / "course"
    course.mkdir(mode=0o700)  # private, as it should be: no warning line about it
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    run_tool("release", "--course", str(course), "--student-dir", str(tmp_path / "s"))
    write_submission(course, "aaa_honest", case_honest(course / "release" / ASSIGNMENT))
    fake_bin = tmp_path / "bin"  # a PATH without bwrap
    fake_bin.mkdir()
    result = run_tool(
        "autograde",
        "--course",
        str(course),
        check=False,
        PATH=str(fake_bin) + os.pathsep + "/nonexistent",
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0], result.stderr
    assert not (course / "autograded").exists()


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


# --- kmeans_lab.grading: the hidden tests in a kernel, and what gets flagged ------------------


def test_hidden_check_runs_the_check_in_a_kernel_with_more_cases():
    from kmeans_lab.grading import hidden_check

    def right(X, centroids):
        return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)

    fixed = hidden_check("find_closest_centroids", right, n_random=0, seed=7).n_total
    result = hidden_check("find_closest_centroids", right, n_random=5, seed=7)
    assert result.passed and result.n_total == fixed + 5  # five more drawn cases
    with pytest.raises(AssertionError, match=f"find_closest_centroids: case 1 of {fixed + 5}"):
        hidden_check("find_closest_centroids", lambda X, c: right(X, c) + 1, n_random=5, seed=7)
    with pytest.raises(ValueError, match="unknown exercise 'find_closest'"):
        hidden_check("find_closest", right)


def test_hidden_check_in_the_sandbox_reports_the_source_and_judges_nothing(tmp_path, monkeypatch):
    from kmeans_lab.grading import capture, hidden_check
    from kmeans_lab.grading.record import record
    from tools.grading import replay

    answers = tmp_path / "answers"
    answers.mkdir()
    monkeypatch.setenv(capture.ANSWERS_VARIABLE, str(answers))

    def compressed_bits(n_pixels, K):
        return 0

    assert hidden_check("compressed_bits", compressed_bits, n_random=25, seed=303) is None
    reported = json.loads((answers / "compressed_bits.source").read_text())
    assert set(reported) == {"source"} and "return 0" in reported["source"]
    plan = replay.plan("compressed_bits", n_random=3, seed=4)
    with pytest.raises(AssertionError, match="compressed_bits: case 1 of 13"):
        replay.replay(plan, record(plan, reported["source"]), n_random=3, seed=4)


def test_suspicious_lines_flag_code_that_reaches_into_the_grader():
    from tools.grading.flags import suspicious_lines

    flagged = [
        "import kmeans_lab.checks as c",
        "check_find_closest_centroids = lambda f, **kw: None",
        "kmeans_lab.kmeans.find_closest_centroids = mine",
        "sys.modules['kmeans_lab.grading'] = fake",
        "importlib.reload(kmeans_lab.kmeans)",
        "os._exit(0)",
        "np.allclose = lambda *a, **k: True",
        "frame = inspect.currentframe().f_back",
        "exec(open(path).read())",
        "db = sqlite3.connect(path_to_the_gradebook)",
        "for path in glob.glob('/srv/course/submitted/*'):",
    ]
    innocent = [
        "labels = np.argmin(distances, axis=1)",
        "kl.find_closest_centroids = find_closest_centroids  # plug in my own",
        "check = labels == expected",
        "from kmeans_lab.plots import show_images",
        "np.random.seed(0) if flag == np.pi else None",
    ]
    assert suspicious_lines("\n".join(flagged)) == flagged
    assert suspicious_lines("\n".join(innocent)) == []


@pytest.mark.parametrize(
    "solution", [p for p in SOLUTIONS if has_exercises(p)], ids=lambda p: p.stem
)
def test_every_check_cell_has_its_hidden_test(solution):
    """The hidden part of each check cell calls kmeans_lab.grading.hidden_check: while
    grading it records the answers that the grader judges outside the sandbox."""
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


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("two", "WORKERS must be a whole number of workers, got 'two'"),
        ("0", "WORKERS must be at least 1, got 0"),
    ],
)
def test_a_bad_number_of_workers_is_refused_in_one_line(raw, message):
    from tools.autograde import _workers

    with pytest.raises(SystemExit) as stop:
        _workers(raw)
    assert str(stop.value) == message


def test_a_bad_time_limit_is_refused_in_one_line(monkeypatch):
    from tools.grading.worker import Settings

    monkeypatch.setenv("KMEANS_LAB_CELL_TIMEOUT", "1.5")
    with pytest.raises(
        SystemExit, match=r"^KMEANS_LAB_CELL_TIMEOUT must be a whole number of seconds, got '1.5'$"
    ):
        Settings()
    monkeypatch.setenv("KMEANS_LAB_CELL_TIMEOUT", "30")
    monkeypatch.setenv("KMEANS_LAB_NOTEBOOK_TIMEOUT", "-2")
    with pytest.raises(
        SystemExit, match=r"^KMEANS_LAB_NOTEBOOK_TIMEOUT must be at least 1, got -2$"
    ):
        Settings()


def test_workers_default_to_the_number_of_cores(monkeypatch):
    from tools.autograde import _workers

    monkeypatch.delenv("WORKERS", raising=False)
    assert _workers(None) == max(1, os.cpu_count() or 1)
    monkeypatch.setenv("WORKERS", "3")
    assert _workers(None) == 3
    assert _workers("2") == 2
