"""Which cells of a submitted notebook are the student's: decided from the gradebook.

A submitted notebook's metadata is the student's to edit: a cell can claim
to be ``locked``, a ``solution``, or any ``grade_id``. None of it is read
here. ``make release`` stored the instructor's cells in nbgrader's gradebook
(:class:`nbgrader.api.Gradebook`: every cell with nbgrader metadata, by
``grade_id``, with its source); a submitted code cell whose source is one of
those stored sources (ignoring surrounding blank space and line endings) is
the course's, and so is a cell whose source is one of the released
notebook's cells (``course/release/``, which ``make release`` wrote beside the
gradebook: it also holds the course's cells without nbgrader metadata, such as
an example cell a student may leave as it is). Every other code cell is the
student's, whatever its metadata claims: a cell they added, a released cell
they edited, a cell claiming ``locked``.

The source the grader reads of a cell is the one its kernel runs: IPython's
own input transformation turns magics and shell escapes (``%time``,
``!ls``) into the Python calls they are (:func:`python_source`).

Examples
--------
>>> python_source("!ls\\nx = 1")
"get_ipython().system('ls')\\nx = 1\\n"
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

from ..nbgrader_course import ASSIGNMENT, db_url

__all__ = [
    "course_sources",
    "course_sources_of",
    "own_cells",
    "python_source",
    "graded_sources",
    "same_source",
    "parse",
    "UNREADABLE",
]

#: What parsing or walking a cell may raise: broken code, and code nested too deep to read.
UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def same_source(source: str) -> str:
    """A cell's source as compared with the gradebook's: line endings and outer space ignored."""
    return source.replace("\r\n", "\n").replace("\r", "\n").strip()


def course_sources_of(cells: Iterable) -> frozenset[str]:
    """The compared sources of instructor cells (gradebook entries or notebook cells)."""
    return frozenset(same_source(cell.source or "") for cell in cells)


def course_sources(course: Path, notebook: str) -> frozenset[str]:
    """The sources of the course's cells of ``notebook``: the gradebook's and the release's.

    Raises
    ------
    ValueError
        When the gradebook has no such notebook (``make release`` was not run).
    """
    path = Path(course).resolve() / "gradebook.db"
    if not path.is_file():
        raise ValueError(f"no gradebook at {path}: run `make release` first")
    released = path.parent / "release" / ASSIGNMENT / f"{notebook}.ipynb"
    return _stored(str(path.parent), notebook, path.stat().st_mtime_ns) | _released(
        str(released), released.stat().st_mtime_ns if released.is_file() else 0
    )


@functools.lru_cache(maxsize=64)
def _released(path: str, mtime_ns: int) -> frozenset[str]:
    if not mtime_ns:
        return frozenset()
    import nbformat

    return course_sources_of(nbformat.read(path, as_version=4).cells)


@functools.lru_cache(maxsize=64)
def _stored(course: str, notebook: str, mtime_ns: int) -> frozenset[str]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url(Path(course))) as gb:
        try:
            stored = gb.find_notebook(notebook, ASSIGNMENT)
        except MissingEntry:
            raise ValueError(
                f"the gradebook has no notebook {notebook!r}: run `make release` first"
            ) from None
        return course_sources_of(stored.source_cells)


def own_cells(nb, course_cells: frozenset[str]) -> list[tuple[int, object]]:
    """``[(cell number from 1, cell)]`` of the student's code cells.

    A code cell is the student's unless its source is one of ``course_cells``
    (:func:`course_sources`); its metadata is never read.
    """
    return [
        (number, cell)
        for number, cell in enumerate(nb.cells, 1)
        if cell.cell_type == "code" and same_source(cell.source) not in course_cells
    ]


@functools.lru_cache(maxsize=512)
def python_source(source: str) -> str:
    """The Python a kernel runs for a cell: magics and ``!`` escapes as IPython rewrites them."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # IPython missing, or a cell it cannot transform: read it as written
        return source


@functools.lru_cache(maxsize=256)
def parse(source: str) -> ast.Module | None:
    """The syntax tree of a cell as its kernel runs it, or None if it cannot be read.

    Cached: the flags, the graded sources and the normalisation read the same
    cells; callers must not change the tree.
    """
    try:
        return ast.parse(python_source(source))
    except UNREADABLE:
        return None


def _defines(source: str) -> set[str]:
    tree = parse(source)
    if tree is None:
        return set()
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def graded_sources(nb, course_cells: frozenset[str]) -> dict[str, str]:
    """``{exercise: source}``: the student's cells up to the check cell of each exercise.

    The source is every student cell (:func:`own_cells`) before the
    exercise's check cell, in order, when one of them defines the
    exercise's function; it holds the function and the helpers it may use.
    ``nb`` is the notebook restored from the gradebook (its check cells are
    the instructor's), so no metadata of the student's decides anything.
    """
    from .stage import check_cells

    own = {number - 1: cell for number, cell in own_cells(nb, course_cells)}
    sources = {}
    for index, exercise in sorted(check_cells(nb).items()):
        before = [own[i].source for i in sorted(own) if i < index]
        if any(exercise in _defines(text) for text in before) and exercise in REGISTRY:
            sources[exercise] = "\n\n".join(python_source(text) for text in before)
    return sources
