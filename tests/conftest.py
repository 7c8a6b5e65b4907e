"""Shared set-up of the test suite.

The test modules import the helper modules that live beside them
(:mod:`browser_helpers`, :mod:`demo_results`; the catalogue of student
solutions the checks are tested against is :mod:`tools.catalogue`): pyproject.toml's
``[tool.pytest.ini_options] pythonpath`` puts this folder and the repository (for
``tools``) on the path, whatever pytest's import mode; a test that starts another
Python process passes :func:`subprocess_env` to it for the same reason.

Hypothesis runs under the profile ``HYPOTHESIS_PROFILE`` names: ``full`` (the
default; ``make test``, CI) or ``quick`` (``make test-quick``: a fifth of each
property test's examples, :func:`hypothesis_examples.examples`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

TESTS_DIR = Path(__file__).resolve().parent

# BLAS and OpenMP (scikit-learn's KMeans) on one thread, in the test processes and the
# kernels and commands they start, as in the grading sandbox (tools/sandbox.py): the suite
# runs on every core already (make test: TEST_WORKERS processes), and OpenMP threads that
# wait for a busy core spin: scikit-learn's K = 256 fit took 5 to 8 times longer on two
# threads than on one, on the 2 shared cores under load 4. Set before NumPy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

settings.register_profile("full", settings.get_profile("default"))
settings.register_profile("quick", max_examples=20)
# loaded here, before pytest imports a test module, so that each @settings(...) sees it
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "full")


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports the test helpers."""
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", **extra)


@pytest.fixture
def child_env():
    """Environment for subprocesses that import the test helpers (see :func:`subprocess_env`)."""
    return subprocess_env
