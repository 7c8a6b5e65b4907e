"""Student solutions of ``find_closest_centroids(X, centroids)``, wrong and right."""

from __future__ import annotations

import numpy as np

import kmeans_lab
import kmeans_lab.kmeans
from kmeans_lab import find_closest_centroids as course_find

from . import LIST_HINT, LOOP_HINT, Catalogue

catalogue = Catalogue("find_closest_centroids")


def _diff(X, centroids):
    return X[:, None, :] - centroids[None, :, :]


@catalogue.wrong("argmax", hint="np.argmin, not np.argmax")
def find_argmax(X, centroids):
    return np.argmax((_diff(X, centroids) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("argmin_axis_0", hint="one value per centroid")
def find_wrong_axis(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=0)


@catalogue.wrong("l1_distance", hint="not the sum of absolute differences")
def find_l1(X, centroids):
    return np.argmin(np.abs(_diff(X, centroids)).sum(axis=2), axis=1)


@catalogue.wrong("sqrt_sum_diff_squared", hint="np.sum(x - mu) ** 2")
def find_sqrt_sum_squared(X, centroids):
    # the Coursera trap: sqrt(sum(diff) ** 2) is |sum(diff)|, not a distance
    labels = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        dists = [np.sqrt(np.sum(X[i] - c) ** 2) for c in centroids]
        labels[i] = np.argmin(dists)
    return labels


@catalogue.wrong("ignores_last_feature", hint="ignore the last one")
def find_ignores_last_feature(X, centroids):
    return np.argmin((_diff(X[:, :-1], centroids[:, :-1]) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("first_two_features", hint="not only the first two")
def find_first_two_features(X, centroids):
    d = (X[:, None, 0] - centroids[None, :, 0]) ** 2 + (X[:, None, 1] - centroids[None, :, 1]) ** 2
    return np.argmin(d, axis=1)


@catalogue.wrong("float_labels", hint="return an integer array", not_hint=("np.zeros(N)",))
def find_float_labels(X, centroids):
    labels = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        labels[i] = np.argmin(np.sum((X[i] - centroids) ** 2, axis=1))
    return labels


@catalogue.wrong("one_based_labels", hint="labels count from 0")
def find_one_based(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1) + 1


@catalogue.wrong("ties_to_highest", hint="keep the lowest index")
def find_ties_to_highest(X, centroids):
    labels = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        best = np.inf
        for k in range(centroids.shape[0]):
            d = np.sum((X[i] - centroids[k]) ** 2)
            if d <= best:  # should be <
                best, labels[i] = d, k
    return labels


@catalogue.wrong("normalises_X_in_place", kind="mutation")
def find_normalises_in_place(X, centroids):
    scale = X.max()
    X /= scale  # changes the caller's X
    return np.argmin((_diff(X, centroids / scale) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("returns_distances", hint="your result has shape (5, 2)")
def find_returns_distances(X, centroids):
    return (_diff(X, centroids) ** 2).sum(axis=2)


@catalogue.wrong("forgets_return", hint="returns None")
def find_forgets_return(X, centroids):
    labels = np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1)  # noqa: F841


@catalogue.wrong("argmin_flattened", hint="a single number")
def find_flat_argmin(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2))


@catalogue.wrong("no_broadcasting", kind="raises", hint="do not broadcast")
def find_no_broadcasting(X, centroids):
    return np.argmin(np.sum((X - centroids) ** 2, axis=1))


@catalogue.wrong("calls_reference", kind="provenance")
def find_calls_reference(X, centroids):
    return course_find(X, centroids)


@catalogue.wrong("calls_reference_via_module", kind="provenance")
def find_calls_reference_module(X, centroids):
    return kmeans_lab.kmeans.find_closest_centroids(np.asarray(X), np.asarray(centroids)).copy()


@catalogue.wrong("list_of_ints", hint=LIST_HINT)
def find_list_of_ints(X, centroids):
    return [int(np.argmin(np.sum((x - centroids) ** 2, axis=1))) for x in X]


@catalogue.wrong("list_of_argmin", hint=LIST_HINT)
def find_list_of_argmin(X, centroids):
    return list(np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1))


@catalogue.wrong("loops", kind="loop", hint=LOOP_HINT)
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


@catalogue.right("broadcasting")
def find_broadcasting(X, centroids):
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


@catalogue.right("einsum")
def find_einsum(X, centroids):
    diff = X[:, None, :] - centroids[None, :, :]
    return np.einsum("ikj,ikj->ik", diff, diff).argmin(axis=1)


@catalogue.right("expanded_norms")
def find_expanded_norms(X, centroids):
    d = (X**2).sum(1)[:, None] - 2 * X @ centroids.T + (centroids**2).sum(1)[None, :]
    return d.argmin(axis=1)


@catalogue.right("linalg_norm")
def find_linalg_norm(X, centroids):
    return np.linalg.norm(X[:, None, :] - centroids[None, :, :], axis=2).argmin(axis=1)


@catalogue.right("scipy_cdist_sqeuclidean")
def find_cdist(X, centroids):
    from scipy.spatial.distance import cdist

    return cdist(X, centroids, "sqeuclidean").argmin(axis=1)


@catalogue.right("scipy_cdist_euclidean")
def find_cdist_euclidean(X, centroids):
    from scipy.spatial.distance import cdist

    return np.argmin(cdist(X, centroids), axis=1)


@catalogue.right("loop_over_centroids_int32")
def find_loop_over_centroids(X, centroids):
    dists = np.stack([np.sum((X - c) ** 2, axis=1) for c in centroids], axis=1)
    return np.argmin(dists, axis=1).astype(np.int32)


@catalogue.wrong("array_of_ints", kind="loop", hint=LOOP_HINT)
def find_array_of_ints(X, centroids):
    return np.array([int(np.argmin(np.sum((x - centroids) ** 2, axis=1))) for x in X])


@catalogue.wrong(
    "sums_over_the_centroids",
    hint="not over the centroids (axis 1)",
    not_hint=("take the argmin over axis=1",),
)
def find_sum_axis_1(X, centroids):
    # the squares summed over axis 1, the centroids, instead of the features
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=1), axis=1)


@catalogue.right("chunks_of_rows")
def find_in_chunks(X, centroids):
    # a loop over blocks of 512 points: the lines run do not grow with every point
    labels = np.empty(len(X), dtype=np.intp)
    for start in range(0, len(X), 512):
        block = X[start : start + 512]
        labels[start : start + 512] = ((block[:, None] - centroids[None]) ** 2).sum(2).argmin(1)
    return labels


@catalogue.right("default_parameter")
def find_default_parameter(X, centroids, squared=True):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d if squared else np.sqrt(d), axis=1)


@catalogue.wrong(
    "extra_parameter", kind="signature", hint="def find_closest_centroids(X, centroids):"
)
def find_extra_parameter(X, c, extra):
    return 0


# -- Attempts written for issue 19 from notebook 03's exercise text ------------------------


@catalogue.wrong(
    "sorts_centroids_first", hint="the squared distances from X[", not_hint=("square each",)
)
def find_sorts_centroids_first(X, centroids):
    # "tidy the centroids first": each column sorted, so the labels index other centroids
    C = np.sort(centroids, axis=0)
    return np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("expanded_sign_error", hint="the middle term is subtracted")
def find_expanded_sign_error(X, centroids):
    d = (X**2).sum(1)[:, None] + 2 * X @ centroids.T + (centroids**2).sum(1)[None, :]
    return d.argmin(axis=1)


@catalogue.wrong("expanded_drops_centroid_norm", hint="needs the centroids' term")
def find_expanded_drops_centroid_norm(X, centroids):
    d = (X**2).sum(1)[:, None] - 2 * X @ centroids.T
    return d.argmin(axis=1)


@catalogue.wrong("uint8_differences", not_hint=("broadcasting", "each step"))
def find_uint8_differences(X, centroids):
    # pixel values as 8-bit to save memory: negative differences wrap around to 255
    Xb, Cb = X.astype(np.uint8), centroids.astype(np.uint8)
    diff = Xb[:, None, :] - Cb[None, :, :]
    return np.argmin((diff.astype(float) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("sorts_centroids_in_place", kind="mutation")
def find_sorts_centroids_in_place(X, centroids):
    centroids.sort(axis=0)
    return np.argmin(((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


@catalogue.wrong("tuple_labels_and_distances", hint="a tuple of 2 values", not_hint=("np.array(",))
def find_tuple_labels_and_distances(X, centroids):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1), d.min(axis=1)


@catalogue.wrong("distance_to_mean_centroid")
def find_distance_to_mean_centroid(X, centroids):
    # distances measured from the centroids' centre
    shifted = centroids - centroids.mean(axis=0)
    return np.argmin(((X[:, None, :] - shifted[None, :, :]) ** 2).sum(axis=2), axis=1)


@catalogue.right("expanded_without_point_norm")
def find_expanded_without_point_norm(X, centroids):
    # ||x||^2 is the same for every centroid: it cannot change the argmin
    return np.argmin(-2 * X @ centroids.T + (centroids**2).sum(1)[None, :], axis=1)
