"""Is it the student's own work? Flags, similarity and reference copies, against lying submissions.

Fast tests read a course released once by the real ``tools.release`` (the
gradebook nbgrader writes); the sandboxed batch at the end grades hostile
submissions with the real tools (``@pytest.mark.slow``).
"""

from __future__ import annotations

import os
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


def test_an_untouched_or_honestly_filled_notebook_has_no_flag_in_any_notebook(course):
    for path in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        ours = cells.course_sources(course, path.stem)
        assert cells.own_cells(released(course, path.stem), ours) == []
        assert flagged(course, filled(course / "release" / ASSIGNMENT, path.stem), path.stem) == []


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
    "star import": "from kmeans_lab import *",
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


def test_the_policy_is_outside_the_students_package():
    import kmeans_lab.grading

    assert not hasattr(kmeans_lab.grading, "SUSPICIOUS_PATTERNS")
    assert not hasattr(kmeans_lab.grading, "suspicious_lines")
    package = REPO / "kmeans_lab"
    text = "\n".join(p.read_text() for p in package.rglob("*.py"))
    assert "sitecustomize" not in text and "MIN_TOKENS" not in text


def test_the_catalogue_of_right_answers_raises_no_flag():
    import inspect

    from tests.catalogue import RIGHT

    for exercise, entries in RIGHT.items():
        for entry in entries:
            source = inspect.getsource(inspect.getmodule(entry.func))
            assert flags.suspicious_lines(source) == [], (exercise, entry.name)
