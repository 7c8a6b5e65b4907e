"""The exercise registry is the one place of every exercise's facts.

These tests prove that what is written elsewhere agrees with it: the
notebooks' nbgrader points, check cells and solution signatures, the README's
points sentence, and the reference implementations' parameters.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest

import kmeans_lab
from kmeans_lab.checks import EXERCISES
from kmeans_lab.checks.fallback import check_function
from kmeans_lab.checks.provenance import forbidden_keys, module_file
from kmeans_lab.checks.registry import REGISTRY, points_summary, resolve

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"


def _cells(notebook: str) -> dict[str, nbformat.NotebookNode]:
    nb = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    }


def _graded_cells() -> dict[str, tuple[str, nbformat.NotebookNode]]:
    """grade_id -> (notebook, cell) of every graded cell of every course notebook."""
    found = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for gid, cell in _cells(path.stem).items():
            if cell.metadata["nbgrader"].get("grade"):
                found[gid] = (path.stem, cell)
    return found


def test_every_graded_cell_is_an_exercise_of_the_registry():
    assert sorted(_graded_cells()) == sorted(e.check_name for e in REGISTRY.values())


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_check_cell_agrees_with_the_registry(name):
    exercise = REGISTRY[name]
    notebook, cell = _graded_cells()[exercise.check_name]
    assert notebook == exercise.notebook
    assert cell.metadata["nbgrader"]["points"] == exercise.points
    visible, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
    assert visible.strip() == f"{exercise.check_name}({name})"
    assert exercise.hidden_call() in hidden


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_cell_defines_the_registered_signature(name):
    exercise = REGISTRY[name]
    cell = _cells(exercise.notebook)[name]
    assert cell.metadata["nbgrader"]["solution"]
    defs = [n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
    assert [d.name for d in defs] == [name]
    assert tuple(a.arg for a in defs[0].args.args) == exercise.params
    assert exercise.signature() in cell.source


@pytest.mark.parametrize("name", EXERCISES)
def test_reference_takes_the_registered_parameters(name):
    exercise = REGISTRY[name]
    reference = exercise.reference_function()
    assert getattr(kmeans_lab, name) is reference  # exported at the top level
    params = list(inspect.signature(reference).parameters.values())
    positional = tuple(
        p.name for p in params if p.default is p.empty and p.kind is not p.KEYWORD_ONLY
    )
    assert positional == exercise.params


@pytest.mark.parametrize("name", EXERCISES)
def test_forbidden_names_resolve_to_course_functions_with_source(name):
    exercise = REGISTRY[name]
    for dotted in exercise.relies_on:
        func = resolve(dotted)
        assert f"{func.__module__}.{func.__name__}" == dotted
        assert module_file(func.__module__).exists()
    assert set(forbidden_keys(exercise.forbidden).values()) == set(exercise.forbidden)


@pytest.mark.parametrize("name", EXERCISES)
def test_each_exercise_has_its_check(name):
    check = check_function(name)
    assert check.__name__ == REGISTRY[name].check_name
    assert getattr(kmeans_lab.checks, REGISTRY[name].check_name) is check


def test_readme_points_sentence_is_the_registry():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert points_summary() in readme


def test_importing_the_package_computes_no_check_cases():
    # `import kmeans_lab` does not import the checks; importing the checks builds no cases
    import subprocess
    import sys

    script = (
        "import sys, kmeans_lab\n"
        "assert 'kmeans_lab.checks' not in sys.modules\n"
        "import kmeans_lab.kmeans as km\n"
        "calls = []\n"
        "for name in ('run_kmeans', 'find_closest_centroids', 'compute_centroids'):\n"
        "    f = getattr(km, name)\n"
        "    setattr(km, name, lambda *a, f=f, **k: calls.append(1) or f(*a, **k))\n"
        "import kmeans_lab.checks\n"
        "assert calls == [], calls\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_exception_hints_match_their_messages():
    from kmeans_lab.checks import compressed_bits, find_closest_centroids

    hint = find_closest_centroids.EXCEPTION_HINTS[0]
    assert hint.applies("operands could not be broadcast together", "")
    assert not hint.applies("division by zero", "")
    bits = compressed_bits.EXCEPTION_HINTS[0]
    assert bits.applies("math domain error", "n_pixels=100, K=1")
    assert not bits.applies("math domain error", "n_pixels=100, K=17")
    assert re.search(r"0 bits", bits.hint)
