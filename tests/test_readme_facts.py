"""The README's facts about the code come from the code: this test fails when they drift.

- the repository map names every module of ``kmeans_lab/`` and ``tools/``, and
  every path it names exists;
- the catalogue's counts of wrong and right implementations are the loaded ones;
- the classes and modules ``tools/__init__.py``'s docstring names exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.catalogue import RIGHT, WRONG

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


MAP = _section("Repository map")
#: Every name written in backticks in the map's rows.
NAMED = set(re.findall(r"`([^`]+)`", MAP))


def _modules(package: str) -> list[Path]:
    root = REPO / package
    return sorted(
        p
        for p in root.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") and "__pycache__" not in p.parts
    )


@pytest.mark.parametrize(
    "module",
    [p.relative_to(REPO).as_posix() for pkg in ("kmeans_lab", "tools") for p in _modules(pkg)],
)
def test_the_repository_map_names_every_module(module):
    path = Path(module)
    names = {path.name, path.stem, module, f"{path.parent.name}/{path.name}"}
    named = any(any(n == name or name.endswith("/" + n) for name in NAMED) for n in names)
    assert named, f"README's repository map does not name {module}: add it to its row"


def test_every_path_the_map_names_exists():
    paths = re.findall(r"^\| `([^`]+)`", MAP, re.M)
    assert len(paths) > 10
    for path in paths:
        if path.startswith("my-course"):  # made by `make lab`, not in the repository
            continue
        assert (REPO / path.rstrip("/")).exists(), f"README's repository map names {path}"


def test_the_catalogue_counts_in_the_readme_are_the_loaded_ones():
    wrong = sum(len(v) for v in WRONG.values())
    right = sum(len(v) for v in RIGHT.values())
    text = " ".join(README.split())
    assert f"a catalogue of {wrong} wrong and {right} correct implementations" in text, (
        f"README must say 'a catalogue of {wrong} wrong and {right} correct implementations'"
    )


def test_the_tools_docstring_names_only_what_exists():
    import tools

    doc = tools.__doc__
    listed = re.findall(r"^([a-z_]+(?:, [a-z_]+)*)$", doc, re.M)  # a "Modules" entry
    modules = [name for line in listed for name in line.split(", ")]
    assert "preprocessors" in modules and len(modules) > 10
    for name in modules:
        assert (REPO / "tools" / f"{name}.py").exists() or (REPO / "tools" / name).is_dir(), name
    classes = set(re.findall(r"``([A-Z][A-Za-z]+)``", doc))
    assert classes, "the docstring names the course's preprocessors"
    defined = {
        m.group(1)
        for path in (REPO / "tools").rglob("*.py")
        for m in re.finditer(r"^class ([A-Za-z]+)\b", path.read_text(encoding="utf-8"), re.M)
    }
    assert classes <= defined, f"tools/__init__.py names {sorted(classes - defined)}"
