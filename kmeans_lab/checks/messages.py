"""How failure messages show values: arrays with shape and dtype, rows, numbers.

Every check's message is built from these few functions, so an array looks
the same in every message (``shape (6,), int64: [1 1 2 2 0 0]``) and the
place where a student's function raised is found the same way.
"""

from __future__ import annotations

import numbers
import os
import sysconfig
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["describe", "expected_got", "row", "join_and", "num", "where_raised"]


def _fmt_values(a: np.ndarray) -> str:
    """Values of an array, one line for 1-D, indented block for more."""
    if a.ndim <= 1:  # one line, whatever its length (long arrays are summarised)
        options = dict(threshold=40, edgeitems=10, linewidth=10**6)
    else:
        options = dict(threshold=30, edgeitems=4, linewidth=88)
    with np.printoptions(precision=4, suppress=True, **options):
        return np.array2string(a, separator=" ")


def describe(value: Any) -> str:
    """``shape (6,), int64: [1 1 2]`` for arrays, ``None`` etc. otherwise.

    Examples
    --------
    >>> describe(np.array([1, 2, 3]))
    'shape (3,), int64: [1 2 3]'
    >>> describe([1.5, 2.0])
    'a list, as an array shape (2,), float64: [1.5 2. ]'
    """
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        head = f"shape {value.shape}, {value.dtype}"
        if value.ndim >= 3:
            return head
        text = _fmt_values(value)
        if "\n" in text:
            return head + ":\n" + "\n".join("      " + line for line in text.splitlines())
        return f"{head}: {text}"
    if isinstance(value, (list, tuple)):
        kind = type(value).__name__
        try:
            arr = np.asarray(value)
        except Exception:
            return f"a {kind} of length {len(value)}"
        if arr.dtype != object:
            return f"a {kind}, as an array {describe(arr)}"
        return f"a {kind} of length {len(value)}"
    if isinstance(value, (numbers.Number, np.generic)):
        return f"{value!r} ({type(value).__name__})"
    return f"a {type(value).__name__}: {value!r}"[:200]


def expected_got(what: str, expected: Any, got: Any) -> list[str]:
    """The two aligned lines ``expected <what>, ...`` / ``got,  ...``."""
    left = f"expected {what},"
    return [f"{left} {describe(expected)}", f"{'got,'.ljust(len(left))} {describe(got)}"]


def row(x: Any) -> str:
    """One row of values, e.g. ``[1. 2. 0.]``."""
    with np.printoptions(precision=4, suppress=True, linewidth=200):
        return np.array2string(np.asarray(x), separator=" ")


def join_and(items) -> str:
    """``1, 2 and 3``."""
    items = [str(int(i)) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def num(v: float) -> str:
    """A number with 6 significant digits."""
    return f"{float(v):.6g}"


_LIB_DIRS = tuple(
    os.path.normcase(os.path.realpath(p))
    for p in {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    if p
)
_CHECKS_DIR = os.path.normcase(os.path.realpath(os.path.dirname(__file__)))


def where_raised(exc: BaseException, func: Callable) -> str | None:
    """``raised at line 4 of your function: d = X - c`` for the innermost user frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = getattr(getattr(func, "__code__", None), "co_filename", None)
    chosen = None
    for fr in frames:
        path = os.path.normcase(os.path.realpath(fr.filename)) if fr.filename else ""
        if os.path.dirname(path) == _CHECKS_DIR:
            continue
        if own is not None and fr.filename == own:
            chosen = fr
        elif chosen is None or chosen.filename != own:
            if not path.startswith(_LIB_DIRS):
                chosen = fr
    if chosen is None:
        return None
    text = (chosen.line or "").strip()
    place = "your function" if chosen.filename == own else f"{os.path.basename(chosen.filename)}"
    if chosen.name not in ("<module>", getattr(func, "__name__", None)) and chosen.filename == own:
        place = f"{chosen.name}()"
    return f"raised at line {chosen.lineno} of {place}" + (f": {text}" if text else "")


#: Largest array written out whole in a reproduction snippet (elements).
SNIPPET_ELEMENTS = 60


def _literal(value: Any) -> str | None:
    """Python source that rebuilds ``value`` exactly, or None if it is too large or opaque."""
    if isinstance(value, np.ndarray):
        if value.size > SNIPPET_ELEMENTS or value.dtype.kind not in "biuf":
            return None
        if value.size == 0:
            return f"np.zeros({value.shape}, dtype=np.{value.dtype})"
        body = repr(value.tolist())  # Python's shortest exact repr of every number
        default = {"f": np.float64, "i": np.int64}.get(value.dtype.kind)
        dtype = "" if value.dtype == default else f", dtype=np.{value.dtype}"
        return f"np.array({body}{dtype})"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    if isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
        return repr(value)
    return None


def snippet(
    exercise: str,
    params: tuple[str, ...],
    args: tuple,
    shown: tuple | None = None,
    *,
    case: int | None = None,
) -> list[str]:
    """Lines that rebuild a case's inputs and call the function, to paste in a new cell.

    ``shown`` gives source for arguments that cannot be written out (a Generator
    made from a seed). When an argument is too large to write out, the inputs
    come from :func:`kmeans_lab.checks.case_inputs` if ``case`` (the number of a
    visible check's case) is given, else it is described.

    The variables are named for the case (``case_X``, ``case_centroids``), so that
    running the snippet never overwrites the notebook's own ``X`` or ``image``.

    Examples
    --------
    >>> snippet("f", ("X", "K"), (np.array([[0.5, 1.0]]), 2))  # doctest: +NORMALIZE_WHITESPACE
    ['this case, to run in a new cell:', '    case_X = np.array([[0.5, 1.0]])',
     '    case_K = 2', '    f(case_X, case_K)']
    """
    lines = ["this case, to run in a new cell:"]
    sources = [
        (shown[i] if shown is not None and i < len(shown) and shown[i] else None) or _literal(v)
        for i, v in enumerate(args)
    ]
    params = tuple(f"case_{name}" for name in params)
    if case is not None and any(source is None for source in sources):
        names = ", ".join(params)
        call = f'case_inputs("{exercise}", {case})'
        lines += [
            "    from kmeans_lab.checks import case_inputs",
            f"    {names} = {call}" if len(params) > 1 else f"    {names} = {call}[0]",
            f"    {exercise}({names})",
        ]
        return lines
    for index, (name, value) in enumerate(zip(params, args)):
        source = shown[index] if shown is not None and index < len(shown) and shown[index] else None
        source = source or _literal(value)
        if source is None:
            what = (
                f"an array of shape {value.shape}, {value.dtype}, too large to write out here"
                if isinstance(value, np.ndarray)
                else f"a {type(value).__name__}"
            )
            lines.append(f"    {name} = ...  # {what}")
        else:
            lines.append(f"    {name} = {source}")
    lines.append(f"    {exercise}({', '.join(params)})")
    return lines
