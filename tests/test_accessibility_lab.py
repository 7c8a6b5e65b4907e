"""The explorer in JupyterLab, for a screen-reader and keyboard user (WCAG 2.1 AA).

JupyterLab runs ``06_explore`` (a private server, :mod:`browser_helpers`) in
Debian's Chromium through Playwright:

- axe-core (:mod:`axe_helpers`) finds no violation inside the notebook's
  outputs (our figures and the explorer's widgets); JupyterLab's own are
  printed, not counted;
- with the keyboard alone (Tab to a control, then its keys) K, the
  iterations, the initialisation, the seed and the image are set; after each
  the polite live region announces the result line, and every control's
  accessible name, read from the accessibility tree, says what it sets and
  its value in words.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from axe_helpers import CHROMIUM, CHROMIUM_ARGS, describe, require_axe, run_axe, split, summary
from browser_helpers import JupyterLabServer

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"

require_axe()

from playwright.sync_api import expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow


def _kernel_idle(page) -> None:
    indicator = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator")
    expect(indicator).to_have_attribute("data-status", "idle", timeout=120_000)


@pytest.fixture(scope="module")
def lab():
    """JupyterLab with 06_explore run to the end: (page, explorer locator)."""
    with (
        JupyterLabServer(REPO / "notebooks") as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.goto(f"{server.url}/lab/tree/06_explore.ipynb", wait_until="domcontentloaded")
            expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=90_000)
            expect(page.locator(".jp-NotebookPanel .jp-KernelName")).to_contain_text(
                "Python 3", timeout=90_000
            )
            _kernel_idle(page)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            explorer = page.locator(".kmeans-explorer")
            expect(explorer.locator(".kmeans-readout")).to_contain_text("65,920", timeout=180_000)
            _kernel_idle(page)
            live = explorer.locator(".kmeans-live")
            expect(live).to_have_text(
                re.compile(r"^K = 16 colours \(k-means\+\+, seed 0, 10 iterations\): 65,920 bits"),
                timeout=30_000,
            )
            yield page, explorer
        finally:
            browser.close()


def test_jupyterlab_with_the_explorer_has_no_violation_of_ours(lab):
    page, explorer = lab
    explorer.scroll_into_view_if_needed()
    time.sleep(0.5)  # the accessible names are set on the next animation frame
    mine, theirs = split(run_axe(page, ours=".jp-OutputArea-output"))
    print(f"\nJupyterLab's own (not counted): {summary(theirs)}\n{describe(theirs, limit=2)}")
    print(f"ours: {summary(mine)}")
    assert not mine, "violations in our outputs and widgets:\n" + describe(mine)


def _tab_to(page, role: str, name: str | re.Pattern, presses: int = 12):
    """Press Tab until the focused element is the ``role`` called ``name``; return it."""
    target = page.get_by_role(role, name=name)
    for _ in range(presses):
        if target.count() == 1 and target.evaluate("el => el === document.activeElement"):
            return target
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the {role} {name!r}")


def test_the_explorer_with_the_keyboard_alone_announces_every_result(lab):
    page, explorer = lab
    live = explorer.locator(".kmeans-live")
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_attribute("role", "status")
    # the image menu: focus it (as Tab would), then plain arrow keys choose a photo
    menu = page.get_by_role("combobox", name="image to compress")
    menu.focus()
    cell = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    active_cell = cell.get_attribute("data-windowed-list-index") or cell.evaluate("el => el.id")
    page.keyboard.press("ArrowDown")
    expect(explorer.locator(".kmeans-readout")).not_to_contain_text("course,", timeout=60_000)
    expect(live).to_contain_text("K = 16 colours", timeout=60_000)
    assert menu.evaluate("el => el === document.activeElement"), "the menu lost the focus"
    still = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    assert (still.get_attribute("data-windowed-list-index") or still.evaluate("el => el.id")) == (
        active_cell
    ), "the arrow key moved JupyterLab to another cell"
    page.keyboard.press("ArrowUp")  # back to the course image
    expect(explorer.locator(".kmeans-readout")).to_contain_text("course,", timeout=60_000)
    expect(live).to_have_text(
        re.compile(r"^K = 16 colours \(k-means\+\+, seed 0, 10 iterations\): 65,920 bits"),
        timeout=60_000,
    )

    # K: Tab to the slider, one key halves it; its name and value are words
    K = _tab_to(page, "slider", "K, number of colours")
    expect(K).to_have_attribute("aria-valuetext", "K = 16 colours")
    page.keyboard.press("ArrowLeft")
    expect(K).to_have_attribute("aria-valuetext", "K = 8 colours", timeout=60_000)
    expect(live).to_have_text(
        re.compile(
            r"^K = 8 colours \(k-means\+\+, seed 0, 10 iterations\): 49,344 bits instead of 393,216"
        )
    )

    # the initialisation: Tab to "random", Space presses it, aria-pressed follows
    random = _tab_to(page, "button", "random")
    expect(random).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(random).to_have_attribute("aria-pressed", "true", timeout=60_000)
    expect(page.get_by_role("button", name="k-means++")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("group", name="initialisation: random")).to_have_count(1)
    expect(live).to_contain_text("K = 8 colours (random, seed 0, 10 iterations): 49,344 bits")

    # iterations: Tab to its slider, one key fewer
    iterations = _tab_to(page, "slider", "iterations of K-means")
    expect(iterations).to_have_attribute("aria-valuetext", "10 iterations")
    page.keyboard.press("ArrowLeft")
    expect(iterations).to_have_attribute("aria-valuetext", "9 iterations", timeout=60_000)
    expect(live).to_contain_text("K = 8 colours (random, seed 0, 9 iterations): 49,344 bits")

    # the seed: Tab to its box, type a new seed, Enter
    seed = _tab_to(page, "spinbutton", re.compile("^seed of the initialisation"))
    page.keyboard.press("Control+a")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    expect(seed).to_have_accessible_name("seed of the initialisation, now 7", timeout=60_000)
    expect(live).to_have_text(
        re.compile(
            r"^K = 8 colours \(random, seed 7, 9 iterations\): 49,344 bits .* PSNR \d+\.\d\d dB\.$"
        ),
        timeout=60_000,
    )

    # every control's name, from the accessibility tree
    tree = explorer.aria_snapshot()
    for line in (
        'combobox "image to compress"',
        'slider "K, number of colours"',
        'slider "iterations of K-means"',
        'slider "iteration shown"',
        'button "replay the iterations"',
        'button "stop the replay"',
        'button "repeat the replay"',
        'img "course compressed to 8 colours after 9 iterations, PSNR',
        'img "original image: course, 128 x 128 px"',
        'img "palette of 8 colours',
        'status: "K = 8 colours (random, seed 7, 9 iterations): 49,344 bits',
    ):
        assert line in tree, f"{line!r} not in the accessibility tree:\n{tree}"


def test_a_saved_notebook_shows_every_figure_with_its_alt_text(lab):
    """Opened as saved (untrusted: JupyterLab sanitizes its HTML), figures keep src and alt."""
    page, _ = lab
    other = page.context.browser.new_page(viewport={"width": 1400, "height": 2000})
    try:
        base = page.url.split("/lab/")[0]
        other.goto(  # ?reset: a fresh workspace, the explorer notebook not reopened beside it
            f"{base}/lab/tree/04_compute_centroids.ipynb?reset", wait_until="domcontentloaded"
        )
        figures = other.locator(".jp-NotebookPanel .jp-OutputArea-output img")
        expect(figures).to_have_count(3, timeout=90_000)
        for i in range(3):
            expect(figures.nth(i)).to_have_attribute("alt", re.compile(r"^Figure.*\d"))
            expect(figures.nth(i)).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
        other.wait_for_function(  # the sanitizer kept the PNGs: each one decodes
            """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
                     .every(img => img.complete && img.naturalWidth > 100)""",
            timeout=30_000,
        )
        mine, _ = split(run_axe(other, ours=".jp-OutputArea-output"))
        assert not mine, describe(mine)
    finally:
        other.close()
