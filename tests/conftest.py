"""Shared set-up of the test suite.

The test modules import the helper modules that live beside them
(:mod:`browser_helpers`, :mod:`demo_results`; the catalogue of student
solutions the checks are tested against is :mod:`tools.catalogue`). This folder is put on ``sys.path`` here, once, so
that works whatever pytest's import mode; a test that starts another Python
process passes :func:`subprocess_env` to it for the same reason.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports the test helpers."""
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", **extra)


@pytest.fixture
def child_env():
    """Environment for subprocesses that import the test helpers (see :func:`subprocess_env`)."""
    return subprocess_env
