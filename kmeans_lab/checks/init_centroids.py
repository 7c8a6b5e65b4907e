"""The check of exercise ``init_centroids(X, K, rng)``: K distinct rows of X, chosen with rng.

The result is not compared with the reference (any uniform choice of distinct
positions is right); the cases test the contract instead: shape, rows of X,
distinct positions, the Generator is used, seeds reproduce, K = N gives a
permutation, and over many seeds every row is equally likely (a chi-square
test) and every pair of rows can come out together.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .init_centroids_calls import (
    call,
    call_seed,
    distinct,
    distinct_rows,
    rng_state,
    rows_from_X,
)
from .messages import describe, expected_got
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options
from .uniform_choice import (
    CHI2_ALPHA,
    CHI2_DRAWS,
    CHI2_K,
    CHI2_LIMIT,
    CHI2_LIMIT_COLOURS,
    CHI2_N,
    COLOURS,
    MULTIPLICITY,
    colour_statistic,
    duplicate_rows,
    uniform_statistic,
)

__all__ = [
    "check_init_centroids",
    "CHI2_LIMIT_COLOURS",
    "colour_statistic",
    "CHI2_N",
    "CHI2_K",
    "CHI2_DRAWS",
    "CHI2_ALPHA",
    "CHI2_LIMIT",
    "uniform_statistic",
]

# The fixed data of the first cases.
N0, n0, K0 = 10, 3, 4

#: The hint for a function that changes ``X``.
MUTATION_HINTS = {
    "X": "choose positions and take those rows, leaving X as it is: shuffling or sorting "
    "X in place changes the caller's array",
}


# -- the cases ----------------------------------------------------------------


def _shape_case(runner: Runner, seed: int) -> None:
    call(runner, distinct_rows(N0, n0), K0, call_seed(seed, 1))


def _from_X_case(runner: Runner, seed: int) -> None:
    X0 = distinct_rows(N0, n0)
    rows_from_X(runner, X0, call(runner, X0, K0, call_seed(seed, 1)))


def _distinct_case(runner: Runner, seed: int) -> None:
    X0 = distinct_rows(N0, n0)
    distinct(runner, X0, call(runner, X0, K0, call_seed(seed, 1)), K0)


def _uses_rng_case(runner: Runner, seed: int) -> None:
    X0 = distinct_rows(N0, n0)
    s = call_seed(seed, 2)
    rng = np.random.default_rng(s)
    before = rng_state(rng)
    got = call(runner, X0, K0, s, rng=rng)
    if rng_state(rng) == before:
        first_rows = np.array_equal(got, X0[:K0])
        runner.fail(
            [
                "expected the Generator rng to be used (its state to advance)",
                "got rng unchanged after the call: the randomness came from somewhere else"
                + (" (your centroids are the first K rows of X)" if first_rows else ""),
            ],
            f"rng = np.random.default_rng({s}) is in the same state after the call as before: "
            "nothing was drawn from it"
            + (
                ", and your centroids are the first K rows of X; draw K random positions with rng"
                if first_rows
                else " (np.random.* and the random module draw from other generators); draw the "
                "positions with rng"
            ),
        )


def _same_seed_case(runner: Runner, seed: int) -> None:
    X0 = distinct_rows(N0, n0)
    s = call_seed(seed, 3)
    a = call(runner, X0, K0, s)
    b = call(runner, X0, K0, s)
    if not np.array_equal(a, b):
        runner.fail(
            [
                f"expected the same centroids from two Generators made with the same seed {s}",
                *expected_got("centroids", a, b),
            ],
            f"two calls with np.random.default_rng({s}) returned different centroids: something "
            "other than rng's draws changes your result; draw only with rng, so that the same "
            "seed gives the same centroids",
        )


def _different_seeds_case(runner: Runner, seed: int) -> None:
    X0 = distinct_rows(N0, n0)
    results = [call(runner, X0, K0, call_seed(seed, 4, k)) for k in range(8)]
    if all(np.array_equal(results[0], r) for r in results[1:]):
        runner.fail(
            [
                "expected different seeds to give different centroids (8 seeds tried)",
                f"got the same centroids every time: {describe(results[0])}",
            ],
            "8 Generators with different seeds all gave the same centroids: your result does not "
            "depend on rng; draw the positions at random with rng",
            show_call=False,
        )


def _permutation_case(runner: Runner, seed: int) -> None:
    N, K = 8, 8
    X = distinct_rows(N, 2)
    for k in range(5):
        got = call(runner, X, K, call_seed(seed, 5, k))
        pos = rows_from_X(runner, X, got)
        if sorted(pos.tolist()) != list(range(N)):
            missing = sorted(set(range(N)) - set(pos.tolist()))
            runner.fail(
                [
                    f"expected every row of X exactly once with K = N = {N}",
                    f"got positions {pos.tolist()}: row {missing[0]} is missing",
                ],
                f"with K = N = {N}, your result misses row {missing[0]} (positions "
                f"{pos.tolist()}): with K = N every row comes out exactly once, so take each "
                "position at most once (sample without replacement)",
            )


def _never_chosen_hint(k: int, N: int, M: int) -> str:
    if k == N - 1:
        return (
            f"row {k}, the last row of X, never came out in {M} calls: every row must be able "
            "to come out (a range of positions excludes its end: check where yours ends)"
        )
    return f"row {k} never came out in {M} calls: every row of X must be able to come out"


def _distribution_case(runner: Runner, seed: int) -> None:
    N, K, M = CHI2_N, CHI2_K, CHI2_DRAWS
    X = distinct_rows(N, 3)
    counts = np.zeros(N, dtype=int)
    pairs = np.zeros((N, N), dtype=int)
    for k in range(M):
        pos = distinct(runner, X, call(runner, X, K, call_seed(seed, 6, k)), K)
        counts[pos] += 1
        pos = np.sort(pos)
        for a in range(K):
            pairs[pos[a], pos[a + 1 :]] += 1
    expect = M * K / N
    lines = [
        f"expected each of the {N} rows to be chosen about {expect:.0f} times over "
        f"{M} seeds (K = {K}), all rows equally likely"
    ]
    never = np.flatnonzero(counts == 0)
    if never.size:
        k = int(never[0])
        runner.fail(
            lines + [f"got counts {counts.tolist()}: row {k} never chosen"],
            _never_chosen_hint(k, N, M),
            show_call=False,
        )
    upper = pairs[np.triu_indices(N, 1)]
    if upper.min() == 0:
        i, j = (int(v[0]) for v in np.nonzero(np.triu(pairs == 0, 1)))
        runner.fail(
            [
                f"expected every pair of rows to come out together sometimes over {M} seeds "
                f"(K = {K}, each pair about {M * K * (K - 1) / 2 / upper.size:.0f} times)",
                f"got rows {i} and {j} never chosen together",
            ],
            f"rows {i} and {j} never came out together in {M} calls: any {K} rows must be able "
            "to come out together, so choose the K positions jointly at random",
            show_call=False,
        )
    statistic = uniform_statistic(counts, M, K)
    if statistic > CHI2_LIMIT:
        k = int(np.argmax(np.abs(counts - expect)))
        runner.fail(
            lines
            + [
                f"got counts {counts.tolist()}: row {k} chosen {counts[k]} times",
                f"chi-square statistic {statistic:.1f} > {CHI2_LIMIT:.1f}, a limit a "
                f"uniform choice exceeds with probability {CHI2_ALPHA:g}",
            ],
            f"row {k} came out {counts[k]} times in {M} calls, where a uniform choice gives "
            f"about {expect:.0f}: every row must be equally likely (no weights, no preference "
            "for some positions)",
            show_call=False,
        )


def _k1_case(runner: Runner, seed: int) -> None:
    N, M = 5, 60
    X = distinct_rows(N, 4)
    s = call_seed(seed, 7)
    rng = np.random.default_rng(s)
    before = rng_state(rng)
    got = call(runner, X, 1, s, rng=rng)
    distinct(runner, X, got, 1)
    if rng_state(rng) == before:
        runner.fail(
            [
                "expected the Generator rng to be used with K = 1 too (its state to advance)",
                "got rng unchanged after the call"
                + (" (your centroid is the first row of X)" if np.array_equal(got, X[:1]) else ""),
            ],
            f"with K = 1, rng = np.random.default_rng({s}) is in the same state after the call "
            "as before: nothing was drawn from it; draw the position with rng",
        )
    counts = np.zeros(N, dtype=int)
    for k in range(M):
        counts[distinct(runner, X, call(runner, X, 1, call_seed(seed, 8, k)), 1)] += 1
    if counts.min() == 0:
        k = int(np.argmin(counts))
        runner.fail(
            [
                f"expected every row of X to come out sometimes with K = 1 over {M} seeds "
                f"(each about {M / N:.0f} times)",
                f"got counts {counts.tolist()}: row {k} never chosen",
            ],
            "with K = 1, " + _never_chosen_hint(k, N, M),
            show_call=False,
        )


def _duplicates_case(runner: Runner, seed: int) -> None:
    X = duplicate_rows()
    for k in range(3):  # rows at distinct positions may repeat a colour that X repeats
        distinct(runner, X, call(runner, X, 3, call_seed(seed, 9, k)), 3)
    M = CHI2_DRAWS
    index = {tuple(c): k for k, c in enumerate(COLOURS)}
    counts = np.zeros(len(COLOURS), dtype=int)
    for k in range(M):
        got = call(runner, X, 1, call_seed(seed, 10, k))
        distinct(runner, X, got, 1)
        counts[index[tuple(got[0])]] += 1
    statistic = colour_statistic(counts, M)
    if statistic > CHI2_LIMIT_COLOURS:
        expect = [round(M * m / sum(MULTIPLICITY)) for m in MULTIPLICITY]
        runner.fail(
            [
                f"expected every position of X equally likely: its {len(X)} rows hold 4 colours "
                f"{', '.join(str(m) for m in MULTIPLICITY)} times, so with K = 1 over {M} seeds "
                f"they come out about {expect} times",
                f"got {counts.tolist()} (chi-square statistic {statistic:.1f} > "
                f"{CHI2_LIMIT_COLOURS:.1f}, exceeded with probability {CHI2_ALPHA:g} by a "
                "uniform choice of positions)",
            ],
            f"with K = 1 the {len(COLOURS)} colours came out {counts.tolist()} times in {M} "
            f"calls, where a uniform choice of positions gives about {expect}: every position "
            "of X must be equally likely, so a colour held by many rows comes out more often "
            "than a colour held by one",
            show_call=False,
        )


def _random_case(runner: Runner, X: np.ndarray, K: int, s: int) -> None:
    distinct(runner, X, call(runner, X, K, s), K)


def cases(n_random: int, seed: int) -> list[Case]:
    """The contract's cases, then ``n_random`` random sizes."""
    fixed = [
        (f"shape: {N0} points, {n0} features, K={K0}", _shape_case),
        (f"rows come from X: {N0} points, K={K0}", _from_X_case),
        (f"distinct positions: {N0} points, K={K0}", _distinct_case),
        ("uses rng", _uses_rng_case),
        ("same seed, same centroids", _same_seed_case),
        ("different seeds, different centroids", _different_seeds_case),
        ("K = N gives every row once", _permutation_case),
        (f"every row equally likely, every pair possible, {CHI2_DRAWS} seeds", _distribution_case),
        ("K = 1: 5 points, 4 features, 60 seeds", _k1_case),
        (f"X repeats rows: 12 rows of 4 colours, {CHI2_DRAWS} seeds", _duplicates_case),
    ]
    out: list[Case] = [(description, partial(body, seed=seed)) for description, body in fixed]
    rng = case_rng(seed, "init_centroids")
    for k in range(n_random):
        N = int(rng.integers(2, 40))
        n = int(rng.integers(1, 6))
        K = int(rng.integers(1, N + 1))
        X = rng.permutation(distinct_rows(N, n, offset=float(rng.integers(0, 50))))
        if k % 3 == 2:  # some random cases repeat rows too
            X[rng.integers(0, N, size=N // 3)] = X[0]
        out.append(
            (
                f"random: {N} points, {n} features, K={K}",
                partial(_random_case, X=X, K=K, s=call_seed(seed, 11, k)),
            )
        )
    return out


def check_init_centroids(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``init_centroids(X, K, rng)``.

    The function must return K rows of X at K distinct positions chosen
    with the Generator ``rng``. Checked: shape; rows come from X; distinct
    positions; X untouched; ``rng`` is used (its state advances; the global
    ``np.random`` is not enough); the same seed gives the same result;
    different seeds give different results; with K = N every row appears
    exactly once; with K = 1 the Generator is used too and, over 60 seeds,
    every row comes out; over 400 seeds every row is picked, equally often
    by a chi-square test (a correct function fails it with probability
    1e-6), and every pair of rows comes out together (catches "first K
    rows", sampling with replacement, off-by-one ranges, mild biases);
    when X repeats rows, every *position* is equally likely (a colour held
    by six rows comes out six times as often as one held by one row: choosing
    among distinct colours fails). The data's columns do not rise together,
    so rows whose values were re-ordered inside a column are not rows of X.
    The result is not compared with the reference (any uniform choice of
    distinct positions is right).

    Parameters
    ----------
    func : callable
        The student's ``init_centroids``.
    n_random : int, default=3
        Extra cases with random sizes (shape, rows from X, distinct).
    seed : int, default=0
        Seed of the random cases (and of the Generators passed to ``func``).

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> def init_centroids(X, K, rng):
    ...     return X[rng.choice(len(X), size=K, replace=False)]
    >>> check_init_centroids(init_centroids)
    init_centroids: 13/13 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("init_centroids", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
