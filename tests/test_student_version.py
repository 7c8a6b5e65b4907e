"""The version check: checks record which kmeans_lab ran them; grading refuses another one.

Both sides: a check run in a real kernel saves the package's stamp in the
notebook (:mod:`kmeans_lab._stamp`), and ``python -m tools.autograde`` refuses
(one line, exit 1, nothing prepared) when a submitted notebook carries another
stamp than the clone's (:mod:`tools.student_version`). Each of these wrong
versions of the check fails at least one test here (tried by hand): comparing
only the version number, reading only the first notebook, the first student or
the first output of a cell, following a symlinked notebook or folder.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kmeans_lab._stamp import STAMP_KEY, fingerprint, package_stamp
from tools import student_version
from tools.nbgrader_course import REPO, nbgrader_env

OURS = package_stamp()


def _notebook(*stamps: dict | None) -> dict:
    """A notebook whose code cells have outputs carrying these stamps (None: no stamp)."""
    cells = []
    for stamp in stamps:
        metadata = {} if stamp is None else {STAMP_KEY: stamp}
        output = {"output_type": "execute_result", "execution_count": 1, "metadata": metadata}
        output["data"] = {"text/plain": "x: 1/1 checks passed"}
        cells.append({"cell_type": "code", "metadata": {}, "source": "", "outputs": [output]})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _submit(course: Path, student: str, notebooks: dict[str, dict]) -> None:
    folder = course / "submitted" / student / "kmeans_lab"
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        (folder / name).write_text(json.dumps(nb), encoding="utf-8")


def test_a_check_run_in_a_kernel_saves_the_packages_stamp_in_the_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from kmeans_lab.checks import check_image_to_pixels\n"
            "def image_to_pixels(image):\n"
            "    return image.reshape(-1, image.shape[-1])\n"
            "check_image_to_pixels(image_to_pixels)"
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (output,) = nb.cells[0].outputs
    assert "checks passed" in output["data"]["text/plain"]
    assert output["metadata"][STAMP_KEY] == OURS
    assert OURS["version"] == __import__("kmeans_lab").__version__


def test_the_fingerprint_changes_with_any_source_or_data_file(tmp_path):
    package = Path(__import__("kmeans_lab").__file__).parent
    copy_ = tmp_path / "kmeans_lab"
    shutil.copytree(package, copy_, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint(copy_) == fingerprint(package) == OURS["fingerprint"]
    (copy_ / "__pycache__").mkdir(exist_ok=True)
    (copy_ / "__pycache__" / "x.pyc").write_bytes(b"compiled")  # not part of the package
    assert fingerprint(copy_) == OURS["fingerprint"]
    check = copy_ / "checks" / "find_closest_centroids.py"
    check.write_text(check.read_text() + "\n# another commit\n")
    assert fingerprint(copy_) != OURS["fingerprint"]
    check.write_text(check.read_text().removesuffix("\n# another commit\n"))
    (copy_ / "data" / "course.png").write_bytes(b"another image")
    assert fingerprint(copy_) != OURS["fingerprint"]


def test_matching_or_missing_stamps_let_grading_go_on(tmp_path):
    _submit(tmp_path, "alice", {"03.ipynb": _notebook(OURS, None), "04.ipynb": _notebook(OURS)})
    _submit(tmp_path, "bob", {"03.ipynb": _notebook(None)})  # no check passed: no evidence
    _submit(tmp_path, "carol", {"03.ipynb": {"not": "a notebook"}})
    (tmp_path / "submitted" / "carol" / "kmeans_lab" / "04.ipynb").write_text("{broken")
    assert student_version.version_problem(tmp_path, ["alice", "bob", "carol"]) is None


def test_another_version_is_refused_naming_both_and_the_students(tmp_path):
    old = {"version": "0.0.9", "fingerprint": "0123456789abcdef"}
    # the other stamp is in the second notebook of the second student; nobody ran ours
    _submit(tmp_path, "alice", {"03.ipynb": _notebook(old)})
    _submit(tmp_path, "bob", {"03.ipynb": _notebook(None), "04.ipynb": _notebook(None, old)})
    problem = student_version.version_problem(tmp_path, ["alice", "bob"])
    assert problem is not None and "\n" not in problem
    assert "kmeans-lab 0.0.9 (files 0123456789abcdef; 2 students: alice, bob)" in problem
    assert f"this clone is kmeans-lab {OURS['version']} (files {OURS['fingerprint']})" in problem
    assert "--ignore-student-version" in problem
    assert student_version.version_warning(tmp_path, ["alice", "bob"]) is None


def test_one_student_with_another_stamp_cannot_stop_the_class(tmp_path):
    """A stamp is a claim a student can edit: a forged one is named, and grading goes on."""
    forged = {"version": "6.6.6", "fingerprint": "badbadbadbadbad0"}
    for student in ("alice", "carol", "dan"):
        _submit(tmp_path, student, {"03.ipynb": _notebook(OURS)})
    _submit(tmp_path, "mallory", {"03.ipynb": _notebook(forged)})
    everyone = ["alice", "carol", "dan", "mallory"]
    assert student_version.version_problem(tmp_path, everyone) is None
    warning = student_version.version_warning(tmp_path, everyone)
    assert warning is not None and "\n" not in warning
    assert "6.6.6" in warning and "mallory" in warning
    assert not any(name in warning for name in ("alice", "carol", "dan"))
    # a class where nobody else passed a check: one forged stamp is still not "most"
    for student in ("carol", "dan"):
        _submit(tmp_path / "quiet", student, {"03.ipynb": _notebook(None)})
    _submit(tmp_path / "quiet", "mallory", {"03.ipynb": _notebook(forged)})
    assert student_version.version_problem(tmp_path / "quiet", ["carol", "dan", "mallory"]) is None


def test_same_version_number_with_other_files_is_refused_too(tmp_path):
    edited = dict(OURS, fingerprint="ffffffffffffffff")
    _submit(tmp_path, "alice", {"03.ipynb": _notebook(edited)})
    problem = student_version.version_problem(tmp_path, ["alice"])
    assert problem is not None and "same version number, different files" in problem


def test_links_are_not_followed(tmp_path):
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text(json.dumps(_notebook({"version": "9", "fingerprint": "9"})))
    _submit(tmp_path, "alice", {"03.ipynb": _notebook(OURS)})
    (tmp_path / "submitted" / "alice" / "kmeans_lab" / "04.ipynb").symlink_to(outside)
    assert student_version.version_problem(tmp_path, ["alice"]) is None
    elsewhere = tmp_path / "elsewhere"
    _submit(elsewhere, "carol", {"03.ipynb": _notebook({"version": "9", "fingerprint": "9"})})
    (tmp_path / "submitted" / "bob").symlink_to(elsewhere / "submitted" / "carol")
    (tmp_path / "submitted" / "dan").mkdir()
    (tmp_path / "submitted" / "dan" / "kmeans_lab").symlink_to(
        elsewhere / "submitted" / "carol" / "kmeans_lab"
    )
    assert student_version.version_problem(tmp_path, ["alice", "bob", "dan"]) is None


def _course_with_gradebook(tmp_path: Path, monkeypatch) -> Path:
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # nbgrader runs this env's alembic
    course = tmp_path / "course"
    course.mkdir()
    course.chmod(0o700)  # private, as the README asks (else make autograde warns on stderr too)
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        gb.add_assignment("kmeans_lab")
        gb.add_notebook("03_find_closest_centroids", "kmeans_lab")
    return course


@pytest.mark.slow  # end to end: tools.autograde in a subprocess; make test-quick skips it
@pytest.mark.parametrize("options", [[], ["--student", "bob"]])
def test_autograde_refuses_in_one_line_and_prepares_nothing(tmp_path, monkeypatch, options):
    course = _course_with_gradebook(tmp_path, monkeypatch)
    old = {"version": "0.0.9", "fingerprint": "0123456789abcdef"}
    _submit(course, "alice", {"03_find_closest_centroids.ipynb": _notebook(old)})
    _submit(course, "bob", {"03_find_closest_centroids.ipynb": _notebook(old)})
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    result = subprocess.run(
        [sys.executable, "-m", "tools.autograde", "--course", str(course), *options],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("make autograde: refused:"), result.stderr
    assert "0.0.9" in lines[0] and "bob" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before  # nothing prepared


@pytest.mark.slow  # end to end: tools.autograde in a subprocess; make test-quick skips it
def test_autograde_checks_only_the_students_it_grades(tmp_path, monkeypatch):
    """``--student alice`` is not refused for bob's stamp (he is graded on his own)."""
    course = _course_with_gradebook(tmp_path, monkeypatch)
    _submit(course, "alice", {"03_find_closest_centroids.ipynb": _notebook(OURS)})
    _submit(
        course,
        "bob",
        {"03_find_closest_centroids.ipynb": _notebook({"version": "0", "fingerprint": "0"})},
    )
    assert student_version.version_problem(course, ["alice"]) is None
    assert student_version.version_warning(course, ["alice"]) is None
    assert student_version.version_problem(course, ["bob"]) is not None  # bob graded alone
    assert "bob" in student_version.version_warning(course, ["alice", "bob"])


def test_the_stamp_is_read_from_every_output_of_every_cell(tmp_path):
    nb = _notebook(OURS, OURS)
    other = copy.deepcopy(nb["cells"][1]["outputs"][0])
    other["metadata"][STAMP_KEY] = {"version": "1.0", "fingerprint": "1"}
    nb["cells"][1]["outputs"].append(other)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert student_version.notebook_stamps(path) == {
        (OURS["version"], OURS["fingerprint"]),
        ("1.0", "1"),
    }


def test_odd_files_are_never_read_and_never_stall_the_check(tmp_path):
    """A FIFO, a second name of another file, a root-only file: none is read (nor waited on)."""
    import os
    import threading

    other = {"version": "9", "fingerprint": "9"}
    _submit(tmp_path, "alice", {"03.ipynb": _notebook(OURS)})
    folder = tmp_path / "submitted" / "alice" / "kmeans_lab"
    os.mkfifo(folder / "04.ipynb")  # opening it to read would wait for a writer forever
    outside = tmp_path / "outside.ipynb"
    outside.write_text(json.dumps(_notebook(other)))
    os.link(outside, folder / "05.ipynb")  # the same file under a second name
    if os.geteuid() == 0:  # a root grader reads as an unprivileged uid: root-only is unreadable
        (folder / "06.ipynb").write_text(json.dumps(_notebook(other)))
        (folder / "06.ipynb").chmod(0o600)
    found = {}
    reader = threading.Thread(
        target=lambda: found.update(student_version.submitted_stamps(tmp_path, ["alice"])),
        daemon=True,
    )
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "reading the stamps waited on a FIFO"
    assert found == {(OURS["version"], OURS["fingerprint"]): ["alice"]}
