"""One call of a student's ``init_centroids``, checked: its shape, rows of X, distinct positions.

Every case of :mod:`.init_centroids` calls the function through :func:`call`
(a Generator made from a seed the check does not reveal; NumPy's global random
state must not change) and checks what came back with :func:`rows_from_X` and
:func:`distinct`. The data (:func:`distinct_rows`) has distinct values and columns
that do not rise together, so rows re-ordered inside a column are not rows of X.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .answers import as_array, lower_precision, none_hint, precision_hint, require_ndarray
from .messages import describe, row
from .runner import Runner

__all__ = [
    "call",
    "call_seed",
    "distinct",
    "distinct_rows",
    "positions_of",
    "rng_state",
    "rows_from_X",
]


def distinct_rows(N: int, n: int, offset: float = 0.0) -> np.ndarray:
    """N distinct rows, shape (N, n): every entry distinct, and columns that do not
    rise together (each column is shuffled on its own), so that a result whose
    columns were sorted separately is no longer made of rows of X."""
    X = np.arange(N * n, dtype=np.float64).reshape(N, n) / 10.0 + 1.0 + offset
    for j in range(1, n):
        X[:, j] = X[np.random.default_rng([N, n, j]).permutation(N), j]
    return X


def call_seed(seed: int, *key: int) -> int:
    """The seed of one call's Generator: from the check's seed, which it does not reveal."""
    return int(np.random.SeedSequence([seed, *key]).generate_state(1)[0])


def rng_state(rng: np.random.Generator) -> Any:
    return rng.bit_generator.state


def call(runner: Runner, X: np.ndarray, K: int, s: int, rng=None) -> np.ndarray:
    """Call the function with a Generator (seeded with ``s``, or ``rng`` made so); check the shape."""
    rng = np.random.default_rng(s) if rng is None else rng
    got_raw = runner.call(X, K, rng, shown=(None, None, f"np.random.default_rng({s})"))
    if runner.last_global_random:
        runner.fail(
            [
                "expected every random draw to come from the Generator rng",
                "got NumPy's global random state changed by the call: your function ran "
                "np.random.seed or a draw of np.random.<function> (or code that does)",
            ],
            f"NumPy's global random state changed during the call with "
            f"rng = np.random.default_rng({s}): np.random.seed or a draw of "
            "np.random.<function> ran (in your code or code it calls); draw only with the "
            "Generator rng you were given (rng.choice, rng.permutation ...)",
        )
    require_ndarray(runner, got_raw, "centroids", None, "X[positions]")
    got = as_array(got_raw)
    if got is None or got.shape != (K, X.shape[1]):
        hint = none_hint(got_raw, "centroids")
        if hint is None and got is not None:
            hint = (
                f"your result has shape {got.shape}; the exercise returns K = {K} rows of X, "
                f"shape (K, n) = {(K, X.shape[1])}"
            )
        runner.fail(
            [
                f"expected centroids of shape ({K}, {X.shape[1]}): K = {K} rows of X",
                f"got {describe(got if got is not None else got_raw)}",
            ],
            hint or "return K whole rows of X: the result has shape (K, n)",
        )
    return got


def positions_of(X: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Row index in X of the first row equal to every row of got, or -1."""
    eq = np.all(got[:, None, :] == X[None, :, :], axis=2)
    return np.where(eq.any(axis=1), eq.argmax(axis=1), -1)


def rows_from_X(runner: Runner, X: np.ndarray, got: np.ndarray) -> np.ndarray:
    pos = positions_of(X, got)
    if np.any(pos < 0):
        i = int(np.argmax(pos < 0))
        if lower_precision(got) and np.all(positions_of(X.astype(got.dtype), got) >= 0):
            runner.fail(
                [
                    f"expected every row to be a row of X, float64 like X; got row {i} = "
                    f"{row(got[i])}, a row of X rounded to {got.dtype}",
                    f"got {describe(got)}",
                ],
                precision_hint(got.dtype),
            )
        in_columns = all(np.isin(got[i, j], X[:, j]) for j in range(X.shape[1]))
        lines = [
            f"expected every row to be a row of X; got row {i} = {row(got[i])}, "
            "which is not a row of X",
            f"got {describe(got)}",
        ]
        if in_columns and X.shape[1] > 1:
            lines.append(
                f"each value of row {i} is in its column of X, but not in one row together: "
                "the values of different rows were mixed"
            )
            hint = (
                f"row {i} of your result, {row(got[i])}, is not a row of X, though each of its "
                "values is in its column of X: values of different rows were mixed; take whole "
                "rows of X"
            )
        else:
            hint = (
                f"row {i} of your result, {row(got[i])}, is not a row of X: return whole rows "
                "of X, taken at the positions you chose"
            )
        runner.fail(lines, hint)
    return pos


@functools.lru_cache(maxsize=8)
def _distinct_rows_of(data: bytes, shape: tuple, dtype: str) -> tuple:
    """``(values, counts, {row: k})`` of X's distinct rows: a case calls the function hundreds
    of times on one X, and np.unique would sort it again for every call."""
    X = np.frombuffer(data, dtype=dtype).reshape(shape)
    values, counts = np.unique(X, axis=0, return_counts=True)
    return values, counts, {tuple(v): k for k, v in enumerate(values)}


def distinct(runner: Runner, X: np.ndarray, got: np.ndarray, K: int) -> np.ndarray:
    """Check got holds K rows of X at K distinct positions (X may repeat rows)."""
    pos = rows_from_X(runner, X, got)
    values, in_X, index = _distinct_rows_of(X.tobytes(), X.shape, X.dtype.str)
    taken = np.bincount([index[tuple(r)] for r in got], minlength=len(values))
    over = np.flatnonzero(taken > in_X)
    if over.size:
        k = int(over[0])
        if in_X.max() == 1:  # every row of X different: name the position chosen twice
            dup = int(pos[np.flatnonzero([index[tuple(r)] == k for r in got])[0]])
            lines = [
                f"expected K = {K} rows at distinct positions of X (its rows are all different)",
                f"got positions {pos.tolist()}: X[{dup}] is chosen {taken[k]} times",
            ]
            fact = f"your result holds X[{dup}] {taken[k]} times"
        else:
            lines = [
                f"expected K = {K} rows at distinct positions of X",
                f"got the row {row(values[k])} {taken[k]} times, but X holds it only {in_X[k]} "
                f"time{'s' * (in_X[k] != 1)}",
            ]
            fact = (
                f"your result holds the row {row(values[k])} {taken[k]} times, but X holds it "
                f"only {in_X[k]} time{'s' * (in_X[k] != 1)}"
            )
        runner.fail(
            lines,
            f"{fact}: take each position of X at most once (sample the positions without "
            "replacement)",
        )
    return pos
