"""Resetting one exercise cell: ``kmeans-lab reset`` and ``reset_exercise`` (issue 19).

A temporary student folder is made by ``update_workspace`` from the course's
student notebooks; the student's work is typed into several cells; resetting
one exercise must restore exactly that cell, keep the old code in a new backup
file, and leave every other cell, output and file as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmeans_lab.cli import main
from kmeans_lab.exercise_cells import cell_source, exercise_cell_index
from kmeans_lab.exercise_reset import ResetError, reset_exercise
from kmeans_lab.workspace import update_workspace

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "student"
NB01 = "01_load_and_reshape.ipynb"
MINE = "def image_to_pixels(image):\n    return image.reshape(-1, 3)  # my try\n"
OTHER = "def pixels_to_image(pixels, shape):\n    return pixels.reshape(shape)\n"
NOTE = "My notes: reshape keeps the order of the rows."


@pytest.fixture
def folder(tmp_path):
    mine = tmp_path / "my-course"
    update_workspace(mine, COURSE)
    path = mine / NB01
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    cells[exercise_cell_index(notebook, "image_to_pixels")]["source"] = MINE
    cells[exercise_cell_index(notebook, "image_to_pixels")]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "old output\n"}
    ]
    cells[exercise_cell_index(notebook, "pixels_to_image")]["source"] = OTHER
    cells.append({"cell_type": "markdown", "metadata": {}, "source": NOTE})
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    (mine / "my_functions").mkdir()
    (mine / "my_functions" / "image_to_pixels.py").write_text("# saved\n", encoding="utf-8")
    return mine


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_only_that_cell_goes_back_and_the_old_code_is_kept(folder):
    before = _cells(folder / NB01)
    course = json.loads((COURSE / NB01).read_text(encoding="utf-8"))
    done = reset_exercise("01", "image_to_pixels", folder=folder, source=COURSE, now=0)
    assert done.changed
    after = _cells(folder / NB01)
    index = exercise_cell_index({"cells": after}, "image_to_pixels")
    start = course["cells"][exercise_cell_index(course, "image_to_pixels")]
    assert cell_source(after[index]) == cell_source(start)
    assert after[index]["outputs"] == [] and after[index]["execution_count"] is None
    assert after[index]["metadata"] == before[index]["metadata"]  # nbgrader's id kept
    # every other cell as it was: the other exercise, the note the student added
    assert [c for i, c in enumerate(after) if i != index] == [
        c for i, c in enumerate(before) if i != index
    ]
    assert done.backup.read_text(encoding="utf-8").endswith(MINE)
    assert done.backup.parent == folder / "backups"
    assert str(done.backup) in done.summary()
    # the saved function is not touched
    assert (folder / "my_functions" / "image_to_pixels.py").read_text() == "# saved\n"


def test_a_second_reset_changes_nothing_and_backups_never_overwrite(folder):
    first = reset_exercise("01", "image_to_pixels", folder=folder, source=COURSE, now=0)
    again = reset_exercise("01", "image_to_pixels", folder=folder, source=COURSE, now=0)
    assert not again.changed and again.backup is None
    assert "nothing changed" in again.summary()
    # type again, reset again in the same second: a second backup beside the first
    path = folder / NB01
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][exercise_cell_index(notebook, "image_to_pixels")]["source"] = (
        "def x(): pass\n"
    )
    path.write_text(json.dumps(notebook), encoding="utf-8")
    second = reset_exercise("01", "image_to_pixels", folder=folder, source=COURSE, now=0)
    assert second.backup != first.backup
    assert first.backup.read_text(encoding="utf-8").endswith(MINE)
    assert sorted(p.name for p in (folder / "backups").iterdir()) == sorted(
        [first.backup.name, second.backup.name]
    )


def test_notebook_by_full_name_and_the_only_exercise_implied(folder):
    done = reset_exercise("05_compress_image.ipynb", folder=folder, source=COURSE)
    assert (done.exercise, done.changed) == ("compressed_bits", False)


@pytest.mark.parametrize(
    ("notebook", "exercise", "message"),
    [
        ("09", None, "no notebook '09' with an exercise; the notebooks with exercises are 01_"),
        ("06", None, "no notebook '06' with an exercise"),
        ("03", "compute_centroids", "no exercise 'compute_centroids' in 03_find_closest_centroids"),
        ("01", None, "which exercise: 01_load_and_reshape's exercises are image_to_pixels, pix"),
    ],
)
def test_unknown_notebook_or_exercise(folder, notebook, exercise, message):
    with pytest.raises(ResetError, match=message.replace("(", r"\(")):
        reset_exercise(notebook, exercise, folder=folder, source=COURSE)


def test_a_notebook_the_student_deleted(folder):
    (folder / "03_find_closest_centroids.ipynb").unlink()
    with pytest.raises(ResetError, match="run 'kmeans-lab workspace'"):
        reset_exercise("03", folder=folder, source=COURSE)


def test_command_line(folder, capsys):
    assert (
        main(["reset", "01", "image_to_pixels", "--folder", str(folder), "--from", str(COURSE)])
        == 0
    )
    out = capsys.readouterr().out
    assert "image_to_pixels cell is back to the course's starting version" in out
    assert "backups" in out and len(out.strip().splitlines()) == 1
    assert main(["reset", "03", "nope", "--folder", str(folder), "--from", str(COURSE)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kmeans-lab: error: no exercise 'nope' in 03_find_closest_centroids")
    assert len(err.strip().splitlines()) == 1
