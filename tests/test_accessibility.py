"""WCAG 2.1 A/AA in a real browser: axe-core over every page the course produces.

axe-core (npm, ``tests/axe``) runs in Debian's Chromium through Playwright
(:mod:`axe_helpers`) over

- the HTML exports of the solution notebooks (``tools.export_html``, our
  nbconvert theme),
- a feedback page (nbgrader's feedback template inside ours, as
  ``make feedback`` renders it),
- the class report (``make report``, on the demo class),
- (JupyterLab with the explorer: ``tests/test_accessibility_lab.py``.)

Every test here is slow (a browser).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from axe_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    describe,
    feedback_exporter,
    require_axe,
    run_axe,
)

REPO = Path(__file__).resolve().parents[1]

require_axe()

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _axe_file(browser, path: Path) -> list[dict]:
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        return run_axe(page)
    finally:
        page.close()


def test_the_html_exports_of_the_notebooks_have_no_violation(browser, tmp_path):
    from tools import export_html

    assert export_html.main(["--output-dir", str(tmp_path)]) == 0
    pages = sorted(tmp_path.glob("*.html"))
    assert len(pages) == 8
    found = {p.name: _axe_file(browser, p) for p in pages}
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n".join(f"{name}: {describe(v)}" for name, v in bad.items())
    for page in pages:  # every figure is an image with its text, no nbconvert placeholder
        text = page.read_text(encoding="utf-8")
        assert "No description has been provided" not in text, page.name


def test_a_feedback_page_has_no_violation(browser, tmp_path):
    import nbformat
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    exporter = feedback_exporter()
    assert exporter.template_name == "kmeans_lab_feedback"
    for name in ("03_find_closest_centroids", "04_compute_centroids"):
        nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:  # as graded: every check cell scored (nbgrader's GetGrades)
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("grade"):
                grading["score"] = grading.get("points", 0) / 2
        score = {"notebook": name, "score": 1.5, "max_score": 3, "late_penalty": 0}
        # nbgrader runs the course's preprocessors first (course/nbgrader_config.py):
        # CSSHTMLHeaderPreprocessor writes Pygments' default style, in literal colours
        resources = {"nbgrader": score, "config_dir": str(tmp_path / "no-config")}
        nb, resources = CSSHTMLHeaderPreprocessor().preprocess(nb, resources)
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        assert '<html lang="en">' in body and "(Top)" in body
        assert re.search(r"\.highlight \.ow \{ color: #A2F", body), "not the CSS nbgrader writes"
        page = tmp_path / f"{name}.html"
        page.write_text(body, encoding="utf-8")
        violations = _axe_file(browser, page)
        assert not violations, f"{name}: " + describe(violations)
    assert 'alt="Figure of 2 panels. Panel 1, Centroid paths' in body


def test_the_class_report_has_no_violation(browser, tmp_path):
    from demo_results import grade_demo_class

    from tools.report import write_report

    course = tmp_path / "course"
    course.mkdir()
    grade_demo_class(course)
    page = write_report(course, generated="in the test")
    violations = _axe_file(browser, page)
    assert not violations, describe(violations)
    alts = [html.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page.read_text())]
    assert len(alts) == 2, alts
    assert re.search(r"median \d+(\.\d+)?, mean \d+\.\d out of \d+ points", alts[0]), alts[0]
    assert re.search(r"find_closest_centroids: \d+ passed, \d+ failed", alts[1]), alts[1]
