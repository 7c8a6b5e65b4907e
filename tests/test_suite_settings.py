"""The test suite's own settings (``tests/conftest.py``): hypothesis's profiles and one BLAS thread.

``make test`` runs each property test's full count of examples, ``make
test-quick`` (``HYPOTHESIS_PROFILE=quick``) a fifth of it; a name hypothesis
does not know stops the run with an error that names it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import conftest, os
from hypothesis import settings
from hypothesis_examples import examples
print(settings.get_current_profile_name(), examples(300), examples(20), settings.default.max_examples,
      os.environ["OMP_NUM_THREADS"])
"""


def _probe(child_env, profile: str | None) -> subprocess.CompletedProcess:
    env = child_env()
    env.pop("HYPOTHESIS_PROFILE", None)
    env.pop("OMP_NUM_THREADS", None)
    if profile is not None:
        env["HYPOTHESIS_PROFILE"] = profile
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "profile, expected",
    [(None, "full 300 20 100 1"), ("full", "full 300 20 100 1"), ("quick", "quick 60 10 20 1")],
)
def test_the_profile_named_in_the_environment_sets_the_examples(child_env, profile, expected):
    result = _probe(child_env, profile)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected.split()


def test_an_unknown_profile_stops_the_run_and_is_named(child_env):
    result = _probe(child_env, "quik")
    assert result.returncode != 0
    assert "quik" in result.stderr
