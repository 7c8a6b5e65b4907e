"""Every plot helper draws on the Axes it is given, returns it, and labels it."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kmeans_lab import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_show_images_uses_given_axes_and_titles():
    fig, axes = plt.subplots(1, 2)
    out = plots.show_images([np.zeros((3, 4, 3)), np.ones((3, 4, 3))], ["a", "b"], axes=axes)
    assert list(out) == list(axes)
    assert [ax.get_title() for ax in out] == ["a", "b"]
    assert out[0].get_xlabel() == "4 px"
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plots.show_images([np.zeros((2, 2, 3))] * 2, ["a"])


def test_plot_palette():
    fig, ax = plt.subplots()
    assert plots.plot_palette(np.eye(3), ax=ax) is ax
    assert ax.get_xlabel() == "palette index"
    with pytest.raises(ValueError, match=r"\(K, 3\)"):
        plots.plot_palette(np.zeros((3, 2)))


def test_plot_pixels_3d_samples_with_rng():
    X = np.random.default_rng(0).random((500, 3))
    ax = plots.plot_pixels_3d(X, centroids=X[:4], max_points=100, rng=1)
    assert ax.name == "3d"
    assert ax.get_xlabel() == "red" and ax.get_zlabel() == "blue"
    assert len(ax.collections[0].get_offsets()) == 100
    assert "4 centroids" in ax.get_title()


def test_plot_pixels_3d_seed_is_a_deprecated_alias_of_rng():
    X = np.random.default_rng(0).random((500, 3))
    drawn = plots.plot_pixels_3d(X, max_points=50, rng=7).collections[0].get_offsets()
    with pytest.warns(DeprecationWarning, match="seed= is deprecated"):
        old = plots.plot_pixels_3d(X, max_points=50, seed=7).collections[0].get_offsets()
    assert np.array_equal(drawn, old)
    with pytest.raises(TypeError, match="not both"):
        plots.plot_pixels_3d(X, rng=1, seed=2)


def test_plot_kmeans_progress_and_distortion():
    X = np.random.default_rng(0).random((50, 2))
    fig, ax = plt.subplots()
    assert (
        plots.plot_kmeans_progress(X, [X[:3], X[:3] + 0.1], labels=np.arange(50) % 3, ax=ax) is ax
    )
    assert ax.get_title() == "Centroid paths over 1 iteration"
    ax3 = plots.plot_kmeans_progress(X, [X[:3], X[:3] + 0.1, X[:3] + 0.2])
    assert ax3.get_title() == "Centroid paths over 2 iterations"
    ax2 = plots.plot_distortion([3.0, 2.0, 1.0])
    assert ax2.get_xlabel() == "iteration"
    assert list(ax2.lines[0].get_ydata()) == [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="2-D"):
        plots.plot_kmeans_progress(np.zeros((3, 3)), [np.zeros((2, 3))])


def test_titles_say_one_in_the_singular():
    assert plots.plot_palette(np.ones((1, 3))).get_title() == "Palette: 1 colour"
    assert plots.plot_palette(np.eye(3)).get_title() == "Palette: 3 colours"
    one = plots.plot_pixels_3d(np.full((1, 3), 0.5), centroids=np.full((1, 3), 0.5))
    assert one.get_title() == "1 pixel in RGB space with 1 centroid"
    many = plots.plot_pixels_3d(np.random.default_rng(0).random((2000, 3)), centroids=np.eye(3))
    assert many.get_title() == "2,000 pixels in RGB space with 3 centroids"


def test_plot_elbow_draws_distortion_against_K_and_marks_the_elbow():
    fig, ax = plt.subplots()
    Ks, J = [1, 2, 3, 4, 5], [6.8, 3.5, 1.2, 1.0, 0.9]
    assert plots.plot_elbow(Ks, J, ax=ax, elbow=3) is ax
    assert ax.get_xlabel() == "K, number of clusters"
    assert ax.get_ylabel() == "distortion J (mean squared distance)"
    assert "Elbow curve" in ax.get_title()
    curve, mark = ax.lines
    assert list(curve.get_xdata()) == Ks and list(curve.get_ydata()) == J
    assert list(mark.get_xdata()) == [3] and list(mark.get_ydata()) == [1.2]
    assert [t.get_text() for t in ax.texts] == ["elbow: K = 3"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]
    assert ax.get_xscale() == "linear"


def test_plot_elbow_on_log_axes_without_an_elbow():
    ax = plots.plot_elbow([2, 4, 8, 16], [0.02, 0.008, 0.004, 0.002], log_axes=True)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "log scale" in ax.get_xlabel() and "log scale" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8", "16"]
    assert len(ax.lines) == 1 and not ax.texts
    with pytest.raises(ValueError, match="distortions > 0"):
        plots.plot_elbow([1, 2], [1.0, 0.0], log_axes=True)


def test_plot_elbow_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        plots.plot_elbow([1, 2, 3], [1.0, 0.5])
    with pytest.raises(ValueError, match="increasing order"):
        plots.plot_elbow([2, 1], [1.0, 0.5])
    with pytest.raises(ValueError, match="elbow=4 is not one of Ks"):
        plots.plot_elbow([1, 2, 3], [3.0, 2.0, 1.0], elbow=4)
    with pytest.raises(ValueError, match="K"):
        plots.plot_elbow([0, 1], [1.0, 0.5])


def test_plot_tradeoff_draws_quality_and_size_against_K():
    Ks, psnr, bits = [2, 4, 8, 16], [21.9, 26.1, 29.2, 31.7], [16_432, 32_864, 49_344, 65_920]
    fig, axes = plt.subplots(1, 2)
    out = plots.plot_tradeoff(Ks, psnr, bits, 393_216, axes=axes)
    assert out == list(axes)
    ax_q, ax_s = out
    assert ax_q.get_title() == "Quality against K" and ax_s.get_title() == "Size against K"
    assert ax_q.get_ylabel().startswith("PSNR (dB)") and ax_s.get_ylabel() == "size (kilobits)"
    for ax in out:
        assert ax.get_xlabel().startswith("K") and ax.get_xscale() == "log"
        assert list(ax.get_xticks()) == Ks
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8", "16"]
    assert list(ax_q.lines[0].get_xdata()) == Ks and list(ax_q.lines[0].get_ydata()) == psnr
    assert list(ax_s.lines[0].get_ydata()) == [b / 1000 for b in bits]
    original = [line for line in ax_s.lines if line.get_linestyle() == "--"]
    assert len(original) == 1 and list(original[0].get_ydata()) == [393.216, 393.216]
    assert [t.get_text() for t in ax_s.get_legend().get_texts()] == [
        "compressed",
        "original, 24 bits a pixel",
    ]


def test_plot_tradeoff_marks_the_current_K_and_makes_its_own_figure():
    ax_q, ax_s = plots.plot_tradeoff(
        np.array([2, 4, 8]), np.array([20.0, 25.0, 28.0]), np.array([100, 200, 300]), current_K=4
    )
    assert ax_q.figure is ax_s.figure and len(ax_q.figure.axes) == 2
    assert list(ax_q.lines[-1].get_xdata()) == [4] and list(ax_q.lines[-1].get_ydata()) == [25.0]
    assert list(ax_s.lines[-1].get_ydata()) == [0.2]
    assert len(ax_s.lines) == 2, "no original line when original_bits is not given"
    ax_q, _ = plots.plot_tradeoff([2, 4], [20.0, 25.0], [100, 200], current_K=64)  # not in Ks
    assert len(ax_q.lines) == 1


def test_plot_tradeoff_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        plots.plot_tradeoff([2, 4], [20.0], [100, 200])
    with pytest.raises(ValueError, match="K must be at least 1"):
        plots.plot_tradeoff([0, 4], [20.0, 25.0], [100, 200])
    with pytest.raises(TypeError, match="psnr must be a sequence of numbers"):
        plots.plot_tradeoff([2, 4], ["a", "b"], [100, 200])
    with pytest.raises(ValueError, match="two Axes"):
        plots.plot_tradeoff([2, 4], [20.0, 25.0], [100, 200], axes=[plt.subplots()[1]])


def test_no_plot_helper_calls_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    plots.plot_palette(np.eye(3))
    plots.plot_distortion([1.0])
    plots.show_images([np.zeros((2, 2, 3))])
    plots.plot_tradeoff([2, 4], [20.0, 25.0], [100, 200], 1000)
    plots.plot_elbow([1, 2], [2.0, 1.0], elbow=2)


# -- the distinct colours of a text alternative, counted fast --------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from kmeans_lab.plots.images import distinct_rows  # noqa: E402


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.uint8, np.int64, np.bool_]),
        shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements={"allow_nan": True, "allow_infinity": True},
    )
    | hnp.arrays(  # few values: many repeated rows, and -0.0 beside 0.0
        dtype=np.float64,
        shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=st.sampled_from([0.0, -0.0, 0.5, 1.0]),
    )
)
def test_distinct_rows_counts_as_np_unique_does(rows):
    assert distinct_rows(rows) == len(np.unique(rows, axis=0))
