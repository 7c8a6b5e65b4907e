"""One Python per student's notebooks: the imports done once, a fresh child for each notebook.

The grader starts this module in a student's notebook sandbox
(``tools/sandbox_streams.py``), with every notebook of that student staged::

    python -m kmeans_lab.grading.serve NB... --answers DIR --cell-timeout S
        --home-bytes H --tmp-bytes T --control-fd C --result-fds A,B,...

The server builds the IPython shell the notebooks run in and imports what the
course's notebooks import (NumPy, matplotlib and its inline backend,
``kmeans_lab``), runs no notebook code itself, and makes itself non-dumpable
(no process, even of its uid, may read or write its memory or its file
descriptors through ``/proc`` or ``ptrace``). Then, for each notebook in turn, it
forks a child that starts from that state, which no notebook has touched. The
child gives itself what a sandbox of its own would give it (:mod:`tools.sandbox`):

- new **user, mount, PID, IPC, network and UTS namespaces** (its uid mapped to
  itself): SysV IPC, message queues, abstract sockets and processes of an earlier
  notebook are not there, and the server is not in its PID namespace, so it can
  neither be signalled nor traced from the notebook;
- a **new home, ``/tmp`` and ``/dev/shm``** (size-limited tmpfs), the home holding
  the files the sandbox started with (matplotlib's font list), and nothing an
  earlier notebook wrote;
- **no capability** (it drops those of its user namespace before anything else runs);
- only **its own notebook's result pipe** (the others, and the control pipe, closed);
- the notebook runs in process 2 of its PID namespace, under a reaper (process 1);
  when it ends, that namespace dies with everything it started.

The server writes on the control pipe ``start I`` before notebook ``I`` and ``end I
CODE`` after it; ``unavailable REASON`` when a child cannot make its namespaces
(a machine without user namespaces), and stops: the grader then runs each
remaining notebook in a sandbox of its own (:mod:`kmeans_lab.grading.execute`).
Nothing it writes is a grade: the frames of each notebook are what
:func:`kmeans_lab.grading.execute.run_notebook` writes, read by the grader as
untrusted data.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import execute, forks, settings

__all__ = ["serve", "main", "PRELOAD", "UNAVAILABLE"]

#: Modules imported once in the server: what the course notebooks import in their first cell.
PRELOAD = (
    "numpy",
    "matplotlib",
    "matplotlib.font_manager",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "kmeans_lab",
    "kmeans_lab.plots",
    "kmeans_lab.checks",
    "kmeans_lab.saved_functions",
    "kmeans_lab.grading.capture",
)
#: The exit code of a child that could not make its namespaces.
UNAVAILABLE = forks.UNAVAILABLE


def _child(notebook, fd, others, control, files, args, executor) -> None:
    """The forked child of one notebook (see the module docstring). Never returns."""
    for other in others:
        os.close(other)
    forks.isolate(control, files, args.home_bytes, args.tmp_bytes)
    forks.run_in_reaper(
        lambda: execute.run_notebook(notebook, fd, args.answers, args.cell_timeout, executor), fd
    )


def serve(args) -> None:
    """Run each notebook of ``args`` in a fresh child of this process (module docstring)."""
    control = args.control_fd
    fds, files = forks.start_server(control, args.result_fds, len(args.notebooks), "notebook")
    executor = execute.Executor(args.cell_timeout)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - the notebook's own import then says why
            continue
    forks.serve_children(
        control,
        fds,
        lambda index, fd, others: _child(
            args.notebooks[index], fd, others, control, files, args, executor
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.grading.serve")
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--answers", required=True, help="the folder hidden_check writes to")
    parser.add_argument("--cell-timeout", type=int, default=settings.CELL_TIMEOUT[1])
    parser.add_argument("--home-bytes", type=int, required=True)
    parser.add_argument("--tmp-bytes", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--result-fds", required=True, help="one per notebook, comma-separated")
    args = parser.parse_args(argv)
    serve(args)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover - run by the grader in the sandbox
    sys.exit(main())
