"""Reading a submission and staging one notebook for its sandbox.

A submitted notebook is untrusted input: it is read with a size limit and
validated before anything else. nbgrader's own sanitizing preprocessors then
restore it from the gradebook, exactly as ``nbgrader autograde`` would:
outputs cleared, cell ids deduplicated, the kernelspec and every locked or
check cell overwritten with the instructor's copy, deleted check cells put
back. The copy that runs in the sandbox differs in one way: each check cell
first reports the source of the student's function to the grader
(:func:`kmeans_lab.grading.capture.capture_source`), then runs the visible
check; its hidden tests, planned inputs and seeds never enter the sandbox.
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
    "solution_sources",
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
    """The notebook the sandbox runs: each check cell reports the source, then checks."""
    run = copy.deepcopy(nb)
    for index, exercise in check_cells(nb).items():
        name = REGISTRY[exercise].check_name
        run.cells[index].source = (
            "from kmeans_lab.grading.capture import capture_source as _report_to_the_grader\n"
            f'_report_to_the_grader("{exercise}", {exercise})\n'
            f"{name}({exercise})\n"
        )
    return run


def solution_sources(nb) -> dict[str, str]:
    """``{exercise: source}`` of the solution cells of the exercises (for similarity)."""
    sources = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and meta.get("grade_id") in REGISTRY:
            sources[meta["grade_id"]] = cell.source
    return sources


def stage(nb) -> Path:
    """A new folder holding only the notebook, readable by the sandbox."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-stage-"))
    nbformat.write(nb, folder / "notebook.ipynb")
    readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for path in [folder]:
        os.chmod(path, readable | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IWUSR)
    for path in folder.rglob("*"):
        if path.is_file():
            os.chmod(path, readable)
    return folder
