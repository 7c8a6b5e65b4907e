"""The maths of Markdown cells as MathML, written into the HTML: it renders offline.

nbconvert's HTML pages leave ``$...$`` in the text for MathJax, which they load
from a CDN: offline (a student opening their feedback on a train, a lab that
blocks the network) the maths stays raw LaTeX. The feedback and ``make html``
pages instead carry each formula converted to MathML by ``latex2mathml`` when
the page is written; browsers draw MathML natively (Chromium 109+, Firefox,
Safari) and screen readers read it, so the page needs no script and makes no
request. Each ``<math>`` also keeps its LaTeX source in ``alttext``.

:func:`markdown2html` is the Jinja filter that replaces nbconvert's own
(``tools/export_html.py`` registers it); the templates' ``mathjax.html.j2``
loads nothing.

Examples
--------
>>> print(tex_to_mathml(r"\\arg\\min_k x", display=False))  # doctest: +ELLIPSIS
<math alttext="\\arg\\min_k x" ...><mrow><mo>arg</mo><msub><mo>min</mo><mi>k</mi></msub>...
"""

from __future__ import annotations

import html
import re

import jinja2
from latex2mathml.converter import convert
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["tex_to_mathml", "MathMLRenderer", "markdown2html"]

# A command latex2mathml does not know comes back as its own text (<mi>\arg</mi>).
_UNKNOWN = re.compile(r">\s*\\([A-Za-z]+)\s*<")


def tex_to_mathml(tex: str, display: bool) -> str:
    """The LaTeX ``tex`` as one ``<math>`` element, its source in ``alttext``.

    A command latex2mathml does not know (``\\arg``) is written upright as an
    operator name; what cannot be converted at all is shown as its LaTeX in a
    ``<code>`` element (never dropped).
    """
    mode = "block" if display else "inline"
    try:
        out = convert(tex, display=mode)
        unknown = sorted(set(_UNKNOWN.findall(out)), key=len, reverse=True)
        if unknown:
            named = tex
            for name in unknown:
                named = re.sub(rf"\\{name}(?![A-Za-z])", rf"\\operatorname{{{name}}}", named)
            out = convert(named, display=mode)
        if _UNKNOWN.search(out):
            raise ValueError("unknown LaTeX command")
    except Exception:  # latex2mathml raises many kinds; the source is shown instead
        return f'<code class="tex">{html.escape(tex)}</code>'
    alt = html.escape(tex.strip(), quote=True)
    return out.replace("<math ", f'<math alttext="{alt}" ', 1)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with every formula written as MathML."""

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, display=True)

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body, display=False)

    def latex_environment(self, name: str, body: str) -> str:
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


@jinja2.pass_context
def markdown2html(context, source: str) -> str:
    """The ``markdown2html`` filter of nbconvert's HTMLExporter, with MathML maths."""
    cell = context.get("cell", {})
    resources = context.get("resources", {})
    renderer = MathMLRenderer(
        escape=False,
        attachments=cell.get("attachments", {}),
        path=resources.get("metadata", {}).get("path", ""),
    )
    return MarkdownWithMath(renderer=renderer).render(source)
