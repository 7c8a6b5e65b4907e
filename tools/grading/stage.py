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
from .student_files import printable, read_submission, utf8_safe

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "read_notebook",
    "parse_notebook",
    "sanitize",
    "check_cells",
    "execution_copy",
    "stage",
    "CHECK_PREFIX",
]

#: Largest submitted notebook read (bytes).
MAX_NOTEBOOK_BYTES = 20 << 20
CHECK_PREFIX = "check_"


def parse_notebook(data: bytes):
    """``(notebook, None)`` or ``(None, reason)`` for the bytes of a submitted notebook."""
    try:
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"more than {MAX_NOTEBOOK_BYTES >> 20} MB")
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        nb = nbformat.from_dict(utf8_safe(nb))  # a lone surrogate ("\udc80" in JSON) as text
    except Exception as exc:  # any parse or validation failure: report it, never run it
        first = str(exc).strip().splitlines()
        return (
            None,
            "not a readable notebook "
            f"({type(exc).__name__}: {printable(first[0][:200]) if first else ''})",
        )
    return nb, None


def read_notebook(path: Path):
    """``(notebook, None)`` or ``(None, reason)`` for a submitted file.

    The file is read as :mod:`.student_files` reads every submitted file: a
    link, a hard link or anything but a regular file is refused with its reason.
    """
    path = Path(path)
    listing = read_submission(path.parent, [], {path.name: MAX_NOTEBOOK_BYTES})
    entry = listing.get(path.name)
    if entry is None or entry.is_folder:
        return None, "missing or a folder"
    if entry.refused is not None:
        return None, entry.refused
    return parse_notebook(entry.data)


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


def stage(notebooks: dict) -> Path:
    """A new folder holding only ``notebooks`` (``{file name: notebook}``), readable by the
    sandbox and by no one able to change them."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-stage-"))
    readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)
        os.chmod(folder / name, readable)
    os.chmod(folder, readable | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IWUSR)
    return folder
