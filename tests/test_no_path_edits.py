"""No file of the repository edits ``sys.path`` (reading it is fine).

Tests import through the installed package and pyproject.toml's pytest
``pythonpath``; tools and benchmarks run as modules from the repository's root
(``python -m tools.x``, ``python -m benchmarks.bench_x``); nbgrader gets the
repository on ``PYTHONPATH`` from the tools (``tools.nbgrader_course.nbgrader_env``).

Python files are read as syntax trees, so that every way of changing the list
is found (a method call, an assignment to it or to a slice of it, ``+=``) and
a string that merely mentions it (the catalogue's attacks, policy patterns) is
not; every other text file (Makefile, shell scripts, notebooks) is searched as
text.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Folders that are not the project's files: environments, generated work (and every
#: hidden folder but .ci: caches, .venv, .git).
SKIPPED = {"node_modules", "my-course", "build", "demo-class", "test-artifacts"}
#: The methods of a list that change it.
MUTATORS = {"insert", "append", "extend", "remove", "pop", "clear", "reverse", "sort"}
NAME = "sys" + ".path"  # spelled in two parts, so this file does not match itself
TEXT_EDIT = re.compile(r"\bsys\s*\.\s*path\s*(\.\s*(" + "|".join(MUTATORS) + r")\b|\[|\+=|=(?!=))")


def _is_sys_path(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def python_edits(source: str) -> list[int]:
    """Line numbers of ``source`` (Python) that change ``sys.path``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and _is_sys_path(node.func.value)
        ):
            lines.append(node.lineno)
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if _is_sys_path(target) or (
                isinstance(target, ast.Subscript) and _is_sys_path(target.value)
            ):
                lines.append(node.lineno)
    return sorted(lines)


def text_edits(text: str) -> list[int]:
    """Line numbers of ``text`` (any other file) that look like a change of ``sys.path``."""
    return [n for n, line in enumerate(text.splitlines(), 1) if TEXT_EDIT.search(line)]


def project_files():
    """The repository's files: git's (committed or new, not ignored), else every file."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout.decode()
        relatives = sorted({Path(name) for name in listed.split("\0") if name})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an archive)
        relatives = sorted(p.relative_to(REPO) for p in REPO.rglob("*"))
    for relative in relatives:
        path = REPO / relative
        hidden = any(part.startswith(".") and part != ".ci" for part in relative.parts)
        if path.is_file() and not hidden and not SKIPPED.intersection(relative.parts):
            yield path, relative


@pytest.mark.parametrize(
    "source",
    [
        "import sys\nsys.path.insert(0, '.')\n",
        "import sys\nsys.path.append('x')\n",
        "import sys\nsys . path.extend(['x'])\n",
        "import sys\nsys.path[:0] = ['x']\n",
        "import sys\nsys.path += ['x']\n",
        "import sys\nsys.path = ['x']\n",
        "import sys\nif True:\n    sys.path.insert(0, 'x')  # nested\n",
    ],
)
def test_every_way_of_editing_the_path_is_found(source):
    assert python_edits(source), source
    assert text_edits(source), source


@pytest.mark.parametrize(
    "source",
    [
        "import sys\nfor folder in sys.path:\n    print(folder)\n",
        "import sys\nfound = 'x' in sys.path\n",
        "import sys\nfound = sys.path == ['x']\n",
        "PATTERNS = ['sys.path.insert', 'sys.path_hooks']\n",  # a string, not code
    ],
)
def test_reading_the_path_or_naming_it_in_a_string_is_not_an_edit(source):
    assert python_edits(source) == [], source


def test_no_file_of_the_repository_edits_sys_path():
    found = []
    for path, relative in project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # images, data
        if NAME not in text.replace(" ", ""):
            continue
        if path.suffix == ".py":
            lines = python_edits(text)
        elif path.suffix == ".md":
            continue  # prose
        else:
            lines = text_edits(text)
        found += [f"{relative}:{line}" for line in lines]
    assert not found, (
        f"{NAME} edited at " + ", ".join(found) + ": import through the installed package, "
        "pyproject.toml's pytest pythonpath, or run the file as a module (python -m ...)"
    )
