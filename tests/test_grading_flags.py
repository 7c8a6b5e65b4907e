"""Is it the student's own work? Flags, similarity and reference copies, against lying submissions.

Fast tests read a course released once by the real ``tools.release`` (the
gradebook nbgrader writes); the sandboxed batch at the end grades hostile
submissions with the real tools (``@pytest.mark.slow``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.grading import cells, flags
from tools.submissions import filled

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course released by ``tools.release``: its gradebook and release folder."""
    tmp = tmp_path_factory.mktemp("flags")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    subprocess.run(
        [sys.executable, "-m", "tools.release", "--course", str(course)]
        + ["--student-dir", str(tmp / "student")],
        cwd=REPO,
        check=True,
        capture_output=True,
        env=dict(os.environ, MPLBACKEND="Agg"),
    )
    return course


def released(course: Path, name: str = FIND):
    return nbformat.read(course / "release" / ASSIGNMENT / f"{name}.ipynb", as_version=4)


def index_of(nb, gid: str) -> int:
    return next(
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid
    )


def with_cell(nb, after: str, source: str, nbgrader: dict | None = None):
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader is not None:
        cell.metadata["nbgrader"] = nbgrader
    nb.cells.insert(index_of(nb, after) + 1, cell)
    return nb


def flagged(course: Path, nb, name: str = FIND) -> list[str]:
    return flags.notebook_flags(course, name, nb, cells.course_sources(course, name))


# --- 1. which cells are the student's: the gradebook decides -------------------------------


LOCKED = {
    "grade": False,
    "grade_id": "setup",
    "locked": True,
    "schema_version": 3,
    "solution": False,
    "task": False,
}
PATCH_RECORDER = (
    "import kmeans_lab.grading.capture as c\nc.record_answers = lambda exercise, func: None\n"
)


@pytest.mark.slow  # end to end: a release by nbgrader (the module's course); make test-quick skips it
def test_an_untouched_or_honestly_filled_notebook_has_no_flag_in_any_notebook(course):
    for path in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        ours = cells.course_sources(course, path.stem)
        assert cells.own_cells(released(course, path.stem), ours) == []
        assert flagged(course, filled(course / "release" / ASSIGNMENT, path.stem), path.stem) == []


@pytest.mark.slow  # end to end: a release by nbgrader (the module's course); make test-quick skips it
@pytest.mark.parametrize(
    "claims",
    [
        LOCKED,  # the setup cell's own grade id: a lie about an existing cell
        dict(LOCKED, grade_id="my_locked_cell"),  # a grade id the gradebook never stored
        dict(LOCKED, locked=False, solution=True, grade_id="find_closest_centroids"),
        dict(LOCKED, grade=True, grade_id="check_find_closest_centroids", points=3),
    ],
    ids=["locked-setup", "locked-new-id", "solution", "check-cell"],
)
def test_a_cell_whose_metadata_lies_is_still_the_students(course, claims):
    nb = with_cell(filled(course / "release" / ASSIGNMENT, FIND), "find_closest_centroids", "")
    nb.cells[index_of(nb, "find_closest_centroids") + 1].source = PATCH_RECORDER
    nb.cells[index_of(nb, "find_closest_centroids") + 1].metadata["nbgrader"] = claims
    found = flagged(course, nb)
    assert found and all("kmeans_lab.grading" in f for f in found), found


@pytest.mark.slow  # end to end: a release by nbgrader (the module's course); make test-quick skips it
def test_the_graded_source_comes_from_the_students_cells_not_the_solution_metadata(course):
    nb = filled(course / "release" / ASSIGNMENT, FIND)
    answer = nb.cells[index_of(nb, "find_closest_centroids")]
    del answer.metadata["nbgrader"]  # the answer no longer claims to be a solution
    nb.cells.insert(0, nbformat.v4.new_code_cell("def helper(a):\n    return a * 2\n"))
    sources = cells.graded_sources(nb, cells.course_sources(course, FIND))
    assert list(sources) == ["find_closest_centroids"]
    assert "def helper(a)" in sources["find_closest_centroids"]
    assert answer.source.strip() in sources["find_closest_centroids"]
    # a stub left as released is the course's: nothing of the student's to compare
    assert cells.graded_sources(released(course), cells.course_sources(course, FIND)) == {}


def test_a_course_without_a_gradebook_is_refused_with_what_to_run(tmp_path):
    with pytest.raises(ValueError, match="make release"):
        cells.course_sources(tmp_path, FIND)


def test_magics_and_shell_escapes_are_read_as_the_kernel_runs_them():
    assert "get_ipython().system('cat /etc/passwd')" in cells.python_source("!cat /etc/passwd")
    assert "run_line_magic('time'" in cells.python_source("%time x = 1")


# --- 2. flags read tokens and syntax trees, not lines ----------------------------------

#: Code that reaches the grader, written to dodge a line pattern; each must be flagged.
DODGES = {
    "spacing": "import kmeans_lab\nkmeans_lab . checks . check_find_closest_centroids",
    "alias": "import kmeans_lab as kl\nkl.grading.hidden_check",
    "from-alias": "from kmeans_lab import grading as g",
    "assigned alias": "import kmeans_lab as kl\nmine = kl\nmine.grading",
    "getattr folded": "import kmeans_lab as kl\ngetattr(kl, 'gra' + 'ding')",
    "getattr computed": "import kmeans_lab as kl\nname = ''.join(['gra', 'ding'])\ngetattr(kl, name)",
    "dunder import": "__import__('kmeans_lab.grading')",
    "star import of os": "from os import *",
    "IPython events": "ip = get_ipython()\nip.events.register('post_run_cell', record_again)",
    "IPython run_cell": "get_ipython().run_cell('hidden_check(1, 2)')",
    "the grader's alias of the recorder": "_record_for_the_grader('find_closest_centroids', f)",
    "pickle runs code": "import pickle\npickle.loads(payload)",
    "a thread after the check": "import threading\nthreading.Timer(1, later).start()",
    "pip magic": "%pip install kmeans-lab-answers",
    "writefile magic": "%%writefile /tmp/sitecustomize.py\nprint(1)\n",
    "fullwidth name in a broken cell": "for\n\uff49mportlib.import_module('x')",
    "star import of the checks": "from kmeans_lab.checks import *",
    "line continuation": "import kmeans_lab as kl\nx = (kl\n     .checks)",
    "implicit concatenation": "import importlib as il\nil.import_module('kmeans_lab.' 'grading')",
    "f-string": "path = f\"{'/srv'}/course/gradebook.db\"",
    "recorder called again": "_record = hidden_check\n_record('find_closest_centroids', f)",
    "check rebound by def": "def check_find_closest_centroids(f):\n    return None",
    "module patched by augmented assignment": "import numpy as np\nnp.argmin += 0",
    "module patched by del": "import kmeans_lab.kmeans as km\ndel km.find_closest_centroids",
    "setattr": "import numpy\nsetattr(numpy, 'allclose', lambda *a: True)",
    "frames": "import sys\nf = sys._getframe(1)",
    "frame attribute": "def g(tb):\n    return tb.tb_frame.f_back",
    "environment": "import os\nplans = os.environ['KMEANS_LAB_GRADING_PLANS']",
    "shell escape": "!cat /home/student/.answers/*",
    "cell magic": "%%bash\nls /\n",
    "magic run": "%run /tmp/x.py",
    "broken cell with a dodge": "for\nimport kmeans_lab as kl\nkl . grading",
    "broken cell, from-import": "x = (\nfrom kmeans_lab import grading",
}


@pytest.mark.parametrize("source", DODGES.values(), ids=DODGES.keys())
def test_dodges_of_a_line_pattern_are_flagged(source):
    assert flags.suspicious_lines(source), source


#: Honest code a student may write: never flagged.
HONEST = {
    "numpy": "import numpy as np\nlabels = np.argmin(d, axis=1)\nnp.random.seed(0)",
    "plug in my own": "import kmeans_lab as kl\nkl.find_closest_centroids = find_closest_centroids",
    "comparison": "check = labels == expected\nok = x >= 3",
    "star import of the course": "from kmeans_lab import *",
    "course helpers": "from kmeans_lab.plots import show_images\nfrom kmeans_lab import quantize",
    "a variable named like a module": "signal = X.mean(axis=0)\nprint(signal.max())",
    "getattr with a name": "import numpy as np\nf = getattr(np, 'argmin')",
    "magics": "%matplotlib inline\n%time labels = find_closest_centroids(X, C)",
    "words in strings": "print('submit your notebook; check the plan')",
    "attribute assignment on arrays": "out = np.zeros(3)\nout.shape = (3, 1)",
    "calling the visible check": "check_find_closest_centroids(find_closest_centroids)",
    "broken honest cell": "def f(X):\n    return np.argmin(X, axis=1",
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_code_is_not_flagged(source):
    assert flags.suspicious_lines(source, {"np": "numpy"}) == []


def test_code_nested_too_deep_for_a_syntax_tree_is_read_token_by_token():
    from tools.grading import own_work

    deep = "import kmeans_lab.grading\nx = " + "+".join(["1"] * 20000)
    assert flags.suspicious_lines(deep) == ["import kmeans_lab.grading"]
    function = "def find_closest_centroids(X, c):\n    return " + "-".join(["X"] * 20000)
    assert own_work.copy_of("find_closest_centroids", function) is None  # not read, no crash
    assert flags.reference_names(function, "find_closest_centroids", {}) == []


def test_huge_constants_are_not_built_while_reading():
    import time

    from tools.grading.normalise import normalise

    started = time.monotonic()
    source = "x = 'a' * 10**9\ny = 'kmeans_lab.' + 'gra' + 'ding'"
    assert flags.suspicious_lines(source) == ["y = 'kmeans_lab.' + 'gra' + 'ding'"]
    tower = "def f(X):\n    return X + (((9**64)**64)**64)**64 + 2**3"
    assert normalise(tower, "f") == normalise(tower.replace("2**3", "8"), "f")
    assert time.monotonic() - started < 30  # a gigabyte string or a 16-million-bit power


def test_the_policy_is_outside_the_students_package():
    import kmeans_lab.grading

    assert not hasattr(kmeans_lab.grading, "SUSPICIOUS_PATTERNS")
    assert not hasattr(kmeans_lab.grading, "suspicious_lines")
    package = REPO / "kmeans_lab"
    text = "\n".join(p.read_text() for p in package.rglob("*.py"))
    assert "sitecustomize" not in text and "MIN_TOKENS" not in text


def test_the_catalogue_of_right_answers_raises_no_flag():
    import inspect

    from tools.catalogue import RIGHT

    for exercise, entries in RIGHT.items():
        for entry in entries:
            source = inspect.getsource(inspect.getmodule(entry.func))
            assert flags.suspicious_lines(source) == [], (exercise, entry.name)


# --- 3. similarity and the copy test on normalised source --------------------------------


def _reference_source(exercise: str) -> str:
    import inspect

    from kmeans_lab.checks.registry import REGISTRY

    return inspect.getsource(REGISTRY[exercise].reference_function())


def _swap_first_two(source: str, first: str, second: str) -> str:
    lines = source.split("\n")
    i = next(k for k, line in enumerate(lines) if line.strip().startswith(first))
    j = next(k for k, line in enumerate(lines) if line.strip().startswith(second))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


REF = _reference_source("find_closest_centroids")

#: The reference of find_closest_centroids, tweaked to hide the copy; each is still a copy.
TWEAKS = {
    "as is": REF,
    "no-op lines": REF.replace(
        "    labels = np.empty(N, dtype=np.intp)\n",
        "    labels = np.empty(N, dtype=np.intp)\n    pass\n    42\n    K = K\n    K += 0\n",
    ),
    "unread variable": REF.replace(
        "    rows = max(", "    unused = np.zeros(3)\n    spare = unused * 2\n    rows = max("
    ),
    "renamed": re.sub(r"\b(dist|chunk|labels|centroids|diff)\b", lambda m: m.group()[::-1], REF),
    "reordered": _swap_first_two(REF, "X = as_float_matrix", "C = as_float_matrix"),
    "constant folded": REF.replace("max(1, ", "max(2 - 1, ").replace(
        "range(0, N", "range(0 * 7, N"
    ),
    "docstring and comments": REF.replace('"""Label every point', '"""Mine, all mine. Label')
    + "    # my own comment\n",
    "if False block": REF.replace(
        "    return labels", "    if False:\n        print('never')\n    return labels"
    ),
    "all at once": _swap_first_two(
        re.sub(r"\b(dist|chunk|labels)\b", lambda m: m.group()[::-1], REF), "X = as_", "C = as_"
    )
    .replace("max(1, ", "max(2 - 1, ")
    .replace("    N, K =", "    pass\n    spare = 3\n    N, K ="),
    "hidden in a helper": REF.replace("def find_closest_centroids(", "def _mine(")
    + "\n\ndef find_closest_centroids(X, centroids):\n    return _mine(X, centroids)\n",
}


@pytest.mark.parametrize("source", TWEAKS.values(), ids=TWEAKS.keys())
def test_a_tweaked_copy_of_the_reference_is_refused(source):
    from tools.grading import own_work

    assert own_work.copy_of("find_closest_centroids", source) == (
        "kmeans_lab.kmeans.find_closest_centroids"
    )
    message = own_work.refusal("find_closest_centroids", source)
    assert "copy of the course's reference implementation" in message and "scores 0" in message


def test_a_copy_with_a_real_change_is_not_refused_but_flagged_for_review():
    from tools.grading import own_work, similarity

    changed = REF.replace("    return labels", "    print(labels[:3])\n    return labels")
    assert own_work.copy_of("find_closest_centroids", changed) is None
    found = similarity.find_matches({"ann": {"find_closest_centroids": changed}})
    assert any("course's reference implementation" in f for f in found["ann"]), found


def _right_answers():
    import inspect

    from tools.catalogue import RIGHT
    from tools.submissions import solution_answers

    for exercise, entries in RIGHT.items():
        for entry in entries:
            source = inspect.getsource(entry.func).replace(  # named as a student names it
                f"def {entry.func.__name__}(", f"def {exercise}("
            )
            yield (
                f"{exercise}-{entry.name}",
                exercise,
                "\n".join(line for line in source.splitlines() if not line.startswith("@")),
            )
    from kmeans_lab.checks.registry import REGISTRY

    for exercise, record in REGISTRY.items():
        yield f"{exercise}-solution", exercise, solution_answers(record.notebook)[exercise]


RIGHT_ANSWERS = list(_right_answers())


@pytest.mark.parametrize(
    "exercise, source", [a[1:] for a in RIGHT_ANSWERS], ids=[a[0] for a in RIGHT_ANSWERS]
)
def test_honest_answers_are_not_copies_nor_close_to_the_reference(exercise, source):
    from tools.grading import own_work, similarity

    assert similarity.normalise(source, exercise) is not None  # it was read
    assert own_work.copy_of(exercise, source) is None
    assert similarity.find_matches({"honest": {exercise: source}}) == {}


def test_tweaked_copies_between_students_match_and_a_common_solution_does_not():
    from tools.grading import similarity

    mine = _reference_source("compute_centroids").replace("def compute_centroids", "def _x")
    ann = "import numpy as np\n\n" + LOOP_ANSWER
    bob = "import numpy as np\n\n" + _swap_first_two(
        LOOP_ANSWER.replace("total", "acc").replace("members", "pts"), "k_count", "acc = np"
    ).replace("    return new", "    pass\n    return new")
    common = "def compute_centroids(X, labels, centroids):\n    return np.array([X[labels == k].mean(0) for k in range(len(centroids))])\n"
    sources = {"ann": {"compute_centroids": ann}, "bob": {"compute_centroids": bob}}
    sources |= {f"c{i}": {"compute_centroids": common + mine} for i in range(3)}
    found = similarity.find_matches(sources)
    assert found["ann"] == ["compute_centroids matches bob's (100%)"]
    assert found["bob"] == ["compute_centroids matches ann's (100%)"]
    assert not any(f"c{i}" in found for i in range(3))


LOOP_ANSWER = '''def compute_centroids(X, labels, centroids):
    """Mine."""
    new = np.array(centroids, dtype=float)
    for k in range(len(centroids)):
        members = X[labels == k]
        k_count = len(members)
        total = np.zeros(X.shape[1])
        if k_count > 0:
            for row in members:
                total = total + row
            new[k] = total / k_count
    return new
'''


# --- 4. library shortcuts: the registry forbids them, the checks' watch enforces it ---------


def _vq(X, centroids):
    from scipy.cluster.vq import vq

    return vq(X, centroids)[0]


def _argmin(X, centroids):
    from sklearn.metrics import pairwise_distances_argmin

    return pairwise_distances_argmin(X, centroids)


def _argmin_min(X, centroids):
    import sklearn.metrics as m

    return m.pairwise_distances_argmin_min(X, centroids)[0]


def _kdtree(X, centroids):
    from scipy.spatial import KDTree

    return KDTree(centroids).query(X)[1]


def _neighbours(X, centroids):
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(centroids).kneighbors(X)[1][:, 0]


def _kmeans_labels(X, centroids):
    from sklearn.cluster import KMeans

    model = KMeans(len(centroids), init=centroids, n_init=1, max_iter=1).fit(centroids)
    return model.predict(X)


def _nearest_centroid(X, labels, centroids):
    import numpy as np
    from sklearn.neighbors import NearestCentroid

    model = NearestCentroid().fit(X, labels)
    out = np.array(centroids, dtype=float)
    out[model.classes_] = model.centroids_
    return out


def _kmeans2_init(X, K, rng):
    from scipy.cluster.vq import kmeans2

    return kmeans2(X, K, iter=1, minit="points", seed=int(rng.integers(1 << 30)))[0]


SHORTCUTS = {
    "scipy vq": ("find_closest_centroids", _vq, "scipy.cluster"),
    "pairwise_distances_argmin": (
        "find_closest_centroids",
        _argmin,
        "sklearn.metrics.pairwise_distances_argmin",
    ),
    "pairwise_distances_argmin_min": (
        "find_closest_centroids",
        _argmin_min,
        "sklearn.metrics.pairwise_distances_argmin_min",
    ),
    "KDTree": ("find_closest_centroids", _kdtree, "scipy.spatial.KDTree"),
    "NearestNeighbors": ("find_closest_centroids", _neighbours, "sklearn.neighbors"),
    "KMeans.predict": ("find_closest_centroids", _kmeans_labels, "sklearn.cluster"),
    "NearestCentroid": ("compute_centroids", _nearest_centroid, "sklearn.neighbors"),
    "kmeans2 init": ("init_centroids", _kmeans2_init, "scipy.cluster"),
}


@pytest.mark.parametrize("exercise, func, hit", SHORTCUTS.values(), ids=SHORTCUTS.keys())
def test_a_library_shortcut_fails_the_notebooks_check_and_the_graders_replay_alike(
    exercise, func, hit
):
    from kmeans_lab.checks import CheckFailure
    from kmeans_lab.checks.fallback import check_function
    from kmeans_lab.grading.record import record
    from kmeans_lab.saved_functions import function_source
    from tools.grading import replay
    from tools.grading.fresh import dependencies

    with pytest.raises(CheckFailure) as visible:
        check_function(exercise)(func)
    assert visible.value.kind == "not own work"
    first = str(visible.value).splitlines()[0]
    assert f"uses {hit}" in first and "does the whole job" in first, first
    # graded as the grader does: the function's source, recorded, replayed with that source
    source = function_source(func, exercise)
    bundle = replay.plan(exercise, n_random=2, seed=7)
    recording = record(bundle, source, dependencies(exercise))
    with pytest.raises(CheckFailure) as graded:
        replay.replay(bundle, recording, n_random=2, seed=7, source=source)
    assert str(graded.value).splitlines()[0] == first


def test_distances_from_a_library_and_numpy_stay_allowed():
    import numpy as np

    from kmeans_lab.checks import check_find_closest_centroids

    def with_cdist(X, centroids):
        from scipy.spatial.distance import cdist

        return cdist(X, centroids, "sqeuclidean").argmin(axis=1)

    def with_pairwise_distances(X, centroids):
        from sklearn.metrics import pairwise_distances

        return pairwise_distances(X, centroids).argmin(axis=1)

    def with_numpy(X, centroids):
        return np.argmin(((X[:, None] - centroids[None]) ** 2).sum(axis=2), axis=1)

    for func in (with_cdist, with_pairwise_distances, with_numpy):
        check_find_closest_centroids(func)


def test_compiled_library_calls_the_watch_cannot_see_are_flagged_from_the_source():
    source = (
        "def find_closest_centroids(X, centroids):\n"
        "    from scipy.spatial import cKDTree as T\n"
        "    return T(centroids).query(X)[1]\n"
    )
    assert flags.reference_names(source, "find_closest_centroids", {}) == ["scipy.spatial.cKDTree"]
    cdist = "from scipy.spatial.distance import cdist\ndef find_closest_centroids(X, c):\n    return cdist(X, c).argmin(1)\n"
    assert flags.reference_names(cdist, "find_closest_centroids", {}) == []


# --- hostile submissions graded with the real tools, in the sandbox -------------------------

WRONG = (
    "import numpy as np\n\ndef find_closest_centroids(X, centroids):\n"
    "    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)\n"
    "    return np.argmax(d, axis=1)\n"
)
#: The reference, tweaked everywhere at once, with what it needs to run.
TWEAKED_COPY = (
    "import numpy as np\nfrom numpy.typing import ArrayLike, NDArray\n"
    "from kmeans_lab._validation import as_float_matrix, check_same_features\n"
    "_CHUNK_ENTRIES = 1 << 15\n\n" + TWEAKS["all at once"]
)
VQ = (
    "def find_closest_centroids(X, centroids):\n"
    "    from scipy.cluster.vq import vq\n"
    "    return vq(X, centroids)[0]\n"
)


def _answer(source: str | None = None, *, strip: bool = False, cell: tuple | None = None):
    """A builder of notebook 03: an answer, its metadata stripped, a cell after it."""

    def build(release: Path):
        nb = filled(release, FIND, {"find_closest_centroids": source} if source else None)
        answer = nb.cells[index_of(nb, "find_closest_centroids")]
        if strip:
            del answer.metadata["nbgrader"]
        if cell is not None:
            text, claims = cell
            with_cell(nb, "find_closest_centroids", text, claims)
        return nb

    return build


#: student -> (builder, points, a piece of the notes, a piece of the flag or None)
HOSTILE = {
    "aaa_honest": (_answer(), 3, None, None),
    "honest_without_metadata": (_answer(strip=True), 3, None, None),
    "locked_patches_recorder": (
        _answer(WRONG, cell=(PATCH_RECORDER, dict(LOCKED, grade_id="my_locked_cell"))),
        0,
        None,
        "kmeans_lab.grading",
    ),
    "tweaked_copy": (
        _answer(TWEAKED_COPY),
        0,
        "copy of the course's reference implementation",
        "matches the course's reference implementation",
    ),
    "scipy_vq": (_answer(VQ), 0, "uses scipy.cluster", "names the library call scipy.cluster"),
    "zzz_honest": (_answer(), 3, None, None),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    import csv

    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")
    tmp = tmp_path_factory.mktemp("hostile")
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    env = dict(os.environ, MPLBACKEND="Agg", KMEANS_LAB_CELL_TIMEOUT="20")

    def tool(*args, **extra):
        done = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1500,
            env=dict(env, **extra),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    tool("tools.release", "--course", str(course), "--student-dir", str(tmp / "student"))
    release = course / "release" / ASSIGNMENT
    for student, (build, *_) in HOSTILE.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(build(release), folder / f"{FIND}.ipynb")
    tool("tools.autograde", "--course", str(course), "--seed", "5", WORKERS="2")
    tool("tools.grades", "--course", str(course))
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_submissions_graded_with_the_real_tools(hostile, student):
    _, want, note, flag = HOSTILE[student]
    rows = [r for r in hostile if r["student"] == student]
    find = next(r for r in rows if r["exercise"] == "find_closest_centroids")
    total = next(r for r in rows if r["exercise"] == "total")
    assert float(find["points"]) == want, find
    assert float(total["points"]) == want
    if note is not None:
        assert note in find["note"], find["note"]
    if flag is None:
        assert "review by hand" not in total["note"], total["note"]
    else:
        assert "review by hand" in total["note"] and flag in total["note"], total["note"]
