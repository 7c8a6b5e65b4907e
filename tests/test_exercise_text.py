"""Every exercise's text tells students to keep their function self-contained (issues 18, 19).

The grader runs a graded function's source on its own, without the notebook's
other cells: the sentence must be in the exercise's text (the Markdown cell just
before its solution cell), in the solution notebook and in the student version.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.exercise_cells import cell_source, exercise_cell_index

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("folder", ["", "student"])
@pytest.mark.parametrize("name", list(REGISTRY))
def test_exercise_text_asks_for_a_self_contained_function(folder, name):
    path = NOTEBOOKS / folder / f"{REGISTRY[name].notebook}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    index = exercise_cell_index(notebook, name)
    text = notebook["cells"][index - 1]
    assert text["cell_type"] == "markdown"
    words = " ".join(cell_source(text).split())
    assert "self-contained" in words
    assert "it may use the modules the Setup cell imports" in words
    assert "any other import and every helper function it needs in this cell" in words
    assert "graded from its source alone" in words
