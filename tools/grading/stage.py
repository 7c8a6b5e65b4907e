"""Reading a submission and staging one notebook for its sandbox.

A submitted notebook is untrusted input: it is read with a size limit and
validated before anything else. nbgrader's own sanitizing preprocessors then
restore it from the gradebook, exactly as ``nbgrader autograde`` would:
outputs cleared, cell ids deduplicated, the kernelspec and every locked or
check cell overwritten with the instructor's copy, deleted check cells put
back. The copy that runs in the sandbox differs in one way: each check cell
first records the student's answers for the grader
(:func:`kmeans_lab.grading.hidden_check`), then runs the visible check; its
hidden tests never enter the sandbox.
"""

from __future__ import annotations

import copy
import os
import stat
import tempfile
from pathlib import Path

import nbformat

from kmeans_lab.checks.registry import REGISTRY

from ..nbgrader_course import ASSIGNMENT, db_url

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "read_notebook",
    "sanitize",
    "check_cells",
    "execution_copy",
    "stage",
    "CHECK_PREFIX",
]

#: Largest submitted notebook read (bytes).
MAX_NOTEBOOK_BYTES = 20 << 20
CHECK_PREFIX = "check_"


def read_notebook(path: Path):
    """``(notebook, None)`` or ``(None, reason)`` for a submitted file."""
    try:
        size = path.stat().st_size
        if not path.is_file() or path.is_symlink():
            return None, "not a regular file"
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"too large ({size / 1e6:.1f} MB, at most {MAX_NOTEBOOK_BYTES >> 20} MB)"
        with open(path, "rb") as f:
            text = f.read(MAX_NOTEBOOK_BYTES + 1).decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # any parse or validation failure: report it, never run it
        first = str(exc).strip().splitlines()
        return (
            None,
            f"not a readable notebook ({type(exc).__name__}: {first[0][:200] if first else ''})",
        )
    return nb, None


def sanitize(nb, course: Path, student: str, notebook: str):
    """nbgrader's sanitizing step (see the module docstring), reading the gradebook."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    resources = {
        "nbgrader": {
            "notebook": notebook,
            "assignment": ASSIGNMENT,
            "student": student,
            "db_url": db_url(course),
        }
    }
    for preprocessor in (
        ClearOutput(),
        DeduplicateIds(),
        OverwriteKernelspec(),
        OverwriteCells(add_missing_cells=True),
        CheckCellMetadata(),
    ):
        nb, resources = preprocessor.preprocess(nb, resources)
    return nb


def check_cells(nb) -> dict[int, str]:
    """``{cell index: exercise}`` of the notebook's check cells."""
    found = {}
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if cell.cell_type == "code" and meta.get("grade") and grade_id.startswith(CHECK_PREFIX):
            exercise = grade_id[len(CHECK_PREFIX) :]
            if exercise in REGISTRY:
                found[index] = exercise
    return found


def execution_copy(nb):
    """The notebook the sandbox runs: each check cell records the answers, then checks."""
    run = copy.deepcopy(nb)
    for index, exercise in check_cells(nb).items():
        name = REGISTRY[exercise].check_name
        run.cells[index].source = (
            "from kmeans_lab.grading import hidden_check as _record_for_the_grader\n"
            f'_record_for_the_grader("{exercise}", {exercise})\n'
            f"{name}({exercise})\n"
        )
    return run


def stage(nb, exercises: list[str], plans: Path) -> Path:
    """A new folder with the notebook and the plans of its exercises, readable by the sandbox."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-stage-"))
    (folder / "plans").mkdir()
    nbformat.write(nb, folder / "notebook.ipynb")
    for exercise in exercises:
        data = (plans / f"{exercise}.plan").read_bytes()
        (folder / "plans" / f"{exercise}.plan").write_bytes(data)
    readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for path in [folder, folder / "plans"]:
        os.chmod(path, readable | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IWUSR)
    for path in folder.rglob("*"):
        if path.is_file():
            os.chmod(path, readable)
    return folder
