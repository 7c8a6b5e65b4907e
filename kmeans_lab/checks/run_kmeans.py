"""The check of exercise ``run_kmeans(X, initial_centroids, max_iters)``: the whole loop.

Results are compared with the reference from the same initial centroids; a
wrong answer is compared with the algorithm's centroids after each round,
which tells one round too many or too few, a cap, an early stop, or
centroids that never move.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .. import kmeans as _kmeans
from .answers import (
    as_array,
    lower_precision,
    none_hint,
    precision_hint,
    require_ndarray,
    tuple_hint,
)
from .find_closest_centroids import sq_distances
from .messages import describe, expected_got, num, row
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options

__all__ = ["check_run_kmeans"]

#: The hint for a function that changes ``initial_centroids``.
MUTATION_HINTS = {
    "initial_centroids": "work on a copy instead of assigning into initial_centroids: "
    "it is the caller's array",
}


def history(X: np.ndarray, C0: np.ndarray, rounds: int) -> list[np.ndarray]:
    """Centroids after 0, 1, ..., rounds rounds (reference steps)."""
    out = [C0.copy()]
    C = C0.copy()
    for _ in range(rounds):
        labels = _kmeans.find_closest_centroids(X, C)
        C = _kmeans.compute_centroids(X, labels, C)
        out.append(C)
    return out


def _rounds(r: int) -> str:
    return f"{r} round{'s' * (r != 1)}"


def _rounds_line_and_hint(got_C, exp_C, hist, max_iters) -> tuple[list[str], str]:
    """What the returned centroids match (the algorithm's after some round), and the hint."""
    if lower_precision(got_C) and np.allclose(
        got_C, exp_C, rtol=10 * np.finfo(got_C.dtype).eps, atol=10 * np.finfo(got_C.dtype).tiny
    ):
        return [], precision_hint(got_C.dtype)
    matches = [r for r in range(len(hist)) if np.allclose(got_C, hist[r], rtol=1e-9, atol=1e-12)]
    if matches:
        r = matches[0]
        seen = (
            "the initial centroids (the algorithm's after 0 rounds)"
            if r == 0
            else f"the algorithm's centroids after {_rounds(r)} from these initial centroids"
        )
        short = seen.replace(" from these initial centroids", "")
        return (
            [f"your centroids are {short}, not after max_iters = {_rounds(max_iters)}"],
            f"your centroids are {seen}; max_iters = {max_iters} asks for {_rounds(max_iters)}",
        )
    k = int(np.argmax((~np.isclose(got_C, exp_C, rtol=1e-9, atol=1e-12)).any(axis=1)))
    return (
        [],
        f"after {_rounds(max_iters)} from these initial centroids centroid {k} is at "
        f"{row(exp_C[k])}, yours at {row(got_C[k])}, and your centroids are not the "
        f"algorithm's after any number of rounds from 0 to {len(hist) - 1}",
    )


def _case(runner: Runner, X: np.ndarray, C0: np.ndarray, max_iters: int) -> None:
    K, n = C0.shape
    N = X.shape[0]
    exp_C, exp_labels = _kmeans.run_kmeans(X.copy(), C0.copy(), max_iters)
    got_raw = runner.call(X, C0, max_iters)
    if not isinstance(got_raw, (tuple, list)) or len(got_raw) != 2:
        hint = none_hint(got_raw, "centroids, labels")
        if hint is None and isinstance(got_raw, tuple):
            hint = tuple_hint(got_raw, "2 values, (centroids, labels)", one=False)
        if hint is None:
            what = (
                f"an array of shape {got_raw.shape}"
                if isinstance(got_raw, np.ndarray)
                else f"a {type(got_raw).__name__}"
            )
            hint = (
                f"your function returned {what}; the exercise returns 2 values, (centroids, labels)"
            )
        runner.fail(
            [
                f"expected a pair (centroids, labels) of shapes ({K}, {n}) and ({N},)",
                f"got {describe(got_raw)}",
            ],
            hint,
        )
    require_ndarray(runner, got_raw[0], "centroids", exp_C, "the array compute_centroids returns")
    require_ndarray(
        runner, got_raw[1], "labels", exp_labels, "the array find_closest_centroids returns"
    )
    got_C, got_labels = (as_array(v) for v in got_raw)
    if (
        got_C is not None
        and got_labels is not None
        and got_C.shape == (N,)
        and got_labels.shape == (K, n)
    ):
        runner.fail(
            [
                f"expected a pair (centroids, labels) of shapes ({K}, {n}) and ({N},)",
                f"got shapes {got_C.shape} and {got_labels.shape}",
            ],
            f"your first result has shape {got_C.shape} and your second {got_labels.shape}: "
            f"the exercise returns (centroids, labels), of shapes ({K}, {n}) and ({N},)",
        )
    if got_C is None or got_C.shape != (K, n):
        runner.fail(
            expected_got("centroids", exp_C, got_C if got_C is not None else got_raw[0]),
            f"the first result is the centroids, shape (K, n) = ({K}, {n})",
        )
    if not np.issubdtype(got_C.dtype, np.number) or np.issubdtype(got_C.dtype, np.complexfloating):
        runner.fail(
            expected_got("centroids", exp_C, got_C),
            "the first result is the centroids, a float array of shape (K, n)",
        )
    hist = history(X, C0, max_iters + 1)
    if not np.allclose(got_C, exp_C, rtol=1e-9, atol=1e-12):
        lines = expected_got(f"centroids after {_rounds(max_iters)}", exp_C, got_C)
        bad = ~np.isclose(got_C, exp_C, rtol=1e-9, atol=1e-12)
        k = int(np.argmax(bad.any(axis=1)))
        lines.append(
            f"first mismatch at row {k}: after {_rounds(max_iters)} from these initial centroids, "
            f"centroid {k} is at {row(exp_C[k])}"
        )
        more, hint = _rounds_line_and_hint(got_C, exp_C, hist, max_iters)
        runner.fail(lines + more, hint)
    if got_labels is None or got_labels.shape != (N,):
        runner.fail(
            expected_got(
                "labels", exp_labels, got_labels if got_labels is not None else got_raw[1]
            ),
            f"the second result is the labels, one per point: shape ({N},)",
        )
    if got_labels.dtype == bool or not np.issubdtype(got_labels.dtype, np.integer):
        runner.fail(
            expected_got("labels", exp_labels, got_labels),
            f"your labels are {got_labels.dtype}: labels index the centroids, so return an "
            "integer array",
        )
    if np.array_equal(got_labels, exp_labels):
        return
    lines = expected_got("labels", exp_labels, got_labels)
    i = int(np.argmax(got_labels != exp_labels))
    d = sq_distances(X[i : i + 1], exp_C)[0]
    lines.append(
        f"first mismatch at index {i}: X[{i}] = {row(X[i])} is closest to returned "
        f"centroid {int(exp_labels[i])} (squared distance {num(d[exp_labels[i]])})"
        + (
            f", not {int(got_labels[i])} ({num(d[got_labels[i]])})"
            if 0 <= got_labels[i] < K
            else ""
        )
    )
    if max_iters >= 1 and np.array_equal(
        got_labels, _kmeans.find_closest_centroids(X, hist[max_iters - 1])
    ):
        hint = (
            f"your labels are the assignment to the centroids after {_rounds(max_iters - 1)}, "
            f"not to the centroids you returned (after {_rounds(max_iters)})"
        )
    else:
        mine = sq_distances(X[i : i + 1], got_C)[0]
        e, g = int(np.argmin(mine)), int(got_labels[i])
        hint = (
            f"your labels are not the closest of the centroids you returned: X[{i}] is nearest "
            f"to centroid {e} (squared distance {num(mine[e])})"
            + (f", your label is {g} ({num(mine[g])})" if 0 <= g < K else f", your label is {g}")
        )
    runner.fail(lines, hint)


def _blobs(rng: np.random.Generator, N: int, K: int, n: int) -> np.ndarray:
    centres = rng.uniform(-5, 5, size=(K, n))
    return centres[rng.integers(0, K, size=N)] + rng.normal(scale=1.0, size=(N, n))


def fixed_cases() -> list[tuple[np.ndarray, np.ndarray, int, str]]:
    """The fixed cases, built when a check runs (nothing is computed at import)."""
    rng = np.random.default_rng(7)
    X1 = _blobs(rng, 30, 3, 3)
    X2 = _blobs(rng, 40, 4, 4)
    # Cluster 1 has two points at first and none after the first update.
    X3 = np.array(
        [[9, 6, 4], [9, 3, 7], [5, 8, 1], [8, 4, 5], [2, 0, 7], [3, 3, 9], [7, 9, 2]], float
    )
    C3 = np.array([[9, 4, 4], [1, 5, 3], [7, 4, 9]], float)
    X4 = np.array([[0.0], [1.0], [10.0], [11.0], [20.0]])
    C4 = np.array([[0.0], [1.0], [100.0]])
    # Slow convergence: a grey ramp from black to white, the centroids start at
    # its black end and creep along it by less than 0.05 a round; they still
    # move at rounds 7, 8, 9 and 10, so one round too many or too few, a cap on
    # the rounds, or an early stop on a loose tolerance all show. The ramp's
    # steps are uneven so that no point is ever at the same distance from two
    # centroids: every correct assignment step agrees on every point.
    i = np.arange(49)
    t = np.clip((i + 0.2 * np.sin(2.3 * i)) / 48, 0.0, 1.0)
    X5 = np.stack([t, t, t], axis=1)
    return [
        (X1, X1[[0, 1, 2]].copy(), 0, ", max_iters=0"),
        (X1, X1[[3, 7, 11]].copy(), 1, ", max_iters=1"),
        (X2, X2[[0, 5, 10, 15]].copy(), 4, ", max_iters=4"),
        (X3, C3, 3, ", a cluster empties"),
        (X4, C4, 2, ", a centroid never gets points"),
        (X1, X1[[5, 6, 7]].copy(), 10, ", max_iters=10"),
        (X5, X5[:3].copy(), 8, ", max_iters=8, a grey ramp: still moving at round 8"),
    ]


def has_near_tie(X: np.ndarray, C0: np.ndarray, rounds: int) -> bool:
    """True when, within ``rounds`` + 1 rounds of the reference from ``C0``, some point is
    (nearly) as close to two centroids: correct assignment steps may then disagree."""
    C = C0.copy()
    for _ in range(rounds + 2):
        if C.shape[0] > 1:
            d = np.sort(sq_distances(X, C), axis=1)
            if np.any(d[:, 1] - d[:, 0] <= 1e-7 * (1.0 + d[:, 0])):
                return True
        C = _kmeans.compute_centroids(X, _kmeans.find_closest_centroids(X, C), C)
    return False


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, then ``n_random`` random blobs (drawn again while a tie arises)."""
    out: list[Case] = []
    for X, C0, m, extra in fixed_cases():
        out.append(
            (
                f"{X.shape[0]} points, {C0.shape[0]} centroids, {X.shape[1]} "
                f"feature{'s' * (X.shape[1] > 1)}{extra}",
                partial(_case, X=X, C0=C0, max_iters=m),
            )
        )
    rng = case_rng(seed, "run_kmeans")
    for _ in range(n_random):
        while True:
            N, K, n = int(rng.integers(10, 60)), int(rng.integers(2, 6)), int(rng.integers(2, 5))
            X = _blobs(rng, N, K, n)
            C0 = X[rng.choice(N, size=K, replace=False)].copy()
            m = int(rng.integers(0, 8))
            if not has_near_tie(X, C0, m):
                break
        out.append(
            (
                f"random: {N} points, {K} centroids, {n} features, max_iters={m}",
                partial(_case, X=X, C0=C0, max_iters=m),
            )
        )
    return out


def check_run_kmeans(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``run_kmeans(X, initial_centroids, max_iters)``.

    The function must run ``max_iters`` rounds of assignment then update
    from ``initial_centroids`` and return ``(centroids, labels)``, the labels
    being the assignment to the returned centroids. Results are compared
    with the reference :func:`kmeans_lab.run_kmeans` from the same initial
    centroids, including ``max_iters=0``, clusters that empty, and a
    slowly converging case (centroids still moving at round ``max_iters``,
    so one round too many or too few, a cap or an early stop show). No case
    has a point at (nearly) the same distance from two centroids at any
    round, so every assignment step that passes its own check gives the
    same labels here. Calling
    the reference ``find_closest_centroids`` / ``compute_centroids`` is
    allowed; calling the reference ``run_kmeans`` or a library K-means
    (scikit-learn, SciPy) is not.

    Parameters
    ----------
    func : callable
        The student's ``run_kmeans``.
    n_random : int, default=3
        Extra cases with random blobs, compared with the reference.
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
    >>> from kmeans_lab import find_closest_centroids, compute_centroids
    >>> def run_kmeans(X, initial_centroids, max_iters):
    ...     centroids = initial_centroids.copy()
    ...     for _ in range(max_iters):
    ...         labels = find_closest_centroids(X, centroids)
    ...         centroids = compute_centroids(X, labels, centroids)
    ...     return centroids, find_closest_centroids(X, centroids)
    >>> check_run_kmeans(run_kmeans)
    run_kmeans: 10/10 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("run_kmeans", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
