"""Running a notebook as the grading sandbox's executor runs it, without the sandbox.

:func:`execute` starts ``python -m kmeans_lab.grading.execute`` on a notebook
of the given cells in a plain subprocess and returns the frames it wrote on its
result pipe (:func:`kmeans_lab.grading.execute.read_frames` reads them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook


def execute(tmp_path: Path, cells: list, *, cell_timeout: int = 20, env=None) -> bytes:
    """The result pipe's bytes of a notebook of ``cells`` run in ``tmp_path``."""
    nb = new_notebook(cells=cells)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kmeans_lab.grading.execute",
            str(path),
            "--answers",
            str(tmp_path / "answers"),
            "--result-fd",
            str(write_end),
            "--cell-timeout",
            str(cell_timeout),
        ],
        pass_fds=(write_end,),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, MPLBACKEND="Agg", **(env or {})),
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    proc.wait(timeout=120)
    return data
