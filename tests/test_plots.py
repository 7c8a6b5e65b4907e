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


def test_plot_pixels_3d_samples_with_seed():
    X = np.random.default_rng(0).random((500, 3))
    ax = plots.plot_pixels_3d(X, centroids=X[:4], max_points=100, seed=1)
    assert ax.name == "3d"
    assert ax.get_xlabel() == "red" and ax.get_zlabel() == "blue"
    assert len(ax.collections[0].get_offsets()) == 100
    assert "4 centroids" in ax.get_title()


def test_plot_kmeans_progress_and_distortion():
    X = np.random.default_rng(0).random((50, 2))
    fig, ax = plt.subplots()
    assert plots.plot_kmeans_progress(X, [X[:3], X[:3] + 0.1], labels=np.arange(50) % 3, ax=ax) is ax
    assert "1 iterations" in ax.get_title()
    ax2 = plots.plot_distortion([3.0, 2.0, 1.0])
    assert ax2.get_xlabel() == "iteration"
    assert list(ax2.lines[0].get_ydata()) == [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="2-D"):
        plots.plot_kmeans_progress(np.zeros((3, 3)), [np.zeros((2, 3))])


def test_no_plot_helper_calls_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    plots.plot_palette(np.eye(3))
    plots.plot_distortion([1.0])
    plots.show_images([np.zeros((2, 2, 3))])
