"""Code that asks for a look by hand: it reaches into the grader, or names the reference.

Two static readings of a submitted notebook's own cells (the cells whose
source is not in the released notebook: the student's answers and any cell
they added), made by the trusted grader on the notebook's text:

- lines matching :data:`kmeans_lab.grading.SUSPICIOUS_PATTERNS` (the grader's
  modules, ``sys.modules``, ``importlib``, stack frames, ``exec`` ...);
- a graded function whose body names a course function it must not call
  (``kl.find_closest_centroids`` inside ``find_closest_centroids``), under
  any import alias.

Both only raise a flag (``review by hand`` in the total row of the grades
CSV); points are decided by the checks alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.grading import suspicious_lines

from ..nbgrader_course import ASSIGNMENT

__all__ = ["notebook_flags", "reference_names"]


def _released_sources(course: Path, notebook: str) -> set[str]:
    path = Path(course) / "release" / ASSIGNMENT / f"{notebook}.ipynb"
    try:
        return {c.source for c in nbformat.read(path, as_version=4).cells}
    except Exception:
        return set()


def _aliases(tree: ast.AST) -> dict[str, str]:
    """``{local name: dotted name}`` of the notebook's ``kmeans_lab`` imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kmeans_lab":
                    names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kmeans_lab":
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id]] + parts[::-1])
    return None


def reference_names(source: str, exercise: str, aliases: dict[str, str]) -> list[str]:
    """Course functions forbidden to ``exercise`` that its function's body names."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    forbidden = {d.rsplit(".", 1)[1]: d for d in REGISTRY[exercise].forbidden}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == exercise:
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Name, ast.Attribute)):
                    dotted = _dotted(inner, aliases)
                    if dotted and dotted.rsplit(".", 1)[-1] in forbidden:
                        hits.append(forbidden[dotted.rsplit(".", 1)[-1]])
    return sorted(set(hits))


def notebook_flags(course: Path, notebook: str, nb) -> list[str]:
    """One line per flag raised by a submitted notebook."""
    released = _released_sources(course, notebook)
    own = [
        (number, cell)
        for number, cell in enumerate(nb.cells, 1)
        if cell.cell_type == "code"
        and cell.source not in released
        and not cell.get("metadata", {}).get("nbgrader", {}).get("locked")
    ]
    lines = [
        f"{notebook} cell {number}: {line}"
        for number, cell in own
        for line in suspicious_lines(cell.source)
    ]
    aliases: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                aliases.update(_aliases(ast.parse(cell.source)))
            except SyntaxError:  # shell escapes, magics, a broken cell: no imports read
                pass
    for number, cell in own:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in REGISTRY:
            for name in reference_names(cell.source, grade_id, aliases):
                lines.append(f"{notebook} cell {number}: {grade_id} names the course's {name}")
    return lines
