"""No module of the package or the tools over 450 lines (issue #23): split along a line a reader
would recognise before it grows past that."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIMIT = 450
MODULES = sorted(p for folder in ("kmeans_lab", "tools") for p in (REPO / folder).rglob("*.py"))


def test_the_modules_are_found():
    assert len(MODULES) > 100
    assert REPO / "kmeans_lab" / "fast" / "palette.py" in MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_over_450_lines(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{module.relative_to(REPO)} has {lines} lines (at most {LIMIT})"
