"""The exercise cells of a notebook: where they are, what they define now, how they started.

An exercise's cell is the code cell whose nbgrader metadata names it
(``grade_id`` is the exercise, ``solution`` is true): ``make release`` writes that
metadata, and it stays in the student's copy. This module reads such cells from
the notebook *file* (what the student last saved, not what a kernel holds), for

- :mod:`kmeans_lab.saved_functions`: is the function saved in ``my_functions/``
  still the one in its notebook (:func:`same_definitions`)?
- :func:`kmeans_lab.progress`: has the exercise been started (:func:`is_started`),
  and does the cell's current version pass (:func:`function_from_cell`)?
- ``kmeans-lab reset``: the cell to put back to the course's starting version.

Nothing here writes a file.

Examples
--------
>>> notebook = {"cells": [
...     {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "f", "solution": True}},
...      "source": ["def f(x):\\n", "    raise NotImplementedError()\\n"]}]}
>>> exercise_cell_index(notebook, "f"), is_started(cell_source(notebook["cells"][0]), "f")
(0, False)
>>> same_definitions("def f(x):\\n    return x  # mine\\n", "def f(x):\\n\\n    return x\\n", "f")
True
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import linecache
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "CellError",
    "cell_source",
    "exercise_cell_index",
    "function_from_cell",
    "notebook_imports",
    "is_started",
    "read_notebook",
    "same_definitions",
]


class CellError(Exception):
    """A notebook or an exercise cell cannot be read or run; the message says why, in one line."""


def read_notebook(path: str | Path) -> dict:
    """The notebook at ``path`` as a dictionary (its JSON).

    Raises
    ------
    CellError
        If the file cannot be read or is not a notebook.
    """
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CellError(f"no notebook {path.name} in {path.parent}") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CellError(f"{path} cannot be read as a notebook ({type(exc).__name__})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise CellError(f"{path} is not a notebook (it has no list of cells)")
    return notebook


def cell_source(cell: Mapping) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def exercise_cell_index(notebook: Mapping, name: str) -> int | None:
    """The index of exercise ``name``'s cell in ``notebook``, or None.

    The code cell whose nbgrader metadata has ``grade_id == name`` and
    ``solution`` true; failing that (metadata lost by another editor), the
    last code cell that defines ``def name(``.
    """
    cells = notebook.get("cells") or []
    fallback = None
    for index, cell in enumerate(cells):
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "code":
            continue
        grader = (cell.get("metadata") or {}).get("nbgrader") or {}
        if (
            isinstance(grader, Mapping)
            and grader.get("grade_id") == name
            and grader.get("solution")
        ):
            return index
        if _definitions(cell_source(cell)).get(name) is not None:
            fallback = index
    return fallback


def is_started(source: str, name: str) -> bool:
    """Whether the cell's function ``name`` has code of the student's: not the stub.

    The stub (what ``make release`` hands out) is a ``def`` whose body is a
    docstring, comments and ``raise NotImplementedError()``. A cell that does
    not define ``name`` at all is not started either.
    """
    node = _definitions(source).get(name)
    if node is None:
        return False
    body = [s for s in node.body if not _is_docstring(s)]
    return not (len(body) == 1 and _raises_not_implemented(body[0]))


def same_definitions(saved: str, current: str, name: str) -> bool:
    """Whether the cell's text ``current`` defines ``name`` as the saved text ``saved`` does.

    Compares the syntax trees of ``name``'s ``def`` and of every helper
    function the saved text defines that ``current`` defines too (comments,
    blank lines and decorators do not count). A helper defined in another
    cell of the notebook is not compared.
    """
    mine, now = _definitions(saved), _definitions(current)
    target = _function_name(saved, name)
    if mine.get(target) is None or now.get(_function_name(current, name)) is None:
        return False
    if _dump(mine[target]) != _dump(now[_function_name(current, name)]):
        return False
    return all(_dump(node) == _dump(now[other]) for other, node in mine.items() if other in now)


def function_from_cell(
    source: str, name: str, namespace: Mapping[str, object], *, label: str = "<cell>"
) -> Callable:
    """Run an exercise cell's source in a namespace of its own; return its function ``name``.

    ``namespace`` gives what the cell may use from its notebook (e.g. ``np``).
    Only the cell's definitions run: its ``def``, ``class`` and ``import``
    statements and the assignments of a literal or of a name (``SCALE = 2``,
    ``closest = find_closest_centroids``); anything else (a call that tries the
    function on the photo, a loop, a print) is left out, so reading a notebook
    never waits on a long computation or repeats its side effects. Lines of
    IPython magics (``%...``, ``!...``) are left out too. The function's source
    can be read back (:func:`inspect.getsource`) under the file name ``label``.

    Raises
    ------
    CellError
        If the cell does not run, or does not define ``name``.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    text = "\n".join(lines) + "\n"
    linecache.cache[label] = (len(text), None, text.splitlines(keepends=True), label)
    scope = dict(namespace)
    scope.setdefault("__builtins__", builtins)
    scope["__name__"] = label
    try:
        tree = ast.parse(text, label)
        tree.body = [node for node in tree.body if _is_definition(node)]
        code = compile(tree, label, "exec")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(code, scope)
    except Exception as exc:  # noqa: BLE001 - anything a student's cell may raise
        raise CellError(f"it does not run on its own ({type(exc).__name__}: {exc})") from None
    func = scope.get(name)
    if not callable(func):
        raise CellError(f"it does not define {name}")
    return func


def notebook_imports(notebook: Mapping) -> dict[str, object]:
    """What the notebook's top-level ``import`` lines bind (``np``, ``math``, ``kl`` ...).

    Only import statements are run, each on its own (one that fails is left
    out): an exercise cell that uses a module imported in the Setup cell can
    then be run on its own.
    """
    scope: dict[str, object] = {"__builtins__": builtins}
    for cell in notebook.get("cells") or []:
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "code":
            continue
        lines = cell_source(cell).splitlines()
        try:
            tree = ast.parse("\n".join(x for x in lines if not x.lstrip().startswith(("%", "!"))))
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import) or (
                isinstance(node, ast.ImportFrom) and node.level == 0
            ):
                try:
                    exec(compile(ast.Module([node], []), "<imports>", "exec"), scope)
                except Exception:  # noqa: BLE001, S110 - an import that fails is left out
                    pass
    scope.pop("__builtins__", None)
    return scope


# ---------------------------------------------------------------- helpers


def _definitions(source: str) -> dict[str, ast.FunctionDef]:
    """The top-level ``def`` statements of ``source`` by name (the last of each name)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return {}
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _is_definition(node: ast.stmt) -> bool:
    """A statement that only defines names: def, class, import, ``NAME = literal or name``."""
    if isinstance(
        node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom
    ):
        return True
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        if isinstance(node.value, ast.Name):
            return True
        try:
            ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
        return True
    return False


def _function_name(source: str, name: str) -> str:
    """``name``, or the function it names when the text says ``name = other``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return name
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == [name]
            and isinstance(node.value, ast.Name)
        ):
            return node.value.id
    return name


def _dump(node: ast.AST) -> str:
    copy = ast.parse(ast.unparse(node)).body[0]
    copy.decorator_list = []
    return ast.dump(copy, include_attributes=False)


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _raises_not_implemented(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
