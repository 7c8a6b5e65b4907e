"""The feedback page a student gets (``make feedback``), as rendered from a judged notebook.

The notebook is the released ``04_compute_centroids`` with its two check cells
as the grader leaves them (``tools/grading/judge.py``): the grader's verdict
first, then what the student's kernel showed. The verdicts are real: the
demo class's mistakes (:mod:`tools.catalogue`) recorded on a grading run's
planned inputs and judged by the grader's own functions (``tests/demo_results.py``);
the notebook's own failure is the course's check run on the same function.
The page is rendered with ``course/nbgrader_config.py``'s HTMLExporter settings.

- each failure is shown once, in the grader's case numbering;
- a verdict stopped by a time limit says what to do;
- the maths is MathML in the page: no MathJax, no URL to load;
- (slow, Chromium) with every request that is not a local file refused, no
  request is attempted, the formulas are drawn, the longest runnable snippet
  fits a 1280 px wide window, and axe-core finds no WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest
from axe_helpers import feedback_exporter
from demo_results import RELEASED, _Judge, _timeout_reason

from kmeans_lab.checks import CheckFailure, check_compute_centroids, check_run_kmeans
from tools import catalogue, demo_class
from tools.grading import judge
from tools.grading.runs import prepare_run

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "04_compute_centroids"
# the demo class's mistakes, one per check cell; run_kmeans's first failing case prints the
# longest snippet line of the demo class's feedback (its initial centroids, 17 digits each)
MISTAKES = {"compute_centroids": "zero_for_empty_cluster", "run_kmeans": "one_extra_round"}
CHECKS = {"compute_centroids": check_compute_centroids, "run_kmeans": check_run_kmeans}


def _notebook_failure(exercise: str, func) -> dict:
    """What the student's kernel shows when the notebook's own check fails (as the grader keeps it)."""
    with pytest.raises(CheckFailure) as failure:
        CHECKS[exercise](func)
    shown = {"output_type": "error", "ename": "CheckFailure", "evalue": str(failure.value)}
    return judge._harmless(nbformat.from_dict({**shown, "traceback": []}))


def _judged_notebook(tmp_path: Path, timeout: bool = False):
    """The released notebook with its check cells as the grader leaves them, and the verdicts."""
    course = tmp_path / "course"
    course.mkdir()
    run = prepare_run(course, seed=demo_class.SEED)
    recorder = _Judge(run)
    nb = nbformat.read(RELEASED / f"{NOTEBOOK}.ipynb", as_version=4)
    verdicts = {}
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade"):  # as graded (nbgrader's GetGrades): every graded cell scored
            grading["score"] = 0
        exercise = str(grading.get("grade_id")).removeprefix("check_")
        if exercise not in MISTAKES or not grading.get("grade"):
            continue
        func = catalogue.wrong_by_name(exercise, MISTAKES[exercise])
        if timeout and exercise == "compute_centroids":
            reason = _timeout_reason(demo_class.CELL_TIMEOUT, exercise, run)
            verdict = judge._verdict(exercise, None, run, reason)
            echo = judge._harmless(
                nbformat.from_dict(
                    {
                        "output_type": "error",
                        "ename": "CellTimeoutError",
                        "evalue": "the cell ran longer than 10 s and was interrupted",
                        "traceback": [],
                    }
                )
            )
        else:
            source = demo_class.answer_source(exercise, func)
            verdict = judge.Verdict(**recorder.verdict(exercise, source))
            echo = _notebook_failure(exercise, func)
        assert not verdict.passed
        verdicts[exercise] = verdict
        sent = nbformat.v4.new_output(
            "stream",
            name="stdout",
            text=f"{exercise}: sent to the grader (it runs your function)\n",
        )
        cell.outputs = [judge.verdict_output(verdict), sent, echo]
    assert sorted(verdicts) == sorted(MISTAKES)
    return nb, verdicts


def _page(nb, tmp_path: Path) -> str:
    """The feedback page of ``nb`` as nbgrader's GenerateFeedback renders it."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    score = {"notebook": NOTEBOOK, "score": 0, "max_score": 5, "late_penalty": 0}
    resources = {"nbgrader": score, "config_dir": str(tmp_path / "no-config")}
    nb, resources = CSSHTMLHeaderPreprocessor().preprocess(nb, resources)
    return feedback_exporter().from_notebook_node(nb, resources=resources)[0]


def render(tmp_path: Path, timeout: bool = False) -> tuple[Path, dict]:
    """The feedback page of the judged notebook, written to ``tmp_path``; and the verdicts."""
    nb, verdicts = _judged_notebook(tmp_path, timeout)
    body = _page(nb, tmp_path)
    page = tmp_path / f"{NOTEBOOK}{'-timeout' if timeout else ''}.html"
    page.write_text(body, encoding="utf-8")
    return page, verdicts


def _text(html_page: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", html_page))


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """The judged notebook and its verdicts, made once (their recording is the slow part)."""
    return _judged_notebook(tmp_path_factory.mktemp("judged"))


@pytest.fixture(scope="module")
def rendered(judged, tmp_path_factory):
    """The feedback page of :func:`judged` (its file) and the verdicts."""
    nb, verdicts = judged
    folder = tmp_path_factory.mktemp("page")
    page = folder / f"{NOTEBOOK}.html"
    page.write_text(_page(copy.deepcopy(nb), folder), encoding="utf-8")
    return page, verdicts


def test_each_failure_is_shown_once_in_the_graders_numbering(rendered):
    page, verdicts = rendered
    text = _text(page.read_text(encoding="utf-8"))
    for exercise, verdict in verdicts.items():
        first = verdict.message.splitlines()[0]  # "compute_centroids: case 2 of 33 failed (...)"
        numbering = re.search(r"case \d+ of (\d+)", first)
        assert numbering, first
        assert text.count(first) == 1, first
        # one numbering: no other "case N of M" for this exercise
        totals = set(re.findall(rf"{exercise}: case \d+ of (\d+)", text))
        assert totals == {numbering.group(1)}, (exercise, totals)
        assert f"{exercise}: sent to the grader" in text  # the student's other output stays
    assert "[in your notebook]" not in text


def test_a_passed_verdict_keeps_what_the_notebook_said(judged, tmp_path):
    nb = copy.deepcopy(judged[0])
    cell = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_run_kmeans"
    )
    cell.outputs[0] = nbformat.v4.new_output(
        "stream", name="stdout", text="hidden tests, judged by the grader: run_kmeans: 32/32\n"
    )
    text = _text(_page(nb, tmp_path))
    assert "[in your notebook] CheckFailure: run_kmeans" in text
    assert "[in your notebook] CheckFailure: compute_centroids" not in text


def test_a_timeout_says_what_to_do(tmp_path):
    page, verdicts = render(tmp_path, timeout=True)
    text = _text(page.read_text(encoding="utf-8"))
    assert "ran longer than 10 s" in verdicts["compute_centroids"].message
    assert "was running: X of shape (" in text  # the case that was running, in the page
    assert text.count("what to do:") == 1  # the timeout only, not the wrong answer
    advice = text[text.index("what to do:") :]
    assert "loop" in advice and "Kernel > Interrupt" in advice
    assert "CellTimeoutError" not in text  # the notebook's echo of the same stop is left out


def test_the_maths_is_mathml_and_nothing_is_loaded(rendered):
    page, _ = rendered
    body = page.read_text(encoding="utf-8")
    assert body.count("<math ") >= 5
    assert 'alttext="\\mu_k = \\frac{1}{|C_k|} \\sum_{i \\in C_k} x^{(i)} ."' in body
    assert not re.search(r"<script[^>]*mathjax|MathJax\.Hub", body, re.IGNORECASE)
    # no resource to load: no src= or stylesheet link with a URL
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", body)
    # no formula left as LaTeX between dollars in the text
    assert not re.search(r"\$[^$<>]*\\[A-Za-z]+[^$<>]*\$", _text(body))


def test_unknown_latex_is_named_or_shown_not_dropped():
    from tools.mathml import tex_to_mathml

    assert "<mo>arg</mo>" in tex_to_mathml(r"\arg\min_k x", display=False)
    shown = tex_to_mathml(r"\frac{1}{", display=True)
    assert shown.startswith('<code class="tex">') and r"\frac{1}{" in shown


# --- in Chromium -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from axe_helpers import CHROMIUM, CHROMIUM_ARGS, require_axe

    require_axe()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.mark.slow
def test_offline_in_a_browser_the_page_renders_fits_and_passes_axe(browser, rendered):
    from axe_helpers import describe, run_axe

    page_file, verdicts = rendered
    refused = []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.route("**/*", only_local)
        page.goto(page_file.resolve().as_uri())
        page.wait_for_load_state("load")
        assert refused == [], refused
        # the maths is drawn: every formula is a MathML element with a size
        sizes = page.eval_on_selector_all(
            "math",
            "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
        )
        assert len(sizes) >= 5 and all(w > 0 and h > 0 for w, h in sizes), sizes
        # the runnable snippets fit the window: no box of a verdict is wider than it
        snippet = "case_initial_centroids = np.array"
        assert snippet in verdicts["run_kmeans"].message
        widths = page.evaluate(
            """() => [...document.querySelectorAll('.output_error pre')].map(e => {
                   const r = e.getBoundingClientRect();
                   return [r.right, e.scrollWidth - e.clientWidth];
               })"""
        )
        assert len(widths) == 2, widths
        assert all(right <= 1280 and overflow <= 0 for right, overflow in widths), widths
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        violations = run_axe(page)
        assert not violations, describe(violations)
    finally:
        page.close()
