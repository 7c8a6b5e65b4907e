"""Code that asks for a look by hand: it reaches into the grader, or names the reference.

Two static readings of a submitted notebook's own cells (the cells whose
source is not one the gradebook stores: :func:`.cells.own_cells`, never the
notebook's metadata), made by the trusted grader:

- what a cell names of the grader's policy (:mod:`.policy`: the grader's
  modules, ``sys.modules``, ``importlib``, stack frames, ``exec``, patched
  modules ...), read on its syntax tree or its tokens (:mod:`.reading`), so
  spacing, aliases and attribute chains do not hide it;
- a graded function whose body names a course function it must not call
  (``kl.find_closest_centroids`` inside ``find_closest_centroids``), under
  any import alias.

Both only raise a flag (``review by hand`` in the total row of the grades
CSV); points are decided by the checks (and :mod:`.own_work`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

from .cells import course_sources, own_cells, parse
from .reading import aliases_of, findings

__all__ = ["notebook_flags", "reference_names", "suspicious_lines"]


def suspicious_lines(source: str, aliases: dict[str, str] | None = None) -> list[str]:
    """The lines of ``source`` that name something of the grader's policy, once each.

    Examples
    --------
    >>> suspicious_lines("x = 1\\nimport importlib")
    ['import importlib']
    >>> suspicious_lines("import kmeans_lab as kl\\ng = getattr(kl, 'gra' + 'ding')")
    ["g = getattr(kl, 'gra' + 'ding')"]
    """
    lines: list[str] = []
    for finding in findings(source, aliases_of(source) | dict(aliases or {})):
        if finding.text not in lines:
            lines.append(finding.text)
    return lines


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id]] + parts[::-1])
    return None


def reference_names(source: str, exercise: str, aliases: dict[str, str]) -> list[str]:
    """What ``exercise``'s function names that it must not use.

    The course functions forbidden to it (under any import alias), and the
    library calls its registry record forbids (``forbidden_modules``: some,
    such as ``scipy.spatial.cKDTree``, run as compiled code that the checks'
    watch cannot see).
    """
    tree = parse(source)
    if tree is None:
        return []
    record = REGISTRY[exercise]
    forbidden = {d.rsplit(".", 1)[1]: d for d in record.forbidden}
    aliases = aliases | aliases_of(source)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == exercise:
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Name, ast.Attribute)):
                    dotted = _dotted(inner, aliases)
                    if not dotted:
                        continue
                    if dotted.startswith("kmeans_lab.") and dotted.rsplit(".", 1)[-1] in forbidden:
                        hits.append(forbidden[dotted.rsplit(".", 1)[-1]])
                    for entry in record.forbidden_modules:
                        if dotted == entry or dotted.startswith(entry + "."):
                            hits.append(entry)
    return sorted(set(hits))


def notebook_flags(
    course: Path, notebook: str, nb, course_cells: frozenset[str] | None = None
) -> list[str]:
    """One line per flag raised by a submitted notebook.

    ``course_cells`` are the course's cell sources (default: the gradebook's,
    :func:`.cells.course_sources`); every other code cell is the student's.
    """
    if course_cells is None:
        course_cells = course_sources(course, notebook)
    own = own_cells(nb, course_cells)
    aliases: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            aliases.update(aliases_of(cell.source))
    lines = []
    for number, cell in own:
        for finding in findings(cell.source, aliases):
            lines.append(f"{notebook} cell {number}: {finding.text} ({finding.why})")
    for number, cell in own:
        for exercise in REGISTRY:  # whichever graded function the cell defines
            for name in reference_names(cell.source, exercise, aliases):
                what = "the course's" if name.startswith("kmeans_lab.") else "the library call"
                lines.append(f"{notebook} cell {number}: {exercise} names {what} {name}")
    return lines
