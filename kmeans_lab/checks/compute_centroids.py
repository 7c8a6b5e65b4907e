"""The check of exercise ``compute_centroids(X, labels, centroids)``: the update step.

The fixed cases have clusters of different sizes (so dividing by K or N, or
summing, shows), empty clusters (first, middle, last) whose old centroid is
not zero, 1 to 5 features, and integer (int64) inputs whose means must not
be cut to integers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .. import kmeans as _kmeans
from .answers import as_array, lower_precision, none_hint, precision_hint, require_ndarray
from .diagnosis import Mistake
from .loops import check_no_loop
from .messages import expected_got, num, row
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options

__all__ = ["check_compute_centroids", "MISTAKES", "probes"]

#: The hint for a function that changes ``centroids``.
MUTATION_HINTS = {
    "centroids": "fill a new array (a copy) instead of assigning into centroids: "
    "centroids is the caller's array",
}


def _means_with(divisor: Callable, empty: Callable | None = None) -> Callable:
    """A mistaken compute_centroids: sum of cluster k divided by ``divisor(X, members, C)``;
    an empty cluster gets ``empty(C, k)`` (default: its old centroid)."""

    def wrong(X, labels, C):
        new = C.astype(float)
        for k in range(C.shape[0]):
            members = X[labels == k]
            if len(members):
                new[k] = members.sum(axis=0) / divisor(X, members, C)
            elif empty is not None:
                new[k] = empty(C, k)
        return new

    return wrong


def _one_based(X, labels, C):
    new = C.astype(float)
    for k in range(C.shape[0]):
        if np.any(labels == k + 1):
            new[k] = X[labels == k + 1].mean(axis=0)
    return new


#: The known mistakes, each named only when the function gives its means on every probe.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "nan_for_empty_cluster",
        _means_with(lambda X, m, C: len(m), empty=lambda C, k: np.nan),
        "a cluster with no points keeps its old centroid: the mean of no points is NaN, "
        "so keep centroids[k] when no label equals k",
    ),
    Mistake(
        "zero_for_empty_cluster",
        _means_with(lambda X, m, C: len(m), empty=lambda C, k: 0.0),
        "a cluster with no points keeps its old centroid centroids[k], not zeros: start "
        "from a copy of centroids and fill only the clusters that have points",
    ),
    Mistake(
        "returns_input",
        lambda X, labels, C: C.copy(),
        "your result is the input centroids: row k must become the mean of the points labelled k",
    ),
    Mistake(
        "divide_by_K",
        _means_with(lambda X, m, C: C.shape[0]),
        "divide the sum of cluster k by the number of its points, not by K",
    ),
    Mistake(
        "divide_by_N",
        _means_with(lambda X, m, C: X.shape[0]),
        "divide the sum of cluster k by the number of its points, not by N",
    ),
    Mistake(
        "sum_not_mean",
        _means_with(lambda X, m, C: 1),
        "take the mean of the points of each cluster, not their sum",
    ),
    Mistake(
        "mean_of_all_points",
        lambda X, labels, C: np.tile(X.mean(axis=0), (C.shape[0], 1)),
        "average only the points of cluster k, not all of X",
    ),
    Mistake(
        "one_based_labels",
        _one_based,
        "row k is the mean of the points with label k: labels count from 0",
    ),
)


def probes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Inputs on which every mistake of :data:`MISTAKES` gives means of its own."""
    return [(X, labels, C) for X, labels, C, _ in fixed_cases()]


def _vector(v: np.ndarray) -> str:
    """``(0.2, 0.4, 0.1)``: a row of numbers, rounded."""
    return "(" + ", ".join(num(x) for x in np.asarray(v, dtype=float).ravel()) + ")"


def _fact(X, labels, C, expected, got, k: int) -> str:
    """The hint when no mistake is proved: what row k should be, what it is, and how the
    returned row relates to the cluster's points when it is their sum divided by a number."""
    members = labels == k
    m = int(members.sum())
    if m == 0:
        return (
            f"no point has label {k}, so row {k} stays centroids[{k}] = {_vector(C[k])}; "
            f"yours is {_vector(got[k])}"
        )
    total = X[members].sum(axis=0).astype(float)
    text = (
        f"row {k} should be the mean of the {m} point{'s' * (m > 1)} labelled {k}, "
        f"{_vector(expected[k])}; yours is {_vector(got[k])}"
    )
    mine = got[k].astype(float)
    if np.all(mine != 0) and np.all(np.isfinite(mine)):
        ratio = total / mine
        if np.allclose(ratio, ratio[0], rtol=1e-9) and ratio[0] > 0:
            divisor = float(ratio[0])
            if abs(divisor - round(divisor)) < 1e-9:
                shown = str(int(round(divisor)))
                text += ", their sum" + ("" if shown == "1" else f" divided by {shown}")
    return text


def _hint(runner: Runner, X, labels, C, expected, got, k: int) -> None:
    """Fail with a proved mistake's hint, a dtype fact, or the facts of row k."""
    mistake = runner.diagnose(MISTAKES, got)
    lines = expected_got("centroids", expected, got)
    if mistake is not None:
        runner.fail(
            lines + [_fact_line(X, labels, C, expected, k)], mistake.hint, mistake=mistake.name
        )
    filled = np.bincount(labels, minlength=C.shape[0]) > 0
    whole = np.all(np.isfinite(got)) and np.allclose(
        got[filled], np.trunc(expected[filled]), rtol=1e-7, atol=1e-9
    )
    if whole and not np.allclose(expected[filled], np.trunc(expected[filled])):
        if not (np.issubdtype(X.dtype, np.floating) and np.issubdtype(C.dtype, np.floating)):
            hint = (
                f"X is {X.dtype} and centroids is {C.dtype} here, and your means are whole "
                "numbers: a mean stored into an integer array (such as a copy of integer "
                "centroids) loses its decimals; compute and store in floats"
            )
        elif not np.issubdtype(got.dtype, np.floating):
            hint = f"your result is {got.dtype}: means have decimals, so return a float array"
        else:
            hint = "your means are whole numbers where the true means are not: " + _fact(
                X, labels, C, expected, got, k
            )
        runner.fail(lines + [_fact_line(X, labels, C, expected, k)], hint)
    runner.fail(
        lines + [_fact_line(X, labels, C, expected, k)], _fact(X, labels, C, expected, got, k)
    )


def _fact_line(X, labels, C, expected, k: int) -> str:
    """The message's line on the first mismatching row."""
    members = np.flatnonzero(labels == k)
    if members.size == 0:
        return (
            f"first mismatch at row {k}: cluster {k} has no points, so it keeps "
            f"centroids[{k}] = {row(C[k])}"
        )
    shown = members.tolist() if members.size <= 6 else members[:6].tolist() + ["..."]
    return (
        f"first mismatch at row {k}: the mean of the {members.size} point"
        f"{'s' * (members.size > 1)} labelled {k} "
        f"(X[{shown}]) is {row(expected[k])}".replace("'", "")
    )


def _case(runner: Runner, X: np.ndarray, labels: np.ndarray, C: np.ndarray) -> None:
    K, n = C.shape
    expected = _kmeans.compute_centroids(X.copy(), labels.copy(), C.copy())
    got_raw = runner.call(X, labels, C)
    require_ndarray(runner, got_raw, "centroids", expected, "a float array of shape (K, n)")
    got = as_array(got_raw)
    if got is None or got.shape != (K, n):
        hint = none_hint(got_raw, "centroids")
        if hint is None and got is not None:
            used = len(np.unique(labels))
            what = {
                (n, K): ", one row per feature",
                (used, n): f", one row per cluster that has points ({used} of the {K})",
            }.get(got.shape, "")
            hint = (
                f"your result has shape {got.shape}{what}; the centroids are one row per "
                f"cluster, even a cluster with no points: shape (K, n) = ({K}, {n})"
            )
        runner.fail(
            expected_got("centroids", expected, got if got is not None else got_raw),
            hint or f"return one row per centroid: shape (K, n) = ({K}, {n})",
            kind="wrong shape",
        )
    numeric = np.issubdtype(got.dtype, np.number) and not np.issubdtype(
        got.dtype, np.complexfloating
    )
    close = numeric and np.allclose(got, expected, rtol=1e-9, atol=1e-12)
    if close and np.issubdtype(got.dtype, np.floating):
        return
    lines = expected_got("centroids", expected, got)
    if close:
        runner.fail(
            lines,
            f"your values are right but the dtype is {got.dtype}: centroids are means, so "
            "return a float array",
        )
    if not numeric:
        runner.fail(lines, "return a numeric array of shape (K, n)")
    if lower_precision(got) and np.allclose(
        got, expected, rtol=10 * np.finfo(got.dtype).eps, atol=10 * np.finfo(got.dtype).tiny
    ):
        lines.append(
            f"your values match to {got.dtype} precision only (relative error up to "
            f"{num(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)))})"
        )
        runner.fail(lines, precision_hint(got.dtype))
    bad = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12)
    _hint(runner, X, labels, C, expected, got, int(np.argmax(bad.any(axis=1))))


def fixed_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]:
    """The fixed cases, built when a check runs (nothing is computed at import)."""
    return [
        (
            np.array([[0, 0], [4, 4], [2, 0], [9, 9], [6, 2], [1, 2]], float),
            np.array([0, 1, 0, 2, 1, 0]),
            np.array([[1, 1], [5, 5], [8, 8]], float),
            "",
        ),
        (
            np.array(
                [
                    [1, 2, 0, 4],
                    [3, 0, 1, 2],
                    [5, 6, 7, 1],
                    [2, 2, 2, 2],
                    [0, 1, 3, 5],
                    [7, 5, 6, 3],
                    [4, 4, 1, 0],
                ],
                float,
            ),
            np.array([0, 3, 1, 0, 3, 1, 0]),
            np.array([[1, 1, 1, 1], [6, 6, 6, 6], [7, -2, 5, 1], [2, 0, 2, 4]], float),
            ", cluster 2 empty",
        ),
        (
            np.array([[1, 5, 2], [3, 1, 4], [2, 2, 2], [8, 0, 1], [0, 6, 6]], float),
            np.array([1, 0, 1, 0, 1]),
            np.array([[2, 2, 2], [1, 4, 3], [-3, 0.5, 9]], float),
            ", last cluster empty",
        ),
        (
            np.array([[0.5], [1.5], [4.0], [10.0], [12.0], [11.0]]),
            np.array([2, 2, 0, 1, 1, 1]),
            np.array([[3.0], [9.0], [0.0]]),
            "",
        ),
        (
            np.array([[2, 1, 4, 3, 5], [6, 1, 1, 0, 2], [3, 3, 3, 3, 3], [9, 8, 1, 2, 0]], float),
            np.array([1, 1, 1, 1]),
            np.array([[0, 0, 0, 0, 1], [5, 5, 5, 5, 5]], float),
            ", cluster 0 empty",
        ),
        # Integer inputs (like 8-bit pixel values): the means are not integers, and
        # new = centroids.copy() would be an integer array that cuts them off.
        (
            np.array(
                [[200, 10, 3], [101, 20, 4], [7, 255, 0], [0, 250, 1], [30, 40, 50]], np.int64
            ),
            np.array([0, 0, 1, 1, 0]),
            np.array([[100, 100, 100], [5, 200, 1], [9, 9, 9]], np.int64),
            ", integer (int64) X and centroids, cluster 2 empty",
        ),
    ]


def _bigger_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2,000 points in 8 clusters, 3 features: beyond toy size."""
    rng = np.random.default_rng(2001)
    X, C = rng.random((2000, 3)), rng.random((8, 3))
    return X, rng.integers(0, 8, size=2000), C


def _no_loop_case(runner: Runner) -> None:
    rng = np.random.default_rng(1101)
    X, C = rng.random((1100, 3)), rng.random((3, 3))
    labels = rng.integers(0, 3, size=1100)
    check_no_loop(
        runner,
        (X[:100], labels[:100], C),
        (X, labels, C),
        100,
        1100,
        "points",
        "the exercise asks for no Python loop over the points (a loop over the K clusters is "
        "fine): select the points of a cluster with a boolean mask, or sum by label",
    )


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, random ones (about half with an empty cluster), then no loop."""
    out: list[Case] = []
    for X, labels, C, extra in fixed_cases():
        out.append(
            (
                f"{X.shape[0]} points, {C.shape[0]} clusters, {X.shape[1]} "
                f"feature{'s' * (X.shape[1] > 1)}{extra}",
                partial(_case, X=X, labels=labels, C=C),
            )
        )
    X, labels, C = _bigger_case()
    out.append(("2000 points, 8 clusters, 3 features", partial(_case, X=X, labels=labels, C=C)))
    rng = case_rng(seed, "compute_centroids")
    for _ in range(n_random):
        N, K, n = int(rng.integers(4, 60)), int(rng.integers(2, 8)), int(rng.integers(2, 6))
        X = rng.normal(size=(N, n))
        C = rng.normal(size=(K, n))
        labels = rng.integers(0, K, size=N)
        if rng.random() < 0.5:  # empty one cluster
            labels[labels == int(rng.integers(K))] = (int(rng.integers(K)) + 1) % K
        empty = K - len(np.unique(labels))
        extra = f", {empty} empty" if empty else ""
        out.append(
            (
                f"random: {N} points, {K} clusters, {n} features{extra}",
                partial(_case, X=X, labels=labels, C=C),
            )
        )
    out.append(("no Python loop over the points: 100 and 1100 points", _no_loop_case))
    return out


def check_compute_centroids(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``compute_centroids(X, labels, centroids)``.

    The function must return the (K, n) float64 means of every cluster; a
    cluster with no points keeps its row of ``centroids``; no input is
    changed. The fixed cases have clusters of different sizes (so dividing
    by K or N, or summing, shows), empty clusters (first, middle, last)
    whose old centroid is not zero, 1 to 5 features, integer (int64) X
    and centroids, whose means must not be cut to integers, and 2,000
    points. A float32 result is rejected with a hint about its precision.
    The last case checks there is no Python loop over the points (a loop
    over the K clusters is fine).

    Parameters
    ----------
    func : callable
        The student's ``compute_centroids``.
    n_random : int, default=3
        Extra cases with random data (some with empty clusters), compared
        with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> import numpy as np
    >>> def compute_centroids(X, labels, centroids):
    ...     new = centroids.astype(float)
    ...     for k in range(len(centroids)):
    ...         if np.any(labels == k):
    ...             new[k] = X[labels == k].mean(axis=0)
    ...     return new
    >>> check_compute_centroids(compute_centroids)
    compute_centroids: 11/11 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("compute_centroids", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
