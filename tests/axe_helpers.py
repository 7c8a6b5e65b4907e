"""axe-core in Chromium: the accessibility rules of WCAG 2.1 A and AA, run on a page.

axe-core comes from npm (``tests/axe/package.json`` and its lock file;
``make install`` runs ``npm ci --prefix tests/axe``), the browser is Debian's
Chromium driven by Playwright, as in ``tests/test_browser.py``. :func:`run_axe`
injects ``axe.min.js`` into a page and returns its violations for the tags
:data:`TAGS`; :func:`ours` keeps the ones whose nodes are in the course's
own content (what the course can fix), :func:`summary` counts them by rule.

Measure pages by hand (HTML files or URLs)::

    .venv/bin/python tests/axe_helpers.py course/report/index.html export/*.html
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from browser_helpers import CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.1 level A and AA, as axe-core tags them.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_axe() -> None:
    """Skip the calling test module when axe cannot run here, saying what to install;
    fail instead under ``KMEANS_LAB_REQUIRE_BROWSER=1`` (CI installs everything)."""
    import os

    import pytest

    missing = axe_missing()
    if missing and os.environ.get("KMEANS_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KMEANS_LAB_REQUIRE_BROWSER=1 but {missing}", pytrace=False)
    if missing:
        pytest.skip(f"accessibility tests not run: {missing}", allow_module_level=True)


def axe_missing() -> str | None:
    """Why axe cannot run here (a sentence saying what to install), or None."""
    if not CHROMIUM.exists():
        return "/usr/bin/chromium not found; install it with `apt-get install -y chromium`"
    if not AXE_JS.exists():
        return f"{AXE_JS} not found; install it with `npm ci --prefix {AXE_JS.parents[2]}`"
    return None


def run_axe(page, *, context: dict | str | None = None, ours: str = "body") -> list[dict]:
    """The WCAG 2.1 A/AA violations axe-core finds on ``page`` (a Playwright Page).

    ``context`` is axe's: a selector or ``{"include": [...], "exclude": [...]}``;
    the whole document when None. Each violation is axe's record (``id``,
    ``impact``, ``help``, ``nodes`` with each node's ``target`` and ``html``),
    and each node says whether it is ``ours``: inside an element that matches
    the selector ``ours`` (e.g. JupyterLab's output areas).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async ([context, tags, ours]) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                             elementRef: true};
            const r = context === null ? await axe.run(document, options)
                                        : await axe.run(context, options);
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary,
                                          ours: !!(n.element && n.element.closest(ours))})),
            }));
        }""",
        [context, TAGS, ours],
    )
    return result


def node_count(violations: list[dict]) -> int:
    """How many violating nodes (axe reports each rule once, with its nodes)."""
    return sum(len(v["nodes"]) for v in violations)


def summary(violations: list[dict]) -> str:
    """'21: color-contrast 11, html-has-lang 1' (violating nodes, by rule), or '0'."""
    counts = Counter()
    for v in violations:
        counts[v["id"]] += len(v["nodes"])
    if not counts:
        return "0"
    parts = ", ".join(f"{rule} {n}" for rule, n in counts.most_common())
    return f"{sum(counts.values())}: {parts}"


def describe(violations: list[dict], limit: int = 5) -> str:
    """Every violation with its first nodes, for a test failure's message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}, {len(v['nodes'])} node(s)")
        for n in v["nodes"][:limit]:
            lines.append(f"    {n['target']}: {n['html'][:160]}")
    return "\n".join(lines)


def split(violations: list[dict]) -> tuple[list[dict], list[dict]]:
    """(ours, theirs): each violation's nodes split by their ``ours`` flag (:func:`run_axe`)."""
    mine, theirs = [], []
    for v in violations:
        a = [n for n in v["nodes"] if n["ours"]]
        b = [n for n in v["nodes"] if not n["ours"]]
        if a:
            mine.append({**v, "nodes": a})
        if b:
            theirs.append({**v, "nodes": b})
    return mine, theirs


def _main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    missing = axe_missing()
    if missing:
        print(missing)
        return 2
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        for target in argv:
            url = target if "://" in target else Path(target).resolve().as_uri()
            page.goto(url)
            violations = run_axe(page)
            print(f"{target}\t{summary(violations)}")
            if "-v" in sys.argv:
                print(json.dumps(violations, indent=1)[:4000])
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(_main([a for a in sys.argv[1:] if a != "-v"]))


def feedback_exporter():
    """The HTMLExporter of ``make feedback``: course/nbgrader_config.py's settings, and the
    stylesheet folder nbgrader's GenerateFeedback adds."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from tools.export_html import nbgrader_templates

    course = PyFileConfigLoader(
        "nbgrader_config.py", path=str(Path(__file__).resolve().parents[1] / "course")
    ).load_config()
    config = Config()
    config.HTMLExporter = course.HTMLExporter
    config.HTMLExporter.extra_template_paths = [
        str(nbgrader_templates().parent / "static" / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    return HTMLExporter(config=config)
