"""Figures speak: every figure carries a text alternative with the numbers of its run.

1. Every figure output of every solution and student notebook is an HTML
   ``<img alt>`` whose text has a number the run computed (one that is not
   written in the cell's code), the same text as its PNG's ``alt`` metadata.
   The checker is itself run on wrong outputs (a bare PNG, an empty alt, an
   alt whose only numbers are the code's).
2. Each helper's text says what it drew, with its numbers; clusters differ by
   marker, not colour alone.
3. In a kernel, a described figure is shown as ``<img alt>``; any other
   figure as before.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kmeans_lab import plots  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (REPO / "notebooks" / "student").glob("[0-9][0-9]_*.ipynb")
)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
IMG_ALT = re.compile(r'<img\b[^>]*\balt="([^"]*)"')


def figure_problems(cell: dict) -> list[str]:
    """What is wrong with the figure outputs of a code cell ([] when each speaks)."""
    problems = []
    source = "".join(cell["source"])
    typed = set(NUMBER.findall(source))
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" not in data:
            continue
        page = data.get("text/html", "")
        found = IMG_ALT.search("".join(page) if isinstance(page, list) else page)
        if not found or not found.group(1).strip():
            problems.append("a figure without an HTML <img alt>")
            continue
        alt = html.unescape(found.group(1))
        if output.get("metadata", {}).get("image/png", {}).get("alt") != alt:
            problems.append("the PNG's alt metadata differs from the HTML alt")
        computed = set(NUMBER.findall(alt)) - typed
        if not computed:
            problems.append(f"no number of the run in its text alternative: {alt!r}")
    return problems


def _figure_cells(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and any(
            "image/png" in o.get("data", {}) for o in cell.get("outputs", [])
        ):
            yield i, cell


def test_every_figure_of_every_notebook_has_a_text_alternative_with_its_numbers():
    figures = 0
    problems = []
    for path in NOTEBOOKS:
        for i, cell in _figure_cells(path):
            figures += 1
            problems += [f"{path.relative_to(REPO)} cell {i}: {p}" for p in figure_problems(cell)]
    assert not problems, "\n".join(problems)
    solution_figures = sum(
        1 for p in NOTEBOOKS if p.parent.name == "notebooks" for _ in _figure_cells(p)
    )
    assert solution_figures == 20, f"the course draws 20 figures, found {solution_figures}"
    print(f"{figures} figures, each with its text alternative")


def _cell(source: str, html_out: str | None, md_alt: str | None) -> dict:
    data = {"image/png": "iVBOR", "text/plain": "<Figure>"}
    if html_out is not None:
        data["text/html"] = html_out
    meta = {"image/png": {"alt": md_alt}} if md_alt is not None else {}
    return {
        "source": [source],
        "outputs": [{"output_type": "display_data", "data": data, "metadata": meta}],
    }


@pytest.mark.parametrize(
    "cell, problem",
    [
        (_cell("plt.imshow(image)", None, None), "without an HTML <img alt>"),
        (_cell("x", '<img src="x" alt="">', ""), "without an HTML <img alt>"),
        (_cell("x", '<img src="x" alt="a cat">', "a cat"), "no number of the run"),
        (
            _cell(
                'plot_palette(P, title="16 colours")',
                '<img alt="Palette: 16 colours">',
                "Palette: 16 colours",
            ),
            "no number of the run",
        ),
        (_cell("x", '<img alt="J = 0.5">', "J = 0.4"), "alt metadata differs"),
    ],
)
def test_the_notebook_check_catches_figures_that_do_not_speak(cell, problem):
    assert any(problem in p for p in figure_problems(cell)), figure_problems(cell)


def test_the_notebook_check_passes_a_figure_with_its_numbers():
    assert (
        figure_problems(
            _cell("x", '<img alt="J falls from 0.093 to 0.021">', "J falls from 0.093 to 0.021")
        )
        == []
    )


# -- each helper's text ------------------------------------------------------------


def test_distortion_text_has_the_first_and_last_values_and_where_the_fall_happens():
    ax = plots.plot_distortion([1.0, 0.2, 0.12, 0.11, 0.1])
    assert plots.alt_text(ax) == (
        "distortion J falls from 1 to 0.1 over 4 iterations, 90% of the fall in the first 2"
    )
    flat = plots.plot_distortion([0.5, 0.5])
    assert plots.alt_text(flat) == "distortion J stays at 0.5 over 1 iteration"


def test_elbow_text_names_the_range_the_ratios_and_the_elbow():
    text = plots.alt_text(plots.plot_elbow([1, 2, 3, 4], [8.0, 4.0, 1.0, 0.8], elbow=3))
    assert "J falls from 8 at K = 1 to 0.8 at K = 4" in text
    assert "divides J by 1.25 to 4.00" in text
    assert "elbow, circled, at K = 3 (J = 1)" in text


def test_tradeoff_text_on_each_panel():
    q, s = plots.plot_tradeoff(
        [2, 4, 8], [21.9, 26.1, 29.2], [16432, 32864, 49344], 393216, current_K=4
    )
    assert plots.alt_text(q) == (
        "PSNR goes from 21.9 dB to 29.2 dB from K = 2 to K = 8 (log scale); K = 4 circled, 26.1 dB"
    )
    assert "16.4 to 49.3 kilobits" in plots.alt_text(s) and "393.2 kilobits" in plots.alt_text(s)


def test_image_palette_and_labels_texts_count_what_is_drawn():
    image = np.zeros((2, 3, 3))
    image[0, 0] = 1.0
    (ax,) = plots.show_images([image], ["two colours"])
    assert plots.alt_text(ax) == (
        "an image, 3 x 2 px, 2 distinct colours, mean brightness 0.17 (0 black, 1 white)"
    )
    palette = plots.plot_palette(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]))
    assert "darkest index 0 (#000000" in plots.alt_text(palette)
    assert "lightest index 1 (#ffffff" in plots.alt_text(palette)
    assert plots.alt_text(palette).endswith("#000000, #ffffff, #ff0000")
    labels = plots.show_labels(np.array([[0, 2], [2, 2]]), 4)
    assert "3 x" not in plots.alt_text(labels)
    assert "2 of 4 labels used; the most frequent, label 2, covers 75%" in plots.alt_text(labels)
    with pytest.raises(ValueError, match="not below K = 2"):
        plots.show_labels(np.array([[0, 2]]), 2)


def test_clusters_differ_by_marker_not_by_colour_alone():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [9.0, 0.0]])
    labels = np.array([0, 0, 1, 1, 2])
    C = np.array([[0.05, 0.0], [5.05, 5.0], [9.0, 0.0]])
    for ax in (plots.plot_assignments(X, C, labels), plots.plot_kmeans_progress(X, [C, C], labels)):
        points = [c for c in ax.collections if len(c.get_offsets()) and c.get_sizes()[0] < 100]
        markers = {tuple(np.round(c.get_paths()[0].vertices, 3).ravel()) for c in points}
        assert len(points) == 3 and len(markers) == 3, "each cluster needs its own marker"
        assert "cluster 0 (circles): 2 points" in plots.alt_text(ax)
        assert "cluster 1 (squares): 2 points" in plots.alt_text(ax)
    text = plots.alt_text(plots.plot_assignments(X, C, labels))
    assert "centroid 1 at (5.05, 5.00)" in text
    assert [t.get_text() for t in plots.plot_assignments(X, C, labels).texts] == [
        "centroid 0",
        "centroid 1",
        "centroid 2",
    ]


def test_a_figure_names_its_panels_by_their_titles_as_shown():
    fig, axes = plt.subplots(1, 3)
    plots.plot_distortion([2.0, 1.0], ax=axes[0])
    plots.plot_distortion([4.0, 1.0], ax=axes[1])
    axes[1].set_title("start seed 8")  # a title set after the helper is the one read
    axes[2].plot([1, 2])  # not described: left out
    text = plots.alt_text(fig)
    assert text.startswith("Figure of 2 panels. Panel 1, Distortion per iteration: ")
    assert "Panel 2, start seed 8: distortion J falls from 4 to 1" in text
    assert plots.alt_text(plt.subplots()[0]) == ""
    with pytest.raises(ValueError, match="non-empty"):
        plots.set_alt_text(axes[2], "  ")
    with pytest.raises(TypeError, match="must be a str, got int"):
        plots.set_alt_text(axes[2], 3)
    with pytest.raises(TypeError, match="must be a str, got float"):
        plots.set_alt_text(axes[2], "J falls", None, 0.5)  # a clause is a str or None
    assert plots.alt_text(plots.set_alt_text(axes[2], " J falls ", None, "", "K = 3")) == (
        "J falls; K = 3"
    )


def test_figure_mimebundle_shows_a_described_figure_as_img_alt_and_others_as_before():
    fig, ax = plt.subplots()
    plots.plot_distortion([2.0, 1.0], ax=ax)
    data, metadata = plots.figure_mimebundle(fig, lambda f: "UE5H")
    alt = plots.alt_text(fig)
    assert (
        data["text/html"]
        == f'<img class="kmeans-lab-figure" src="data:image/png;base64,UE5H" alt="{alt}">'
    )
    assert data["image/png"] == "UE5H" and data["text/plain"] == alt
    assert metadata == {"image/png": {"alt": alt}}
    fig2, ax2 = plt.subplots()
    ax2.set_title('"quoted" <b>')
    plots.set_alt_text(ax2, "J < 2 & K = 3")
    html_out = plots.figure_mimebundle(fig2, lambda f: "UE5H")[0]["text/html"]
    assert 'alt="Figure. &quot;quoted&quot; &lt;b&gt;: J &lt; 2 &amp; K = 3."' in html_out
    assert plots.figure_mimebundle(plt.subplots()[0], lambda f: "UE5H") == ({}, {})
