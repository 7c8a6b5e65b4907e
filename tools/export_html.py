"""HTML exports of the course's notebooks with kmeans-lab's contrast-safe nbconvert theme.

``make html`` runs ``python -m tools.export_html``: every solution notebook is
written to ``build/html/<notebook>.html`` with the theme of
``tools/nbconvert_templates/kmeans_lab`` (JupyterLab's export with code
highlighting and prompts at 4.5:1 or more, ``lang`` set, links underlined,
each figure an image with its text alternative, the maths as MathML written into
the page (:mod:`tools.mathml`: no MathJax, no request to a CDN, so it renders
offline)). ``make feedback`` uses the
same theme around nbgrader's feedback page (:data:`FEEDBACK_CONFIG`, set in
``course/nbgrader_config.py``). WCAG 2.1 AA: ``tests/test_accessibility.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
REPO = TEMPLATES.parents[1]
#: Jinja filters of both pages: Markdown with its maths as MathML (rendered offline).
FILTERS = {"markdown2html": "tools.mathml.markdown2html"}


def nbgrader_templates() -> Path:
    """The folder of nbgrader's own templates (its feedback page, which ours extends)."""
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


def feedback_config() -> dict:
    """``HTMLExporter`` settings of ``make feedback``: our theme around nbgrader's page."""
    return {
        "template_name": "kmeans_lab_feedback",
        "template_file": "kmeans_lab_feedback.html.j2",
        "extra_template_basedirs": [str(TEMPLATES), str(nbgrader_templates())],
        "filters": {
            **FILTERS,
            "echoes_the_verdict": "tools.feedback.echoes_the_verdict",
            "what_to_do": "tools.feedback.what_to_do",
        },
    }


def html_exporter():
    """An nbconvert ``HTMLExporter`` with kmeans-lab's theme."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="kmeans_lab", extra_template_basedirs=[str(TEMPLATES)], filters=dict(FILTERS)
    )


def export(notebook: Path, output_dir: Path) -> Path:
    """Write ``notebook`` as ``output_dir/<stem>.html``; return its path."""
    import nbformat

    body, _ = html_exporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir / f"{notebook.stem}.html"
    out.write_text(body, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    parser.add_argument("--output-dir", type=Path, default=REPO / "build" / "html")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        print(f"export_html: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    for notebook in notebooks:
        export(notebook, args.output_dir)
    print(f"export_html: {len(notebooks)} notebooks written to {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
