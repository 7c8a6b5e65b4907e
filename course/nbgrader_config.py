"""nbgrader configuration of the kmeans-lab course (instructors only).

Every nbgrader command run from this folder (``cd course && nbgrader ...``) or
with ``--config course/nbgrader_config.py`` reads it; ``tools.release``,
``tools.autograde``, ``tools.grades`` and ``tools.feedback`` run nbgrader
here. This file holds settings only: the course's own preprocessors are
classes of ``tools/preprocessors/``, named below. Layout (nbgrader's
defaults, all working folders gitignored)::

    course/
        nbgrader_config.py        this file (committed)
        gradebook.db              SQLite gradebook (generated, not committed)
        source/kmeans_lab/        copies of notebooks/[0-9][0-9]_*.ipynb (make release)
        release/kmeans_lab/       the generated student versions (make release)
        submitted/<student>/kmeans_lab/<notebook>.ipynb   (collected submissions)
        autograded/<student>/kmeans_lab/                  (make autograde)
        feedback/<student>/kmeans_lab/<notebook>.html     (make feedback)

The course's own preprocessors are named by their dotted paths
(``tools.preprocessors.*``): nbgrader imports them when ``nbgrader autograde``
runs, which the tools start with the repository on ``PYTHONPATH``
(``tools.nbgrader_course.nbgrader_env``). The commands an instructor runs by
hand in this folder (``release_assignment``, ``collect``, ``release_feedback``,
the formgrader) import nothing from ``tools``.

The grading settings (``KMEANS_LAB_CELL_TIMEOUT``, the output cap) are read in
one place, :mod:`kmeans_lab.grading.settings`, as the grader reads them.
"""

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from kmeans_lab.grading import settings

c = get_config()  # noqa: F821 -- provided by traitlets when nbgrader loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "kmeans-lab"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Only notebooks are graded or released: never ship caches, checkpoints, or
# files a notebook wrote next to itself.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*.png",
    "*.jpg",
]

# --- Generating the student versions (tools.release) ---------------------------
# The stub nbgrader puts in place of "### BEGIN SOLUTION ... ### END SOLUTION":
# the check right after the exercise turns the NotImplementedError into
# "not implemented yet".
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}

# --- Autograding (tools.autograde) ----------------------------------------------
# Student code never runs here: `make autograde` runs every submitted notebook in
# a sandbox and judges it outside (tools/grading), then runs `nbgrader autograde`
# over the judged notebooks, whose pipeline below executes nothing:
# ApplyJudgedNotebook puts the judged outputs in place and SaveAutoGrades records
# them. A notebook without a judged copy scores 0, never its own outputs.
c.ApplyJudgedNotebook.judged_directory = os.path.join(HERE, "autograde", "judged")
# Per-cell timeout, read where the grader reads it (KMEANS_LAB_CELL_TIMEOUT, default 60),
# also of `nbgrader validate` (the Validate button).
c.Execute.timeout = settings.cell_timeout()
c.Execute.interrupt_on_timeout = True
# Kernels never write IPython history into the instructor's home.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]

# A deleted (or renamed) test cell is put back from the gradebook, so deleting a
# check never earns points; an edited test cell is overwritten with the
# gradebook's copy (nbgrader's OverwriteCells, which the grader also runs before
# a notebook enters its sandbox).
c.OverwriteCells.add_missing_cells = True

# Megabytes of output: nbgrader's LimitOutput caps the number of lines of a
# stream; LimitOutputSize also caps its size in characters (one 10 MB line
# would otherwise land whole in the autograded notebook and the feedback).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
# per text output (stream, text/*) of a code cell: the notebook's sandbox cuts at the same size
c.LimitOutputSize.max_chars = settings.MAX_OUTPUT_CHARS

# By dotted path: nbgrader imports them only when it autogrades (PYTHONPATH, see above).
c.Autograde.autograde_preprocessors = [
    "tools.preprocessors.ApplyJudgedNotebook",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "tools.preprocessors.LimitOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# --- Feedback (tools.feedback) ---------------------------------------------------
# nbgrader's generate_feedback renders the autograded notebook to HTML: the
# student's code and outputs and the points of every check. Each check cell
# shows its visible check and, first, the grader's verdict: for a failed
# exercise, the failing case's inputs as a snippet to run, expected and got,
# and the hint. The hidden tests' lines (their call and its seed=) are removed,
# as in the student version (nbgrader's ClearHiddenTests); the grader's secret
# seeds and the reference's code never reach a notebook. (tools.feedback runs it
# with --ClearHiddenTests.enforce_metadata=False: a student's own cell quoting
# the markers is cleared too instead of stopping their feedback.)
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
# The feedback page is nbgrader's inside kmeans-lab's contrast-safe theme (WCAG 2.1 AA:
# lang set, code and prompts at 4.5:1, links underlined, figures with their alt text);
# tools/export_html.py says where the templates are, tests/test_accessibility.py checks it.
# Run by hand without the tools (release_assignment, collect, the formgrader in an
# instructor's server), the theme is not set at all: the formgrader builds an HTMLExporter
# when it loads, and a theme it cannot find stopped it loading (404 on a hub). A feedback
# rendered there is nbgrader's own page; `make feedback` renders ours.
try:
    from tools.export_html import feedback_config
except ModuleNotFoundError as error:
    if error.name != "tools":
        raise
else:
    for _name, _value in feedback_config().items():
        setattr(c.HTMLExporter, _name, _value)
