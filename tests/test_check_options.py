"""A check's options (``n_random``, ``seed``) are checked by the library's one checker.

A wrong type is a ``TypeError``, a negative number a ``ValueError``, each
naming the option: in every check, in ``case_inputs`` and in the grader's plan.
"""

from __future__ import annotations

import pytest

from kmeans_lab import checks
from kmeans_lab.checks.inputs import case_inputs
from kmeans_lab.checks.options import check_options
from kmeans_lab.checks.registry import EXERCISES
from tools.catalogue import RIGHT

BAD = [
    ({"n_random": -1}, ValueError, r"^n_random must be at least 0, got -1$"),
    ({"seed": -5}, ValueError, r"^seed must be at least 0, got -5$"),
    ({"n_random": True}, TypeError, r"^n_random must be an integer, got True \(bool\)$"),
    ({"n_random": 2.0}, TypeError, r"^n_random must be an integer, got 2.0 \(float\)$"),
    ({"seed": "3"}, TypeError, r"^seed must be an integer, got '3' \(str\)$"),
]


@pytest.mark.parametrize("options, error, message", BAD)
def test_check_options_names_the_bad_option(options, error, message):
    given = {"n_random": 3, "seed": 0, **options}
    with pytest.raises(error, match=message):
        check_options(given["n_random"], given["seed"])


def test_good_options_come_back_as_ints():
    import numpy as np

    assert check_options(np.int64(4), 7) == (4, 7)
    assert type(check_options(np.int64(4), 7)[0]) is int
    assert check_options(0, 0) == (0, 0)


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("options, error, message", BAD[:2])
def test_every_check_refuses_a_negative_option_before_running(exercise, options, error, message):
    check = getattr(checks, f"check_{exercise}")
    calls = []

    def spy(*args):
        calls.append(args)
        raise AssertionError("the check ran the function")

    with pytest.raises(error, match=message):
        check(spy, **options)
    assert calls == []


@pytest.mark.parametrize("options, error, message", BAD[:3])
def test_case_inputs_and_the_graders_plan_say_the_same(options, error, message):
    with pytest.raises(error, match=message):
        case_inputs("find_closest_centroids", 1, **options)
    pytest.importorskip("nbgrader")
    from tools.grading import replay

    given = {"n_random": 0, "seed": 0, **options}
    with pytest.raises(error, match=message):
        replay.plan("find_closest_centroids", **given)


def test_a_good_check_still_passes_with_zero_random_cases():
    right = RIGHT["find_closest_centroids"][0].func
    assert checks.check_find_closest_centroids(right, n_random=0, seed=0)
