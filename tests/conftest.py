"""Shared set-up of the test suite.

The test modules import the helper modules that live beside them
(:mod:`browser_helpers`, :mod:`demo_results`; the catalogue of student
solutions the checks are tested against is :mod:`tools.catalogue`): pyproject.toml's
``[tool.pytest.ini_options] pythonpath`` puts this folder and the repository (for
``tools``) on the path, whatever pytest's import mode; a test that starts another
Python process passes :func:`subprocess_env` to it for the same reason.

Hypothesis runs under the profile ``HYPOTHESIS_PROFILE`` names: ``full`` (the
default; ``make test``, CI: each property test's own count of examples) or
``quick`` (``make test-quick``: a fifth of each test's count, at least 10,
:func:`quick_examples`).
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
# the same settings: what the quick profile changes, pytest_collection_modifyitems does
settings.register_profile("quick", settings.get_profile("default"))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "full")


def quick_examples(full: int) -> int:
    """What the ``quick`` profile keeps of a property test's count of examples."""
    return max(10, full // 5)


def pytest_collection_modifyitems(config, items):
    """Under the ``quick`` profile, each property test tries :func:`quick_examples` of its count.

    A test's own ``@settings(max_examples=...)`` wins over any profile, so its
    settings are scaled here, once per test function (its parametrized items share
    them): hypothesis keeps them on the function and reads them when the test runs.
    """
    if settings.get_current_profile_name() != "quick":
        return
    seen = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None or id(test) in seen:
            continue
        seen.add(id(test))
        test._hypothesis_internal_use_settings = settings(
            own, max_examples=quick_examples(own.max_examples)
        )


#: How many times nbval may start a notebook's kernel (see :func:`_start_kernel_retrying`).
KERNEL_STARTS = 3


def _start_kernel_retrying(start):
    """nbval's ``start_new_kernel``, tried again when the kernel dies before it answers.

    jupyter_client picks a kernel's five ports by binding them and letting them go, so
    that the kernel binds them itself a moment later; another process (the other pytest
    worker's kernel, any process of the shared machine) can take one in between, and the
    kernel dies with "Address already in use" (e.g. treebeardtech/nbmake#129, under
    pytest-xdist). A kernel that cannot start at all still fails, after
    :data:`KERNEL_STARTS` tries (nbval shuts each failed one down).
    """

    def start_new_kernel(*args, **kwargs):
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError:
                if attempt == KERNEL_STARTS:
                    raise

    return start_new_kernel


try:
    import nbval.kernel as _nbval_kernel
except ImportError:  # pragma: no cover - nbval is in the test extra
    pass
else:
    _nbval_kernel.start_new_kernel = _start_kernel_retrying(_nbval_kernel.start_new_kernel)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports the test helpers."""
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", **extra)


@pytest.fixture
def child_env():
    """Environment for subprocesses that import the test helpers (see :func:`subprocess_env`)."""
    return subprocess_env
