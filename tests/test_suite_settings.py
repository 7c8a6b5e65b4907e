"""The test suite's own settings (``tests/conftest.py``): hypothesis's profiles, one BLAS thread, kernel starts.

``make test`` runs each property test's own count of examples, ``make
test-quick`` (``HYPOTHESIS_PROFILE=quick``) a fifth of it, at least 10, even
where the test sets its count itself, and once per test, however many
parametrized items share it; a profile hypothesis does not know stops the run
with an error that names it. Proved by running pytest, with the suite's
conftest as a plugin, on a probe whose tests count their calls.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

PROBE = """
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def _count(name):
    with open(os.environ["PROBE_CALLS"], "a") as f:
        f.write(name + "\\n")


@settings(max_examples=300, database=None)
@given(st.integers())
def test_own_count(x):
    _count("own")


@pytest.mark.parametrize("p", [1, 2])
@settings(max_examples=100, database=None)
@given(st.integers())
def test_parametrized(p, x):
    _count(f"param{p}")


@given(st.integers())
@settings(database=None)
def test_profile_count(x):
    _count("profile")


def test_one_thread():
    assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["OPENBLAS_NUM_THREADS"] == "1"
"""


def _run_probe(
    tmp_path, child_env, profile: str | None
) -> tuple[subprocess.CompletedProcess, Counter]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    calls = tmp_path / "calls.txt"
    env = child_env(PROBE_CALLS=str(calls))  # PYTHONPATH: tests/, where conftest.py is
    for name in ("HYPOTHESIS_PROFILE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.pop(name, None)
    if profile is not None:
        env["HYPOTHESIS_PROFILE"] = profile
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "conftest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(probe),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    counted = Counter(calls.read_text().split()) if calls.exists() else Counter()
    return result, counted


@pytest.mark.slow  # pytest in a subprocess, twice: 5 to 16 s under load
@pytest.mark.parametrize(
    "profile, expected",
    [
        (None, {"own": 300, "param1": 100, "param2": 100, "profile": 100}),
        ("quick", {"own": 60, "param1": 20, "param2": 20, "profile": 20}),
    ],
)
def test_the_profile_named_in_the_environment_sets_the_examples(
    tmp_path, child_env, profile, expected
):
    result, counted = _run_probe(tmp_path, child_env, profile)
    assert result.returncode == 0, result.stdout + result.stderr
    assert dict(counted) == expected


@pytest.mark.slow  # pytest in a subprocess
def test_an_unknown_profile_stops_the_run_and_is_named(tmp_path, child_env):
    result, counted = _run_probe(tmp_path, child_env, "quik")
    assert result.returncode != 0
    assert "quik" in result.stdout + result.stderr
    assert not counted


def test_a_kernel_that_dies_at_its_start_is_started_again_and_one_that_always_dies_fails():
    import nbval.kernel
    from conftest import KERNEL_STARTS, _start_kernel_retrying

    assert nbval.kernel.start_new_kernel.__name__ == "start_new_kernel"
    assert nbval.kernel.start_new_kernel.__qualname__.startswith("_start_kernel_retrying")
    tries = []

    def dies_once(**kwargs):
        tries.append(kwargs)
        if len(tries) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "km", "kc"

    assert _start_kernel_retrying(dies_once)(kernel_name="python3") == ("km", "kc")
    assert tries == [{"kernel_name": "python3"}] * 2
    tries.clear()

    def always_dies(**kwargs):
        tries.append(kwargs)
        raise RuntimeError("Kernel died before replying to kernel_info")

    with pytest.raises(RuntimeError, match="Kernel died"):
        _start_kernel_retrying(always_dies)()
    assert len(tries) == KERNEL_STARTS
