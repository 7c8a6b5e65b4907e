"""Tests of the tests: kmeans_lab.checks against a catalogue of student solutions.

Every wrong implementation in the catalogue (``tools/catalogue/``) must be
rejected with a useful CheckFailure; every correct one, whatever its style,
must be accepted (with the default cases and with the hidden-test settings).
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import kmeans_lab
from kmeans_lab.checks import (
    EXERCISES,
    CheckFailure,
    CheckResult,
    check_compressed_bits,
    check_find_closest_centroids,
    check_init_centroids,
    check_run_kmeans,
    student_or_reference,
)
from kmeans_lab.checks import case_inputs as checks_case_inputs
from kmeans_lab.checks import compute_centroids as compute_module
from kmeans_lab.checks import find_closest_centroids as find_module
from kmeans_lab.checks import image_to_pixels as image_module
from kmeans_lab.checks import init_centroids as init_module
from kmeans_lab.checks import run_kmeans as run_module
from kmeans_lab.checks.fallback import check_function
from kmeans_lab.checks.registry import REGISTRY
from tools.catalogue import RIGHT, WRONG, Entry, right_by_name, wrong_by_name

CHECKS = {name: check_function(name) for name in EXERCISES}
REFERENCES = {name: REGISTRY[name].reference_function() for name in EXERCISES}

WRONG_CASES = [
    pytest.param(
        ex,
        w,
        id=f"{ex}-{w.name}",
        marks=[pytest.mark.xfail(reason=w.accepted_by, strict=True)] if w.accepted_by else [],
    )
    for ex, ws in WRONG.items()
    for w in ws
]
RIGHT_CASES = [
    pytest.param(ex, r.func, id=f"{ex}-{r.name}") for ex, rs in RIGHT.items() for r in rs
]


def failure_of(exercise: str, func, **kwargs) -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        CHECKS[exercise](func, **kwargs)
    return info.value


def assert_well_formed(exercise: str, failure: CheckFailure) -> list[str]:
    """The shape every failure message must have; returns its lines."""
    message = str(failure)
    lines = message.splitlines()
    assert lines[0].startswith(f"{exercise}: "), lines[0]
    hints = [line for line in lines if line.lstrip().startswith("hint:")]
    assert len(hints) == 1, message
    assert lines[-1] == hints[0] and lines[-1].startswith("  hint: "), message
    assert len(lines[-1]) > len("  hint: ") + 10
    assert "\x1b" not in message and "Traceback" not in message
    assert failure.exercise == exercise
    assert failure.hint and failure.hint in lines[-1]
    assert isinstance(failure, AssertionError)
    return lines


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------


def test_catalogue_sizes():
    for exercise in ("init_centroids", "find_closest_centroids", "compute_centroids"):
        assert len(WRONG[exercise]) >= 8, exercise
    for exercise in EXERCISES:
        assert len(WRONG[exercise]) >= 4, exercise
        assert len(RIGHT[exercise]) >= 3, exercise


@pytest.mark.parametrize("exercise, wrong", WRONG_CASES)
def test_wrong_implementation_is_rejected(exercise: str, wrong: Entry):
    failure = failure_of(exercise, wrong.func)
    lines = assert_well_formed(exercise, failure)
    message = str(failure)
    if wrong.kind == "values":
        assert " failed (" in lines[0], message
        assert any(line.lstrip().startswith("expected") for line in lines), message
        assert any(line.lstrip().startswith("got") for line in lines), message
    elif wrong.kind == "raises":
        assert " raised " in lines[0] and "Error: " in lines[1], message
    elif wrong.kind == "mutation":
        assert "your function changed its argument" in message
        assert "expected" in message and "got" in message
    elif wrong.kind == "provenance":
        assert "write your own" in lines[0], message
        assert "implementation" in lines[0]
    elif wrong.kind == "signature":
        assert "your function must take exactly (" in lines[0], message
        assert "TypeError" not in lines[0] and "yours takes (" in lines[1], message
    elif wrong.kind == "loop":
        assert "no Python loop over the" in lines[0], message
        assert "lines of your code run for" in message and "loops over the" in message
    else:  # pragma: no cover - a typo in the catalogue
        pytest.fail(f"unknown kind {wrong.kind!r}")
    if wrong.hint:
        assert wrong.hint in lines[-1], f"expected hint containing {wrong.hint!r}, got:\n{message}"
    for claim in wrong.not_hint:
        assert claim not in lines[-1], f"the hint must not say {claim!r}:\n{message}"
    if wrong.message:
        assert wrong.message in "\n".join(lines[:-1]), message


@pytest.mark.parametrize("exercise, func", RIGHT_CASES)
def test_correct_implementation_is_accepted(exercise: str, func):
    result = CHECKS[exercise](func)
    assert isinstance(result, CheckResult) and result.passed and result.n_total > 5
    hidden = CHECKS[exercise](func, n_random=25, seed=9173)
    assert hidden.n_total == result.n_total + 22 and hidden.passed


@pytest.mark.parametrize("exercise", EXERCISES)
def test_n_random_adds_that_many_cases(exercise):
    func = RIGHT[exercise][0].func
    base = CHECKS[exercise](func, n_random=0)
    assert CHECKS[exercise](func, n_random=7, seed=3).n_total == base.n_total + 7


def test_a_case_beyond_toy_size_catches_what_small_cases_miss():
    # a bug that only shows on more points than the small cases have: every point after the
    # 30th ignored
    def find_closest_centroids(X, centroids):
        labels = np.zeros(len(X), dtype=int)
        head = X[:30]
        labels[:30] = ((head[:, None] - centroids[None]) ** 2).sum(2).argmin(1)
        return labels

    failure = failure_of("find_closest_centroids", find_closest_centroids)
    assert "(2000 points, 16 centroids, 3 features)" in str(failure).splitlines()[0]
    # too large to write out: the snippet gets the case's inputs by its number
    assert 'case_X, case_centroids = case_inputs("find_closest_centroids", 9)' in str(failure)
    X, centroids = checks_case_inputs("find_closest_centroids", 9)
    assert X.shape == (2000, 3) and centroids.shape == (16, 3)


# ---------------------------------------------------------------------------
# Specific messages
# ---------------------------------------------------------------------------


def test_find_message_matches_the_style_guide():
    failure = failure_of(
        "find_closest_centroids", wrong_by_name("find_closest_centroids", "l1_distance")
    )
    lines = str(failure).splitlines()
    assert (
        lines[0]
        == "find_closest_centroids: case 1 of 13 failed (5 points, 2 centroids, 2 features)"
    )
    assert lines[1] == "  expected labels, shape (5,), int64: [1 0 1 1 0]"
    assert lines[2] == "  got,             shape (5,), int64: [1 1 1 1 0]"
    assert lines[3].startswith(
        "  first mismatch at index 1: X[1] = [4. 2.] is closest to centroid 0"
    )


def test_float_labels_show_dtype():
    failure = failure_of(
        "find_closest_centroids", wrong_by_name("find_closest_centroids", "float_labels")
    )
    assert "got,             shape (5,), float64: [1. 0. 1. 1. 0.]" in str(failure)


def test_not_implemented():
    def find_closest_centroids(X, centroids):
        raise NotImplementedError()

    failure = failure_of("find_closest_centroids", find_closest_centroids)
    lines = assert_well_formed("find_closest_centroids", failure)
    assert lines[0] == "find_closest_centroids: not implemented yet"
    assert "write your code in the cell above" in lines[-1]
    assert failure.reason == "is not implemented yet"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_not_implemented_every_exercise(exercise):
    def stub(*args):
        raise NotImplementedError

    lines = assert_well_formed(exercise, failure_of(exercise, stub))
    assert lines[0] == f"{exercise}: not implemented yet"


def test_raising_function_names_exception_and_line():
    def compute_centroids(X, labels, centroids):
        total = X.sum()
        raise RuntimeError(f"boom {total > 0}")

    failure = failure_of("compute_centroids", compute_centroids)
    lines = assert_well_formed("compute_centroids", failure)
    assert lines[0] == (
        "compute_centroids: case 1 of 11 raised RuntimeError (6 points, 3 clusters, 2 features)"
    )
    assert lines[1] == "  RuntimeError: boom True"
    assert lines[2].startswith("  raised at line ")
    assert lines[2].endswith('of your function: raise RuntimeError(f"boom {total > 0}")')
    assert failure.reason == "raises RuntimeError in case 1 of 11"


def test_assertion_inside_student_code_is_reported_not_swallowed():
    def compressed_bits(n_pixels, K):
        assert K > 1, "K must be more than 1"
        return 24 * K + n_pixels * (K - 1).bit_length()

    failure = failure_of("compressed_bits", compressed_bits)
    assert "raised AssertionError (n_pixels=100, K=1)" in str(failure).splitlines()[0]
    assert "K = 1" in failure.hint


def test_the_k1_hint_is_given_for_k_1_only():
    # an exception in case "n_pixels=7, K=17" is not about K = 1
    def compressed_bits(n_pixels, K):
        if K == 17:
            raise ValueError("boom")
        return 24 * K + n_pixels * (K - 1).bit_length()

    failure = failure_of("compressed_bits", compressed_bits)
    assert "raised ValueError (n_pixels=7, K=17)" in str(failure).splitlines()[0]
    assert "K = 1" not in failure.hint


WEIRD_RESULTS = {
    "none": None,
    "zero": 0,
    "string": "abc",
    "empty_list": [],
    "dict": {"a": 1},
    "empty_array": np.array([]),
    "string_array": np.array(["a", "b"]),
    "object_array": np.array([None, 1], dtype=object),
    "ragged_list": [[1, 2], [3]],
    "nan_scalar": float("nan"),
    "negative": -5,
}


def _weird_variants(exercise):
    """Results of the right shape with wrong contents, per exercise."""
    if exercise == "find_closest_centroids":
        return {
            "negative_labels": lambda X, C: -np.ones(len(X), dtype=int),
            "labels_too_big": lambda X, C: np.full(len(X), len(C) + 3),
            "nan_labels": lambda X, C: np.full(len(X), np.nan),
            "bool_labels": lambda X, C: np.zeros(len(X), dtype=bool),
            "complex_labels": lambda X, C: np.zeros(len(X), dtype=complex),
        }
    if exercise == "compute_centroids":
        return {
            "nan": lambda X, l, C: np.full(C.shape, np.nan),
            "complex": lambda X, l, C: C.astype(complex),
            "strings": lambda X, l, C: np.full(C.shape, "x"),
        }
    if exercise == "run_kmeans":
        return {
            "string_centroids": lambda X, C, m: (np.full(C.shape, "x"), np.zeros(len(X), int)),
            "three_results": lambda X, C, m: (C, np.zeros(len(X), int), 0),
            "nan_centroids": lambda X, C, m: (np.full(C.shape, np.nan), np.zeros(len(X), int)),
            "bad_labels": lambda X, C, m: (C.copy(), np.full(len(X), 99)),
        }
    if exercise == "init_centroids":
        return {"nan_rows": lambda X, K, rng: np.full((K, X.shape[1]), np.nan)}
    if exercise == "compressed_bits":
        return {
            "inf": lambda n, K: float("inf"),
            "bool": lambda n, K: True,
            "zero_d_array": lambda n, K: np.array(24 * K),
        }
    return {"nan_image": lambda *args: np.full((2, 3, 3), np.nan)}


def _returning(value):
    """A student function that returns ``value`` whatever its arguments."""
    return lambda *args: value


WEIRD_CASES = [
    pytest.param(ex, name, _returning(value), id=f"{ex}-{name}")
    for ex in EXERCISES
    for name, value in WEIRD_RESULTS.items()
]
WEIRD_CASES += [
    pytest.param(ex, name, func, id=f"{ex}-{name}")
    for ex in EXERCISES
    for name, func in _weird_variants(ex).items()
]


@pytest.mark.parametrize("exercise, name, func", WEIRD_CASES)
def test_odd_results_give_a_check_failure_not_a_crash(exercise, name, func):
    lines = assert_well_formed(exercise, failure_of(exercise, func))
    assert " failed (" in lines[0]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_non_callable_is_a_type_error(exercise):
    with pytest.raises(TypeError, match=f"check_{exercise}"):
        CHECKS[exercise](None)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_random": -1}, ValueError),  # a wrong value (tests/test_check_options.py)
        ({"n_random": 2.5}, TypeError),
        ({"seed": "x"}, TypeError),
        ({"seed": True}, TypeError),
    ],
)
def test_bad_options(kwargs, error):
    with pytest.raises(error, match="n_random|seed"):
        check_compressed_bits(RIGHT["compressed_bits"][0].func, **kwargs)


def test_mutation_message_points_at_the_change():
    failure = failure_of(
        "compute_centroids", wrong_by_name("compute_centroids", "modifies_centroids")
    )
    message = str(failure)
    assert "changed its argument centroids" in message
    assert "first change at centroids[0]: was [1. 1.], now" in message


def test_empty_cluster_mismatch_is_explained():
    failure = failure_of(
        "compute_centroids", wrong_by_name("compute_centroids", "zero_for_empty_cluster")
    )
    assert (
        "first mismatch at row 2: cluster 2 has no points, so it keeps centroids[2] = "
        "[ 7. -2.  5.  1.]"
    ) in str(failure)


def test_tie_mismatch_is_explained():
    failure = failure_of(
        "find_closest_centroids", wrong_by_name("find_closest_centroids", "ties_to_highest")
    )
    assert "a tie goes to the lowest index, 0" in str(failure)


def test_init_checks_report_what_they_saw():
    failure = failure_of("init_centroids", wrong_by_name("init_centroids", "with_replacement"))
    assert "got positions [" in str(failure)
    assert "is missing" in str(failure)


# ---------------------------------------------------------------------------
# Fixed cases really separate the classic mistakes (not only 2-D data)
# ---------------------------------------------------------------------------


def test_fixed_find_cases_separate_l1_and_sum_squared_in_more_than_two_dimensions():
    l1 = wrong_by_name("find_closest_centroids", "l1_distance")
    bad_sum = wrong_by_name("find_closest_centroids", "sqrt_sum_diff_squared")
    separating = {"l1": 0, "sum": 0}
    for X, C, _ in find_module.fixed_cases():
        if X.shape[1] > 2:
            right = kmeans_lab.find_closest_centroids(X, C)
            separating["l1"] += not np.array_equal(l1(X, C), right)
            separating["sum"] += not np.array_equal(bad_sum(X, C), right)
    assert separating["l1"] >= 2 and separating["sum"] >= 2


def test_fixed_cases_include_ties_empty_clusters_and_non_square_images():
    def has_tie(X, C):
        d = np.sort(((X[:, None] - C[None]) ** 2).sum(2), axis=1)
        return d.shape[1] > 1 and np.any(d[:, 0] == d[:, 1])

    assert any(has_tie(X, C) for X, C, _ in find_module.fixed_cases())
    empties = [
        np.bincount(labels, minlength=len(C)).min() == 0
        for _, labels, C, _ in compute_module.fixed_cases()
    ]
    assert sum(empties) >= 3
    assert any(h != w for h, w, _ in image_module.IMAGE_SHAPES)
    assert any(c != 3 for _, _, c in image_module.IMAGE_SHAPES)
    run_iters = [m for _, _, m, _ in run_module.fixed_cases()]
    assert 0 in run_iters
    # in one run_kmeans case a cluster has points at first and loses them all
    emptied = False
    for X, C0, m, _ in run_module.fixed_cases():
        _, _, history = kmeans_lab.run_kmeans(X, C0, m, return_history=True)
        counts = np.array([np.bincount(lab, minlength=len(C0)) for lab in history.labels])
        emptied |= bool(np.any((counts[0] > 0) & (counts[1:] == 0).any(axis=0)))
    assert emptied


def test_a_fixed_run_case_is_still_moving_at_max_iters():
    # rounds max_iters - 1, max_iters and max_iters + 1 all differ, and some round before
    # max_iters moves every centroid by less than 0.05: off-by-one, a cap at 5 rounds and
    # a loose early stop all give other centroids
    found = False
    for X, C0, m, _ in run_module.fixed_cases():
        hist = run_module.history(X, C0, m + 1)
        moves = [np.abs(hist[r + 1] - hist[r]).max() for r in range(m + 1)]
        if 6 <= m <= 10 and min(moves[m - 2 :]) > 1e-6 and min(moves[: m - 1]) < 0.05:
            found = True
    assert found


@pytest.mark.parametrize(
    "name", ["extra_round_from_5_iters", "loose_tolerance_early_stop", "capped_at_5_rounds"]
)
def test_round_count_mistakes_fail_the_hidden_check_too(name):
    from kmeans_lab.grading import hidden_check

    with pytest.raises(AssertionError, match="grey ramp"):
        hidden_check("run_kmeans", wrong_by_name("run_kmeans", name), n_random=25, seed=405)


def test_a_fixed_compute_case_has_integer_inputs_and_fractional_means():
    hits = 0
    for X, labels, C, _ in compute_module.fixed_cases():
        if np.issubdtype(X.dtype, np.integer) and np.issubdtype(C.dtype, np.integer):
            means = kmeans_lab.compute_centroids(X, labels, C)
            hits += bool(np.any(means != np.trunc(means)))
    assert hits >= 1


@pytest.mark.parametrize("seed", [0, 202, 9173, 1, 2])
def test_mild_bias_in_init_is_caught_for_every_seed(seed):
    failure = failure_of(
        "init_centroids", wrong_by_name("init_centroids", "mild_bias"), n_random=0, seed=seed
    )
    assert "chi-square statistic" in str(failure)


def test_uniform_statistic_follows_chi_square_under_uniform_choice():
    # K distinct rows out of N, uniformly: the scaled statistic has mean N - 1 and exceeds
    # the limit (chi-square(N - 1) at 1e-6) practically never
    N, K, M = init_module.CHI2_N, init_module.CHI2_K, init_module.CHI2_DRAWS
    rng = np.random.default_rng(5)
    stats = []
    for _ in range(400):
        chosen = np.argsort(rng.random((M, N)), axis=1)[:, :K]
        stats.append(init_module.uniform_statistic(np.bincount(chosen.ravel(), minlength=N), M, K))
    assert abs(np.mean(stats) - (N - 1)) < 0.6
    assert max(stats) < init_module.CHI2_LIMIT
    # the limit is the 1 - 1e-6 quantile of chi-square with N - 1 degrees of freedom
    scipy_stats = pytest.importorskip("scipy.stats")
    assert init_module.CHI2_LIMIT == pytest.approx(
        scipy_stats.chi2.isf(init_module.CHI2_ALPHA, N - 1), abs=1e-3
    )


def test_dtype_trap_hints_name_the_dtype():
    failure = failure_of(
        "compute_centroids", wrong_by_name("compute_centroids", "copy_of_integer_centroids")
    )
    assert "integer (int64) X and centroids" in str(failure).splitlines()[0]
    assert "X is int64 and centroids is int64" in failure.hint
    for exercise in ("init_centroids", "compute_centroids", "run_kmeans"):
        name = "float32_centroids" if exercise == "run_kmeans" else "float32_result"
        failure = failure_of(exercise, wrong_by_name(exercise, name))
        assert "float32" in failure.hint and "float64" in failure.hint
        assert "instead of making up new points" not in failure.hint
        assert "row k is the mean" not in failure.hint


# ---------------------------------------------------------------------------
# Provenance rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_reference_itself_is_rejected(exercise):
    failure = failure_of(exercise, REFERENCES[exercise])
    lines = assert_well_formed(exercise, failure)
    assert "is the course's reference implementation" in lines[0]
    assert "write your own" in lines[0]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_wrapper_calling_the_reference_is_rejected(exercise):
    reference = REFERENCES[exercise]

    def wrapper(*args):
        return reference(*args)

    failure = failure_of(exercise, wrapper)
    lines = assert_well_formed(exercise, failure)
    assert lines[0] == (
        f"{exercise}: your function calls the course's reference implementation "
        f"{reference.__module__}.{reference.__name__}; write your own"
    )


def test_partial_and_lambda_around_the_reference_are_rejected():
    wrapped = functools.partial(kmeans_lab.compute_centroids)
    assert "reference implementation" in str(failure_of("compute_centroids", wrapped))
    alias = kmeans_lab.kmeans.find_closest_centroids
    assert "reference implementation" in str(
        failure_of("find_closest_centroids", lambda X, C: alias(X, C))
    )


def test_run_kmeans_may_use_the_reference_steps():
    assert check_run_kmeans(right_by_name("run_kmeans", "reference_steps")).passed


def test_previous_profiler_is_restored_and_still_called():
    seen = []

    def profiler(frame, event, arg):
        seen.append(event)

    sys.setprofile(profiler)
    try:
        check_find_closest_centroids(RIGHT["find_closest_centroids"][1].func)
        with pytest.raises(CheckFailure):
            check_find_closest_centroids(kmeans_lab.find_closest_centroids)
        with pytest.raises(CheckFailure):
            check_find_closest_centroids(wrong_by_name("find_closest_centroids", "calls_reference"))
        current = sys.getprofile()
    finally:
        sys.setprofile(None)
    assert current is profiler
    assert "call" in seen


def test_global_random_state_is_left_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    with pytest.raises(CheckFailure):
        check_init_centroids(wrong_by_name("init_centroids", "global_np_random"))
    assert np.array_equal(np.random.get_state()[1], before)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def test_result_renders_one_line_in_text_and_html():
    result = check_find_closest_centroids(RIGHT["find_closest_centroids"][1].func)
    assert str(result) == repr(result) == "find_closest_centroids: 13/13 checks passed"
    assert (
        result._repr_html_()
        == "<p><strong>find_closest_centroids</strong>: 13/13 checks passed</p>"
    )
    for text in (str(result), result._repr_html_()):
        assert "\n" not in text and "\x1b" not in text
        assert all(ord(ch) < 128 for ch in text)  # no emoji
    assert bool(result)


def test_renderings_are_deterministic():
    f = wrong_by_name("find_closest_centroids", "l1_distance")
    assert str(failure_of("find_closest_centroids", f)) == str(
        failure_of("find_closest_centroids", f)
    )
    g = RIGHT["run_kmeans"][0].func
    assert repr(check_run_kmeans(g)) == repr(check_run_kmeans(g))


def test_messages_identical_in_a_fresh_interpreter(child_env):
    script = textwrap.dedent("""
        from tools.catalogue import WRONG
        from kmeans_lab import checks
        for exercise, wrongs in WRONG.items():
            for w in wrongs[:3]:
                try:
                    getattr(checks, "check_" + exercise)(w.func)
                except checks.CheckFailure as e:
                    print(e)
    """)
    outputs = []
    for hash_seed in ("1", "2"):
        env = child_env(PYTHONHASHSEED=hash_seed)
        outputs.append(
            subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                env=env,
                cwd=Path(__file__).resolve().parents[1],  # tools.catalogue
                check=True,
                timeout=120,
            ).stdout
        )
    assert outputs[0] == outputs[1] and outputs[0].count("hint:") == 3 * len(WRONG)


def test_render_traceback_returns_the_message_lines():
    failure = failure_of("compressed_bits", wrong_by_name("compressed_bits", "no_palette"))
    assert failure._render_traceback_() == str(failure).splitlines()
    assert issubclass(CheckFailure, AssertionError)


def test_in_a_kernel_only_the_message_is_shown():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np\n"
            "from kmeans_lab.checks import check_find_closest_centroids\n"
            "def find_closest_centroids(X, centroids):\n"
            "    return np.abs(X[:, None] - centroids[None]).sum(2).argmin(1)"
        ),
        nbformat.v4.new_code_cell("check_find_closest_centroids(find_closest_centroids)"),
        nbformat.v4.new_code_cell(
            "def find_closest_centroids(X, centroids):\n"
            "    return ((X[:, None] - centroids[None]) ** 2).sum(2).argmin(1)\n"
            "check_find_closest_centroids(find_closest_centroids)"
        ),
        nbformat.v4.new_code_cell(
            "def find_closest_centroids(X, centroids):\n"
            "    distances = ((X - centroids) ** 2).sum(axis=1)\n"
            "    return distances.argmin()\n"
            "check_find_closest_centroids(find_closest_centroids)"
        ),
    ]
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(Path(__file__).parent)}},
    )
    client.execute()
    error = nb.cells[1].outputs[0]
    assert error.output_type == "error" and error.ename == "CheckFailure"
    expected = failure_of(
        "find_closest_centroids", wrong_by_name("find_closest_centroids", "l1_distance")
    )
    assert error.traceback == str(expected).splitlines()
    joined = "\n".join(error.traceback)
    assert "Traceback" not in joined and "kmeans_lab/checks" not in joined and "\x1b" not in joined
    ok = nb.cells[2].outputs[0]
    assert ok.output_type == "execute_result"
    assert ok.data["text/plain"] == "find_closest_centroids: 13/13 checks passed"
    assert ok.data["text/html"].count("\n") == 0 and "13/13 checks passed" in ok.data["text/html"]
    raised = nb.cells[3].outputs[0]
    assert raised.output_type == "error" and raised.ename == "CheckFailure"
    assert (
        raised.traceback[1]
        == "  ValueError: operands could not be broadcast together with shapes (5,2) (2,2)"
    )
    assert raised.traceback[2] == (
        "  raised at line 2 of your function: distances = ((X - centroids) ** 2).sum(axis=1)"
    )
    assert raised.traceback[-1].startswith(
        "  hint: the error says two arrays' shapes do not broadcast together: in this case "
        "X has shape (5, 2), centroids has shape (2, 2)"
    )


# ---------------------------------------------------------------------------
# student_or_reference
# ---------------------------------------------------------------------------


def test_student_or_reference_keeps_a_passing_function(capsys):
    find_closest_centroids = RIGHT["find_closest_centroids"][1].func
    assert (
        student_or_reference(find_closest_centroids, "find_closest_centroids")
        is find_closest_centroids
    )
    assert (
        capsys.readouterr().out
        == "using your find_closest_centroids: it passes its check (13/13)\n"
    )


def test_student_or_reference_falls_back(capsys):
    def find_closest_centroids(X, centroids):
        raise NotImplementedError()

    assert student_or_reference(find_closest_centroids) is kmeans_lab.find_closest_centroids
    assert capsys.readouterr().out == (
        "using the reference find_closest_centroids: yours is not implemented yet\n"
    )
    chosen = student_or_reference(
        wrong_by_name("compute_centroids", "divide_by_K"), name="compute_centroids"
    )
    assert chosen is kmeans_lab.compute_centroids
    assert (
        capsys.readouterr().out
        == "using the reference compute_centroids: yours fails case 1 of 11\n"
    )
    assert student_or_reference(None, "run_kmeans") is kmeans_lab.run_kmeans
    assert capsys.readouterr().out == "using the reference run_kmeans: yours is not defined\n"
    assert student_or_reference(kmeans_lab.run_kmeans, verbose=False) is kmeans_lab.run_kmeans
    assert capsys.readouterr().out == ""


def test_student_or_reference_needs_a_known_exercise():
    def my_helper(X):
        return X

    with pytest.raises(ValueError, match="pass name="):
        student_or_reference(my_helper)


# ---------------------------------------------------------------------------
# Speed: measured by benchmarks/bench_checks.py (not a timed test); here only
# that the benchmark runs and covers every exercise
# ---------------------------------------------------------------------------


def test_the_checks_benchmark_times_every_exercise():
    out = subprocess.run(  # as make bench runs it: a module, from the repository's root
        [sys.executable, "-m", "benchmarks.bench_checks", "--repeat", "1"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for exercise in EXERCISES:
        assert re.search(rf"^  {exercise} +[0-9.]+ ms +[0-9.]+x the baseline", out, re.M), out
    assert "target: every median < 300 ms" in out


def test_provenance_survives_a_fresh_copy_of_the_reference_module(monkeypatch):
    """A wrapper around a re-executed copy of the reference (new code objects, as
    ``importlib.reload`` makes) is still caught: references are matched by where
    they were defined, not only by identity."""
    import importlib.util

    import kmeans_lab.kmeans as reference_module

    spec = importlib.util.spec_from_file_location(
        "kmeans_lab._copy_of_kmeans",
        reference_module.__file__,
        submodule_search_locations=None,
    )
    copy = importlib.util.module_from_spec(spec)
    copy.__package__ = "kmeans_lab"
    monkeypatch.setitem(sys.modules, spec.name, copy)  # dataclasses look their module up
    spec.loader.exec_module(copy)
    assert (
        copy.find_closest_centroids.__code__ is not reference_module.find_closest_centroids.__code__
    )

    def find_closest_centroids(X, centroids):
        return copy.find_closest_centroids(X, centroids)

    with pytest.raises(CheckFailure, match="reference implementation"):
        check_find_closest_centroids(find_closest_centroids)
    with pytest.raises(CheckFailure, match="reference implementation"):
        check_find_closest_centroids(copy.find_closest_centroids)


# ---------------------------------------------------------------------------
# Lists, dtypes and signatures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise, name",
    [
        ("image_to_pixels", "tolist"),
        ("image_to_pixels", "nested_lists"),
        ("pixels_to_image", "tolist"),
        ("init_centroids", "list_of_rows"),
        ("find_closest_centroids", "list_of_ints"),
        ("find_closest_centroids", "list_of_argmin"),
        ("compute_centroids", "tolist"),
        ("run_kmeans", "tolist"),
        ("run_kmeans", "labels_list"),
    ],
)
def test_a_list_instead_of_an_array_is_named(exercise, name):
    failure = failure_of(exercise, wrong_by_name(exercise, name))
    lines = assert_well_formed(exercise, failure)
    assert lines[0].startswith(f"{exercise}: case 1 of "), lines[0]
    assert lines[1] == "  expected a NumPy array, got list", str(failure)
    assert "return a NumPy array (e.g. " in failure.hint


def test_a_list_pair_of_arrays_is_still_a_valid_run_kmeans_result():
    # the pair may be a list (centroids, labels = ... unpacks it); its elements must be arrays
    assert check_run_kmeans(right_by_name("run_kmeans", "returns_list")).passed


@pytest.mark.parametrize(
    "exercise, what", [("image_to_pixels", "image's"), ("pixels_to_image", "pixels'")]
)
def test_float32_reshape_is_told_its_dtype_not_a_row_order(exercise, what):
    failure = failure_of(exercise, wrong_by_name(exercise, "float32"))
    message = str(failure)
    assert (
        "values are right but the dtype is float32, expected float64 (the input's dtype)" in message
    )
    assert "mismatch" not in message and "row-major" not in failure.hint


def test_wrong_signature_is_reported_before_calling():
    calls = []

    def find_closest_centroids(X, c, extra):
        calls.append(1)
        return 0

    failure = failure_of("find_closest_centroids", find_closest_centroids)
    lines = assert_well_formed("find_closest_centroids", failure)
    assert lines[0] == "find_closest_centroids: your function must take exactly (X, centroids)"
    assert "yours takes (X, c, extra)" in lines[1]
    assert failure.reason == "has the wrong parameters"
    assert calls == []


# ---------------------------------------------------------------------------
# A check never depends on what earlier checks let vary; hints point at concepts
# ---------------------------------------------------------------------------


def _composed(find, compute):
    def run_kmeans(X, initial_centroids, max_iters):
        centroids = np.array(initial_centroids, dtype=float)
        for _ in range(max_iters):
            centroids = compute(X, find(X, centroids), centroids)
        return centroids, find(X, centroids)

    return run_kmeans


COMPOSED = [
    pytest.param(f.func, c.func, id=f"{f.name}+{c.name}")
    for f in RIGHT["find_closest_centroids"]
    for c in RIGHT["compute_centroids"]
]


@pytest.mark.parametrize("find, compute", COMPOSED)
def test_every_correct_step_composed_into_run_kmeans_passes_its_checks(find, compute):
    # e.g. the |x|^2 - 2 x.c + |c|^2 expansion breaks exact ties differently from the
    # reference; the run_kmeans cases have none, so it must pass like every other
    from kmeans_lab.grading import hidden_check

    run = _composed(find, compute)
    assert check_run_kmeans(run).passed
    exercise = REGISTRY["run_kmeans"]
    for seed in (exercise.hidden_seed, 1, 2):
        assert hidden_check("run_kmeans", run, n_random=exercise.hidden_n_random, seed=seed).passed


@pytest.mark.parametrize("seed", [0, 1, 2, 405, 9173])
def test_run_kmeans_cases_have_no_tie_at_any_round(seed):
    for description, case in run_module.cases(25, seed):
        X, C0, m = case.keywords["X"], case.keywords["C0"], case.keywords["max_iters"]
        assert not run_module.has_near_tie(X, C0, m), description


def _snippet_lines(message: str) -> list[str]:
    lines = message.splitlines()
    start = lines.index("  this case, to run in a new cell:")
    out = []
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        out.append(line.strip())
    return out


@pytest.mark.parametrize(
    "exercise, name",
    [
        ("find_closest_centroids", "l1_distance"),
        ("compute_centroids", "divide_by_K"),
        ("init_centroids", "sorts_each_column"),
        ("pixels_to_image", "reshape_to_shape_as_given"),
        ("run_kmeans", "never_assigns_again_in_the_loop"),
        ("compressed_bits", "no_palette"),
        ("image_to_pixels", "column_major"),
    ],
)
def test_the_failing_case_can_be_run_again_from_its_snippet(exercise, name):
    func = wrong_by_name(exercise, name)
    failure = failure_of(exercise, func)
    code = _snippet_lines(str(failure))
    assert code[-1].startswith(f"{exercise}(")
    namespace = {"np": np, exercise: func}
    exec("\n".join(code[:-1]), namespace)  # the inputs, exactly as the check made them
    args = [namespace[f"case_{p}"] for p in REGISTRY[exercise].params]
    # the snippet names its variables for the case: it never overwrites the notebook's X
    assert not set(REGISTRY[exercise].params) & set(namespace)
    assert "..." not in "\n".join(code)
    try:
        again = func(*args)
    except Exception as exc:  # the snippet raises as the case did
        assert type(exc).__name__ in str(failure)
        return
    # the snippet's call gives the answer the message shows
    shown = str(failure).split("got", 1)[1]
    if isinstance(again, tuple):
        again = again[0]
    assert isinstance(again, (np.ndarray, int, float, list))
    assert str(failure).count("got") >= 1 and shown


#: Finished lines of code that belong to the notebooks' last hints, not to a check's message.
FINISHED_LINES = (
    "rng.choice(N, size=K, replace=False)",
    "rng.choice(len(X)",
    "math.ceil(math.log2(K))",
    "X[labels == k].mean(axis=0)",
    "image.reshape(H * W, C)",
    "pixels.reshape(shape)",
    "X[:, None, :] - centroids[None, :, :]",
    "labels = find_closest_centroids(X, centroids)",
    "centroids = compute_centroids(X, labels, centroids)",
    "centroids.copy()",
    "np.argmin(distances, axis=1)",
    "24 * 3 + 100 * 2",
    "for i in range(max_iters)",
)


@pytest.mark.parametrize("exercise, wrong", WRONG_CASES)
def test_hints_diagnose_and_leave_the_finished_line_to_the_notebook(exercise, wrong):
    failure = failure_of(exercise, wrong.func)
    hint = str(failure).splitlines()[-1]
    for finished in FINISHED_LINES:
        assert finished not in hint, f"{wrong.name}: {hint}"


@pytest.mark.parametrize(
    "exercise, name, kind",
    [
        ("find_closest_centroids", "argmax", "wrong result"),
        ("find_closest_centroids", "returns_distances", "wrong shape"),
        ("find_closest_centroids", "float_labels", "wrong dtype"),
        ("find_closest_centroids", "loops", "Python loop"),
        ("find_closest_centroids", "calls_reference", "not own work"),
        ("find_closest_centroids", "no_broadcasting", "exception"),
        ("find_closest_centroids", "list_of_ints", "wrong type"),
        ("find_closest_centroids", "extra_parameter", "wrong parameters"),
        ("compute_centroids", "modifies_centroids", "changed its input"),
    ],
)
def test_a_failure_says_its_kind_case_and_diagnosis_as_data(exercise, name, kind):
    from kmeans_lab.checks.results import KINDS

    failure = failure_of(exercise, wrong_by_name(exercise, name))
    assert failure.kind == kind and kind in KINDS
    if kind not in ("not own work", "wrong parameters"):
        assert failure.case and failure.case in str(failure).splitlines()[0]
    assert failure.diagnosis == re.sub(r"\d+", "#", failure.hint)


def test_the_same_mistake_on_other_data_has_the_same_diagnosis():
    f = wrong_by_name("compressed_bits", "floor_not_ceil")
    a = failure_of("compressed_bits", f)
    b = failure_of("compressed_bits", f, n_random=0, seed=5)
    assert a.diagnosis == b.diagnosis


def test_stub_failure_kind():
    def compressed_bits(n_pixels, K):
        raise NotImplementedError

    assert failure_of("compressed_bits", compressed_bits).kind == "not implemented"
