"""Re-execute the solution notebooks in place, so their stored outputs are current.

``make run-notebooks`` (``python -m tools.run_notebooks [NN_name ...]``) runs
each solution notebook (``notebooks/NN_*.ipynb``, or those named) top to bottom
in a fresh kernel, from the notebooks' folder, and writes it back with its new
outputs and no execution timing metadata. ``make test`` re-runs them with nbval
and compares; run this after changing a notebook or what it prints (a check's
number of cases), then ``make release``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .nbgrader_course import NOTEBOOKS, solution_notebooks

__all__ = ["run_notebook", "main"]


def run_notebook(path: Path, *, timeout: int = 600) -> float:
    """Execute one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    started = time.monotonic()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
    )
    client.execute()
    nb.metadata.pop("widgets", None)  # live widget state: large, and different on every run
    nbformat.write(nb, path)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: every one)")
    args = parser.parse_args(argv)
    paths = solution_notebooks()
    if args.names:
        wanted = {name.removesuffix(".ipynb") for name in args.names}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise SystemExit(f"no such notebook in {NOTEBOOKS}: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if p.stem in wanted]
    for path in paths:
        print(f"{path.name}: {run_notebook(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
