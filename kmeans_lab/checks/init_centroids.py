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
from typing import Any

import numpy as np

from .answers import as_array, lower_precision, none_hint, precision_hint, require_ndarray
from .messages import describe, expected_got, row
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options

__all__ = [
    "check_init_centroids",
    "CHI2_N",
    "CHI2_K",
    "CHI2_DRAWS",
    "CHI2_ALPHA",
    "CHI2_LIMIT",
    "uniform_statistic",
]

# The distribution test: CHI2_DRAWS calls with K of N rows.
CHI2_N, CHI2_K, CHI2_DRAWS = 12, 3, 400
CHI2_ALPHA = 1e-6
#: scipy.stats.chi2.isf(1e-6, df=11): a uniform choice exceeds it with probability 1e-6.
CHI2_LIMIT = 48.8656

# The fixed data of the first cases.
N0, n0, K0 = 10, 3, 4


def _distinct_rows(N: int, n: int, offset: float = 0.0) -> np.ndarray:
    """N distinct rows (every entry distinct), shape (N, n)."""
    return np.arange(N * n, dtype=np.float64).reshape(N, n) / 10.0 + 1.0 + offset


def _rng_state(rng: np.random.Generator) -> Any:
    return rng.bit_generator.state


def uniform_statistic(counts: np.ndarray, M: int, K: int) -> float:
    """Pearson's statistic of how often each row came out in M draws of K
    distinct rows, scaled to follow chi-square with N - 1 degrees of freedom
    when every K-subset is equally likely.

    Each draw adds K ones without replacement, so the counts vary less than
    multinomial ones: their Pearson sum follows (N - K) / (N - 1) times
    chi-square(N - 1), hence the factor (N - 1) / (N - K).
    """
    N = counts.size
    expect = M * K / N
    return float(((counts - expect) ** 2).sum() / expect * (N - 1) / (N - K))


# -- what every case does -----------------------------------------------------


def _call(runner: Runner, X: np.ndarray, K: int, s: int | None, rng=None) -> np.ndarray:
    """Call the function with a Generator (seeded with ``s`` unless given); check the shape."""
    rng = np.random.default_rng(s) if rng is None else rng
    got_raw = runner.call(X, K, rng)
    require_ndarray(runner, got_raw, "centroids", None, "X[positions]")
    got = as_array(got_raw)
    if got is None or got.shape != (K, X.shape[1]):
        hint = none_hint(got_raw, "centroids")
        if hint is None and got is not None and got.shape == (K,):
            hint = "return the rows of X, not their positions: X[positions] has shape (K, n)"
        runner.fail(
            [
                f"expected centroids of shape ({K}, {X.shape[1]}): K = {K} rows of X",
                f"got {describe(got if got is not None else got_raw)}",
            ],
            hint or "return K whole rows of X: X[positions], shape (K, n)",
        )
    return got


def _positions_of(X: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Row index in X of every row of got, or -1."""
    eq = np.all(got[:, None, :] == X[None, :, :], axis=2)
    return np.where(eq.any(axis=1), eq.argmax(axis=1), -1)


def _rows_from_X(runner: Runner, X: np.ndarray, got: np.ndarray) -> np.ndarray:
    pos = _positions_of(X, got)
    if np.any(pos < 0):
        i = int(np.argmax(pos < 0))
        if lower_precision(got) and np.all(_positions_of(X.astype(got.dtype), got) >= 0):
            runner.fail(
                [
                    f"expected every row to be a row of X, float64 like X; got row {i} = "
                    f"{row(got[i])}, a row of X rounded to {got.dtype}",
                    f"got {describe(got)}",
                ],
                precision_hint(got.dtype, "X[positions]"),
            )
        runner.fail(
            [
                f"expected every row to be a row of X; got row {i} = {row(got[i])}, "
                "which is not a row of X",
                f"got {describe(got)}",
            ],
            "pick whole rows of X, X[positions], instead of making up new points "
            "(e.g. rng.random or a mean)",
        )
    return pos


def _distinct(runner: Runner, X: np.ndarray, got: np.ndarray, K: int) -> np.ndarray:
    pos = _rows_from_X(runner, X, got)
    if len(set(pos.tolist())) < K:
        dup = [p for p in pos.tolist() if pos.tolist().count(p) > 1][0]
        runner.fail(
            [
                f"expected K = {K} rows at distinct positions of X (its rows are all different)",
                f"got positions {pos.tolist()}: X[{dup}] is chosen twice",
            ],
            "sample without replacement: rng.choice(N, size=K, replace=False) or "
            "rng.permutation(N)[:K]; rng.integers can repeat a position",
        )
    return pos


# -- the cases ----------------------------------------------------------------


def _shape_case(runner: Runner, base: int) -> None:
    _call(runner, _distinct_rows(N0, n0), K0, base)


def _from_X_case(runner: Runner, base: int) -> None:
    X0 = _distinct_rows(N0, n0)
    _rows_from_X(runner, X0, _call(runner, X0, K0, base))


def _distinct_case(runner: Runner, base: int) -> None:
    X0 = _distinct_rows(N0, n0)
    _distinct(runner, X0, _call(runner, X0, K0, base), K0)


def _uses_rng_case(runner: Runner, base: int) -> None:
    X0 = _distinct_rows(N0, n0)
    rng = np.random.default_rng(base)
    before = _rng_state(rng)
    got = _call(runner, X0, K0, None, rng=rng)
    if _rng_state(rng) == before:
        first_rows = np.array_equal(got, X0[:K0])
        runner.fail(
            [
                "expected the Generator rng to be used (its state to advance)",
                "got rng unchanged after the call: the randomness came from somewhere else"
                + (" (your centroids are the first K rows of X)" if first_rows else ""),
            ],
            (
                "don't take the first K rows: draw K random positions with the rng you were "
                "given, rng.choice(N, size=K, replace=False)"
                if first_rows
                else "draw the positions with the rng you were given: rng.choice(N, size=K, "
                "replace=False); np.random.* and the random module ignore it"
            ),
        )


def _same_seed_case(runner: Runner, base: int) -> None:
    X0 = _distinct_rows(N0, n0)
    a = _call(runner, X0, K0, base + 1)
    b = _call(runner, X0, K0, base + 1)
    if not np.array_equal(a, b):
        runner.fail(
            [
                f"expected the same centroids from two Generators made with the same seed {base + 1}",
                *expected_got("centroids", a, b),
            ],
            "use only rng for randomness (rng.choice, rng.permutation), not np.random.* "
            "or random.*, so that the same seed gives the same centroids",
        )


def _different_seeds_case(runner: Runner, base: int) -> None:
    X0 = _distinct_rows(N0, n0)
    results = [_call(runner, X0, K0, base + 10 + s) for s in range(8)]
    if all(np.array_equal(results[0], r) for r in results[1:]):
        runner.fail(
            [
                "expected different seeds to give different centroids (8 seeds tried)",
                f"got the same centroids every time: {describe(results[0])}",
            ],
            "draw the positions at random with rng, e.g. rng.choice(N, size=K, "
            "replace=False), instead of fixed positions such as the first K rows",
        )


def _permutation_case(runner: Runner, base: int) -> None:
    N, K = 8, 8
    X = _distinct_rows(N, 2)
    for s in range(5):
        got = _call(runner, X, K, base + 20 + s)
        pos = _rows_from_X(runner, X, got)
        if sorted(pos.tolist()) != list(range(N)):
            missing = sorted(set(range(N)) - set(pos.tolist()))
            runner.fail(
                [
                    f"expected every row of X exactly once with K = N = {N} (seed {base + 20 + s})",
                    f"got positions {pos.tolist()}: row {missing[0]} is missing",
                ],
                "sample without replacement: rng.choice(N, size=K, replace=False) or "
                "rng.permutation(N)[:K]",
            )


def _distribution_case(runner: Runner, base: int) -> None:
    N, K, M = CHI2_N, CHI2_K, CHI2_DRAWS
    X = _distinct_rows(N, 3)
    counts = np.zeros(N, dtype=int)
    pairs = np.zeros((N, N), dtype=int)
    for s in range(M):
        pos = _distinct(runner, X, _call(runner, X, K, base + 100 + s), K)
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
            "every row must be able to come out: draw positions from range(N) with "
            "rng.choice(N, size=K, replace=False); rng.integers(0, N - 1) never "
            "returns N - 1",
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
            "choose the K positions independently at random, rng.choice(N, size=K, "
            "replace=False), not as a block of neighbouring rows",
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
            "every row must be equally likely: rng.choice(N, size=K, replace=False), "
            "without weights (p=) or a preference for some positions",
        )


def _k1_case(runner: Runner, base: int) -> None:
    N, M = 5, 60
    X = _distinct_rows(N, 4)
    rng = np.random.default_rng(base + 7)
    before = _rng_state(rng)
    got = _call(runner, X, 1, None, rng=rng)
    _distinct(runner, X, got, 1)
    if _rng_state(rng) == before:
        runner.fail(
            [
                "expected the Generator rng to be used with K = 1 too (its state to advance)",
                "got rng unchanged after the call"
                + (" (your centroid is the first row of X)" if np.array_equal(got, X[:1]) else ""),
            ],
            "K = 1 is no special case: draw the position at random with the rng you were "
            "given, rng.choice(N, size=K, replace=False)",
        )
    counts = np.zeros(N, dtype=int)
    for s in range(M):
        counts[_distinct(runner, X, _call(runner, X, 1, base + 200 + s), 1)] += 1
    if counts.min() == 0:
        k = int(np.argmin(counts))
        runner.fail(
            [
                f"expected every row of X to come out sometimes with K = 1 over {M} seeds "
                f"(each about {M / N:.0f} times)",
                f"got counts {counts.tolist()}: row {k} never chosen",
            ],
            "K = 1 is no special case: draw the position at random with the rng you were "
            "given, rng.choice(N, size=K, replace=False)",
        )


def _random_case(runner: Runner, X: np.ndarray, K: int, s: int) -> None:
    _distinct(runner, X, _call(runner, X, K, s), K)


def cases(n_random: int, seed: int) -> list[Case]:
    """The contract's cases, then ``n_random`` random sizes."""
    base = 1000 + 97 * seed
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
    ]
    out: list[Case] = [(description, partial(body, base=base)) for description, body in fixed]
    rng = case_rng(seed, "init_centroids")
    for _ in range(n_random):
        N = int(rng.integers(2, 40))
        n = int(rng.integers(1, 6))
        K = int(rng.integers(1, N + 1))
        X = rng.permutation(_distinct_rows(N, n, offset=float(rng.integers(0, 50))))
        s = int(rng.integers(0, 2**31))
        out.append(
            (f"random: {N} points, {n} features, K={K}", partial(_random_case, X=X, K=K, s=s))
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
    rows", sampling with replacement, off-by-one ranges, mild biases).
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
    init_centroids: 12/12 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("init_centroids", func)
    return runner.run(cases(n_random, seed))
