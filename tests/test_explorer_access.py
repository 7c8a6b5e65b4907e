"""What the explorer tells a screen reader, checked in Python (the browser: test_accessibility_lab.py).

Every control and image the explorer names is found by its CSS class in the
widget tree; the names, values in words, alt texts and the live region's
announcement follow every change, with the result's numbers.
"""

from __future__ import annotations

import pytest

pytest.importorskip("anywidget")

from kmeans_lab.explorer import KMeansExplorer  # noqa: E402


@pytest.fixture
def explorer():
    return KMeansExplorer("course", K=16, iterations=10, rng=0)


def _classes(widget) -> set[str]:
    found = set(getattr(widget, "_dom_classes", ()))
    for child in getattr(widget, "children", ()):
        found |= _classes(child)
    return found


def test_every_named_part_is_in_the_widget_tree(explorer):
    assert explorer.access in explorer.widget.children
    missing = set(explorer.access.names) - _classes(explorer.widget)
    assert not missing, f"names for classes no widget has: {missing}"


def test_the_first_state_is_named_and_announced(explorer):
    names = explorer.access.names
    assert names["kmeans-K"] == {"label": "K, number of colours", "valuetext": "K = 16 colours"}
    assert names["kmeans-iterations"]["valuetext"] == "10 iterations"
    assert names["kmeans-init"]["group"] == "initialisation: k-means++"
    assert names["kmeans-show-iteration"]["valuetext"] == "iteration 10 of 10"
    assert names["kmeans-original"]["alt"] == "original image: course, 128 x 128 px"
    psnr = f"{explorer.result.psnr:.2f}"
    assert names["kmeans-compressed"]["alt"] == (
        f"course compressed to 16 colours after 10 iterations, PSNR {psnr} dB"
    )
    assert names["kmeans-palette"]["alt"].startswith("palette of 16 colours, brightness from 0.")
    assert explorer.access.announcement == (
        "K = 16 colours (k-means++, seed 0, 10 iterations): 65,920 bits instead of 393,216, "
        f"5.97 times smaller, PSNR {psnr} dB."
    )


def test_every_change_is_named_and_announced(explorer):
    explorer.K_slider.value = 4
    assert explorer.access.names["kmeans-K"]["valuetext"] == "K = 4 colours"
    assert explorer.access.announcement.startswith(
        "K = 4 colours (k-means++, seed 0, 10 iterations): 32,864 bits"
    )
    explorer.configure(iterations=1, init="random", rng=5)
    assert explorer.access.names["kmeans-seed"]["label"] == "seed of the initialisation, now 5"
    assert explorer.access.names["kmeans-init"]["group"] == "initialisation: random"
    assert "(random, seed 5, 1 iteration)" in explorer.access.announcement
    explorer.show_iteration(0)
    assert explorer.access.announcement.endswith("dB, showing iteration 0 of 1.")
    assert "after 0 iterations" in explorer.access.names["kmeans-compressed"]["alt"]


def test_a_status_message_is_announced_before_the_result(explorer):
    assert not explorer.load_upload("notes.txt", b"not an image")
    announcement = explorer.access.announcement
    assert announcement.startswith("cannot load upload 'notes.txt': not an image file")
    assert announcement.endswith(
        "K = 16 colours (k-means++, seed 0, 10 iterations): 65,920 bits "
        f"instead of 393,216, 5.97 times smaller, PSNR {explorer.result.psnr:.2f} dB."
    )


def test_the_tradeoff_figure_has_its_numbers_as_alt(explorer):
    assert explorer.access.names["kmeans-tradeoff-plot"]["alt"] == "trade-off not computed yet"
    table = explorer.compute_tradeoff()
    alt = explorer.access.names["kmeans-tradeoff-plot"]["alt"]
    assert f"PSNR goes from {table.psnr[0]:.1f} dB to {table.psnr[-1]:.1f} dB" in alt
    assert "393.2 kilobits" in alt
    explorer.configure(rng=3)  # another setting: no trade-off for it yet
    assert explorer.access.names["kmeans-tradeoff-plot"]["alt"] == "trade-off not computed yet"


def test_an_old_error_is_not_announced_with_the_next_result(explorer):
    said = []
    explorer.access.observe(lambda change: said.append(change["new"]), names="announcement")
    explorer.load_upload("notes.txt", b"not an image")
    assert said[-1].startswith("cannot load upload")
    said.clear()
    explorer.K_slider.value = 8
    assert said and all(not s.startswith("cannot load") for s in said), said
