"""The nbconvert theme's colours reach 4.5:1, and ``tools.export_html`` says what is wrong.

axe-core measures the rendered pages (tests/test_accessibility.py); this
checks the theme's own colours without a browser, against white and the code
cells' #f5f5f5, and is itself tried on the colours it replaced.
"""

from __future__ import annotations

import re

import pytest

from tools import export_html

THEME = export_html.TEMPLATES / "kmeans_lab" / "theme.css"
BACKGROUNDS = ("#ffffff", "#f5f5f5")


def contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def low_contrast(css: str) -> list[str]:
    """The text colours of ``css`` below 4.5:1 on a background of the pages."""
    found = []
    for name, colour in re.findall(r"(--[\w-]+-color|color)\s*:\s*(#[0-9a-fA-F]{6})\b", css):
        worst = min(contrast(colour.lower(), bg) for bg in BACKGROUNDS)
        if worst < 4.5:
            found.append(f"{name}: {colour} ({worst:.2f}:1)")
    return found


def test_every_colour_of_the_theme_reaches_4_5_to_1():
    css = THEME.read_text(encoding="utf-8")
    assert len(re.findall(r"#[0-9a-fA-F]{6}\b", css)) >= 14
    assert low_contrast(css) == []


def test_every_coloured_class_of_pygments_default_style_is_overridden():
    """make feedback highlights code with Pygments' default style, in literal colours."""
    from pygments.formatters import HtmlFormatter

    css = THEME.read_text(encoding="utf-8")
    overridden = {
        cls
        for selectors in re.findall(r"([^{}]+)\{\s*color:\s*#[0-9a-f]{6};\s*\}", css)
        for cls in re.findall(r"\.highlight \.(\w+)", selectors)
    }
    coloured = {
        cls
        for cls, (style, _, _) in HtmlFormatter(style="default").class2style.items()
        if cls and "color: #" in style
    }
    assert coloured - overridden == set()


@pytest.mark.parametrize(
    "css",
    [
        ":root { --jp-mirror-editor-comment-color: #408080; }",  # JupyterLab's comments, 4.17:1
        ":root { --jp-mirror-editor-number-color: #008800; }",  # its numbers, 4.25:1
        ".prompt { color: #b0b0b0; }",  # the In/Out prompts, 2.16:1
    ],
)
def test_the_check_catches_the_colours_the_theme_replaced(css):
    assert low_contrast(css)


def test_export_html_names_a_missing_notebook(tmp_path, capsys):
    assert export_html.main([str(tmp_path / "nope.ipynb"), "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"export_html: no such notebook: {tmp_path / 'nope.ipynb'}"
    assert not list(tmp_path.glob("*.html"))


def test_an_exported_page_loads_nothing_from_the_network(tmp_path):
    # nbconvert's lab template asks a CDN for require.js and mermaid; offline (an exam room,
    # a train) the page would wait for them, and each view would tell a third party
    import re

    notebook = export_html.REPO / "notebooks" / "01_load_and_reshape.ipynb"
    assert export_html.main([str(notebook), "--output-dir", str(tmp_path)]) == 0
    page = (tmp_path / "01_load_and_reshape.html").read_text(encoding="utf-8")
    remote = re.findall(
        r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)=["']?(?:https?:)?//""", page
    )
    assert remote == []  # no element that loads from elsewhere
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    assert [s for s in scripts if re.search(r"https?://", s)] == []  # no import() of a module
