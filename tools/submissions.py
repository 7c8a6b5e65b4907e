"""Submissions made from the course's notebooks: a released notebook with answers filled in.

A student's submission of notebook ``name`` is the released student version
(``course/release/kmeans_lab/<name>.ipynb``, what ``make release`` wrote)
with code in its solution cells. :func:`filled` writes the solution
notebooks' own code there (without the ``### BEGIN SOLUTION`` markers, as a
student would), or the answers it is given. The demo class
(:mod:`tools.demo_class`), the end-to-end grading test
(``tests/test_grading.py``) and the autograde benchmark
(``benchmarks/bench_autograde.py``) build their submissions with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import nbformat

__all__ = ["filled", "grade_id", "solution_answers", "without_markers", "NOTEBOOKS"]

#: The solution notebooks (the source of truth of the course).
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def grade_id(cell) -> str | None:
    """The nbgrader ``grade_id`` of a cell, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def without_markers(source: str) -> str:
    """A solution cell as a student would write it: no BEGIN/END SOLUTION lines."""
    return "\n".join(
        line
        for line in source.splitlines()
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def solution_answers(name: str, solutions: Path = NOTEBOOKS) -> dict[str, str]:
    """``{grade_id: source}`` of the solution cells of solution notebook ``name``."""
    solution = nbformat.read(Path(solutions) / f"{name}.ipynb", as_version=4)
    return {
        grade_id(c): without_markers(c.source)
        for c in solution.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def filled(
    release: Path,
    name: str,
    answers: Mapping[str, str] | None = None,
    *,
    solutions: Path = NOTEBOOKS,
):
    """The released student notebook ``name`` with its solution cells filled in.

    Parameters
    ----------
    release : path
        The folder of the released student notebooks.
    name : str
        The notebook's name, without ``.ipynb``.
    answers : mapping, optional
        ``{grade_id: source}`` of the solution cells to fill with other code
        (e.g. ``{"find_closest_centroids": "def find_closest_centroids(X, centroids): ..."}``);
        every other solution cell gets the solution notebook's code.
    solutions : path
        The folder of the solution notebooks (default: ``notebooks/``).

    Returns
    -------
    NotebookNode
    """
    student = nbformat.read(Path(release) / f"{name}.ipynb", as_version=4)
    code = solution_answers(name, solutions)
    code.update(answers or {})
    for cell in student.cells:
        if grade_id(cell) in code and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = code[grade_id(cell)]
    return student
