"""The check of exercise ``find_closest_centroids(X, centroids)``: the assignment step.

The fixed cases have 1 to 5 features, chosen so that the usual mistakes (an
L1 distance, ``np.sum(x - mu) ** 2``, argmax, labels from 1, ignoring a
feature) give different labels; exact ties (which go to the lowest index)
and K = 1. A wrong answer's hint names one of :data:`MISTAKES` only when the
function gives that mistake's labels on every probe (:mod:`.diagnosis`);
otherwise it states the failing point's distances and the label returned.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .. import kmeans as _kmeans
from .answers import as_array, none_hint, require_ndarray
from .diagnosis import Mistake
from .loops import check_no_loop
from .messages import expected_got, join_and, num, row
from .results import CheckResult
from .runner import Case, ExceptionHint, Runner, case_rng, check_options

__all__ = ["check_find_closest_centroids", "sq_distances", "MISTAKES", "probes"]

#: The hint for a function that changes an argument.
MUTATION_HINTS = {
    "X": "compute into new arrays instead of changing X in place (-=, /=, sort): the "
    "caller's X must stay as it was",
    "centroids": "compute into new arrays instead of changing centroids in place: the "
    "caller's centroids must stay as they were",
}
#: Hints for a function that raises, tried in order.
EXCEPTION_HINTS = (
    ExceptionHint(
        "the error says two arrays' shapes do not broadcast together: in this case "
        "{arguments}; a difference of every point and every centroid has shape (N, K, n)",
        message_contains=("broadcast",),
    ),
)


def sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """The (N, K) squared Euclidean distances, by broadcasting."""
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def _wrong(distance: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable:
    """A mistaken find_closest_centroids: the argmin of another (N, K) distance."""
    return lambda X, C: np.argmin(distance(X, C), axis=1)


def _diff(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    return X[:, None, :] - C[None, :, :]


def _ties_to_highest(X, C):
    return C.shape[0] - 1 - sq_distances(X, C)[:, ::-1].argmin(axis=1)


#: The known mistakes, each named only when the function gives its labels on every probe.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "one_based_labels",
        lambda X, C: sq_distances(X, C).argmin(axis=1) + 1,
        "labels count from 0: the first centroid is label 0, so don't add 1 "
        "(np.argmin already returns 0-based positions)",
    ),
    Mistake(
        "argmax",
        lambda X, C: sq_distances(X, C).argmax(axis=1),
        "the closest centroid has the smallest distance: use np.argmin, not np.argmax",
    ),
    Mistake(
        "l1_distance",
        _wrong(lambda X, C: np.abs(_diff(X, C)).sum(axis=2)),
        "use the squared Euclidean distance, the sum of squared differences ((x - mu) ** 2), "
        "not the sum of absolute differences",
    ),
    Mistake(
        "square_of_sum",
        _wrong(lambda X, C: _diff(X, C).sum(axis=2) ** 2),
        "square each difference before summing: np.sum((x - mu) ** 2), not np.sum(x - mu) ** 2",
    ),
    Mistake(
        "ties_to_highest",
        _ties_to_highest,
        "on a tie keep the lowest index: np.argmin does, and a loop must switch "
        "only when a distance is strictly smaller (<, not <=)",
    ),
    Mistake(
        "ignores_last_feature",
        _wrong(lambda X, C: sq_distances(X[:, :-1], C[:, :-1])),
        "sum the squared differences over every feature (all n columns); your labels "
        "ignore the last one",
    ),
    Mistake(
        "ignores_first_feature",
        _wrong(lambda X, C: sq_distances(X[:, 1:], C[:, 1:])),
        "sum the squared differences over every feature (all n columns); your labels "
        "ignore the first one",
    ),
    Mistake(
        "sums_over_the_centroids",
        lambda X, C: (_diff(X, C) ** 2).sum(axis=1).argmin(axis=1),
        "sum the squared differences over the features (the last axis, n), not over the "
        "centroids (axis 1)",
    ),
    Mistake(
        "first_two_features",
        _wrong(
            lambda X, C: (X[:, None, 0] - C[None, :, 0]) ** 2 + (X[:, None, 1] - C[None, :, 1]) ** 2
        ),
        "sum the squared differences over every feature (all n columns), not only the first two",
    ),
    Mistake(
        "expanded_sign_error",
        _wrong(lambda X, C: (X**2).sum(1)[:, None] + 2 * X @ C.T + (C**2).sum(1)[None, :]),
        "in the expanded distance ||x||^2 - 2 x . mu + ||mu||^2 the middle term is subtracted: "
        "your labels are those of ||x||^2 + 2 x . mu + ||mu||^2",
    ),
    Mistake(
        "expanded_drops_centroid_norm",
        _wrong(lambda X, C: (X**2).sum(1)[:, None] - 2 * X @ C.T),
        "the expanded distance ||x||^2 - 2 x . mu + ||mu||^2 needs the centroids' term "
        "||mu||^2, which differs from centroid to centroid: your labels are those without it",
    ),
)


def probes() -> list[tuple[np.ndarray, np.ndarray]]:
    """Inputs on which every mistake of :data:`MISTAKES` gives labels of its own."""
    return [(X, C) for X, C, _ in fixed_cases()]


def _fact(X: np.ndarray, C: np.ndarray, i: int, got_label: int) -> str:
    """The hint when no mistake is proved: point i's distances, and the label returned."""
    d = sq_distances(X[i : i + 1], C)[0]
    e = int(np.argmin(d))
    ties = np.flatnonzero(d == d[e])
    if len(ties) > 1 and got_label in ties:
        return (
            f"X[{i}] is at the same squared distance ({num(d[e])}) from centroids "
            f"{join_and(ties)}: a tie goes to the lowest index, {e}; your function returned "
            f"{got_label}"
        )
    return (
        f"the squared distances from X[{i}] to the {len(C)} centroids are {row(d)}: the "
        f"smallest is centroid {e}'s, your function returned {got_label}; compare with the "
        "distances your code computes for this point"
    )


def _case(runner: Runner, X: np.ndarray, C: np.ndarray, exact: bool) -> None:
    N, K = X.shape[0], C.shape[0]
    expected = _kmeans.find_closest_centroids(X.copy(), C.copy())
    got_raw = runner.call(X, C)
    require_ndarray(runner, got_raw, "labels", expected, "the array np.argmin gives")
    got = as_array(got_raw)
    if got is None or got.shape != (N,):
        hint = none_hint(got_raw, "labels")
        if hint is None and got is not None:
            what = {
                (K,): ", one value per centroid",
                (N, K): ", one value per point and centroid",
                (): ", a single number",
            }.get(got.shape, "")
            hint = (
                f"your result has shape {got.shape}{what}; the labels are one integer per "
                f"point (row of X): shape ({N},)"
            )
        runner.fail(
            expected_got("labels", expected, got if got is not None else got_raw),
            hint or f"return one label per row of X: an array of shape ({N},)",
            kind="wrong shape",
        )
    d = sq_distances(X, C)
    is_int = got.dtype != bool and np.issubdtype(got.dtype, np.integer)
    if np.issubdtype(got.dtype, np.number) and not np.issubdtype(got.dtype, np.complexfloating):
        with np.errstate(invalid="ignore"):
            as_int = np.where(np.isfinite(got), got, -1).astype(np.int64)
        valid = (as_int == got) & (as_int >= 0) & (as_int < K)
    else:
        as_int, valid = np.full(N, -1), np.zeros(N, dtype=bool)
    rows = np.arange(N)
    ok = valid & (as_int == expected)
    if not exact:  # random float data: a near-tie may fall either way
        chosen = d[rows, np.clip(as_int, 0, K - 1)]
        best = d[rows, expected]
        ok |= valid & (chosen - best <= 1e-9 * (1.0 + best))
    if ok.all():
        if not is_int:
            runner.fail(
                expected_got("labels", expected, got),
                f"your labels have the right values but the dtype {got.dtype}: labels index the "
                "centroids, so return an integer array",
                kind="wrong dtype",
            )
        return
    lines = expected_got("labels", expected, got)
    i = int(np.argmin(ok))
    e = int(expected[i])
    ties = np.flatnonzero(d[i] == d[i, e])
    if not valid[i]:
        lines.append(
            f"first mismatch at index {i}: labels must be integers from 0 to {K - 1} "
            f"({K} centroids), got {got[i]}"
        )
    elif len(ties) > 1 and int(as_int[i]) in ties:
        lines.append(
            f"first mismatch at index {i}: X[{i}] = {row(X[i])} is at the same squared "
            f"distance ({num(d[i, e])}) from centroids {join_and(ties)}: "
            f"a tie goes to the lowest index, {e}"
        )
    else:
        g = int(as_int[i])
        lines.append(
            f"first mismatch at index {i}: X[{i}] = {row(X[i])} is closest to centroid "
            f"{e} (squared distance {num(d[i, e])}), not {g} ({num(d[i, g])})"
        )
    mistake = runner.diagnose(MISTAKES, as_int if valid.all() else got)
    if mistake is not None:
        runner.fail(lines, mistake.hint, mistake=mistake.name)
    if not valid[i]:
        runner.fail(
            lines,
            f"label {got[i]} at index {i} is not the position of a centroid: with {K} "
            f"centroids the labels are the integers 0 to {K - 1}",
        )
    runner.fail(lines, _fact(X, C, i, int(as_int[i])))


def fixed_cases() -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The fixed cases, built when a check runs (nothing is computed at import)."""
    return [
        (
            np.array([[0, 1], [4, 2], [4, 4], [1, 4], [0, 0]], float),
            np.array([[2, 0], [1, 2]], float),
            "",
        ),
        (
            np.array(
                [
                    [2, 2, 3, 4],
                    [0, 0, 4, 4],
                    [1, 1, 4, 2],
                    [1, 4, 1, 2],
                    [3, 2, 0, 0],
                    [4, 3, 4, 2],
                ],
                float,
            ),
            np.array([[4, 1, 2, 3], [0, 1, 0, 2], [4, 0, 1, 2]], float),
            "",
        ),
        (
            np.array([[0, 0, 0], [1, 1, 1], [4, 0, 0], [2, 2, -1], [3, -3, 1], [0, 4, 4]], float),
            np.array([[2, 2, 2], [4, 0, 0], [3, -3, 1], [0, 0, 5]], float),
            "",
        ),
        (
            np.array(
                [
                    [1, 0, 0],
                    [1, 1, 0],
                    [0, 1, 5],
                    [2, 2, 0],
                    [3, 0, 1],
                    [0, 3, 0],
                    [1, 1, 4],
                    [2, 1, 0],
                ],
                float,
            ),
            np.array([[0, 0, 0], [2, 0, 0], [0, 2, 0]], float),
            ", with ties",
        ),
        (
            np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8], [9, 7, 9, 3], [2, 3, 8, 4]], float),
            np.array([[2, 7, 1, 8]], float),
            "",
        ),
        (
            np.array([[0.0], [3.0], [4.0], [7.0], [10.0], [-2.0], [5.5]]),
            np.array([[0.0], [5.0], [9.0]]),
            "",
        ),
        (
            (np.arange(24 * 5).reshape(24, 5) * 7 % 11).astype(float),
            (np.arange(4 * 5).reshape(4, 5) * 5 % 11).astype(float),
            "",
        ),
        (  # repeated points, and two centroids at the same place: every tie goes to the lower
            np.array([[1, 2, 0], [1, 2, 0], [4, 4, 4], [0, 0, 0], [4, 4, 4], [1, 2, 0]], float),
            np.array([[4, 4, 4], [1, 2, 1], [1, 2, 1], [4, 4, 4]], float),
            ", repeated points and centroids",
        ),
    ]


def _bigger_case() -> tuple[np.ndarray, np.ndarray]:
    """2,000 points, 16 centroids, 3 features: beyond toy size."""
    rng = np.random.default_rng(2000)
    return rng.random((2000, 3)), rng.random((16, 3))


def _no_loop_case(runner: Runner) -> None:
    rng = np.random.default_rng(1100)
    X, C = rng.random((1100, 3)), rng.random((3, 3))
    check_no_loop(
        runner,
        (X[:100], C),
        (X, C),
        100,
        1100,
        "points",
        "the exercise asks for no Python loop over the points: compute all the distances "
        "with whole-array operations (broadcasting), as in the section above",
    )


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases (exact labels), random ones (near-ties may differ), then no loop."""
    out: list[Case] = []
    for X, C, extra in fixed_cases():
        out.append(
            (
                f"{X.shape[0]} points, {C.shape[0]} centroid{'s' * (C.shape[0] > 1)}, "
                f"{X.shape[1]} feature{'s' * (X.shape[1] > 1)}{extra}",
                partial(_case, X=X, C=C, exact=True),
            )
        )
    X, C = _bigger_case()
    out.append(("2000 points, 16 centroids, 3 features", partial(_case, X=X, C=C, exact=False)))
    rng = case_rng(seed, "find_closest_centroids")
    for _ in range(n_random):
        N, K, n = int(rng.integers(5, 60)), int(rng.integers(2, 9)), int(rng.integers(3, 7))
        X = rng.normal(size=(N, n))
        C = rng.normal(size=(K, n))
        out.append(
            (
                f"random: {N} points, {K} centroids, {n} features",
                partial(_case, X=X, C=C, exact=False),
            )
        )
    out.append(("no Python loop over the points: 100 and 1100 points", _no_loop_case))
    return out


def check_find_closest_centroids(
    func: Callable, *, n_random: int = 3, seed: int = 0
) -> CheckResult:
    """Check a student's ``find_closest_centroids(X, centroids)``.

    The function must return the (N,) integer labels of the closest
    centroid of every row of X, by squared Euclidean distance, a tie going
    to the lowest index. The fixed cases have 1 to 5 features (chosen so
    that an L1 distance, ``np.sum(x - mu) ** 2``, argmax, or ignoring a
    feature give different labels), exact ties, repeated points and
    centroids, K = 1, and 2,000 points; the last case checks there is no
    Python loop over the points (the lines of Python run must not grow
    with the number of points).

    Parameters
    ----------
    func : callable
        The student's ``find_closest_centroids``.
    n_random : int, default=3
        Extra cases with random float data, compared with the reference.
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
    >>> def find_closest_centroids(X, centroids):
    ...     distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    ...     return np.argmin(distances, axis=1)
    >>> check_find_closest_centroids(find_closest_centroids, n_random=5, seed=1)
    find_closest_centroids: 15/15 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("find_closest_centroids", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
