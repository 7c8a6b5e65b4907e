"""``make release GRADED=1``: the graded release holds no hint that gives an answer.

A hint gives the answer when its code passes the exercise's check
(:mod:`tools.answer_hints`); the test proves the rule on hints written here
(a correct answer under other names is caught, a wrong one is kept), then
generates a graded release with nbgrader and looks for every line of every
solution in it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.answer_hints import answer_hints, gives_the_answer, without_answer_hints
from tools.nbgrader_course import solution_notebooks

REPO = Path(__file__).resolve().parents[1]


def block(code: str, title: str = "Hint 9") -> str:
    return f"<details><summary>{title}</summary>\n\n```python\n{code}\n```\n\n</details>\n\n"


def test_a_hint_with_a_correct_answer_under_other_names_gives_the_answer():
    right = "d = ((X[:, None] - centroids[None]) ** 2).sum(-1)\nreturn d.argmin(1)"
    wrong = "d = ((X[:, None] - centroids[None]) ** 2).sum(-1)\nreturn d.argmax(1)"
    partial = "d = ((X[:, None] - centroids[None]) ** 2).sum(-1)"
    assert gives_the_answer("find_closest_centroids", block(right))
    assert not gives_the_answer("find_closest_centroids", block(wrong))
    assert not gives_the_answer("find_closest_centroids", block(partial))
    assert not gives_the_answer("find_closest_centroids", "<details>use np.argmin</details>")
    # a hint that calls the course's reference is not an answer either: the check refuses it
    calls = "from kmeans_lab.kmeans import find_closest_centroids as f\nreturn f(X, centroids)"
    assert not gives_the_answer("find_closest_centroids", block(calls))


def test_only_the_answer_is_removed_from_a_cell():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell("def find_closest_centroids(X, centroids):\n    pass")
    solution.metadata["nbgrader"] = {"grade_id": "find_closest_centroids", "solution": True}
    right = "return np.argmin(((X[:, None] - centroids[None]) ** 2).sum(-1), axis=1)"
    hints = block("# the shape", "Hint 1") + block(right, "Hint 2") + "Run the check."
    nb.cells = [solution, nbformat.v4.new_markdown_cell(hints)]
    assert [(i, e) for i, e, _ in answer_hints(nb)] == [(1, "find_closest_centroids")]
    assert without_answer_hints(nb) == ["find_closest_centroids: Hint 2"]
    assert "Hint 1" in nb.cells[1].source and "Run the check." in nb.cells[1].source
    assert "argmin" not in nb.cells[1].source


def solution_lines() -> list[list[str]]:
    """The lines of each solution (between the nbgrader markers), without spaces."""
    solutions = []
    for path in solution_notebooks(REPO / "notebooks"):
        for cell in nbformat.read(path, as_version=4).cells:
            if "### BEGIN SOLUTION" in cell.source:
                inside = cell.source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION")[0]
                lines = [re.sub(r"\s+", "", line.split("#")[0]) for line in inside.splitlines()]
                solutions.append([line for line in lines if len(line) >= 12])
    return solutions


@pytest.mark.slow
def test_a_graded_release_holds_no_solution(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    student_dir = REPO / "notebooks" / "student"
    before = {p.name: p.read_bytes() for p in student_dir.glob("*.ipynb")}
    result = subprocess.run(
        [sys.executable, "-m", "tools.release", "--graded", "--course", str(course)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for exercise in ("find_closest_centroids", "compute_centroids", "run_kmeans"):
        assert f": {exercise}: Hint 3" in result.stdout, result.stdout
    released = sorted((course / "release" / "kmeans_lab").glob("*.ipynb"))
    assert len(released) == len(before)
    assert "00_index.ipynb: find_closest_centroids: the worked example" in result.stdout
    solutions = solution_lines()
    assert len(solutions) == 7
    for path in released:
        nb = nbformat.read(path, as_version=4)
        assert answer_hints(nb) == [], path.name
        text = re.sub(r"\s+", "", "\n".join(c.source for c in nb.cells))
        for lines in solutions:
            # a hint may name a tool of the answer (one line), never give the answer: no
            # solution's return line, and never two of its lines
            shown = [line for line in lines if line in text]
            assert len(shown) <= 1 and not [s for s in shown if "return" in s], (path, shown)
        if "<summary>Hint 1</summary>" in before[path.name].decode():
            assert "<summary>Hint 1</summary>" in "".join(c.source for c in nb.cells)  # kept
    # the self-study copies keep every hint: the same search finds the answers there
    assert {p.name: p.read_bytes() for p in student_dir.glob("*.ipynb")} == before
    found = [
        e
        for p in sorted(student_dir.glob("*.ipynb"))
        for _, e, _ in answer_hints(nbformat.read(p, as_version=4))
    ]
    assert {"find_closest_centroids", "compute_centroids", "run_kmeans"} <= set(found)
