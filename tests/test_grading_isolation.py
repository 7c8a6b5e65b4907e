"""Nothing to steal where student code runs (issue #18), in the real sandboxes.

The notebook's sandbox only reports the source of the student's function at
each check cell; the graded answers come from a fresh sandbox per exercise,
where the reference and every other route to the answer are absent
(``tools/grading/fresh.py``). Tested here:

- a small class, graded end to end (``python -m tools.autograde``, two
  workers): hostile students who read every file of the repository try to
  find the planned inputs in the notebook, record again after the check,
  import the reference, the fast engine, a check's helpers or a library
  K-means, re-execute the reference's source, hunt the fresh sandbox's files
  for any of them, or forge the notebook's result frames; each scores 0 and
  honest classmates graded in the same batch keep their exact scores;
- what the fresh sandbox can import and read, asked from inside it;
- every right implementation of the catalogue (``tools/catalogue``),
  carried over as its source, passes its check in the fresh sandbox.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from kmeans_lab.checks.registry import EXERCISES, REGISTRY
from kmeans_lab.grading import transport
from kmeans_lab.saved_functions import function_source
from tools.catalogue import RIGHT

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("nbgrader")
from tools.grading import fresh, judge, replay  # noqa: E402
from tools.grading.fresh import Job, build_view, record_in_fresh_sandboxes  # noqa: E402
from tools.submissions import filled  # noqa: E402

pytestmark = pytest.mark.slow

ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"
SEED = 23
CELL_TIMEOUT = 20

WRONG_FIND = """def find_closest_centroids(X, centroids):
    import numpy as np
    d = ((np.asarray(X)[:, None, :] - np.asarray(centroids)[None, :, :]) ** 2).sum(axis=2)
    return np.argmax(d, axis=1)
"""

HONEST_WITH_HELPERS = """import numpy as np
from scipy.spatial.distance import cdist

AXIS = 1
METRIC = "sqeuclidean"


def _distances(X, centroids):
    return cdist(X, centroids, METRIC)


def find_closest_centroids(X, centroids):
    return np.argmin(_distances(np.asarray(X, float), np.asarray(centroids, float)), axis=AXIS)
"""

# Looks everywhere the notebook can read for the planned inputs (or anything the
# grader keeps), and would answer them with the installed reference.
READS_PLANS = """
import glob, os
found = []
for root in ["/grader", "/home", "/tmp", "/opt", os.getcwd()]:
    for path in glob.glob(root + "/**", recursive=True):
        name = os.path.basename(path)
        if name.endswith((".plan", ".answers")) or name in ("plans", "run.json", "function.json"):
            found.append(path)
print("grader files found:", len(found), sorted(found)[:5])
print("grading variables:", sorted(k for k in os.environ if k.startswith("KMEANS_LAB_GRADING")))
"""

# After a wrong answer's check: a right function, reported again by every means
# a cell has (the hidden test, the capture, and frames forged on the result pipe).
RERECORDS = """
import json, os, sys
from kmeans_lab.grading import hidden_check, transport
from kmeans_lab.grading.capture import capture_source
def find_closest_centroids(X, centroids):
    import numpy as np
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
hidden_check("find_closest_centroids", find_closest_centroids)
capture_source("find_closest_centroids", find_closest_centroids)
fd = int(sys.argv[sys.argv.index("--result-fd") + 1])
text = json.dumps({"source": "import numpy as np\\n" + __import__("inspect").getsource(find_closest_centroids)})
for cell in range(40):
    body = transport.dump(
        {"format": 1, "cell": cell, "outputs": []},
        {"source_find_closest_centroids": __import__("numpy").frombuffer(text.encode(), "uint8")},
    )
    os.write(fd, len(body).to_bytes(8, "big") + body)
"""

ROUTES = {
    "imports_reference": """def find_closest_centroids(X, centroids):
    from kmeans_lab.kmeans import find_closest_centroids as course
    return course(X, centroids)
""",
    "imports_fast_engine": """def find_closest_centroids(X, centroids):
    import kmeans_lab.fast._search as search
    for name in dir(search):
        if "closest" in name or "nearest" in name or "assign" in name:
            return getattr(search, name)(X, centroids)
    import kmeans_lab
    return kmeans_lab.find_closest_centroids(X, centroids)
""",
    "imports_check_helper": """import numpy as np
from kmeans_lab.checks.find_closest_centroids import sq_distances

def find_closest_centroids(X, centroids):
    return np.argmin(sq_distances(X, centroids), axis=1)
""",
    "scipy_vq": """def find_closest_centroids(X, centroids):
    from scipy.cluster.vq import vq
    return vq(X, centroids)[0]
""",
    "sklearn_argmin": """def find_closest_centroids(X, centroids):
    from sklearn.metrics import pairwise_distances_argmin
    return pairwise_distances_argmin(X, centroids)
""",
    # the reference's own text, run under another name from a file it writes
    "execs_reference": """import os, sys, types
import kmeans_lab.kmeans
_text = open(kmeans_lab.kmeans.__file__).read()
with open("my_kmeans.py", "w") as _f:
    _f.write(_text)
_module = types.ModuleType("kmeans_lab.my_kmeans")
_module.__package__, _module.__file__ = "kmeans_lab", os.path.abspath("my_kmeans.py")
sys.modules["kmeans_lab.my_kmeans"] = _module
exec(compile(_text, _module.__file__, "exec"), _module.__dict__)
find_closest_centroids = _module.find_closest_centroids
""",
    # at call time, anything on the disk that could answer: course code, library K-means
    "hunts_routes": """import importlib, os, sys

def _routes():
    if hasattr(sys, "_kmeans_routes"):
        return sys._kmeans_routes
    found = []
    for name in ("kmeans_lab", "kmeans_lab.kmeans", "kmeans_lab.fast", "kmeans_lab.checks",
                 "kmeans_lab.compression", "scipy.cluster.vq", "sklearn.metrics", "sklearn.cluster"):
        try:
            found.append(importlib.import_module(name))
        except Exception:
            pass
    for folder in list(sys.path) + ["/opt", "/grader", "/home", "/tmp", "/usr/lib/python3/dist-packages"]:
        for root, dirs, files in os.walk(folder):
            if "kmeans.py" in files or "vq.py" in files:
                path = os.path.join(root, "kmeans.py" if "kmeans.py" in files else "vq.py")
                namespace = {"__name__": "found", "__file__": path}
                try:
                    exec(compile(open(path).read(), path, "exec"), namespace)
                    found.append(type(sys)("found"))
                    found[-1].__dict__.update(namespace)
                except Exception:
                    pass
    sys._kmeans_routes = found
    return found

def find_closest_centroids(X, centroids):
    for module in _routes():
        for name in ("find_closest_centroids", "vq", "pairwise_distances_argmin"):
            route = getattr(module, name, None)
            if callable(route):
                try:
                    answer = route(X, centroids)
                    return answer[0] if name == "vq" else answer
                except Exception:
                    continue
    import numpy as np
    return np.zeros(len(X), dtype=int)
""",
}

#: student -> (cells: answer source, or (answer, cell after the answer, cell after the check)), points
CLASS = {
    "aaa_honest": (None, 3),
    "honest_helpers": (HONEST_WITH_HELPERS, 3),
    "reads_plans": ((WRONG_FIND, READS_PLANS, None), 0),
    "rerecords": ((WRONG_FIND, None, RERECORDS), 0),
    **{name: (source, 0) for name, source in ROUTES.items()},
    "zzz_honest": (None, 3),
}
HONEST = ("aaa_honest", "honest_helpers", "zzz_honest")


def _index(nb, gid: str) -> int:
    return next(
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid
    )


def _submission(release: Path, cells):
    nb = filled(release, FIND)
    if cells is None:
        return nb
    answer, after_answer, after_check = cells if isinstance(cells, tuple) else (cells, None, None)
    nb.cells[_index(nb, "find_closest_centroids")].source = answer
    if after_check:
        at = _index(nb, "check_find_closest_centroids") + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(after_check))
    if after_answer:
        at = _index(nb, "find_closest_centroids") + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(after_answer))
    return nb


def _tool(module: str, *args: str, **env) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", f"tools.{module}", *args],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=REPO,
        env=dict(
            os.environ,
            MPLBACKEND="Agg",
            KMEANS_LAB_CELL_TIMEOUT=str(CELL_TIMEOUT),
            KMEANS_LAB_NOTEBOOK_TIMEOUT="120",
            **env,
        ),
    )
    assert result.returncode == 0, f"{module} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _needs_sandbox() -> None:
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class of :data:`CLASS`, released, submitted and graded in one batch."""
    _needs_sandbox()
    tmp = tmp_path_factory.mktemp("isolation")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    _tool("release", "--course", str(course), "--student-dir", str(tmp / "student"))
    release = course / "release" / ASSIGNMENT
    for student, (cells, _) in CLASS.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_submission(release, cells), folder / f"{FIND}.ipynb")
    _tool("autograde", "--course", str(course), "--seed", str(SEED), WORKERS="2")
    _tool("grades", "--course", str(course))
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    results = {
        p.stem: json.loads(p.read_text()) for p in (course / "autograde" / "results").glob("*.json")
    }
    return {"course": course, "rows": rows, "results": results}


def _row(graded, student: str) -> dict:
    return next(
        r
        for r in graded["rows"]
        if r["student"] == student and r["exercise"] == "find_closest_centroids"
    )


def _verdict(graded, student: str) -> dict:
    return graded["results"][student]["notebooks"][FIND]["exercises"]["find_closest_centroids"]


@pytest.mark.parametrize("student", sorted(CLASS))
def test_each_student_scores_what_their_own_code_computes(graded, student):
    assert float(_row(graded, student)["points"]) == CLASS[student][1], _verdict(graded, student)


def test_honest_classmates_keep_their_exact_scores_and_their_graded_source(graded):
    for student in HONEST:
        verdict = _verdict(graded, student)
        assert verdict["passed"] and verdict["points"] == 3.0
        assert "find_closest_centroids: 35/35 checks passed" in verdict["message"]
    source = graded["results"]["honest_helpers"]["sources"]["find_closest_centroids"]
    # the graded source, with its imports, constants and helper (for similarity)
    for piece in (
        "from scipy.spatial.distance import cdist",
        "import numpy as np",
        "AXIS = 1",
        "METRIC = 'sqeuclidean'",
        "def _distances(X, centroids):\n    return cdist(X, centroids, METRIC)",
        "def find_closest_centroids(X, centroids):",
    ):
        assert piece in source


def _cell_text(graded, student: str, marker: str) -> str:
    path = graded["course"] / "autograde" / "judged" / student / ASSIGNMENT / f"{FIND}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if marker in cell.source:
            return "".join(o.get("text", "") for o in cell.outputs)
    raise KeyError(marker)


def test_the_notebook_sandbox_holds_no_planned_input(graded):
    printed = _cell_text(graded, "reads_plans", "grader files found")
    assert "grader files found: 0 []" in printed
    assert "grading variables: ['KMEANS_LAB_GRADING_ANSWERS']" in printed


def test_reporting_again_after_the_check_changes_nothing(graded):
    verdict = _verdict(graded, "rerecords")
    assert verdict["kind"] == "wrong result" and "case 1 of" in verdict["message"]
    assert "argmax" in graded["results"]["rerecords"]["sources"]["find_closest_centroids"]


@pytest.mark.parametrize(
    "student, says",
    [
        ("imports_reference", "calls the course's reference implementation"),
        ("imports_fast_engine", "calls the course's reference implementation kmeans_lab.fast"),
        ("imports_check_helper", "No module named 'kmeans_lab.checks"),
        ("scipy_vq", "uses scipy.cluster"),
        ("sklearn_argmin", "uses sklearn.metrics.pairwise_distances_argmin"),
        ("execs_reference", "a copy of the course's reference implementation"),
    ],
)
def test_a_route_to_the_answer_is_absent_and_the_verdict_says_so(graded, student, says):
    assert says in _verdict(graded, student)["message"]


# --- the fresh sandbox, asked directly ------------------------------------------------------

PROBE = """import importlib, os, sys

def compressed_bits(n_pixels, K):
    seen = []
    for name in ("numpy", "scipy.spatial.distance", "kmeans_lab.grading.record",
                 "kmeans_lab", "kmeans_lab.kmeans", "kmeans_lab.fast", "kmeans_lab.checks",
                 "kmeans_lab.compression", "kmeans_lab.checks.find_closest_centroids",
                 "scipy.cluster.vq", "sklearn", "sklearn.cluster", "IPython", "nbgrader"):
        try:
            importlib.import_module(name)
            seen.append("+" + name)
        except Exception:
            seen.append("-" + name)
    files = sorted(os.listdir("/grader"))
    kmeans = sorted(p for p in os.listdir("/opt/kmeans-lab/kmeans_lab") if p != "__pycache__")
    packages = []
    for folder in sys.path:
        if os.path.isdir(folder):
            packages += [p for p in os.listdir(folder) if p.startswith(("sklearn", "kmeans"))]
    return ";".join(seen) + "|" + ",".join(files) + "|" + ",".join(kmeans) + "|" + ",".join(packages)
"""


def _record(jobs: list[Job], tmp_path: Path):
    view = tmp_path / "view"
    if not view.exists():
        build_view(view)
    return record_in_fresh_sandboxes(jobs, view, seconds=120)


def test_the_fresh_sandbox_sees_the_allow_list_only(tmp_path):
    _needs_sandbox()
    plan = replay.plan("compressed_bits", n_random=0, seed=1)
    result = _record([Job("compressed_bits", plan, PROBE)], tmp_path)["compressed_bits"]
    document, arrays = transport.load(result.data)
    seen, files, kmeans, packages = transport.decode(document["calls"][0]["result"], arrays).split(
        "|"
    )
    assert seen.split(";") == [
        "+numpy",
        "+scipy.spatial.distance",
        "+kmeans_lab.grading.record",
        "+kmeans_lab",  # a stand-in: nothing in it
        "-kmeans_lab.kmeans",
        "-kmeans_lab.fast",
        "-kmeans_lab.checks",
        "-kmeans_lab.compression",
        "-kmeans_lab.checks.find_closest_centroids",
        "-scipy.cluster.vq",
        "-sklearn",
        "-sklearn.cluster",
        "-IPython",
        "-nbgrader",
    ]
    # one server sandbox: its job was read before the staged jobs were hidden, so nothing is
    # there; in a sandbox of its own (no namespaces for a child), its own exercise's files only
    assert files == ("function.json,plan" if fresh._ONE_SANDBOX_EACH else "")
    assert kmeans == "__init__.py,_call_trace.py,_validation.py,grading"
    assert packages == "kmeans_lab"


SNOOP = """import gc, os

def {name}({params}):
    # {mine}
    found = [o for o in gc.get_objects() if isinstance(o, str) and "{theirs}" in o]
    return repr([sorted(os.listdir("/grader")), len(found), sorted(os.listdir("/proc"))[:0]])
"""


def _snoop(exercise: str, mine: str, theirs: str) -> str:
    params = ", ".join(REGISTRY[exercise].params)
    return SNOOP.format(name=exercise, params=params, mine=mine, theirs=theirs)


def _returned(result) -> str:
    document, arrays = transport.load(result.data)
    return transport.decode(document["calls"][0]["result"], arrays)


def test_one_server_records_each_exercise_seeing_its_own_job_only(tmp_path):
    """The exercises of a student share one server sandbox; each child reads its own job, then
    the staged jobs are hidden: another exercise's source (or plan) is neither on disk nor in
    the child's memory."""
    _needs_sandbox()
    one, two = "find_closest_centroids", "compute_centroids"
    jobs = [
        Job(one, replay.plan(one, n_random=0, seed=1), _snoop(one, "MARK-ONE-4f1", "MARK-TWO-9c2")),
        Job(two, replay.plan(two, n_random=0, seed=1), _snoop(two, "MARK-TWO-9c2", "MARK-ONE-4f1")),
    ]
    results = _record(jobs, tmp_path)
    assert not fresh._ONE_SANDBOX_EACH, "this machine gives a child no namespaces of its own"
    for exercise in (one, two):
        assert _returned(results[exercise]) == repr([[], 0, []]), exercise


def test_an_exercise_over_its_time_limit_leaves_the_next_to_a_sandbox_of_its_own(tmp_path):
    _needs_sandbox()
    right = {
        e: function_source(RIGHT[e][0].func, e) for e in ("init_centroids", "compute_centroids")
    }
    stuck = "def find_closest_centroids(X, centroids):\n    while True:\n        pass\n"
    jobs = [
        Job(
            "init_centroids",
            replay.plan("init_centroids", n_random=0, seed=1),
            right["init_centroids"],
        ),
        Job(
            "find_closest_centroids",
            replay.plan("find_closest_centroids", n_random=0, seed=1),
            stuck,
        ),
        Job(
            "compute_centroids",
            replay.plan("compute_centroids", n_random=0, seed=1),
            right["compute_centroids"],
        ),
    ]
    view = tmp_path / "view"
    build_view(view)
    results = record_in_fresh_sandboxes(jobs, view, seconds=5)
    assert results["find_closest_centroids"].timed_out
    for exercise in ("init_centroids", "compute_centroids"):  # before it, and after it alone
        assert results[exercise].data and not results[exercise].timed_out, exercise
    plans = {j.exercise: j.plan for j in jobs}
    running = judge._running_call(
        "find_closest_centroids", _Run(plans), results["find_closest_centroids"].stderr
    )
    assert running.startswith(" (call 1 of ") and "centroids of shape" in running


def test_the_running_call_is_read_from_its_own_exercises_lines():
    """One server's stderr holds every exercise's progress: only the stopped one's counts."""
    plans = {
        e: replay.plan(e, n_random=0, seed=1) for e in ("init_centroids", "find_closest_centroids")
    }
    _, calls, _ = (
        replay.read_plan(plans["init_centroids"]) if hasattr(replay, "read_plan") else (0, [], 0)
    )
    from kmeans_lab.grading.record import JOB, PROGRESS, read_plan

    total_one = len(read_plan(plans["init_centroids"])[1])
    total_two = len(read_plan(plans["find_closest_centroids"])[1])
    stderr = (
        f"\n{JOB}init_centroids\n\n{PROGRESS}1/{total_one}\n\n{PROGRESS}2/{total_one}\n"
        f"\n{JOB}find_closest_centroids\n\n{PROGRESS}1/{total_two}\n"
    )
    assert judge._running_call("find_closest_centroids", _Run(plans), stderr).startswith(
        " (call 1 of"
    )
    assert judge._running_call("init_centroids", _Run(plans), stderr).startswith(" (call 2 of")
    assert (
        judge._running_call("compute_centroids", _Run(plans), stderr) == ""
    )  # no lines of its own


def _right_entries():
    return [(exercise, entry) for exercise in EXERCISES for entry in RIGHT[exercise]]


def _as_in_one_notebook(func):
    """``func`` as if every catalogue module were one notebook's cells (one namespace).

    The catalogue's ``run_kmeans`` entries call helpers of other catalogue
    modules; in a notebook, a student's helpers are the notebook's own
    functions, which the source capture carries over with it.
    """
    namespace: dict = {}
    moved: dict = {}

    def adopt(f):
        if f.__code__ not in moved:
            moved[f.__code__] = types.FunctionType(
                f.__code__, namespace, f.__name__, f.__defaults__
            )
            for name, value in f.__globals__.items():
                namespace.setdefault(name, value)
        return moved[f.__code__]

    main = adopt(func)
    changed = True
    while changed:
        changed = False
        for name, value in list(namespace.items()):
            if (
                isinstance(value, types.FunctionType)
                and str(value.__module__).startswith("tools.catalogue")
                and value.__globals__ is not namespace
            ):
                namespace[name] = adopt(value)
                changed = True
    return main


def test_every_right_implementation_of_the_catalogue_scores_in_the_fresh_sandbox(tmp_path):
    _needs_sandbox()
    plans = {e: replay.plan(e, n_random=REGISTRY[e].hidden_n_random, seed=7) for e in EXERCISES}
    pending = _right_entries()
    assert all(RIGHT[e] for e in EXERCISES) and len(pending) >= 30
    failures = []
    while pending:
        batch, later, taken = [], [], set()
        for exercise, entry in pending:  # one per exercise at a time, side by side
            (later if exercise in taken else batch).append((exercise, entry))
            taken.add(exercise)
        pending = later
        sources = {e: function_source(_as_in_one_notebook(entry.func), e) for e, entry in batch}
        jobs = [Job(e, plans[e], sources[e]) for e, _ in batch]
        results = _record(jobs, tmp_path)
        for exercise, entry in batch:
            answers, why = judge._from_fresh_sandbox(results[exercise], 120)
            verdict = judge._verdict(
                exercise, answers, _Run(plans), why or "not recorded", sources[exercise]
            )
            if not verdict.passed:
                failures.append(f"{exercise}/{entry.name}: {verdict.message[:300]}")
    assert failures == []


class _Run:
    """The parts of a run :func:`tools.grading.judge._verdict` reads."""

    def __init__(self, plans: dict[str, bytes]):
        self.plans = plans
        self.seeds = {e: 7 for e in EXERCISES}

    def plan_file(self, exercise: str):
        return _Bytes(self.plans[exercise])


class _Bytes:
    def __init__(self, data: bytes):
        self.data = data

    def read_bytes(self) -> bytes:
        return self.data
