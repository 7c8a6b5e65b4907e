"""A catalogue of student solutions, wrong and right, for testing the checks.

``WRONG[exercise]`` lists :class:`Wrong` entries: a plausible mistaken
implementation, what kind of failure it must produce and, for the key
mistakes, a piece of the hint it must get. ``RIGHT[exercise]`` lists
correct implementations written in different styles (loops, broadcasting,
einsum, SciPy...), every one of which must be accepted.

Each function is written the way a student would write it, with the
exercise's own name and signature.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable

import numpy as np

import kmeans_lab
import kmeans_lab.kmeans
from kmeans_lab import compute_centroids as course_compute
from kmeans_lab import find_closest_centroids as course_find
from kmeans_lab import run_kmeans as helper_run


@dataclass(frozen=True)
class Wrong:
    """A wrong implementation and what its failure message must contain."""

    name: str
    func: Callable
    kind: str = "values"  # values | raises | mutation | provenance | signature
    hint: str = ""  # a piece of the hint line, for the key mistakes


# ---------------------------------------------------------------------------
# find_closest_centroids
# ---------------------------------------------------------------------------


def _diff(X, centroids):
    return X[:, None, :] - centroids[None, :, :]


def find_argmax(X, centroids):
    return np.argmax((_diff(X, centroids) ** 2).sum(axis=2), axis=1)


def find_wrong_axis(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=0)


def find_l1(X, centroids):
    return np.argmin(np.abs(_diff(X, centroids)).sum(axis=2), axis=1)


def find_sqrt_sum_squared(X, centroids):
    # the Coursera trap: sqrt(sum(diff) ** 2) is |sum(diff)|, not a distance
    labels = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        dists = [np.sqrt(np.sum(X[i] - c) ** 2) for c in centroids]
        labels[i] = np.argmin(dists)
    return labels


def find_ignores_last_feature(X, centroids):
    return np.argmin((_diff(X[:, :-1], centroids[:, :-1]) ** 2).sum(axis=2), axis=1)


def find_first_two_features(X, centroids):
    d = (X[:, None, 0] - centroids[None, :, 0]) ** 2 + (X[:, None, 1] - centroids[None, :, 1]) ** 2
    return np.argmin(d, axis=1)


def find_float_labels(X, centroids):
    labels = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        labels[i] = np.argmin(np.sum((X[i] - centroids) ** 2, axis=1))
    return labels


def find_one_based(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1) + 1


def find_ties_to_highest(X, centroids):
    labels = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        best = np.inf
        for k in range(centroids.shape[0]):
            d = np.sum((X[i] - centroids[k]) ** 2)
            if d <= best:  # should be <
                best, labels[i] = d, k
    return labels


def find_normalises_in_place(X, centroids):
    scale = X.max()
    X /= scale  # changes the caller's X
    return np.argmin((_diff(X, centroids / scale) ** 2).sum(axis=2), axis=1)


def find_returns_distances(X, centroids):
    return (_diff(X, centroids) ** 2).sum(axis=2)


def find_forgets_return(X, centroids):
    labels = np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1)  # noqa: F841


def find_flat_argmin(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2))


def find_no_broadcasting(X, centroids):
    return np.argmin(np.sum((X - centroids) ** 2, axis=1))


def find_not_implemented(X, centroids):
    raise NotImplementedError()


def find_calls_reference(X, centroids):
    return course_find(X, centroids)


def find_calls_reference_module(X, centroids):
    return kmeans_lab.kmeans.find_closest_centroids(np.asarray(X), np.asarray(centroids)).copy()


# ---------------------------------------------------------------------------
# init_centroids
# ---------------------------------------------------------------------------


def init_first_k_rows(X, K, rng):
    return X[:K].copy()


def init_with_replacement(X, K, rng):
    return X[rng.integers(0, X.shape[0], size=K)]


def init_choice_default_replace(X, K, rng):
    return rng.choice(X, size=K)  # replace=True by default


def init_values_not_from_X(X, K, rng):
    low, high = X.min(axis=0), X.max(axis=0)
    return low + rng.random((K, X.shape[1])) * (high - low)


def init_shuffles_X(X, K, rng):
    rng.shuffle(X)
    return X[:K].copy()


def init_global_random(X, K, rng):
    return X[np.random.choice(X.shape[0], size=K, replace=False)]


def init_python_random(X, K, rng):
    return X[random.sample(range(X.shape[0]), K)]


def init_own_seed(X, K, rng):
    return X[np.random.default_rng(42).choice(X.shape[0], size=K, replace=False)]


def init_off_by_one_range(X, K, rng):
    return X[rng.choice(X.shape[0] - 1, size=K, replace=False)] if K < X.shape[0] else X[rng.permutation(K)]


def init_returns_positions(X, K, rng):
    return rng.choice(X.shape[0], size=K, replace=False)


def init_block_of_rows(X, K, rng):
    start = rng.integers(0, X.shape[0] - K + 1)
    return X[start:start + K].copy()


def init_sorts_X(X, K, rng):
    X.sort(axis=0)
    return X[rng.choice(X.shape[0], size=K, replace=False)]


def init_k_minus_one(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)[:-1]]


def init_k1_first_row(X, K, rng):
    if K == 1:  # "nothing to choose": but the one centroid must be random too
        return X[:1].copy()
    return X[rng.choice(X.shape[0], size=K, replace=False)]


def init_mild_bias(X, K, rng):
    weights = 1 + 0.15 * np.arange(X.shape[0])  # later rows a little more likely
    return X[rng.choice(X.shape[0], size=K, replace=False, p=weights / weights.sum())]


def init_float32_result(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)].astype(np.float32)


def init_calls_reference(X, K, rng):
    return kmeans_lab.init_centroids(X, K, rng)


def init_kmeans_plusplus(X, K, rng):
    return kmeans_lab.kmeans.kmeans_plusplus(X, K, rng)


# ---------------------------------------------------------------------------
# compute_centroids
# ---------------------------------------------------------------------------


def compute_nan_for_empty(X, labels, centroids):
    return np.array([X[labels == k].mean(axis=0) for k in range(centroids.shape[0])])


def compute_zero_for_empty(X, labels, centroids):
    new = np.zeros(centroids.shape)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def compute_divide_by_K(X, labels, centroids):
    K = centroids.shape[0]
    new = centroids.copy()
    for k in range(K):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0) / K
    return new


def compute_divide_by_N(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0) / X.shape[0]
    return new


def compute_sum_not_mean(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0)
    return new


def compute_mean_wrong_axis(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=1)
    return new


def compute_global_mean(X, labels, centroids):
    return np.tile(X.mean(axis=0), (centroids.shape[0], 1))


def compute_in_place(X, labels, centroids):
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            centroids[k] = X[labels == k].mean(axis=0)
    return centroids


def compute_integer_result(X, labels, centroids):
    new = np.zeros(centroids.shape, dtype=int)
    for k in range(centroids.shape[0]):
        new[k] = centroids[k]
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def compute_one_based(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k + 1):
            new[k] = X[labels == k + 1].mean(axis=0)
    return new


def compute_over_unique_labels(X, labels, centroids):
    return np.array([X[labels == k].mean(axis=0) for k in np.unique(labels)])


def compute_transposed(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new.T


def compute_median(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = np.median(X[labels == k], axis=0)
    return new


def compute_returns_input(X, labels, centroids):
    return centroids.copy()


def compute_copy_of_integer_centroids(X, labels, centroids):
    new = centroids.copy()  # an integer array when centroids is: the means get cut off
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def compute_float32_result(X, labels, centroids):
    new = np.array(centroids, dtype=np.float32)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def compute_calls_reference(X, labels, centroids):
    return course_compute(X, labels, centroids)


# ---------------------------------------------------------------------------
# run_kmeans
# ---------------------------------------------------------------------------


def _find(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1)


def _compute(X, labels, centroids):
    new = centroids.astype(float)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


def run_one_extra_round(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters + 1):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


def run_one_round_too_few(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters - 1):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


def run_labels_from_previous_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    labels = _find(X, centroids)
    for _ in range(max_iters):
        labels = _find(X, centroids)
        centroids = _compute(X, labels, centroids)
    return centroids, labels


def run_update_before_assign(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    labels = np.zeros(X.shape[0], dtype=int)
    for _ in range(max_iters):
        centroids = _compute(X, labels, centroids)
        labels = _find(X, centroids)
    return centroids, labels


def run_never_updates(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = _find(X, centroids)
        _compute(X, labels, centroids)
    return centroids, _find(X, centroids)


def run_swapped_results(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return _find(X, centroids), centroids


def run_only_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids


def run_float_labels(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids).astype(float)


def run_modifies_initial(X, initial_centroids, max_iters):
    centroids = initial_centroids
    for _ in range(max_iters):
        centroids[:] = _compute(X, _find(X, centroids), centroids)
    return centroids.copy(), _find(X, centroids)


def run_zero_empty_clusters(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = _find(X, centroids)
        centroids = compute_zero_for_empty(X, labels, centroids)
    return centroids, _find(X, centroids)


def run_extra_round_from_5(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters + 1 if max_iters >= 5 else max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


def run_loose_tolerance(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        new = _compute(X, _find(X, centroids), centroids)
        if np.allclose(new, centroids, atol=0.05):  # "close enough": stops too soon
            break
        centroids = new
    return centroids, _find(X, centroids)


def run_capped_at_5(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(min(max_iters, 5)):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


def run_float32_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.astype(np.float32)
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids).astype(np.float32)
    return centroids, _find(X, centroids)


def run_calls_reference(X, initial_centroids, max_iters):
    return helper_run(X, initial_centroids, max_iters)


def run_sklearn(X, initial_centroids, max_iters):
    from sklearn.cluster import KMeans

    if max_iters == 0:
        return initial_centroids.copy(), _find(X, initial_centroids)
    model = KMeans(n_clusters=len(initial_centroids), init=initial_centroids, n_init=1,
                   max_iter=max_iters, tol=0.0, algorithm="lloyd").fit(X)
    return model.cluster_centers_, model.labels_


# ---------------------------------------------------------------------------
# image_to_pixels / pixels_to_image
# ---------------------------------------------------------------------------


def pixels_column_major(image):
    return image.reshape(image.shape[0] * image.shape[1], image.shape[2], order="F")


def pixels_transposed(image):
    return image.transpose(1, 0, 2).reshape(-1, image.shape[2])


def pixels_hard_coded_128(image):
    return image.reshape(128 * 128, 3)


def pixels_returns_input(image):
    image.reshape(-1, image.shape[2])
    return image


def pixels_three_channels(image):
    return image.reshape(-1, 3)


def pixels_flat(image):
    return image.reshape(-1)


def pixels_channels_first(image):
    return image.reshape(-1, image.shape[2]).T


def pixels_reshapes_in_place(image):
    image.shape = (image.shape[0] * image.shape[1], image.shape[2])
    return image


def pixels_square_assumption(image):
    H = image.shape[0]
    return image.reshape(H * H, image.shape[2])


def image_column_major(pixels, shape):
    return pixels.reshape(shape, order="F")


def image_width_first_transposed(pixels, shape):
    H, W, C = shape
    return pixels.reshape(W, H, C).transpose(1, 0, 2)


def image_width_first(pixels, shape):
    H, W, C = shape
    return pixels.reshape(W, H, C)


def image_returns_pixels(pixels, shape):
    pixels.reshape(shape)
    return pixels


def image_hard_coded_128(pixels, shape):
    return pixels.reshape(128, 128, 3)


def image_three_channels(pixels, shape):
    return pixels.reshape(shape[0], shape[1], 3)


def image_square_assumption(pixels, shape):
    side = int(math.isqrt(pixels.shape[0]))
    return pixels.reshape(side, side, shape[2])


def image_calls_reference(pixels, shape):
    return kmeans_lab.pixels_to_image(pixels, shape)


# ---------------------------------------------------------------------------
# compressed_bits
# ---------------------------------------------------------------------------


def bits_no_palette(n_pixels, K):
    return n_pixels * math.ceil(math.log2(K))


def bits_no_ceil(n_pixels, K):
    return 24 * K + n_pixels * math.log2(K)


def bits_floor(n_pixels, K):
    return 24 * K + n_pixels * math.floor(math.log2(K))


def bits_log2_k_minus_1(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K - 1))


def bits_float_result(n_pixels, K):
    return 24 * K + n_pixels * np.ceil(np.log2(K))


def bits_8_per_colour(n_pixels, K):
    return 8 * K + n_pixels * math.ceil(math.log2(K))


def bits_at_least_one(n_pixels, K):
    return 24 * K + n_pixels * max(1, math.ceil(math.log2(K)))


def bits_bit_length_of_K(n_pixels, K):
    return 24 * K + n_pixels * K.bit_length()


def bits_floor_plus_one(n_pixels, K):
    return 24 * K + n_pixels * (int(np.log2(K)) + 1)


def bits_palette_per_pixel(n_pixels, K):
    return 24 * n_pixels + n_pixels * math.ceil(math.log2(K))


def bits_returns_bytes(n_pixels, K):
    return (24 * K + n_pixels * math.ceil(math.log2(K))) // 8


def bits_calls_bits_per_index(n_pixels, K):
    return 24 * K + n_pixels * kmeans_lab.bits_per_index(K)


def bits_calls_reference(n_pixels, K):
    return kmeans_lab.compressed_bits(n_pixels, K)


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------

WRONG: dict[str, list[Wrong]] = {
    "find_closest_centroids": [
        Wrong("argmax", find_argmax, hint="np.argmin, not np.argmax"),
        Wrong("argmin_axis_0", find_wrong_axis, hint="axis=1"),
        Wrong("l1_distance", find_l1, hint="not the sum of absolute differences"),
        Wrong("sqrt_sum_diff_squared", find_sqrt_sum_squared, hint="np.sum(x - mu) ** 2"),
        Wrong("ignores_last_feature", find_ignores_last_feature, hint="ignore the last one"),
        Wrong("first_two_features", find_first_two_features, hint="not only the first two"),
        Wrong("float_labels", find_float_labels, hint="dtype=int"),
        Wrong("one_based_labels", find_one_based, hint="labels count from 0"),
        Wrong("ties_to_highest", find_ties_to_highest, hint="keep the lowest index"),
        Wrong("normalises_X_in_place", find_normalises_in_place, kind="mutation"),
        Wrong("returns_distances", find_returns_distances, hint="return their argmin over axis=1"),
        Wrong("forgets_return", find_forgets_return, hint="returns None"),
        Wrong("argmin_flattened", find_flat_argmin, hint="without axis="),
        Wrong("no_broadcasting", find_no_broadcasting, kind="raises", hint="X[:, None, :]"),
        Wrong("calls_reference", find_calls_reference, kind="provenance"),
        Wrong("calls_reference_via_module", find_calls_reference_module, kind="provenance"),
    ],
    "init_centroids": [
        Wrong("first_k_rows", init_first_k_rows, hint="don't take the first K rows"),
        Wrong("with_replacement", init_with_replacement, hint="without replacement"),
        Wrong("choice_default_replace", init_choice_default_replace, hint="without replacement"),
        Wrong("values_not_from_X", init_values_not_from_X, hint="whole rows of X"),
        Wrong("shuffles_X_in_place", init_shuffles_X, kind="mutation", hint="rng.shuffle(X)"),
        Wrong("sorts_X_in_place", init_sorts_X, kind="mutation"),
        Wrong("global_np_random", init_global_random, hint="the rng you were given"),
        Wrong("python_random", init_python_random, hint="the rng you were given"),
        Wrong("own_fixed_seed", init_own_seed, hint="the rng you were given"),
        Wrong("off_by_one_range", init_off_by_one_range, hint="never returns N - 1"),
        Wrong("returns_positions", init_returns_positions, hint="not their positions"),
        Wrong("block_of_rows", init_block_of_rows, hint="not as a block of neighbouring rows"),
        Wrong("k_minus_one_rows", init_k_minus_one),
        Wrong("K1_first_row_without_rng", init_k1_first_row, hint="K = 1 is no special case"),
        Wrong("mild_bias", init_mild_bias, hint="every row must be equally likely"),
        Wrong("float32_result", init_float32_result, hint="your result is float32"),
        Wrong("calls_reference", init_calls_reference, kind="provenance"),
        Wrong("calls_kmeans_plusplus", init_kmeans_plusplus, kind="provenance",
              hint="kmeans_lab.kmeans.kmeans_plusplus"),
    ],
    "compute_centroids": [
        Wrong("nan_for_empty_cluster", compute_nan_for_empty, hint="NaN"),
        Wrong("zero_for_empty_cluster", compute_zero_for_empty, hint="not zeros"),
        Wrong("divide_by_K", compute_divide_by_K, hint="not by K"),
        Wrong("divide_by_N", compute_divide_by_N, hint="not by N"),
        Wrong("sum_not_mean", compute_sum_not_mean, hint="not their sum"),
        Wrong("mean_wrong_axis", compute_mean_wrong_axis, kind="raises"),
        Wrong("mean_of_all_points", compute_global_mean, hint="not all of X"),
        Wrong("modifies_centroids", compute_in_place, kind="mutation", hint="centroids.copy()"),
        Wrong("integer_result", compute_integer_result, hint="rounded to integers"),
        Wrong("one_based_labels", compute_one_based, hint="labels count from 0"),
        Wrong("loops_over_unique_labels", compute_over_unique_labels, hint="np.unique"),
        Wrong("transposed", compute_transposed, hint="not (n, K)"),
        Wrong("median", compute_median),
        Wrong("returns_input", compute_returns_input, hint="your result is the input centroids"),
        Wrong("copy_of_integer_centroids", compute_copy_of_integer_centroids,
              hint="convert to float first: X = np.asarray(X, dtype=float)"),
        Wrong("float32_result", compute_float32_result, hint="your result is float32"),
        Wrong("calls_reference", compute_calls_reference, kind="provenance"),
    ],
    "run_kmeans": [
        Wrong("one_extra_round", run_one_extra_round, hint="range(max_iters)"),
        Wrong("one_round_too_few", run_one_round_too_few, hint="range(max_iters)"),
        Wrong("labels_from_previous_centroids", run_labels_from_previous_centroids,
              hint="before the last update"),
        Wrong("update_before_assign", run_update_before_assign),
        Wrong("never_updates", run_never_updates, hint="never move"),
        Wrong("swapped_results", run_swapped_results, hint="centroids first"),
        Wrong("only_centroids", run_only_centroids, hint="return centroids, labels"),
        Wrong("float_labels", run_float_labels, hint="integers"),
        Wrong("modifies_initial_centroids", run_modifies_initial, kind="mutation",
              hint="initial_centroids.copy()"),
        Wrong("zero_for_empty_cluster", run_zero_empty_clusters),
        Wrong("extra_round_from_5_iters", run_extra_round_from_5, hint="you ran 9 rounds"),
        Wrong("loose_tolerance_early_stop", run_loose_tolerance, hint="no early stop"),
        Wrong("capped_at_5_rounds", run_capped_at_5, hint="you stopped after 5 rounds"),
        Wrong("float32_centroids", run_float32_centroids, hint="your result is float32"),
        Wrong("calls_reference", run_calls_reference, kind="provenance"),
        Wrong("sklearn_kmeans", run_sklearn, kind="provenance", hint="write the loop yourself"),
    ],
    "image_to_pixels": [
        Wrong("column_major", pixels_column_major, hint="walks down the columns first"),
        Wrong("transposed_axes", pixels_transposed, hint="swapping the height and width axes"),
        Wrong("hard_coded_128", pixels_hard_coded_128, kind="raises", hint="H, W, C = image.shape"),
        Wrong("returns_input", pixels_returns_input, hint="reshape returns a new array"),
        Wrong("three_channels", pixels_three_channels),
        Wrong("flat_vector", pixels_flat, hint="keep the channel axis"),
        Wrong("channels_first", pixels_channels_first, hint="not (C, H * W)"),
        Wrong("reshapes_in_place", pixels_reshapes_in_place, kind="mutation"),
        Wrong("square_assumption", pixels_square_assumption, kind="raises"),
    ],
    "pixels_to_image": [
        Wrong("column_major", image_column_major, hint="order='F'"),
        Wrong("width_first_transposed", image_width_first_transposed, hint="(W, H, C) array and transposing"),
        Wrong("width_first", image_width_first, hint="height (rows) first"),
        Wrong("returns_pixels", image_returns_pixels, hint="returns the pixels unchanged"),
        Wrong("hard_coded_128", image_hard_coded_128, kind="raises"),
        Wrong("three_channels", image_three_channels, kind="raises"),
        Wrong("square_assumption", image_square_assumption, kind="raises"),
        Wrong("calls_reference", image_calls_reference, kind="provenance"),
    ],
    "compressed_bits": [
        Wrong("no_palette", bits_no_palette, hint="add the palette"),
        Wrong("no_ceil", bits_no_ceil, hint="round log2(K) up"),
        Wrong("floor_not_ceil", bits_floor, hint="not down"),
        Wrong("log2_K_minus_1", bits_log2_k_minus_1, hint="ceil(log2(K - 1))"),
        Wrong("float_result", bits_float_result, hint="return an int"),
        Wrong("8_bits_per_colour", bits_8_per_colour, hint="3 x 8 = 24 bits"),
        Wrong("K1_at_least_one_bit", bits_at_least_one, hint="K = 1"),
        Wrong("bit_length_of_K", bits_bit_length_of_K, hint="K.bit_length()"),
        Wrong("floor_plus_one", bits_floor_plus_one),
        Wrong("palette_per_pixel", bits_palette_per_pixel, hint="24 * K bits, not 24 * n_pixels"),
        Wrong("returns_bytes", bits_returns_bytes),
        Wrong("calls_bits_per_index", bits_calls_bits_per_index, kind="provenance"),
        Wrong("calls_reference", bits_calls_reference, kind="provenance"),
    ],
}


# ---------------------------------------------------------------------------
# Python lists where an array is expected, dtype changes, wrong signatures
# ---------------------------------------------------------------------------

_LIST_HINT = "not a Python list"


def pixels_tolist(image):
    return image.reshape(-1, image.shape[2]).tolist()


def pixels_nested_lists(image):
    return [list(p) for row in image for p in row]


def pixels_float32(image):
    return image.reshape(-1, image.shape[2]).astype(np.float32)


def pixels_wrong_signature(image, shape):
    return image.reshape(shape)


def image_tolist(pixels, shape):
    return pixels.reshape(shape).tolist()


def image_float32(pixels, shape):
    return pixels.reshape(shape).astype(np.float32)


def init_list_of_rows(X, K, rng):
    return [X[i] for i in rng.choice(len(X), size=K, replace=False)]


def init_no_rng_parameter(X, K):
    return X[np.random.default_rng(0).choice(len(X), size=K, replace=False)]


def find_list_of_ints(X, centroids):
    return [int(np.argmin(np.sum((x - centroids) ** 2, axis=1))) for x in X]


def find_list_of_argmin(X, centroids):
    return list(np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1))


def compute_tolist(X, labels, centroids):
    return compute_loop(X, labels, centroids).tolist()


def compute_no_centroids_parameter(X, labels):
    return np.array([X[labels == k].mean(axis=0) for k in range(labels.max() + 1)])


def run_tolist(X, initial_centroids, max_iters):
    centroids, labels = run_own_steps(X, initial_centroids, max_iters)
    return centroids.tolist(), labels.tolist()


def run_labels_list(X, initial_centroids, max_iters):
    centroids, labels = run_own_steps(X, initial_centroids, max_iters)
    return centroids, list(labels)


def run_no_max_iters(X, initial_centroids):
    return run_own_steps(X, initial_centroids, 10)


def bits_extra_parameter(n_pixels, K, bits_per_colour):
    return bits_per_colour * K + n_pixels * (K - 1).bit_length()


def _sig(names: str) -> str:
    return f"must take exactly ({names})"


WRONG["image_to_pixels"] += [
    Wrong("tolist", pixels_tolist, hint=_LIST_HINT),
    Wrong("nested_lists", pixels_nested_lists, hint=_LIST_HINT),
    Wrong("float32", pixels_float32, hint="keep the dtype, reshape does not need a conversion"),
    Wrong("wrong_signature", pixels_wrong_signature, kind="signature", hint="def image_to_pixels(image):"),
]
WRONG["pixels_to_image"] += [
    Wrong("tolist", image_tolist, hint=_LIST_HINT),
    Wrong("float32", image_float32, hint="keep the dtype, reshape does not need a conversion"),
]
WRONG["init_centroids"] += [
    Wrong("list_of_rows", init_list_of_rows, hint=_LIST_HINT),
    Wrong("no_rng_parameter", init_no_rng_parameter, kind="signature",
          hint="def init_centroids(X, K, rng):"),
]
WRONG["find_closest_centroids"] += [
    Wrong("list_of_ints", find_list_of_ints, hint=_LIST_HINT),
    Wrong("list_of_argmin", find_list_of_argmin, hint=_LIST_HINT),
    Wrong("extra_parameter", lambda X, c, extra: 0, kind="signature",
          hint="def find_closest_centroids(X, centroids):"),
]
WRONG["compute_centroids"] += [
    Wrong("tolist", compute_tolist, hint=_LIST_HINT),
    Wrong("no_centroids_parameter", compute_no_centroids_parameter, kind="signature",
          hint="def compute_centroids(X, labels, centroids):"),
]
WRONG["run_kmeans"] += [
    Wrong("tolist", run_tolist, hint=_LIST_HINT),
    Wrong("labels_list", run_labels_list, hint=_LIST_HINT),
    Wrong("no_max_iters", run_no_max_iters, kind="signature",
          hint="def run_kmeans(X, initial_centroids, max_iters):"),
]
WRONG["compressed_bits"] += [
    Wrong("extra_parameter", bits_extra_parameter, kind="signature",
          hint="def compressed_bits(n_pixels, K):"),
]


# ---------------------------------------------------------------------------
# Correct implementations, in different styles
# ---------------------------------------------------------------------------


def find_loops(X, centroids):
    labels = np.zeros(len(X), dtype=int)
    for i in range(len(X)):
        best = None
        for k in range(len(centroids)):
            d = 0.0
            for j in range(X.shape[1]):
                d += (X[i, j] - centroids[k, j]) ** 2
            if best is None or d < best:
                best, labels[i] = d, k
    return labels


def find_broadcasting(X, centroids):
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


def find_einsum(X, centroids):
    diff = X[:, None, :] - centroids[None, :, :]
    return np.einsum("ikj,ikj->ik", diff, diff).argmin(axis=1)


def find_expanded_norms(X, centroids):
    d = (X**2).sum(1)[:, None] - 2 * X @ centroids.T + (centroids**2).sum(1)[None, :]
    return d.argmin(axis=1)


def find_linalg_norm(X, centroids):
    return np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2).argmin(axis=1)


def find_cdist(X, centroids):
    from scipy.spatial.distance import cdist

    return cdist(X, centroids, "sqeuclidean").argmin(axis=1)


def find_cdist_euclidean(X, centroids):
    from scipy.spatial.distance import cdist

    return np.argmin(cdist(X, centroids), axis=1)


def find_loop_over_centroids(X, centroids):
    dists = np.stack([np.sum((X - c) ** 2, axis=1) for c in centroids], axis=1)
    return np.argmin(dists, axis=1).astype(np.int32)


def find_array_of_ints(X, centroids):
    return np.array([int(np.argmin(np.sum((x - centroids) ** 2, axis=1))) for x in X])


def find_default_parameter(X, centroids, squared=True):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d if squared else np.sqrt(d), axis=1)


def init_choice(X, K, rng):
    return X[rng.choice(X.shape[0], size=K, replace=False)]


def init_permutation(X, K, rng):
    return X[rng.permutation(X.shape[0])[:K]]


def init_choice_rows(X, K, rng):
    return rng.choice(X, size=K, replace=False)


def init_permuted_copy(X, K, rng):
    return rng.permutation(X)[:K]


def init_sorted_positions(X, K, rng):
    return X[np.sort(rng.choice(len(X), size=K, replace=False))]


def init_rejection_loop(X, K, rng):
    chosen = []
    while len(chosen) < K:
        i = int(rng.integers(len(X)))
        if i not in chosen:
            chosen.append(i)
    return np.array([X[i] for i in chosen])


def init_shuffle_indices(X, K, rng):
    idx = np.arange(len(X))
    rng.shuffle(idx)
    return X[idx[:K]].copy()


def compute_loop(X, labels, centroids):
    new = centroids.astype(float)  # a float copy: centroids may be integers
    for k in range(len(centroids)):
        members = X[labels == k]
        if len(members) > 0:
            new[k] = members.mean(axis=0)
    return new


def compute_sum_and_count(X, labels, centroids):
    K, n = centroids.shape
    sums = np.zeros((K, n))
    counts = np.zeros(K)
    for i in range(len(X)):
        sums[labels[i]] += X[i]
        counts[labels[i]] += 1
    new = np.array(centroids, dtype=float)
    has = counts > 0
    new[has] = sums[has] / counts[has, None]
    return new


def compute_bincount(X, labels, centroids):
    K = len(centroids)
    counts = np.bincount(labels, minlength=K)
    new = centroids.astype(float)
    for j in range(X.shape[1]):
        s = np.bincount(labels, weights=X[:, j], minlength=K)
        new[counts > 0, j] = s[counts > 0] / counts[counts > 0]
    return new


def compute_add_at(X, labels, centroids):
    sums = np.zeros(centroids.shape)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=len(centroids))[:, None]
    return np.where(counts > 0, sums / np.maximum(counts, 1), centroids)


def compute_one_hot(X, labels, centroids):
    onehot = (labels[:, None] == np.arange(len(centroids))[None, :]).astype(float)
    counts = onehot.sum(axis=0)
    means = (onehot.T @ X) / np.where(counts > 0, counts, 1)[:, None]
    return np.where(counts[:, None] > 0, means, centroids)


def run_own_steps(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = find_broadcasting(X, centroids)
        centroids = compute_loop(X, labels, centroids)
    return centroids, find_broadcasting(X, centroids)


def run_reference_steps(X, initial_centroids, max_iters):
    # allowed: later notebooks hand the reference steps to the student
    centroids = initial_centroids
    labels = course_find(X, centroids)
    for _ in range(max_iters):
        centroids = course_compute(X, labels, centroids)
        labels = course_find(X, centroids)
    return centroids, labels


def run_while_loop(X, initial_centroids, max_iters):
    centroids = np.array(initial_centroids, dtype=float)
    i = 0
    while i < max_iters:
        centroids = compute_add_at(X, find_einsum(X, centroids), centroids)
        i += 1
    return centroids, find_einsum(X, centroids)


def run_tuple_list(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = compute_one_hot(X, find_cdist(X, centroids), centroids)
    return [centroids, find_cdist(X, centroids)]


def pixels_reshape_minus_one(image):
    return image.reshape(-1, image.shape[-1])


def pixels_np_reshape(image):
    H, W, C = image.shape
    return np.reshape(image, (H * W, C))


def pixels_loops(image):
    H, W, C = image.shape
    out = np.empty((H * W, C), dtype=image.dtype)
    for r in range(H):
        for c in range(W):
            out[r * W + c] = image[r, c]
    return out


def pixels_ravel(image):
    return image.ravel().reshape(-1, image.shape[2])


def pixels_list_wrapped_in_array(image):
    return np.array([p for row in image for p in row])


def image_reshape(pixels, shape):
    return pixels.reshape(shape)


def image_np_reshape(pixels, shape):
    H, W, C = shape
    return np.reshape(pixels, (H, W, C))


def image_loops(pixels, shape):
    H, W, C = shape
    out = np.empty(shape)
    for i in range(len(pixels)):
        out[i // W, i % W] = pixels[i]
    return out


def bits_math(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K))


def bits_bit_length(n_pixels, K):
    return 24 * K + n_pixels * (K - 1).bit_length()


def bits_counting_loop(n_pixels, K):
    bits = 0
    while 2**bits < K:
        bits += 1
    return 24 * K + n_pixels * bits


def bits_numpy_int(n_pixels, K):
    return np.int64(24 * K + n_pixels * int(np.ceil(np.log2(K))))


RIGHT: dict[str, list[tuple[str, Callable]]] = {
    "find_closest_centroids": [
        ("loops", find_loops),
        ("broadcasting", find_broadcasting),
        ("einsum", find_einsum),
        ("expanded_norms", find_expanded_norms),
        ("linalg_norm", find_linalg_norm),
        ("scipy_cdist_sqeuclidean", find_cdist),
        ("scipy_cdist_euclidean", find_cdist_euclidean),
        ("loop_over_centroids_int32", find_loop_over_centroids),
        ("array_of_ints", find_array_of_ints),
        ("default_parameter", find_default_parameter),
    ],
    "init_centroids": [
        ("choice_positions", init_choice),
        ("permutation_positions", init_permutation),
        ("choice_rows", init_choice_rows),
        ("permuted_copy", init_permuted_copy),
        ("sorted_positions", init_sorted_positions),
        ("rejection_loop", init_rejection_loop),
        ("shuffle_indices", init_shuffle_indices),
    ],
    "compute_centroids": [
        ("loop", compute_loop),
        ("sum_and_count_loop", compute_sum_and_count),
        ("bincount", compute_bincount),
        ("add_at", compute_add_at),
        ("one_hot_matmul", compute_one_hot),
    ],
    "run_kmeans": [
        ("own_steps", run_own_steps),
        ("reference_steps", run_reference_steps),
        ("while_loop", run_while_loop),
        ("returns_list", run_tuple_list),
    ],
    "image_to_pixels": [
        ("reshape_minus_one", pixels_reshape_minus_one),
        ("np_reshape", pixels_np_reshape),
        ("loops", pixels_loops),
        ("ravel", pixels_ravel),
        ("list_wrapped_in_array", pixels_list_wrapped_in_array),
    ],
    "pixels_to_image": [
        ("reshape", image_reshape),
        ("np_reshape", image_np_reshape),
        ("loops", image_loops),
    ],
    "compressed_bits": [
        ("math_ceil_log2", bits_math),
        ("bit_length", bits_bit_length),
        ("counting_loop", bits_counting_loop),
        ("numpy_int", bits_numpy_int),
    ],
}

