"""End to end in a real browser: JupyterLab + Chromium drive the 06_explore notebook.

The test starts its own JupyterLab (see browser_helpers.py) on a temporary
copy of notebooks/, opens 06_explore in Debian's Chromium through
Playwright, runs every cell, moves the explorer's K slider with the
keyboard (its stops are the powers of two: one key press halves or doubles
K; Home and End go to 1 and 256), and checks that the readout and the compressed image change; it
then uploads a text file (a message, the image stays) and a photo through the
browser's file input. A
screenshot of the explorer goes to test-artifacts/ (repository root).

Needs /usr/bin/chromium (``apt-get install -y chromium``); Playwright's own
browsers are never downloaded. Without it the test is skipped with a message
saying so, unless KMEANS_LAB_REQUIRE_BROWSER=1 (CI), which makes it an error. Run it alone with::

    MPLBACKEND=Agg .venv/bin/python -m pytest tests/test_browser.py -v
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, JupyterLabServer

pytestmark = pytest.mark.slow  # end to end: make test-quick skips this module

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
NOTEBOOK = "06_explore.ipynb"

if not CHROMIUM.exists() and os.environ.get("KMEANS_LAB_REQUIRE_BROWSER") == "1":
    pytest.fail(
        "KMEANS_LAB_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing; "
        "install it with `apt-get install -y chromium`",
        pytrace=False,
    )
if not CHROMIUM.exists():
    pytest.skip(
        "browser test not run: /usr/bin/chromium not found; install it with `apt-get install -y chromium`",
        allow_module_level=True,
    )

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def _png_bytes(sample: str) -> bytes:
    """A bundled photo as the bytes of a PNG file (what a student would upload)."""
    import io

    import numpy as np
    from PIL import Image

    import kmeans_lab as kl

    buf = io.BytesIO()
    Image.fromarray(np.round(kl.load_sample_image(sample) * 255).astype(np.uint8)).save(
        buf, format="PNG"
    )
    return buf.getvalue()


def upload(page, explorer, name: str, mime: str, data: bytes) -> None:
    """Click the explorer's upload button and choose a file in the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        explorer.locator(".kmeans-upload").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def _wait_for_kernel(server, timeout: float = 90.0) -> list[dict]:
    """Wait until the server runs a kernel (JupyterLab starts it on opening)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kernels = server.kernels()
        if kernels:
            return kernels
        time.sleep(0.5)
    raise AssertionError("no kernel was started on opening the notebook:\n" + server.log_tail())


def _kernel_idle(page) -> None:
    """Wait until the notebook's kernel is idle."""
    indicator = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator")
    expect(indicator).to_have_attribute("data-status", "idle", timeout=90_000)


def _run_all_cells(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def test_explorer_in_jupyterlab_reacts_to_the_keyboard():
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        JupyterLabServer(REPO / "notebooks", log_copy=ARTIFACTS / "jupyterlab.log") as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            console_errors = []
            page.on("pageerror", lambda exc: console_errors.append(str(exc)))
            page.goto(f"{server.url}/lab/tree/{NOTEBOOK}", wait_until="domcontentloaded")
            expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=90_000)
            kernels = _wait_for_kernel(server)
            assert [k["name"] for k in kernels] == ["python3"], kernels
            expect(page.locator(".jp-NotebookPanel .jp-KernelName")).to_contain_text(
                "Python 3", timeout=60_000
            )
            _kernel_idle(page)

            _run_all_cells(page)
            explorer = page.locator(".kmeans-explorer")
            readout = explorer.locator(".kmeans-readout")
            expect(readout).to_contain_text("65,920", timeout=120_000)
            _kernel_idle(page)  # every cell has run
            errors = page.locator(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
                ' .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]'
            )
            assert errors.count() == 0, "a cell failed:\n" + "\n".join(errors.all_inner_texts())
            # the notebook's later cells configured K = 16 again: the first state is back
            expect(readout).to_contain_text("K16 (16 distinct colours used)", timeout=30_000)

            image = explorer.locator(".kmeans-compressed")
            expect(image).to_have_attribute("src", re.compile(r"^blob:"))
            src_before = image.get_attribute("src")
            text_before = readout.inner_text()

            handle = explorer.locator(".kmeans-K .noUi-handle")
            handle.scroll_into_view_if_needed()
            handle.focus()
            # the K slider moves in powers of two: one key press halves or doubles K
            page.keyboard.press("ArrowLeft")  # 16 -> 8
            expect(explorer.locator(".kmeans-K .widget-readout")).to_have_text("8", timeout=10_000)
            # K = 8: 24 * 8 + 16384 * 3 bits
            expect(readout).to_contain_text("49,344", timeout=60_000)
            expect(readout).to_contain_text("K8 (8 distinct colours used)")
            expect(image).not_to_have_attribute("src", src_before, timeout=30_000)
            assert readout.inner_text() != text_before

            page.keyboard.press("Home")  # K = 1: a single colour, no index bits
            expect(readout).to_contain_text("K1 (1 distinct colour used)", timeout=60_000)
            expect(readout).to_contain_text("bits after24 ")

            page.keyboard.press("End")  # K = 256, the last of the 9 stops
            expect(explorer.locator(".kmeans-K .widget-readout")).to_have_text("256")
            expect(readout).to_contain_text("K256", timeout=60_000)
            expect(readout).to_contain_text("137,216")

            # uploads through the browser's file input: garbage first, then a real photo
            page.keyboard.press("Home")  # K = 1 (cached): keeps the next steps fast
            expect(readout).to_contain_text("K1 (1 distinct colour used)", timeout=60_000)
            status = explorer.locator(".kmeans-status")
            upload(page, explorer, "notes.txt", "text/plain", b"this is not an image")
            expect(status).to_contain_text(
                "cannot load upload 'notes.txt': not an image file", timeout=60_000
            )
            expect(readout).to_contain_text("course, 128 x 128")  # the previous image stays
            upload(page, explorer, "coffee.png", "image/png", _png_bytes("coffee"))
            expect(status).to_contain_text(
                "loaded 'coffee.png' (450 x 300 px, shrunk to 256 x 171 px)", timeout=60_000
            )
            expect(readout).to_contain_text("upload: coffee.png, 256 x 171 = 43,776 pixels")
            handle.focus()
            for _ in range(3):  # K 1 -> 2 -> 4 -> 8 on the uploaded photo
                page.keyboard.press("ArrowRight")
            expect(explorer.locator(".kmeans-K .widget-readout")).to_have_text("8", timeout=10_000)
            expect(readout).to_contain_text(f"{24 * 8 + 43_776 * 3:,}", timeout=60_000)

            explorer.evaluate("el => el.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(ARTIFACTS / "explorer_browser.png"))
            assert not console_errors, f"JavaScript errors in the page: {console_errors}"
        finally:
            browser.close()
    assert server.proc.returncode is not None, "JupyterLab is still running"
    assert server.orphans == [], f"processes left behind: {server.orphans}"
    print(f"browser test took {time.monotonic() - started:.1f} s")
