"""nbgrader's Execute preprocessor, made to survive a kernel that dies mid-notebook."""

from __future__ import annotations

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute


class ExecuteUntilKernelDies(Execute):
    """nbgrader's Execute, except that a dying kernel fails only what comes after.

    When a cell kills the kernel (``os._exit``, a signal, running out of
    memory), nbgrader would discard the whole notebook, checks passed before
    included. Here that cell and every code cell after it get an error output
    (so their checks score 0) and the checks that ran before keep their points.

    The error output of the cell that killed the kernel is::

        DeadKernelError: the kernel died while running this cell

    and that of every later (non-empty) code cell, which does not run::

        DeadKernelError: not run: the kernel died in cell <n>

    where ``<n>`` counts the notebook's cells from 1, as a person reads them.
    Every option of nbgrader's ``Execute`` (``c.Execute.timeout`` ...) applies.
    """

    def preprocess(self, nb, resources=None, km=None):
        """Execute the notebook ``nb`` in a fresh kernel (see the class docstring)."""
        self._died_in = None
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        """Execute one cell, unless the kernel died in an earlier one."""
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
            cell.outputs = [
                new_output(
                    "error",
                    ename="DeadKernelError",
                    evalue=message,
                    traceback=[f"DeadKernelError: {message}"],
                )
            ]
        return cell, resources
