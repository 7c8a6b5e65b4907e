"""The progress overview: ``kmeans_lab.progress()`` and ``kmeans-lab progress`` (issue 19).

A temporary student folder holds the course's student notebooks; exercise cells
are written as students would (right, wrong, untouched, needing another cell),
one function is saved, and every line of the overview is compared with what
that folder really holds.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import kmeans_lab
from kmeans_lab.checks.registry import EXERCISES, REGISTRY
from kmeans_lab.cli import main
from kmeans_lab.exercise_cells import exercise_cell_index
from kmeans_lab.overview import progress
from kmeans_lab.saved_functions import use_and_save

STUDENT = Path(__file__).resolve().parents[1] / "notebooks" / "student"


def image_to_pixels(image):
    return image.reshape(-1, image.shape[-1])


def find_closest_centroids(X, centroids):
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


WRONG_PIXELS_TO_IMAGE = """def pixels_to_image(pixels, shape):
    return pixels.reshape(shape[0], shape[1], 3)
"""
L1_CLOSEST = """def find_closest_centroids(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None, :, :]).sum(axis=2), axis=1)
"""
USES_ANOTHER_CELL = """def compressed_bits(n_pixels, K):
    return 24 * K + n_pixels * BITS_PER_INDEX[K]
"""


def _write_cell(folder: Path, name: str, source: str) -> None:
    path = folder / f"{REGISTRY[name].notebook}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][exercise_cell_index(notebook, name)]["source"] = source
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture
def folder(tmp_path):
    course = tmp_path / "my-course"
    shutil.copytree(STUDENT, course)
    _write_cell(course, "image_to_pixels", inspect.getsource(image_to_pixels))
    _write_cell(course, "pixels_to_image", WRONG_PIXELS_TO_IMAGE)
    _write_cell(course, "find_closest_centroids", inspect.getsource(find_closest_centroids))
    use_and_save(find_closest_centroids, folder=course / "my_functions", verbose=False)
    _write_cell(course, "find_closest_centroids", L1_CLOSEST)  # broken after saving
    saved = (course / "my_functions" / "find_closest_centroids.py").stat().st_mtime
    os.utime(course / "03_find_closest_centroids.ipynb", (saved + 10, saved + 10))
    _write_cell(course, "compressed_bits", USES_ANOTHER_CELL)
    return course


def test_every_exercise_in_course_order(folder):
    report = progress(folder)
    assert [e.name for e in report.exercises] == list(EXERCISES)
    by_name = {e.name: e for e in report.exercises}
    assert by_name["image_to_pixels"].state == "passes"
    assert by_name["image_to_pixels"].line().startswith("image_to_pixels: passes its check (")
    assert (
        by_name["image_to_pixels"]
        .line()
        .endswith("; not saved; later notebooks use the reference.")
    )
    assert by_name["pixels_to_image"].state == "fails"
    assert by_name["pixels_to_image"].status.startswith(
        "fails its check: raises ValueError in case"
    )
    closest = by_name["find_closest_centroids"]
    assert (closest.state, closest.saved, closest.uses) == (
        "fails",
        "saved, an older version than the notebook's",
        "yours",
    )
    assert by_name["init_centroids"].line() == (
        "init_centroids: not started; not saved; later notebooks use the reference."
    )
    bits = by_name["compressed_bits"]
    assert bits.state == "cannot be run on its own"
    assert "BITS_PER_INDEX" in bits.status and bits.status.startswith("cannot be checked here")
    assert (report.n_passed, report.n_saved) == (1, 1)


def test_text_names_the_notebooks_and_ends_with_the_counts(folder):
    text = str(progress(folder))
    lines = text.splitlines()
    assert lines[0].startswith("Your progress in ")
    assert "01_load_and_reshape:" in lines and "04_compute_centroids:" in lines
    assert lines[-1] == "1 of 7 exercises pass in their notebook; 1 saved."
    assert "\x1b" not in text  # words, never colour codes


def test_html_table_has_a_caption_and_headers(folder):
    html = progress(folder)._repr_html_()
    assert html.startswith("<table><caption>Your progress: 1 of 7 exercises pass")
    assert html.count('<th scope="col">') == 5
    assert html.count('<th scope="row">') == len(EXERCISES)


def test_the_same_from_the_command_line(folder, capsys):
    assert main(["progress", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(progress(folder))


def test_command_line_without_the_folder(tmp_path, capsys):
    assert main(["progress", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kmeans-lab: error: no folder ") and "kmeans-lab workspace" in err
    assert len(err.strip().splitlines()) == 1


def test_in_a_notebook_it_reads_the_working_directory(folder, monkeypatch):
    monkeypatch.chdir(folder)
    monkeypatch.delenv("KMEANS_LAB_MY_FUNCTIONS", raising=False)
    report = kmeans_lab.progress()
    assert report.folder.resolve() == folder.resolve()
    assert report.n_saved == 1


def test_not_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no folder"):
        progress(tmp_path / "missing")


USES_SETUP_IMPORT = """def compressed_bits(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K)) if K > 1 else 24 * K
"""


def test_a_module_imported_in_the_setup_cell_is_there(folder):
    # notebook 05's Setup cell imports math; the exercise cell uses it without importing it
    assert "import math" in (folder / "05_compress_image.ipynb").read_text(encoding="utf-8")
    _write_cell(folder, "compressed_bits", USES_SETUP_IMPORT)
    bits = {e.name: e for e in progress(folder).exercises}["compressed_bits"]
    assert bits.state == "passes"
    # notebook 05 saves nothing for later notebooks: no "not saved" to worry about
    assert bits.line().endswith("; no later notebook uses it.")


def test_only_the_cells_definitions_run(folder, tmp_path, monkeypatch):
    # a cell that also tries its function, writes a file and loops: reading the notebook
    # runs the def alone (a loop here would hang the overview, a write repeat itself)
    monkeypatch.chdir(tmp_path)
    cell = inspect.getsource(image_to_pixels) + (
        "\nSCALE = 1\nwith open('ran.txt', 'w') as f:\n    f.write('the cell ran')\n"
        "while SCALE:\n    pass\n"
    )
    _write_cell(folder, "image_to_pixels", cell)
    first = progress(folder).exercises[0]
    assert (first.name, first.state) == ("image_to_pixels", "passes")
    assert not (tmp_path / "ran.txt").exists()
