import numpy as np
import pytest

import kmeans_lab as kl


def test_mse_and_psnr_definitions():
    a = np.zeros((4, 4, 3))
    b = np.full((4, 4, 3), 0.1)
    assert kl.mse(a, b) == pytest.approx(0.01)
    assert kl.psnr(a, b) == pytest.approx(20.0)
    # the usual 8-bit PSNR: same number on [0, 255] data with peak 255
    assert kl.psnr(a * 255, b * 255, data_range=255) == pytest.approx(kl.psnr(a, b))
    assert kl.psnr(a, a) == float("inf")


def test_distortion_is_inertia_over_n():
    from sklearn.cluster import KMeans

    X = np.random.default_rng(0).random((200, 3))
    km = KMeans(3, n_init=1, random_state=0).fit(X)
    assert kl.distortion(X, km.cluster_centers_, km.labels_) == pytest.approx(km.inertia_ / 200)


@pytest.mark.parametrize(
    "call,msg",
    [
        (lambda: kl.mse(np.zeros((2, 2)), np.zeros((2, 3))), "same shape"),
        (lambda: kl.mse(np.zeros((2, 2)), np.full((2, 2), np.nan)), "NaN"),
        (lambda: kl.psnr(np.zeros(3), np.ones(3), data_range=0), "data_range"),
        (
            lambda: kl.distortion(np.zeros((3, 2)), np.zeros((2, 2)), np.array([0, 1, 2])),
            r"\[0, 2\)",
        ),
    ],
)
def test_metric_errors(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_psnr_refuses_uint8_with_unit_peak_and_bad_data_range():
    a = np.zeros((2, 2, 3), np.uint8)
    b = np.ones((2, 2, 3), np.uint8)
    with pytest.raises(ValueError, match="data_range=255"):
        kl.psnr(a, b)
    assert kl.psnr(a, b, data_range=255) == pytest.approx(48.13, abs=0.01)
    with pytest.raises(TypeError, match="data_range must be a number"):
        kl.psnr(a / 255, b / 255, data_range="1")
