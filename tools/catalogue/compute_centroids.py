"""Student solutions of ``compute_centroids(X, labels, centroids)``, wrong and right."""

from __future__ import annotations

import numpy as np

from kmeans_lab import compute_centroids as course_compute

from . import LIST_HINT, Catalogue

catalogue = Catalogue("compute_centroids")


@catalogue.wrong("nan_for_empty_cluster", hint="NaN")
def compute_nan_for_empty(X, labels, centroids):
    return np.array([X[labels == k].mean(axis=0) for k in range(centroids.shape[0])])


@catalogue.wrong("zero_for_empty_cluster", hint="not zeros")
def compute_zero_for_empty(X, labels, centroids):
    new = np.zeros(centroids.shape)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


@catalogue.wrong("divide_by_K", hint="their sum divided by 3")
def compute_divide_by_K(X, labels, centroids):
    K = centroids.shape[0]
    new = centroids.copy()
    for k in range(K):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0) / K
    return new


@catalogue.wrong("divide_by_N", hint="their sum divided by 6")
def compute_divide_by_N(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0) / X.shape[0]
    return new


@catalogue.wrong("sum_not_mean", hint="not their sum")
def compute_sum_not_mean(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0)
    return new


@catalogue.wrong("mean_wrong_axis", kind="raises")
def compute_mean_wrong_axis(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=1)
    return new


@catalogue.wrong("mean_of_all_points", hint="not all of X")
def compute_global_mean(X, labels, centroids):
    return np.tile(X.mean(axis=0), (centroids.shape[0], 1))


@catalogue.wrong("modifies_centroids", kind="mutation", hint="instead of assigning into centroids")
def compute_in_place(X, labels, centroids):
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            centroids[k] = X[labels == k].mean(axis=0)
    return centroids


@catalogue.wrong("integer_result", hint="return a float array")
def compute_integer_result(X, labels, centroids):
    new = np.zeros(centroids.shape, dtype=int)
    for k in range(centroids.shape[0]):
        new[k] = centroids[k]
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


@catalogue.wrong("one_based_labels", hint="yours is (5, 3)")
def compute_one_based(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k + 1):
            new[k] = X[labels == k + 1].mean(axis=0)
    return new


@catalogue.wrong(
    "loops_over_unique_labels", hint="one row per cluster that has points", not_hint=("np.unique",)
)
def compute_over_unique_labels(X, labels, centroids):
    return np.array([X[labels == k].mean(axis=0) for k in np.unique(labels)])


@catalogue.wrong("transposed", hint="one row per feature")
def compute_transposed(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new.T


@catalogue.wrong("median")
def compute_median(X, labels, centroids):
    new = centroids.copy()
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = np.median(X[labels == k], axis=0)
    return new


@catalogue.wrong("returns_input", hint="your result is the input centroids")
def compute_returns_input(X, labels, centroids):
    return centroids.copy()


@catalogue.wrong("copy_of_integer_centroids", hint="compute and store in floats")
def compute_copy_of_integer_centroids(X, labels, centroids):
    new = centroids.copy()  # an integer array when centroids is: the means get cut off
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


@catalogue.wrong("float32_result", hint="your result is float32")
def compute_float32_result(X, labels, centroids):
    new = np.array(centroids, dtype=np.float32)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


@catalogue.wrong("calls_reference", kind="provenance")
def compute_calls_reference(X, labels, centroids):
    return course_compute(X, labels, centroids)


@catalogue.wrong("tolist", hint=LIST_HINT)
def compute_tolist(X, labels, centroids):
    return compute_loop(X, labels, centroids).tolist()


@catalogue.wrong(
    "no_centroids_parameter", kind="signature", hint="def compute_centroids(X, labels, centroids):"
)
def compute_no_centroids_parameter(X, labels):
    return np.array([X[labels == k].mean(axis=0) for k in range(labels.max() + 1)])


@catalogue.right("loop")
def compute_loop(X, labels, centroids):
    new = centroids.astype(float)  # a float copy: centroids may be integers
    for k in range(len(centroids)):
        members = X[labels == k]
        if len(members) > 0:
            new[k] = members.mean(axis=0)
    return new


@catalogue.wrong("sum_and_count_loop", kind="loop", hint="a loop over the K clusters is fine")
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


@catalogue.wrong(
    "floor_division",
    hint="your means are whole numbers",
    not_hint=("build the result with a float dtype", "float dtype"),
)
def compute_floor_division(X, labels, centroids):
    # sums // counts: floats, but floored
    K = len(centroids)
    sums = np.zeros(centroids.shape)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=K)[:, None]
    return np.where(counts > 0, sums // np.maximum(counts, 1), centroids).astype(float)


@catalogue.right("bincount")
def compute_bincount(X, labels, centroids):
    K = len(centroids)
    counts = np.bincount(labels, minlength=K)
    new = centroids.astype(float)
    for j in range(X.shape[1]):
        s = np.bincount(labels, weights=X[:, j], minlength=K)
        new[counts > 0, j] = s[counts > 0] / counts[counts > 0]
    return new


@catalogue.right("add_at")
def compute_add_at(X, labels, centroids):
    sums = np.zeros(centroids.shape)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=len(centroids))[:, None]
    return np.where(counts > 0, sums / np.maximum(counts, 1), centroids)


@catalogue.right("one_hot_matmul")
def compute_one_hot(X, labels, centroids):
    onehot = (labels[:, None] == np.arange(len(centroids))[None, :]).astype(float)
    counts = onehot.sum(axis=0)
    means = (onehot.T @ X) / np.where(counts > 0, counts, 1)[:, None]
    return np.where(counts[:, None] > 0, means, centroids)


# -- Attempts written for issue 19 from notebook 04's exercise text ------------------------


@catalogue.wrong(
    "divide_by_count_plus_one",
    hint="their sum divided by 4",
    not_hint=("compare the points you average",),
)
def compute_divide_by_count_plus_one(X, labels, centroids):
    # "+ 1 so that an empty cluster does not divide by zero"
    new = centroids.astype(float)
    for k in range(len(centroids)):
        if np.any(labels == k):
            new[k] = X[labels == k].sum(axis=0) / (np.sum(labels == k) + 1)
    return new


@catalogue.wrong("tuple_with_counts", hint="a tuple of 2 values", not_hint=("np.array(",))
def compute_tuple_with_counts(X, labels, centroids):
    new = centroids.astype(float)
    counts = np.bincount(labels, minlength=len(centroids))
    for k in range(len(centroids)):
        if counts[k]:
            new[k] = X[labels == k].mean(axis=0)
    return new, counts


@catalogue.wrong("counts_of_unique_labels")
def compute_counts_of_unique_labels(X, labels, centroids):
    # np.unique's counts skip the empty clusters: they no longer line up with k
    sums = np.zeros(centroids.shape)
    np.add.at(sums, labels, X)
    counts = np.unique(labels, return_counts=True)[1]
    counts = np.concatenate([counts, np.ones(len(centroids) - len(counts), dtype=int)])
    new = centroids.astype(float)
    filled = np.bincount(labels, minlength=len(centroids)) > 0
    new[filled] = (sums / counts[:, None])[filled]
    return new


@catalogue.wrong("sorts_labels_in_place", kind="mutation")
def compute_sorts_labels_in_place(X, labels, centroids):
    order = np.argsort(labels, kind="stable")
    labels.sort()
    Xs = X[order]
    new = centroids.astype(float)
    for k in range(len(centroids)):
        if np.any(labels == k):
            new[k] = Xs[labels == k].mean(axis=0)
    return new


@catalogue.wrong("first_feature_weights_only")
def compute_first_feature_weights_only(X, labels, centroids):
    # np.bincount's weights taken from the first column for every feature
    K = len(centroids)
    counts = np.bincount(labels, minlength=K)
    sums = np.stack([np.bincount(labels, weights=X[:, 0], minlength=K)] * X.shape[1], axis=1)
    new = centroids.astype(float)
    new[counts > 0] = sums[counts > 0] / counts[counts > 0, None]
    return new


@catalogue.wrong("mean_of_centroid_and_points")
def compute_mean_of_centroid_and_points(X, labels, centroids):
    # the old centroid counted as one more point of its cluster
    new = centroids.astype(float)
    for k in range(len(centroids)):
        members = X[labels == k]
        new[k] = (members.sum(axis=0) + centroids[k]) / (len(members) + 1)
    return new


@catalogue.right("weights_per_column")
def compute_weights_per_column(X, labels, centroids):
    K = len(centroids)
    counts = np.bincount(labels, minlength=K)
    sums = np.stack(
        [np.bincount(labels, weights=X[:, j], minlength=K) for j in range(X.shape[1])], axis=1
    )
    new = centroids.astype(float)
    new[counts > 0] = sums[counts > 0] / counts[counts > 0, None]
    return new
