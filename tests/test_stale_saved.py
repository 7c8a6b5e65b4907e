"""A saved function whose notebook now holds another version is noticed (issue 19).

A temporary workspace holds the course's student notebook 03 (and 04), with the
exercise cell written as a student would, and ``my_functions/`` beside it. The
saved file is written by ``use_and_save`` from a function of this module; the
notebook's cell is then changed, and ``use_saved`` must say so in one line.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
from pathlib import Path

import numpy as np

from kmeans_lab import compute_centroids  # run_kmeans below calls the reference
from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.exercise_cells import exercise_cell_index
from kmeans_lab.saved_functions import use_and_save, use_saved

STUDENT = Path(__file__).resolve().parents[1] / "notebooks" / "student"


def find_closest_centroids(X, centroids):
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


BROKEN = """def find_closest_centroids(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None, :, :]).sum(axis=2), axis=1)
"""
OTHER_RIGHT = """def find_closest_centroids(X, centroids):
    distances = (X**2).sum(axis=1)[:, None] - 2 * X @ centroids.T + (centroids**2).sum(axis=1)
    return np.argmin(distances, axis=1)
"""
NEEDS_A_GLOBAL = """def find_closest_centroids(X, centroids):
    return np.argmin(WEIGHTS * ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), 1)
"""
STUB = '''def find_closest_centroids(X, centroids):
    """Label every row of X."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''


def run_kmeans(X, initial_centroids, max_iters):
    centroids = np.array(initial_centroids, dtype=float)
    labels = find_closest_centroids(X, centroids)
    for _ in range(max_iters):
        centroids = compute_centroids(X, labels, centroids)
        labels = find_closest_centroids(X, centroids)
    return centroids, labels


def _workspace(tmp_path: Path, cell: str) -> Path:
    """A student's folder: notebook 03 with ``cell`` as its exercise cell, my_functions/ beside."""
    for name in ("03_find_closest_centroids.ipynb", "04_compute_centroids.ipynb"):
        shutil.copy(STUDENT / name, tmp_path / name)
    _write_cell(tmp_path, cell)
    return tmp_path


def _write_cell(
    folder: Path, cell: str, name: str = "find_closest_centroids", *, seconds: float = 10
) -> None:
    """Write the notebook's exercise cell, the file dated ``seconds`` after the saved function
    (a notebook is written when Jupyter saves it; file times are coarse, so set them)."""
    path = folder / f"{REGISTRY[name].notebook}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    index = exercise_cell_index(notebook, name)
    notebook["cells"][index]["source"] = cell.splitlines(keepends=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    saved = folder / "my_functions" / f"{name}.py"
    if saved.exists():
        when = saved.stat().st_mtime + seconds
        os.utime(path, (when, when))


def _saved_then(tmp_path, capsys, cell_now: str, name: str = "find_closest_centroids") -> str:
    folder = _workspace(tmp_path, inspect.getsource(find_closest_centroids))
    use_and_save(find_closest_centroids, folder=folder / "my_functions")
    _write_cell(folder, cell_now)
    capsys.readouterr()
    use_saved(name, folder=folder / "my_functions")
    return capsys.readouterr().out


def test_unchanged_notebook_gives_no_note(tmp_path, capsys):
    # the same function, with a comment and blank lines added: not a change
    same = inspect.getsource(find_closest_centroids).replace(
        "    return", "    # squared distances, then the closest\n\n    return"
    )
    out = _saved_then(tmp_path, capsys, same)
    assert out.startswith("using your find_closest_centroids, saved by 03_find_closest_centroids")
    assert "note" not in out and len(out.splitlines()) == 1


def test_broken_after_saving_says_which_case_fails(tmp_path, capsys):
    out = _saved_then(tmp_path, capsys, BROKEN)
    first, note = out.splitlines()
    assert first.startswith("using your find_closest_centroids")
    assert note.strip().startswith(
        "note: your find_closest_centroids was saved from 03_find_closest_centroids before your "
        "last change there; its current version fails case "
    )
    assert note.rstrip().endswith("(this notebook uses the saved one)")


def test_another_right_version_passes_too(tmp_path, capsys):
    out = _saved_then(tmp_path, capsys, OTHER_RIGHT)
    note = out.splitlines()[1]
    assert "its current version passes too (" in note
    assert "run its check and the cell after it to save it again" in note


def test_stub_put_back(tmp_path, capsys):
    out = _saved_then(tmp_path, capsys, STUB)
    assert "its current version is back to the exercise's starting version" in out.splitlines()[1]


def test_a_version_that_cannot_run_alone_is_only_said_to_differ(tmp_path, capsys):
    out = _saved_then(tmp_path, capsys, NEEDS_A_GLOBAL)
    note = out.splitlines()[1]
    assert "its current version differs from the saved one (not checked:" in note
    assert "WEIGHTS" in note


def test_note_reaches_a_function_built_on_the_stale_one(tmp_path, capsys):
    folder = _workspace(tmp_path, inspect.getsource(find_closest_centroids))
    saved = folder / "my_functions"
    use_and_save(find_closest_centroids, folder=saved)
    use_and_save(run_kmeans, folder=saved)
    _write_cell(folder, inspect.getsource(run_kmeans), "run_kmeans")
    _write_cell(folder, BROKEN)
    capsys.readouterr()
    use_saved("run_kmeans", folder=saved)
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0].startswith("using your run_kmeans")
        and "built on your find_closest_centroids" in lines[0]
    )
    assert "your find_closest_centroids was saved from 03_find_closest_centroids" in lines[1]
    assert "fails case" in lines[1]
    assert len(lines) == 2  # run_kmeans itself is what 04 holds: no note of its own


def test_no_notebook_beside_the_folder_gives_no_note(tmp_path, capsys):
    saved = tmp_path / "elsewhere" / "my_functions"
    use_and_save(find_closest_centroids, folder=saved)
    capsys.readouterr()
    use_saved("find_closest_centroids", folder=saved)
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_a_notebook_not_written_since_the_save_gives_no_note(tmp_path, capsys):
    # the kernel saved a new version; the notebook's file is older (not saved yet): the
    # difference says nothing about which is newer, so nothing is said
    folder = _workspace(tmp_path, inspect.getsource(find_closest_centroids))
    use_and_save(find_closest_centroids, folder=folder / "my_functions")
    _write_cell(folder, BROKEN, seconds=-10)
    capsys.readouterr()
    use_saved("find_closest_centroids", folder=folder / "my_functions")
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_the_saved_version_in_a_cell_of_its_own_gives_no_note(tmp_path, capsys):
    # the exercise cell still holds a broken try; the version run and saved is in a new cell
    folder = _workspace(tmp_path, BROKEN)
    use_and_save(find_closest_centroids, folder=folder / "my_functions")
    path = folder / "03_find_closest_centroids.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    mine = inspect.getsource(find_closest_centroids)
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": mine, "outputs": []})
    path.write_text(json.dumps(notebook), encoding="utf-8")
    _write_cell(folder, BROKEN)  # dates the notebook after the save
    capsys.readouterr()
    use_saved("find_closest_centroids", folder=folder / "my_functions")
    assert len(capsys.readouterr().out.splitlines()) == 1
    # without that cell, the same notebook is a stale one
    notebook["cells"].pop()
    path.write_text(json.dumps(notebook), encoding="utf-8")
    _write_cell(folder, BROKEN)
    use_saved("find_closest_centroids", folder=folder / "my_functions")
    assert "fails case" in capsys.readouterr().out
