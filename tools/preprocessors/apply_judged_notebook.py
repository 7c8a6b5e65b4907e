"""Put the grader's judged outputs in place: nbgrader records grades, executes nothing."""

from __future__ import annotations

import os

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class ApplyJudgedNotebook(NbGraderPreprocessor):
    """The first autograde preprocessor of the course: outputs from the sandboxed grader.

    ``make autograde`` runs every submitted notebook in a sandbox and judges
    it outside (``tools.grading``), writing a judged notebook per student and
    notebook under :attr:`judged_directory`. This preprocessor copies the
    outputs of that judged notebook, cell by cell, onto the notebook nbgrader
    reads, so that ``SaveAutoGrades`` scores what the grader decided. In
    ``make autograde``'s merge nbgrader reads the judged notebooks themselves,
    which the grader's worker sanitized with nbgrader's own sanitizing
    preprocessors (its outputs cleared, its locked cells restored from the
    gradebook: ``tools.grading.stage.sanitize``), so the merge does not run
    them again (``tools.grading.merge``); run by hand, nbgrader runs them first.

    A notebook without a judged copy (``nbgrader autograde`` run by hand, or a
    notebook the grader could not read) never keeps the submission's own
    outputs: each of its check cells gets an error output saying it was not
    graded, and scores 0.
    """

    judged_directory = Unicode(
        "", help="Folder of the judged notebooks: <judged_directory>/<student>/<assignment>/"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        """Copy the judged outputs onto ``nb`` (or mark its checks as not graded)."""
        info = resources["nbgrader"]
        path = os.path.join(
            self.judged_directory, info["student"], info["assignment"], f"{info['notebook']}.ipynb"
        )
        judged = None
        if self.judged_directory and os.path.isfile(path):
            judged = nbformat.read(path, as_version=4)
            if [c.cell_type for c in judged.cells] != [c.cell_type for c in nb.cells]:
                self.log.warning("The judged copy of %s does not match the submission", path)
                judged = None
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if judged is not None:
                cell.outputs = judged.cells[index].get("outputs", [])
            elif utils.is_grade(cell):
                message = (
                    "not graded: no result of the sandboxed grader for this notebook "
                    "(run make autograde)"
                )
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error", ename="NotGraded", evalue=message, traceback=[message]
                    )
                ]
        return nb, resources
