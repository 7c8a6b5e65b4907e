"""Student solutions of ``run_kmeans(X, initial_centroids, max_iters)``, wrong and right."""

from __future__ import annotations

import numpy as np

from kmeans_lab import compute_centroids as course_compute
from kmeans_lab import find_closest_centroids as course_find
from kmeans_lab import run_kmeans as helper_run

from . import LIST_HINT, Catalogue
from .compute_centroids import compute_add_at, compute_loop, compute_one_hot, compute_zero_for_empty
from .find_closest_centroids import _diff, find_broadcasting, find_cdist, find_einsum

catalogue = Catalogue("run_kmeans")


def _find(X, centroids):
    return np.argmin((_diff(X, centroids) ** 2).sum(axis=2), axis=1)


def _compute(X, labels, centroids):
    new = centroids.astype(float)
    for k in range(centroids.shape[0]):
        if np.any(labels == k):
            new[k] = X[labels == k].mean(axis=0)
    return new


@catalogue.wrong(
    "one_extra_round",
    hint="after 1 round from these initial centroids; max_iters = 0",
    message="the algorithm's centroids after 1 round, not after max_iters = 0 rounds",
)
def run_one_extra_round(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters + 1):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong(
    "one_round_too_few",
    hint="your centroids are the initial centroids",
    message="the initial centroids",
)
def run_one_round_too_few(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters - 1):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong("labels_from_previous_centroids", hint="not to the centroids you returned")
def run_labels_from_previous_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    labels = _find(X, centroids)
    for _ in range(max_iters):
        labels = _find(X, centroids)
        centroids = _compute(X, labels, centroids)
    return centroids, labels


@catalogue.wrong("update_before_assign")
def run_update_before_assign(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    labels = np.zeros(X.shape[0], dtype=int)
    for _ in range(max_iters):
        centroids = _compute(X, labels, centroids)
        labels = _find(X, centroids)
    return centroids, labels


@catalogue.wrong(
    "never_updates",
    hint="your centroids are the initial centroids",
    message="the initial centroids (the algorithm's after 0 rounds)",
)
def run_never_updates(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = _find(X, centroids)
        _compute(X, labels, centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong("swapped_results", hint="your first result has shape (30,)")
def run_swapped_results(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return _find(X, centroids), centroids


@catalogue.wrong("only_centroids", hint="returns 2 values, (centroids, labels)")
def run_only_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids


@catalogue.wrong("float_labels", hint="return an integer array")
def run_float_labels(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids).astype(float)


@catalogue.wrong(
    "modifies_initial_centroids",
    kind="mutation",
    hint="instead of assigning into initial_centroids",
)
def run_modifies_initial(X, initial_centroids, max_iters):
    centroids = initial_centroids
    for _ in range(max_iters):
        centroids[:] = _compute(X, _find(X, centroids), centroids)
    return centroids.copy(), _find(X, centroids)


@catalogue.wrong("zero_for_empty_cluster")
def run_zero_empty_clusters(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = _find(X, centroids)
        centroids = compute_zero_for_empty(X, labels, centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong(
    "extra_round_from_5_iters",
    hint="after 9 rounds",
    message="the algorithm's centroids after 9 rounds",
)
def run_extra_round_from_5(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters + 1 if max_iters >= 5 else max_iters):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong(
    "loose_tolerance_early_stop",
    hint="after 4 rounds",
    message="not after max_iters = 8 rounds",
)
def run_loose_tolerance(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        new = _compute(X, _find(X, centroids), centroids)
        if np.allclose(new, centroids, atol=0.05):  # "close enough": stops too soon
            break
        centroids = new
    return centroids, _find(X, centroids)


@catalogue.wrong(
    "capped_at_5_rounds",
    hint="after 5 rounds",
    message="the algorithm's centroids after 5 rounds",
)
def run_capped_at_5(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(min(max_iters, 5)):
        centroids = _compute(X, _find(X, centroids), centroids)
    return centroids, _find(X, centroids)


@catalogue.wrong("float32_centroids", hint="your result is float32")
def run_float32_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.astype(np.float32)
    for _ in range(max_iters):
        centroids = _compute(X, _find(X, centroids), centroids).astype(np.float32)
    return centroids, _find(X, centroids)


@catalogue.wrong("calls_reference", kind="provenance")
def run_calls_reference(X, initial_centroids, max_iters):
    return helper_run(X, initial_centroids, max_iters)


@catalogue.wrong("sklearn_kmeans", kind="provenance", hint="write the loop yourself")
def run_sklearn(X, initial_centroids, max_iters):
    from sklearn.cluster import KMeans

    if max_iters == 0:
        return initial_centroids.copy(), _find(X, initial_centroids)
    model = KMeans(
        n_clusters=len(initial_centroids),
        init=initial_centroids,
        n_init=1,
        max_iter=max_iters,
        tol=0.0,
        algorithm="lloyd",
    ).fit(X)
    return model.cluster_centers_, model.labels_


@catalogue.wrong("tolist", hint=LIST_HINT)
def run_tolist(X, initial_centroids, max_iters):
    centroids, labels = run_own_steps(X, initial_centroids, max_iters)
    return centroids.tolist(), labels.tolist()


@catalogue.wrong("labels_list", hint=LIST_HINT)
def run_labels_list(X, initial_centroids, max_iters):
    centroids, labels = run_own_steps(X, initial_centroids, max_iters)
    return centroids, list(labels)


@catalogue.wrong(
    "no_max_iters", kind="signature", hint="def run_kmeans(X, initial_centroids, max_iters):"
)
def run_no_max_iters(X, initial_centroids):
    return run_own_steps(X, initial_centroids, 10)


@catalogue.wrong(
    "assigns_before_the_loop_rounds_minus_one",
    hint="your centroids are the initial centroids",
    not_hint=("never move",),
    message="the initial centroids (the algorithm's after 0 rounds), not after max_iters = 1 round",
)
def run_rounds_minus_one(X, initial_centroids, max_iters):
    # the notebook's shape (assign before the loop; update, then assign, each round), one short
    centroids = np.array(initial_centroids, dtype=float)
    labels = _find(X, centroids)
    for _ in range(max_iters - 1):
        centroids = _compute(X, labels, centroids)
        labels = _find(X, centroids)
    return centroids, labels


@catalogue.wrong(
    "never_assigns_again_in_the_loop",
    hint="after 1 round",
    not_hint=("after the loop, assign again", "you stopped after"),
    message="the algorithm's centroids after 1 round",
)
def run_stale_labels(X, initial_centroids, max_iters):
    # the labels of the initial centroids are used in every round: the loop runs, but only
    # its first round changes anything
    centroids = np.array(initial_centroids, dtype=float)
    labels = _find(X, centroids)
    for _ in range(max_iters):
        centroids = _compute(X, labels, centroids)
    return centroids, _find(X, centroids)


@catalogue.right("own_steps")
def run_own_steps(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = find_broadcasting(X, centroids)
        centroids = compute_loop(X, labels, centroids)
    return centroids, find_broadcasting(X, centroids)


@catalogue.right("reference_steps")
def run_reference_steps(X, initial_centroids, max_iters):
    # allowed: later notebooks hand the reference steps to the student
    centroids = initial_centroids
    labels = course_find(X, centroids)
    for _ in range(max_iters):
        centroids = course_compute(X, labels, centroids)
        labels = course_find(X, centroids)
    return centroids, labels


@catalogue.right("while_loop")
def run_while_loop(X, initial_centroids, max_iters):
    centroids = np.array(initial_centroids, dtype=float)
    i = 0
    while i < max_iters:
        centroids = compute_add_at(X, find_einsum(X, centroids), centroids)
        i += 1
    return centroids, find_einsum(X, centroids)


@catalogue.right("returns_list")
def run_tuple_list(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = compute_one_hot(X, find_cdist(X, centroids), centroids)
    return [centroids, find_cdist(X, centroids)]


# -- Attempts written for issue 19 from notebook 04's exercise text ------------------------


@catalogue.wrong(
    "returns_initial_centroids",
    hint="your centroids are the initial centroids",
    not_hint=("count the rounds",),
)
def run_returns_initial_centroids(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        labels = course_find(X, centroids)
        centroids = course_compute(X, labels, centroids)
    return initial_centroids, course_find(X, initial_centroids)


@catalogue.wrong("returns_history_too", hint="a tuple of 3 values")
def run_returns_history_too(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    history = [centroids]
    for _ in range(max_iters):
        centroids = course_compute(X, course_find(X, centroids), centroids)
        history.append(centroids)
    return centroids, course_find(X, centroids), history


@catalogue.wrong("early_stop_loose_tolerance")
def run_early_stop_loose_tolerance(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        new = course_compute(X, course_find(X, centroids), centroids)
        if np.allclose(new, centroids, atol=0.05):
            break
        centroids = new
    return centroids, course_find(X, centroids)


@catalogue.wrong("restarts_from_initial_each_round")
def run_restarts_from_initial_each_round(X, initial_centroids, max_iters):
    centroids = initial_centroids.copy()
    for _ in range(max_iters):
        centroids = course_compute(X, course_find(X, initial_centroids), initial_centroids)
    return centroids, course_find(X, centroids)
