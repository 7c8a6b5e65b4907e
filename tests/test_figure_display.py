"""A described figure is drawn once per display (``kmeans_lab/plots/_alt.py``, ``_DrawnOnce``).

IPython asks for a described figure's PNG twice in one display (the mime
bundle's ``<img alt>`` and the ``image/png`` printer of matplotlib's inline
backend). The notebooks below run as the grader runs them (an IPython shell,
``kmeans_lab.grading.execute``, a plain subprocess here) and count the draws;
the PNG shown must be the one a fresh draw gives, whatever happened to the
figure between two displays.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from execute_helpers import execute
from nbformat.v4 import new_code_cell

from kmeans_lab.grading.execute import read_frames

SETUP = """\
%matplotlib inline
import hashlib
import json
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from IPython.display import display
from IPython.core.pylabtools import print_figure
from kmeans_lab import plots

DRAWS = [0]
_draw = FigureCanvasAgg.draw
def _counted(self, *args, **kwargs):
    DRAWS[0] += 1
    return _draw(self, *args, **kwargs)
FigureCanvasAgg.draw = _counted

def described(title="a line"):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([1, 2, 3])
    ax.set_title(title)
    plots.set_alt_text(ax, "a line from 1 to 3")
    return fig

def fresh_png(title):
    # the PNG (its digest) a fresh figure gives, and how many draws that took
    fig = described(title)
    before = DRAWS[0]
    png = print_figure(fig, "png", base64=True, bbox_inches="tight")
    plt.close(fig)
    return hashlib.sha256(png.encode()).hexdigest(), DRAWS[0] - before

def digest(data):
    return hashlib.sha256(data.encode()).hexdigest()
"""


def run(tmp_path: Path, *sources: str) -> list[list[dict]]:
    """Each code cell's outputs, the notebook run as the grading sandbox runs it."""
    data = execute(tmp_path, [new_code_cell(s) for s in (SETUP, *sources)])
    return [d["outputs"] for d, _ in read_frames(data) if "outputs" in d]


def shown(outputs: list[dict]) -> list[dict]:
    return [o["data"] for o in outputs if o["output_type"] == "display_data"]


def printed(outputs: list[dict]):
    return json.loads("".join(o["text"] for o in outputs if o["output_type"] == "stream"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_described_figure_is_drawn_once_and_shows_what_a_fresh_draw_gives(tmp_path):
    cells = run(
        tmp_path,
        "DRAWS[0] = 0\nfig = described()\nplt.show()",
        "shown = DRAWS[0]\npng, one = fresh_png('a line')\n"
        "print(json.dumps({'draws': shown, 'one': one, 'png': png}))",
    )
    (data,) = shown(cells[1])
    found = printed(cells[2])
    assert found["one"] >= 1 and found["draws"] == found["one"]  # one draw's worth, not two
    assert digest(data["image/png"]) == found["png"]
    html = data["text/html"]
    assert digest(html.split("base64,")[1].split('"')[0]) == found["png"]
    assert data["text/plain"].startswith("Figure. a line: a line from 1 to 3")


def test_a_figure_changed_between_two_displays_is_drawn_again(tmp_path):
    cells = run(
        tmp_path,
        "DRAWS[0] = 0\nfig = described('first')\ndisplay(fig)\n"
        "fig.axes[0].set_title('second')\ndisplay(fig)\nplt.close(fig)",
        "shown = DRAWS[0]\n(first, one), (second, _) = fresh_png('first'), fresh_png('second')\n"
        "print(json.dumps({'draws': shown, 'one': one, 'first': first, 'second': second}))",
    )
    first, second = shown(cells[1])
    found = printed(cells[2])
    assert found["draws"] == 2 * found["one"]
    assert digest(first["image/png"]) == found["first"]
    assert digest(second["image/png"]) == found["second"]
    assert found["first"] != found["second"]


def test_a_png_left_over_by_a_display_without_it_is_never_handed_back(tmp_path):
    cells = run(
        tmp_path,
        "fig = described('first')\n"
        "display(fig, exclude={'image/png'})\n"  # the bundle drew it; image/png not asked for
        "fig.axes[0].set_title('second')\n"
        "png = get_ipython().display_formatter.formatters['image/png'](fig)\n"
        "plt.close(fig)\n"
        "print(json.dumps({'png': digest(png), 'second': fresh_png('second')[0]}))",
    )
    found = printed(cells[1])
    assert found["png"] == found["second"]


def test_still_drawn_once_after_the_inline_backend_registers_its_printer_again(tmp_path):
    cells = run(
        tmp_path,
        "%matplotlib inline\n%config InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight'}",
        "DRAWS[0] = 0\nfig = described()\nplt.show()\n"
        "print(json.dumps({'draws': DRAWS[0], 'one': fresh_png('a line')[1]}))",
        "DRAWS[0] = 0\nfig = plt.figure(figsize=(2, 2))\nplt.plot([3, 1])\nplt.show()\n"
        "print(json.dumps({'draws': DRAWS[0], 'one': fresh_png('a line')[1]}))",
    )
    found = printed(cells[2])
    assert found["draws"] == found["one"] >= 1
    (undescribed,) = shown(cells[3])  # a figure without a text alternative: as before
    assert set(undescribed) == {"image/png", "text/plain"}
    found = printed(cells[3])
    assert found["draws"] == found["one"]
