"""nbgrader configuration of the kmeans-lab course (instructors only).

Every nbgrader command run from this folder (``cd course && nbgrader ...``) or
with ``--config course/nbgrader_config.py`` reads it; ``tools/release.py``,
``tools/autograde.py``, ``tools/grades.py`` and ``tools/feedback.py`` run
nbgrader here. Layout (nbgrader's defaults, all working folders gitignored)::

    course/
        nbgrader_config.py        this file (committed)
        gradebook.db              SQLite gradebook (generated, not committed)
        source/kmeans_lab/        copies of notebooks/[0-9][0-9]_*.ipynb (make release)
        release/kmeans_lab/       the generated student versions (make release)
        submitted/<student>/kmeans_lab/<notebook>.ipynb   (collected submissions)
        autograded/<student>/kmeans_lab/                  (make autograde)
        feedback/<student>/kmeans_lab/<notebook>.html     (make feedback)

Environment variables (for CI and for slow machines):

``KMEANS_LAB_CELL_TIMEOUT``
    seconds a single cell may run while autograding (default 60): an infinite
    loop in a submission is interrupted after this time and the cell shows a
    ``CellTimeoutError``; the rest of the notebook still runs.
"""

import os

c = get_config()  # noqa: F821 -- provided by traitlets when nbgrader loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

#: The one assignment of the course: every notebook of notebooks/ belongs to it.
ASSIGNMENT = "kmeans_lab"

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "kmeans-lab"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Only notebooks are graded or released: never ship caches, checkpoints, or
# files a notebook wrote next to itself.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.png", "*.jpg",
]

# --- Generating the student versions (tools/release.py) -------------------------
# The stub nbgrader puts in place of "### BEGIN SOLUTION ... ### END SOLUTION":
# the check right after the exercise turns the NotImplementedError into
# "not implemented yet".
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}

# --- Autograding (tools/autograde.py) --------------------------------------------
# Every submitted notebook runs in its own fresh kernel (nbgrader's Execute,
# as ExecuteUntilKernelDies below). A cell running longer than the timeout is
# interrupted, shows an error, and grading carries on with the next cell.
# ``c.Execute`` settings also apply to nbgrader validate (the Validate button).
c.Execute.timeout = int(os.environ.get("KMEANS_LAB_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True
# Kernels never write IPython history into the instructor's home.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]

# A deleted (or renamed) test cell is put back from the gradebook and run, so
# deleting a check never earns points; an edited test cell is overwritten with
# the gradebook's copy (nbgrader's OverwriteCells does this for every locked or
# grade cell; the copy in the gradebook still holds the hidden tests).
c.OverwriteCells.add_missing_cells = True

# Megabytes of output: nbgrader's LimitOutput caps the number of lines of a
# stream; LimitOutputSize below also caps its size in characters (one 10 MB
# line would otherwise land whole in the autograded notebook and the feedback).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)

from nbclient.exceptions import DeadKernelError  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402


class ExecuteUntilKernelDies(Execute):
    """nbgrader's Execute, except that a dying kernel fails only what comes after.

    When a cell kills the kernel (``os._exit``, a signal, running out of
    memory), nbgrader would discard the whole notebook, checks passed before
    included. Here that cell and every code cell after it get an error output
    (so their checks score 0) and the checks that ran before keep their points.
    """

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_died_in", None) is None:
            try:
                return super().preprocess_cell(cell, resources, index)
            except DeadKernelError:
                self._died_in = index + 1  # counted from 1, as a person reads a notebook
                self.log.warning("The kernel died in cell %d; no later cell runs", index + 1)
                message = "the kernel died while running this cell"
        else:
            message = f"not run: the kernel died in cell {self._died_in}"
        if cell.cell_type == "code" and cell.source.strip():
            cell.outputs = [new_output("error", ename="DeadKernelError", evalue=message,
                                       traceback=[f"DeadKernelError: {message}"])]
        return cell, resources


#: Most characters of text kept per output of a code cell after autograding.
MAX_OUTPUT_CHARS = 20_000


class LimitOutputSize(NbGraderPreprocessor):  # NbGraderPreprocessor: enabled by default
    """Truncate long text outputs (streams, text/plain, text/html) of code cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = _truncate(output.get("text", ""))
            for mime, value in list(output.get("data", {}).items()):
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = _truncate(value)
        return cell, resources


def _truncate(text):
    if isinstance(text, list):
        text = "".join(text)
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    dropped = len(text) - MAX_OUTPUT_CHARS
    return text[:MAX_OUTPUT_CHARS] + f"\n... Output truncated ({dropped} more characters) ...\n"


c.Autograde.autograde_preprocessors = [
    ExecuteUntilKernelDies,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    LimitOutputSize,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# --- Feedback (tools/feedback.py) -------------------------------------------------
# nbgrader's generate_feedback renders the autograded notebook to HTML: the
# student's code and outputs, the points of every check, and the check cells
# as graded (hidden tests included, so a student sees which case failed).
