"""Shared set-up of the test suite.

The test modules import the helper modules that live beside them
(:mod:`browser_helpers`, :mod:`demo_results`; the catalogue of student
solutions the checks are tested against is :mod:`tools.catalogue`): pyproject.toml's
``[tool.pytest.ini_options] pythonpath`` puts this folder and the repository (for
``tools``) on the path, whatever pytest's import mode; a test that starts another
Python process passes :func:`subprocess_env` to it for the same reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports the test helpers."""
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", **extra)


@pytest.fixture
def child_env():
    """Environment for subprocesses that import the test helpers (see :func:`subprocess_env`)."""
    return subprocess_env
