"""The course's own nbgrader preprocessors, one per file (as in ``nbgrader.preprocessors``).

``course/nbgrader_config.py`` puts them in ``c.Autograde.autograde_preprocessors``
and sets their options (``c.LimitOutputSize.max_chars``).

ApplyJudgedNotebook
    Puts the sandboxed grader's judged outputs in place of execution: nbgrader
    records the grades and executes nothing (``tools.grading``).
LimitOutputSize
    Truncates long text outputs of code cells to ``max_chars`` characters.
"""

from .apply_judged_notebook import ApplyJudgedNotebook
from .limit_output_size import LimitOutputSize

__all__ = ["ApplyJudgedNotebook", "LimitOutputSize"]
