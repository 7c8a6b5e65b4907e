"""Student solutions of ``init_centroids(X, K, rng)``, wrong and right."""

from __future__ import annotations

import random

import numpy as np

import kmeans_lab
import kmeans_lab.kmeans

from . import LIST_HINT, Catalogue

catalogue = Catalogue("init_centroids")


@catalogue.wrong("first_k_rows", hint="your centroids are the first K rows of X")
def init_first_k_rows(X, K, rng):
    return X[:K].copy()


@catalogue.wrong("with_replacement", hint="without replacement")
def init_with_replacement(X, K, rng):
    return X[rng.integers(0, X.shape[0], size=K)]


@catalogue.wrong("choice_default_replace", hint="without replacement")
def init_choice_default_replace(X, K, rng):
    return rng.choice(X, size=K)  # replace=True by default


@catalogue.wrong("values_not_from_X", hint="is not a row of X: return whole rows of X")
def init_values_not_from_X(X, K, rng):
    low, high = X.min(axis=0), X.max(axis=0)
    return low + rng.random((K, X.shape[1])) * (high - low)


@catalogue.wrong("shuffles_X_in_place", kind="mutation", hint="shuffling or sorting X in place")
def init_shuffles_X(X, K, rng):
    rng.shuffle(X)
    return X[:K].copy()


@catalogue.wrong("global_np_random", hint="NumPy's global random state changed during the call")
def init_global_random(X, K, rng):
    return X[np.random.choice(X.shape[0], size=K, replace=False)]


@catalogue.wrong("python_random", hint="nothing was drawn from it")
def init_python_random(X, K, rng):
    return X[random.sample(range(X.shape[0]), K)]


@catalogue.wrong("own_fixed_seed", hint="nothing was drawn from it")
def init_own_seed(X, K, rng):
    return X[np.random.default_rng(42).choice(X.shape[0], size=K, replace=False)]


@catalogue.wrong(
    "off_by_one_range",
    hint="the last row of X, never came out",
    not_hint=("rng.integers(0, N - 1)",),
)
def init_off_by_one_range(X, K, rng):
    return (
        X[rng.choice(X.shape[0] - 1, size=K, replace=False)]
        if K < X.shape[0]
        else X[rng.permutation(K)]
    )


@catalogue.wrong("returns_positions", hint="your result has shape (4,)")
def init_returns_positions(X, K, rng):
    return rng.choice(X.shape[0], size=K, replace=False)


@catalogue.wrong("block_of_rows", hint="choose the K positions jointly at random")
def init_block_of_rows(X, K, rng):
    start = rng.integers(0, X.shape[0] - K + 1)
    return X[start : start + K].copy()


@catalogue.wrong("sorts_X_in_place", kind="mutation")
def init_sorts_X(X, K, rng):
    X.sort(axis=0)
    return X[rng.choice(X.shape[0], size=K, replace=False)]


@catalogue.wrong("k_minus_one_rows")
def init_k_minus_one(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)[:-1]]


@catalogue.wrong("K1_first_row_without_rng", hint="with K = 1, rng = np.random.default_rng(")
def init_k1_first_row(X, K, rng):
    if K == 1:  # "nothing to choose": but the one centroid must be random too
        return X[:1].copy()
    return X[rng.choice(X.shape[0], size=K, replace=False)]


@catalogue.wrong("mild_bias", hint="every row must be equally likely")
def init_mild_bias(X, K, rng):
    weights = 1 + 0.15 * np.arange(X.shape[0])  # later rows a little more likely
    return X[rng.choice(X.shape[0], size=K, replace=False, p=weights / weights.sum())]


@catalogue.wrong("float32_result", hint="your result is float32")
def init_float32_result(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)].astype(np.float32)


@catalogue.wrong("calls_reference", kind="provenance")
def init_calls_reference(X, K, rng):
    return kmeans_lab.init_centroids(X, K, rng)


@catalogue.wrong(
    "calls_kmeans_plusplus", kind="provenance", hint="kmeans_lab.kmeans.kmeans_plusplus"
)
def init_kmeans_plusplus(X, K, rng):
    return kmeans_lab.kmeans.kmeans_plusplus(X, K, rng)


@catalogue.wrong(
    "unique_colours",
    hint="every position of X must be equally likely",
    message="they come out about [200, 100, 67, 33] times",
)
def init_unique_colours(X, K, rng):
    # K distinct colours: rare colours become as likely as common ones
    colours = np.unique(X, axis=0)
    return colours[rng.choice(len(colours), size=K, replace=False)]


@catalogue.wrong(
    "sorts_each_column",
    hint="values of different rows were mixed",
    message="the values of different rows were mixed",
    not_hint=("new points",),
)
def init_sorts_columns(X, K, rng):
    # sorted "to make the output tidy": each column sorted on its own mixes the rows
    return np.sort(X[rng.choice(len(X), size=K, replace=False)], axis=0)


@catalogue.wrong("list_of_rows", hint=LIST_HINT)
def init_list_of_rows(X, K, rng):
    return [X[i] for i in rng.choice(len(X), size=K, replace=False)]


@catalogue.wrong("no_rng_parameter", kind="signature", hint="def init_centroids(X, K, rng):")
def init_no_rng_parameter(X, K):
    return X[np.random.default_rng(0).choice(len(X), size=K, replace=False)]


@catalogue.right("choice_positions")
def init_choice(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)]


@catalogue.right("permutation_positions")
def init_permutation(X, K, rng):
    return X[rng.permutation(X.shape[0])[:K]]


@catalogue.right("choice_rows")
def init_choice_rows(X, K, rng):
    return rng.choice(X, size=K, replace=False)


@catalogue.right("permuted_copy")
def init_permuted_copy(X, K, rng):
    return rng.permutation(X)[:K]


@catalogue.right("sorted_positions")
def init_sorted_positions(X, K, rng):
    return X[np.sort(rng.choice(len(X), size=K, replace=False))]


@catalogue.right("rejection_loop")
def init_rejection_loop(X, K, rng):
    chosen = []
    while len(chosen) < K:
        i = int(rng.integers(len(X)))
        if i not in chosen:
            chosen.append(i)
    return np.array([X[i] for i in chosen])


@catalogue.right("choice_sorted_by_position_with_duplicates")
def init_choice_then_sort_positions(X, K, rng):
    positions = np.sort(rng.permutation(len(X))[:K])
    return X[positions].copy()


@catalogue.right("shuffle_indices")
def init_shuffle_indices(X, K, rng):
    idx = np.arange(len(X))
    rng.shuffle(idx)
    return X[idx[:K]].copy()


# -- Attempts written for issue 19 from notebook 02's exercise text ------------------------


@catalogue.wrong(
    "seeds_global_from_rng",
)
def init_seeds_global_from_rng(X, K, rng):
    np.random.seed(int(rng.integers(2**32)))
    return X[np.random.choice(len(X), size=K, replace=False)]


@catalogue.wrong("tuple_rows_and_positions", hint="a tuple of 2 values", not_hint=("np.array(",))
def init_tuple_rows_and_positions(X, K, rng):
    positions = rng.choice(len(X), size=K, replace=False)
    return X[positions], positions


@catalogue.wrong("positions_from_unique_rows")
def init_positions_from_unique_rows(X, K, rng):
    # "K different colours": draw among the distinct rows
    distinct = np.unique(X, axis=0)
    return distinct[rng.choice(len(distinct), size=min(K, len(distinct)), replace=False)]


@catalogue.wrong("integers_without_last")
def init_integers_without_last(X, K, rng):
    # rng.integers excludes its upper end: len(X) - 1 never comes out
    # (a student's `while len(positions) < K` never ends when K = N: bounded here, so that
    # the catalogue's tests end; the check sees K - 1 rows)
    positions = []
    for _ in range(100 * K):
        if len(positions) == K:
            break
        p = int(rng.integers(0, len(X) - 1)) if len(X) > 1 else 0
        if p not in positions:
            positions.append(p)
    return X[positions]


@catalogue.wrong("one_column_per_draw")
def init_one_column_per_draw(X, K, rng):
    # each feature drawn on its own: values of X, but mixed rows
    cols = [X[rng.choice(len(X), size=K, replace=False), j] for j in range(X.shape[1])]
    return np.stack(cols, axis=1)


@catalogue.right("random_keys_argsort")
def init_random_keys_argsort(X, K, rng):
    return X[np.argsort(rng.random(len(X)))[:K]]
