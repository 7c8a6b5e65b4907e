"""What an exercise's notebook holds now: not started, passes, fails, or cannot be run alone.

:mod:`kmeans_lab.saved_functions` asks it whether a saved function is still the
one in its notebook; :func:`kmeans_lab.progress` asks it where each exercise
stands. The notebook is read from its file (what the student last saved), and
its exercise cell is run on its own (:func:`~kmeans_lab.exercise_cells.function_from_cell`)
with ``np`` and what the saved copy of the function used, then checked as the
notebook's check cell does.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._function_module import global_names
from .checks.fallback import check_function
from .checks.registry import REGISTRY
from .checks.results import CheckFailure
from .exercise_cells import (
    CellError,
    cell_source,
    exercise_cell_index,
    function_from_cell,
    is_started,
    notebook_imports,
    read_notebook,
    same_definitions,
)

__all__ = ["CurrentVersion", "current_version", "holds_saved", "saved_before", "stale_note"]

#: States of an exercise's cell.
NO_NOTEBOOK, NO_CELL, NOT_STARTED, PASSES, FAILS, NOT_RUN = (
    "no notebook",
    "no exercise cell",
    "not started",
    "passes",
    "fails",
    "cannot be run on its own",
)


@dataclass(frozen=True)
class CurrentVersion:
    """An exercise's cell as its notebook file holds it now.

    Attributes
    ----------
    state : str
        One of ``"no notebook"``, ``"no exercise cell"``, ``"not started"``,
        ``"passes"``, ``"fails"``, ``"cannot be run on its own"``.
    why : str
        For ``fails`` the check's reason (``"fails case 2 of 9"``), for
        ``cannot be run on its own`` what went wrong; else empty.
    source : str
        The cell's source (empty without a cell).
    passed : str
        ``"13/13"`` when it passes.
    """

    state: str
    why: str = ""
    source: str = ""
    passed: str = ""


def notebook_path(name: str, folder: Path) -> Path:
    """Where exercise ``name``'s notebook is in ``folder``."""
    return Path(folder) / f"{REGISTRY[name].notebook}.ipynb"


def current_version(
    name: str,
    folder: Path,
    namespace: Mapping[str, object] | None = None,
    *,
    check: bool = True,
) -> CurrentVersion:
    """Read exercise ``name``'s cell in its notebook in ``folder`` and, if ``check``, check it.

    ``namespace`` gives what the cell may use besides ``np`` (the other
    exercises' functions, the saved copy's helpers).
    """
    path = notebook_path(name, folder)
    if not path.is_file():
        return CurrentVersion(NO_NOTEBOOK)
    try:
        notebook = read_notebook(path)
    except CellError as exc:
        return CurrentVersion(NOT_RUN, str(exc))
    index = exercise_cell_index(notebook, name)
    if index is None:
        return CurrentVersion(NO_CELL)
    source = cell_source(notebook["cells"][index])
    if not is_started(source, name):
        return CurrentVersion(NOT_STARTED, source=source)
    if not check:
        return CurrentVersion(NOT_RUN, "not checked", source)
    scope = {"np": np, **notebook_imports(notebook), **_references(name), **(namespace or {})}
    try:
        func = function_from_cell(
            source, name, scope, label=f"<{REGISTRY[name].notebook}, cell {index}>"
        )
    except CellError as exc:
        return CurrentVersion(NOT_RUN, str(exc), source)
    missing = sorted(
        n
        for n in global_names(func.__code__)
        if n not in func.__globals__ and not hasattr(builtins, n)
    )
    if missing:  # defined in another cell: the kernel may have it, this copy has not
        return CurrentVersion(NOT_RUN, f"it uses {', '.join(missing)} from another cell", source)
    try:
        result = check_function(name)(func)
    except CheckFailure as failure:
        return CurrentVersion(FAILS, failure.reason, source)
    return CurrentVersion(PASSES, "", source, f"{result.n_passed}/{result.n_total}")


def saved_before(notebook: Path, saved_file: Path) -> bool:
    """Whether the notebook's file was written after the saved function's file.

    Jupyter writes a notebook when it is saved (by hand, or by its autosave every
    two minutes), so a notebook file older than the saved function may not hold
    the version that was saved yet: a difference then says nothing.
    """
    try:
        return notebook.stat().st_mtime > saved_file.stat().st_mtime
    except OSError:
        return False


def holds_saved(notebook: Mapping, name: str, saved_text: str) -> bool:
    """Whether some code cell of ``notebook`` defines ``name`` as the saved text does.

    Not only the exercise's cell: a student may have written the version they
    ran and saved in a cell of their own below it.
    """
    return any(
        same_definitions(saved_text, cell_source(cell), name)
        for cell in notebook.get("cells") or []
        if isinstance(cell, Mapping) and cell.get("cell_type") == "code"
    )


def stale_note(name: str, folder: Path, saved_file: Path, saved_text: str, saved: Callable) -> str:
    """One line when the notebook now holds another version of the saved function, else ``""``.

    ``folder`` holds the notebooks; ``saved_file`` is the saved function's file,
    ``saved_text`` its text and ``saved`` the function loaded from it (its globals
    give what the notebook's version may use: imports, helpers, constants). Said
    only when the notebook was written after the function was saved
    (:func:`saved_before`).
    """
    path = notebook_path(name, folder)
    if not path.is_file() or not saved_before(path, saved_file):
        return ""
    try:
        notebook = read_notebook(path)
    except CellError:
        return ""
    index = exercise_cell_index(notebook, name)
    if index is None:
        return ""
    if holds_saved(notebook, name, saved_text):
        return ""
    helpers = {
        key: value
        for key, value in getattr(saved, "__globals__", {}).items()
        if not key.startswith("__") and key != name
    }
    now = current_version(name, folder, helpers)
    notebook_name = REGISTRY[name].notebook
    head = f"note: your {name} was saved from {notebook_name} before your last change there;"
    again = "run its check and the cell after it to save it again"
    if now.state == PASSES:
        return f"{head} its current version passes too ({now.passed}): {again}"
    if now.state in (FAILS, NOT_STARTED):
        why = now.why or "is back to the exercise's starting version"
        return f"{head} its current version {why} (this notebook uses the saved one)"
    return f"{head} its current version differs from the saved one (not checked: {now.why})"


def _references(name: str) -> dict[str, Callable]:
    """The other exercises' reference functions, for a cell that calls them (run_kmeans)."""
    return {other: e.reference_function() for other, e in REGISTRY.items() if other != name}
