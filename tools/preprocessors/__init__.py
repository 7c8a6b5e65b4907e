"""The course's own nbgrader preprocessors, one per file (as in ``nbgrader.preprocessors``).

``course/nbgrader_config.py`` puts them in ``c.Autograde.autograde_preprocessors``
and sets their options (``c.LimitOutputSize.max_chars``).

ExecuteUntilKernelDies
    nbgrader's ``Execute``, except that a cell killing its kernel fails itself
    and the code cells after it, and the checks before it keep their points.
LimitOutputSize
    Truncates long text outputs of code cells to ``max_chars`` characters.
"""

from .execute_until_kernel_dies import ExecuteUntilKernelDies
from .limit_output_size import LimitOutputSize

__all__ = ["ExecuteUntilKernelDies", "LimitOutputSize"]
