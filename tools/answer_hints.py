"""Which collapsed hints of a notebook give an exercise's whole answer, and a release without them.

The course notebooks reveal their hints progressively, in ``<details>``
blocks under each exercise; for self-study the last one may hold a complete
solution. A graded release (``make release GRADED=1``) leaves those out.

A hint *gives the answer* when its code, used as the body of the exercise's
function, passes the exercise's own check: the rule is decided by running
the check, not by a list of hint numbers, so a hint rewritten or added later
is judged the same way. Each fenced code block of a hint is tried on its own
(a hint may show two ways), and the hint's inline code as one body.

The same rule finds a worked example outside the exercises: a code cell that
is not an nbgrader cell and defines an exercise's function that passes its
check (``00_index.ipynb`` shows a check at work on a correct
``find_closest_centroids``). A graded release replaces such a cell by a
comment saying it was left out (:func:`without_answer_hints`).
"""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np

from kmeans_lab import checks
from kmeans_lab.checks.registry import REGISTRY, resolve

__all__ = ["details_blocks", "gives_the_answer", "answer_hints", "without_answer_hints"]

_DETAILS = re.compile(r"<details>.*?</details>\s*", re.S)
_FENCED = re.compile(r"```(?:python)?\n(.*?)```", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")


def details_blocks(markdown: str) -> list[str]:
    """The ``<details>...</details>`` blocks of a markdown cell's text, in order."""
    return [m.group(0) for m in _DETAILS.finditer(markdown)]


def _bodies(block: str) -> list[str]:
    fenced = [code for code in _FENCED.findall(block)]
    if fenced:
        return fenced
    inline = [code for code in _INLINE.findall(block) if "(" in code]
    return [f"return {code}" for code in inline[:1]]


def gives_the_answer(exercise: str, block: str) -> bool:
    """Whether the code of a hint ``block`` passes ``exercise``'s check as the function's body.

    Examples
    --------
    >>> gives_the_answer("compressed_bits", "`24 * K + n_pixels * math.ceil(math.log2(K))`")
    True
    >>> gives_the_answer("compressed_bits", "`24 * K + n_pixels * math.log2(K)`")
    False
    """
    record = REGISTRY[exercise]
    check = getattr(checks, record.check_name)
    for body in _bodies(block):
        source = record.signature() + "\n" + textwrap.indent(body.strip(), "    ") + "\n"
        namespace: dict = {"np": np, "math": math}
        for dotted in record.uses:
            namespace[dotted.rsplit(".", 1)[-1]] = resolve(dotted)
        try:
            exec(compile(source, f"<hint of {exercise}>", "exec"), namespace)
            check(namespace[exercise])
        except Exception:  # a hint that does not compile or fails: not the answer
            continue
        return True
    return False


def _worked_answers(source: str) -> list[str]:
    """The exercises whose function ``source`` defines and that pass their check."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in REGISTRY:
            body = "\n".join(ast.unparse(statement) for statement in node.body)
            if gives_the_answer(node.name, f"```python\n{body}\n```"):
                found.append(node.name)
    return found


LEFT_OUT = (
    "# A graded release leaves out this cell: it showed a correct answer to {exercises}.\n"
    "# (The self-study notebooks in notebooks/student/ have it.)"
)


def _exercise_of(cell) -> str | None:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id if grade_id in REGISTRY else None


def answer_hints(nb) -> list[tuple[int, str, str]]:
    """``(cell index, exercise, block)`` of every hint of ``nb`` that gives an answer.

    A code cell that gives one is listed with its whole source as the block.
    A hint belongs to the last exercise whose solution cell (nbgrader
    ``grade_id`` = the exercise's name) comes before it.
    """
    found, exercise = [], None
    for index, cell in enumerate(nb.cells):
        exercise = _exercise_of(cell) or exercise
        if cell.cell_type == "code" and "nbgrader" not in cell.get("metadata", {}):
            found += [(index, name, cell.source) for name in _worked_answers(cell.source)]
        if cell.cell_type != "markdown" or exercise is None:
            continue
        for block in details_blocks(cell.source):
            if gives_the_answer(exercise, block):
                found.append((index, exercise, block))
    return found


def without_answer_hints(nb) -> list[str]:
    """Remove from ``nb`` (in place) every hint that gives an answer; say what was removed."""
    removed = []
    for index, exercise, block in answer_hints(nb):
        cell = nb.cells[index]
        if cell.cell_type == "code":
            cell.source = LEFT_OUT.format(exercises=exercise)
            cell.outputs = []
            removed.append(f"{exercise}: the worked example in cell {index}")
            continue
        cell.source = cell.source.replace(block, "")
        summary = re.search(r"<summary>(.*?)</summary>", block)
        removed.append(f"{exercise}: {summary[1] if summary else 'a hint'}")
    return removed
