"""The K-means steps against brute-force definitions and against scikit-learn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import kmeans_lab as kl

finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def points_and_centroids(draw, max_n=40, max_k=8, max_features=5):
    n_features = draw(st.integers(1, max_features))
    N = draw(st.integers(1, max_n))
    K = draw(st.integers(1, max_k))
    # small integer grids make exact ties common, the case where order matters
    elements = st.one_of(finite, st.integers(-3, 3).map(float))
    X = draw(arrays(np.float64, (N, n_features), elements=elements))
    C = draw(arrays(np.float64, (K, n_features), elements=elements))
    return X, C


def brute_force_labels(X, C):
    labels = []
    for x in X:
        best, best_d = 0, None
        for k, c in enumerate(C):
            d = sum((xj - cj) ** 2 for xj, cj in zip(x, c))
            if best_d is None or d < best_d:  # strict: ties keep the lowest index
                best, best_d = k, d
        labels.append(best)
    return np.array(labels)


@settings(max_examples=300, deadline=None)
@given(points_and_centroids())
def test_closest_centroids_equal_brute_force_loop(data):
    X, C = data
    labels = kl.find_closest_centroids(X, C)
    assert labels.shape == (X.shape[0],)
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, brute_force_labels(X, C))


def test_ties_go_to_the_lowest_index():
    X = np.array([[0.0, 0.0, 0.0]])
    C = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert kl.find_closest_centroids(X, C).tolist() == [0]
    assert kl.find_closest_centroids(X, C[::-1]).tolist() == [0]


def test_chunking_gives_the_same_labels(monkeypatch):
    rng = np.random.default_rng(1)
    X, C = rng.random((5000, 3)), rng.random((7, 3))
    full = kl.find_closest_centroids(X, C)
    monkeypatch.setattr(kl.kmeans, "_CHUNK_ENTRIES", 7 * 13)  # 13 rows a chunk, ragged end
    np.testing.assert_array_equal(kl.find_closest_centroids(X, C), full)


@settings(max_examples=200, deadline=None)
@given(points_and_centroids(), st.data())
def test_centroids_equal_per_cluster_means_and_empty_keep_their_row(data, draw):
    X, C = data
    K = C.shape[0]
    labels = np.array(draw.draw(st.lists(st.integers(0, K - 1), min_size=len(X), max_size=len(X))))
    X_before, C_before = X.copy(), C.copy()
    new = kl.compute_centroids(X, labels, C)
    assert new.shape == C.shape
    assert np.all(np.isfinite(new))
    for k in range(K):
        members = X[labels == k]
        if len(members):
            np.testing.assert_allclose(new[k], members.mean(axis=0), rtol=1e-12, atol=1e-9)
        else:
            np.testing.assert_array_equal(new[k], C[k])
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(C, C_before)


@settings(max_examples=100, deadline=None)
@given(points_and_centroids(max_n=60), st.integers(0, 8))
def test_distortion_never_increases(data, max_iters):
    X, C = data
    if C.shape[0] > X.shape[0]:
        C = C[: X.shape[0]]
    _, _, history = kl.run_kmeans(X, C, max_iters, return_history=True)
    d = np.array(history.distortion)
    assert len(d) == max_iters + 1 == history.n_iter + 1
    scale = max(1.0, float(np.abs(X).max()) ** 2)
    assert np.all(np.diff(d) <= 1e-9 * scale)


def test_run_kmeans_labels_are_assignment_to_returned_centroids():
    rng = np.random.default_rng(0)
    X = rng.random((300, 3))
    for iters in (0, 1, 5):
        C, labels = kl.run_kmeans(X, X[:4], iters)
        np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, C))
    C0, _ = kl.run_kmeans(X, X[:4], 0)
    np.testing.assert_array_equal(C0, X[:4])


def test_history_replays_the_run():
    X = np.random.default_rng(3).random((200, 2))
    C, labels, history = kl.run_kmeans(X, X[:3], 6, return_history=True)
    np.testing.assert_array_equal(history.centroids[0], X[:3])
    np.testing.assert_array_equal(history.centroids[-1], C)
    np.testing.assert_array_equal(history.labels[-1], labels)
    for Ci, Li, Di in zip(history.centroids, history.labels, history.distortion):
        np.testing.assert_array_equal(Li, kl.find_closest_centroids(X, Ci))
        assert Di == pytest.approx(kl.distortion(X, Ci, Li.astype(int)))


def test_tol_stops_early_without_changing_the_result():
    X = np.random.default_rng(5).random((500, 3))
    C_full, L_full = kl.run_kmeans(X, X[:5], 200)
    C_tol, L_tol, hist = kl.run_kmeans(X, X[:5], 200, tol=0.0, return_history=True)
    assert hist.n_iter < 200
    np.testing.assert_array_equal(C_tol, C_full)
    np.testing.assert_array_equal(L_tol, L_full)


def _sklearn_lloyd(X, init, iters):
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=len(init), init=init, n_init=1, max_iter=iters, tol=0, algorithm="lloyd")
    return km.fit(X)


@pytest.mark.parametrize("seed", range(5))
def test_run_kmeans_matches_scikit_learn_on_random_data(seed):
    rng = np.random.default_rng(seed)
    centres = rng.random((4, 3)) * 10
    X = np.concatenate([c + rng.normal(size=(100, 3)) for c in centres])
    init = kl.init_centroids(X, 4, rng)
    C, labels = kl.run_kmeans(X, init, 20)
    assert len(np.unique(labels)) == 4  # no cluster emptied
    km = _sklearn_lloyd(X, init, 20)
    np.testing.assert_allclose(C, km.cluster_centers_, atol=1e-6)
    np.testing.assert_array_equal(labels, km.labels_)


def test_run_kmeans_matches_scikit_learn_on_the_course_image():
    # 8-bit pixel values make equidistant pixels common. scikit-learn computes
    # distances as |x|^2 - 2 x.c + |c|^2, whose rounding sends some of those
    # near-ties to either centroid, and the runs then drift apart. A 1e-7
    # jitter (seeded) breaks the ties so both must follow the same Lloyd path.
    X = kl.image_to_pixels(kl.load_sample_image())
    X = X + np.random.default_rng(7).uniform(-1e-7, 1e-7, X.shape)
    init = kl.kmeans_plusplus(X, 16, np.random.default_rng(0))
    C, labels = kl.run_kmeans(X, init, 10)
    assert len(np.unique(labels)) == 16
    km = _sklearn_lloyd(X, init, 10)
    np.testing.assert_allclose(C, km.cluster_centers_, atol=1e-6)
    np.testing.assert_array_equal(labels, km.labels_)
    assert kl.distortion(X, C, labels) == pytest.approx(km.inertia_ / len(X), rel=1e-6)


def test_where_scikit_learn_disagrees_on_the_raw_image_it_is_a_tie():
    X = kl.image_to_pixels(kl.load_sample_image())
    init = kl.kmeans_plusplus(X, 16, np.random.default_rng(0))
    ours = kl.find_closest_centroids(X, init)
    km = _sklearn_lloyd(X, init, 1)
    km.cluster_centers_ = init  # predict() assigns with scikit-learn's own distance code
    theirs = km.predict(X)
    assert (ours != theirs).sum() < 100  # at most a few near-ties, not a different algorithm
    d = ((X[:, None, :] - init[None]) ** 2).sum(axis=2)
    rows = np.flatnonzero(ours != theirs)
    np.testing.assert_array_equal(d[rows, ours[rows]] <= d[rows, theirs[rows]], True)
    np.testing.assert_allclose(d[rows, ours[rows]], d[rows, theirs[rows]], atol=1e-12)


def test_init_centroids_distinct_rows_of_x_and_reproducible():
    X = np.arange(60.0).reshape(20, 3)
    X_before = X.copy()
    C = kl.init_centroids(X, 7, np.random.default_rng(42))
    assert C.shape == (7, 3)
    rows = [int(np.flatnonzero((X == c).all(axis=1))[0]) for c in C]
    assert len(set(rows)) == 7
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(C, kl.init_centroids(X, 7, np.random.default_rng(42)))
    np.testing.assert_array_equal(C, kl.init_centroids(X, 7, 42))  # an int seed works too
    assert not np.array_equal(C, kl.init_centroids(X, 7, np.random.default_rng(43)))
    assert np.array_equal(np.sort(kl.init_centroids(X, 20, 0), axis=0), X)


def test_kmeans_plusplus_spreads_and_avoids_duplicates():
    X = np.array([[0.0, 0.0]] * 50 + [[10.0, 10.0]] * 50 + [[0.0, 10.0]])
    for seed in range(10):
        C = kl.kmeans_plusplus(X, 3, seed)
        assert len(np.unique(C, axis=0)) == 3
    # fewer distinct rows than K: defined, no NaN, distinct ones first
    C = kl.kmeans_plusplus(X, 5, 0, n_local_trials=3)
    assert C.shape == (5, 2) and np.all(np.isfinite(C))
    assert len(np.unique(C[:3], axis=0)) == 3


def test_fewer_distinct_colours_than_k_never_nan():
    X = np.repeat(np.eye(3), 10, axis=0)  # 3 distinct colours
    init = kl.init_centroids(X, 6, 0)
    C, labels = kl.run_kmeans(X, init, 5)
    assert np.all(np.isfinite(C))
    compressed = kl.CompressedImage.from_kmeans(C, labels, (5, 6))
    assert compressed.n_colors == 3  # duplicates are not presented as distinct colours


X_OK = np.zeros((4, 3))
C_OK = np.zeros((2, 3))


@pytest.mark.parametrize(
    "call,err,msg",
    [
        (
            lambda: kl.find_closest_centroids(np.zeros((4, 3)), np.zeros((2, 2))),
            ValueError,
            "3 features",
        ),
        (
            lambda: kl.find_closest_centroids(np.zeros((4, 4, 3)), C_OK),
            ValueError,
            "image_to_pixels",
        ),
        (lambda: kl.find_closest_centroids(np.array([[np.nan, 0, 0]]), C_OK), ValueError, "NaN"),
        (
            lambda: kl.find_closest_centroids(X_OK, np.array([[np.inf, 0, 0]])),
            ValueError,
            "centroids contains NaN or inf",
        ),
        (lambda: kl.find_closest_centroids(np.zeros((0, 3)), C_OK), ValueError, "empty"),
        (lambda: kl.find_closest_centroids([["a", "b", "c"]], C_OK), TypeError, "numeric"),
        (lambda: kl.init_centroids(X_OK, 0, 0), ValueError, "K must be at least 1"),
        (lambda: kl.init_centroids(X_OK, 5, 0), ValueError, "larger than the number of points"),
        (lambda: kl.init_centroids(X_OK, 2.0, 0), TypeError, "K must be an integer"),
        (lambda: kl.init_centroids(X_OK, 2, "seed"), TypeError, "Generator"),
        (lambda: kl.kmeans_plusplus(X_OK, 9, 0), ValueError, "larger than the number of points"),
        (lambda: kl.compute_centroids(X_OK, np.array([0, 1, 2, 0]), C_OK), ValueError, r"\[0, 2\)"),
        (
            lambda: kl.compute_centroids(X_OK, np.array([0, -1, 0, 0]), C_OK),
            ValueError,
            r"\[0, 2\)",
        ),
        (lambda: kl.compute_centroids(X_OK, np.array([0.0, 1, 0, 0]), C_OK), TypeError, "integer"),
        (lambda: kl.compute_centroids(X_OK, np.array([0, 1]), C_OK), ValueError, r"shape \(4,\)"),
        (lambda: kl.run_kmeans(X_OK, C_OK, -1), ValueError, "max_iters must be at least 0"),
        (
            lambda: kl.run_kmeans(X_OK, np.zeros((5, 3)), 1),
            ValueError,
            "larger than the number of points",
        ),
        (lambda: kl.run_kmeans(X_OK, C_OK, 1, tol=-1), ValueError, "tol"),
    ],
    ids=lambda v: None,
)
def test_bad_input_raises_clear_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_huge_values_are_refused_not_overflowed():
    with pytest.raises(ValueError, match="rescale"):
        kl.find_closest_centroids([[1e300]], [[-1e300], [-5e299]])
    with pytest.raises(ValueError, match="rescale"):
        kl.kmeans_plusplus(np.array([[1e200], [-1e200], [0.0]]), 3, 0)


def test_kmeans_plusplus_with_large_but_finite_potentials():
    X = np.array([[1e140], [-1e140], [0.0]])
    assert sorted(kl.kmeans_plusplus(X, 3, 0, n_local_trials=3).ravel()) == [-1e140, 0.0, 1e140]


@pytest.mark.parametrize(
    "tol,err", [("a", TypeError), (True, TypeError), (float("nan"), ValueError)]
)
def test_tol_type_is_checked(tol, err):
    with pytest.raises(err, match="tol must be"):
        kl.run_kmeans(np.zeros((4, 3)), np.zeros((2, 3)), 1, tol=tol)


def test_negative_seed_message():
    with pytest.raises(ValueError, match="rng must be a non-negative seed"):
        kl.init_centroids(np.zeros((4, 3)), 2, -1)
