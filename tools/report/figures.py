"""The report's figures, drawn with matplotlib and embedded in the page as PNG data URIs.

Each function takes a table of :mod:`.tables`, draws on ``ax`` (a new figure
when None: a :class:`matplotlib.figure.Figure`, no pyplot, no window) and
returns the Axes; :func:`data_uri` turns a figure into the
``data:image/png;base64,...`` text of an ``<img src>``, so that the page needs
no other file.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

__all__ = ["plot_scores", "plot_exercises", "data_uri", "COLOURS", "STYLE"]

#: Larger text than matplotlib's default: the figures shrink to a phone's width.
STYLE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12}

#: Colours of the outcomes (colour-blind safe: Okabe-Ito), in the legend's order.
COLOURS = {
    "passed": "#009E73",
    "failed": "#D55E00",
    "not attempted": "#999999",
    "not graded": "#000000",
}


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def label_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG's ratio).

    >>> label_colour("#009E73"), label_colour("#000000")
    ('#000000', '#ffffff')
    """
    light = _luminance(background)
    on_black = (light + 0.05) / 0.05
    on_white = 1.05 / (light + 0.05)
    return "#000000" if on_black >= on_white else "#ffffff"


@rc_context(STYLE)
def plot_scores(scores: list[dict], max_total: float, ax=None):
    """Histogram of the students' total points, one bar per whole point."""
    if ax is None:
        ax = Figure(figsize=(5.0, 3.0)).subplots()
    points = np.array([float(s["points"]) for s in scores])
    top = int(np.ceil(max_total)) if max_total else int(np.ceil(points.max(initial=0)))
    bins = np.arange(0, top + 2) - 0.5
    ax.hist(points, bins=bins, color="#0072B2", edgecolor="white")
    if len(points):
        median = float(np.median(points))
        ax.axvline(median, color="#000000", linestyle="--", linewidth=1)
        ax.annotate(
            f"median {median:g}",
            (median, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=11,
        )
    ax.set_xlim(-0.5, top + 0.5)
    ax.set_xticks(range(0, top + 1))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"points (out of {max_total:g})")
    ax.set_ylabel("students")
    ax.set_title(f"Total points of {len(points)} student{'' if len(points) == 1 else 's'}")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@rc_context(STYLE)
def plot_exercises(exercises: list[dict], ax=None):
    """One horizontal bar per exercise: students who passed, failed, did not attempt it."""
    if ax is None:
        ax = Figure(figsize=(5.0, 0.45 * len(exercises) + 2.0)).subplots()
    names = [f"{e['exercise']} ({e['max_points']} pt)" for e in exercises][::-1]
    counts = {
        "passed": [e["passed"] for e in exercises][::-1],
        "failed": [e["failed"] for e in exercises][::-1],
        "not attempted": [e["not_attempted"] for e in exercises][::-1],
        "not graded": [e["not_graded"] for e in exercises][::-1],
    }
    left = np.zeros(len(exercises))
    y = np.arange(len(exercises))
    for outcome, values in counts.items():
        values = np.array(values, dtype=float)
        bars = ax.barh(y, values, left=left, color=COLOURS[outcome], label=outcome, height=0.7)
        total = max(sum(sum(v) for v in counts.values()) / max(len(exercises), 1), 1)
        labels = [f"{v:g}" if v >= 0.06 * total else "" for v in values]  # too thin: no label
        ax.bar_label(
            bars,
            labels=labels,
            label_type="center",
            color=label_colour(COLOURS[outcome]),
            fontsize=10,
        )
        left += values
    ax.set_yticks(y, names)
    ax.set_xlabel("students")
    ax.set_title("Passed, failed, not attempted")
    ax.legend(ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def data_uri(ax, *, dpi: int = 144) -> str:
    """The figure of ``ax`` as a PNG ``data:`` URI."""
    figure = ax.figure
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=dpi,
        bbox_inches="tight",
        pad_inches=0.1,
        metadata={"Software": None},
    )
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
