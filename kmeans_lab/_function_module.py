"""A function of a notebook as the text of a small module: imports, constants, helpers, it.

What :func:`kmeans_lab.saved_functions.use_and_save` writes to ``my_functions/<name>.py``
and what the grader runs on its own (:func:`function_source`): the function's source
as the student wrote it, preceded by what it uses from the notebook (a module becomes
an import line, a helper function is carried with what *it* uses, a constant becomes an
assignment). Anything else (an array, an object) cannot be carried over, and the
message says which name to pass as an argument instead.

Examples
--------
>>> import math
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * math.ceil(math.log2(K))
>>> print(function_source(compressed_bits))
import math
<BLANKLINE>
<BLANKLINE>
def compressed_bits(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K))
<BLANKLINE>
"""

from __future__ import annotations

import ast
import dis
import importlib
import inspect
import textwrap
import types
from collections.abc import Callable

from .checks.registry import EXERCISES, REGISTRY
from .checks.results import CheckResult

__all__ = ["function_source", "module_text", "global_names", "CannotSave", "exercise_name"]

#: Instructions that read a global name (a module-level name, for a function).
_GLOBAL_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})


class CannotSave(Exception):
    """Why a function that passes its check cannot be saved (a message for the student)."""


def function_source(func: Callable, name: str | None = None) -> str:
    """Your function as a small module: the imports, constants and helpers it uses, then it.

    The same text :func:`use_and_save` saves, without its comment; the
    grader runs it on its own (README "How autograding works"), with
    annotations left unevaluated (the names they use need not be carried
    over). Another exercise it calls is not included (the caller provides it).

    Parameters
    ----------
    func : callable
        A function defined with ``def``.
    name : str, optional
        The exercise; defaults to ``func.__name__``. The text defines it under
        this name.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        In one line, what cannot be carried over (e.g. "it uses data, a
        ndarray from your notebook, which cannot be saved with it: pass data
        as an argument, or create it inside the function").

    Examples
    --------
    >>> import math
    >>> STEP = 2
    >>> def compressed_bits(n_pixels, K):
    ...     return 24 * K + n_pixels * math.ceil(math.log2(K)) * STEP // STEP
    >>> print(function_source(compressed_bits))
    import math
    <BLANKLINE>
    <BLANKLINE>
    STEP = 2
    <BLANKLINE>
    <BLANKLINE>
    def compressed_bits(n_pixels, K):
        return 24 * K + n_pixels * math.ceil(math.log2(K)) * STEP // STEP
    <BLANKLINE>
    """
    name = exercise_name(func, name)
    try:
        blocks = _Parts(name).blocks(func)
    except CannotSave as why:
        raise ValueError(str(why)) from None
    return "\n\n\n".join(blocks).rstrip() + "\n"


def module_text(func: Callable, name: str, result: CheckResult) -> str:
    """The text of ``my_functions/<name>.py`` for ``func``."""
    parts = _Parts(name)
    blocks = parts.blocks(func)
    needs = sorted(parts.needs, key=EXERCISES.index)
    about = (
        f"{name}: your function from {REGISTRY[name].notebook}, saved by "
        f"kmeans_lab.saved_functions.use_and_save when it passed its check "
        f"({result.n_passed}/{result.n_total}). Later notebooks load it with "
        f'use_saved("{name}"). To change it, change it in its notebook and run its check '
        "and the cell after it again: that rewrites this file. Delete this file to make "
        "the next notebooks use the course's reference instead."
    )
    if needs:
        about += (
            f" It calls {' and '.join(needs)}, not saved here: use_saved gives it your "
            "saved version of each when that passes its check, the course's reference otherwise."
        )
    lines = ["# " + line for line in textwrap.wrap(about, 77)]
    return "\n\n\n".join(["\n".join(lines)] + blocks).rstrip() + "\n"


class _Parts:
    """What a function needs from its notebook, collected for its saved file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.imports: list[str] = []
        self.constants: list[str] = []
        self.aliases: list[str] = []
        self.helpers: list[str] = []
        self.needs: set[str] = set()
        self._done: set[str] = {name}

    def blocks(self, func: Callable) -> list[str]:
        """The blocks of text of ``func``'s module: imports, constants, helpers, itself."""
        source = self.add_function(func, main=True)
        if func.__name__ != self.name:
            source += f"\n\n{self.name} = {func.__name__}"
        blocks = []
        if self.imports:
            blocks.append("\n".join(self.imports))
        if self.constants or self.aliases:
            blocks.append("\n".join(self.constants + self.aliases))
        return blocks + self.helpers + [source]

    def add_function(self, func: Callable, *, main: bool = False) -> str:
        """The dedented source of ``func``; what it uses is collected on the way."""
        what = "your function" if main else f"your helper {func.__name__}"
        if not inspect.isfunction(func):
            raise CannotSave(f"{what} is a {type(func).__name__}, not a function defined with def")
        if func.__name__ == "<lambda>":
            raise CannotSave(f"{what} is a lambda: define it with def")
        if func.__code__.co_freevars:
            raise CannotSave(f"{what} is defined inside another function: define it in a cell")
        try:
            source = textwrap.dedent(inspect.getsource(func))
        except (OSError, TypeError):
            raise CannotSave(
                f"the source of {what} cannot be found (define it with def in a cell)"
            ) from None
        source = _without_decorators(source, func, what)
        for global_name in sorted(global_names(func.__code__)):
            self._add_name(global_name, func)
        return source.rstrip()

    def _add_name(self, name: str, func: Callable) -> None:
        if name in self._done:
            return
        self._done.add(name)
        if name in REGISTRY:  # another exercise: use_saved provides it
            self.needs.add(name)
            return
        namespace = func.__globals__
        if name not in namespace:  # a builtin, or a name that is not defined at all
            return
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            module = value.__name__
            self.imports.append(f"import {module}" + (f" as {name}" if name != module else ""))
            return
        exercise = getattr(value, "__name__", None)
        if callable(value) and exercise in REGISTRY and exercise != self.name:
            # another exercise under another name (closest = find_closest_centroids)
            self.needs.add(exercise)
            self.aliases.append(f"{name} = {exercise}")
            return
        if inspect.isfunction(value) and value.__globals__ is namespace:
            helper = self.add_function(value)  # defined in the notebook
            if value.__name__ != name:
                helper += f"\n\n{name} = {value.__name__}"
            self.helpers.append(helper)
            return
        importable = _import_line(value, name)
        if importable:
            self.imports.append(importable)
            return
        if _is_literal(value):
            self.constants.append(f"{name} = {value!r}")
            return
        raise CannotSave(
            f"it uses {name}, a {type(value).__name__} from your notebook, which cannot be "
            f"saved with it: pass {name} as an argument, or create it inside the function"
        )


def _without_decorators(source: str, func: Callable, what: str) -> str:
    """``source`` from its ``def`` line: a decorator that returned the function itself did nothing.

    ``func`` is the function its ``def`` made (its code is that ``def``'s) unless
    a decorator wrapped it; a wrapped function cannot be carried over.
    """
    try:
        node = ast.parse(source).body[0]
    except (SyntaxError, IndexError):
        return source
    if not getattr(node, "decorator_list", None):
        return source
    if hasattr(func, "__wrapped__"):
        raise CannotSave(f"{what} is wrapped by a decorator: define it without one")
    return "\n".join(source.splitlines()[node.lineno - 1 :])


def _import_line(value: object, name: str) -> str | None:
    """``from module import thing [as name]`` if ``value`` is importable that way, else None."""
    module = getattr(value, "__module__", None)
    attribute = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(attribute, str):
        return None
    if module in ("__main__", "builtins") or not attribute.isidentifier():
        return None
    try:
        found = getattr(importlib.import_module(module), attribute)
    except Exception:  # noqa: BLE001 - not importable: not this way
        return None
    if found is not value:
        return None
    return f"from {module} import {attribute}" + (f" as {name}" if name != attribute else "")


def _is_literal(value: object) -> bool:
    """Whether ``repr(value)`` is Python that gives ``value`` back (numbers, strings, tuples)."""
    if isinstance(value, (tuple, frozenset)):
        return all(_is_literal(v) for v in value) and type(value) in (tuple, frozenset)
    if type(value) not in (bool, int, float, complex, str, bytes, type(None)):
        return False
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        return False  # nan, inf


def global_names(code: types.CodeType) -> set[str]:
    """Every global name ``code`` (and the functions and comprehensions inside it) reads."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_LOADS}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


def exercise_name(func: Callable | None, name: str | None) -> str:
    if name is None:
        name = getattr(func, "__name__", None)
    if name not in REGISTRY:
        raise ValueError(
            f"cannot tell which exercise {name!r} is; pass name=, one of {', '.join(EXERCISES)}"
        )
    return name
