"""Sphinx extension: math on the case-library site is MathML, written at build time.

Browsers draw MathML themselves (Chromium 109+, Firefox, Safari), so a page with math needs no
MathJax, no script and no web font: nothing to fetch from a CDN. LaTeX is converted by the
``latex2mathml`` package. A formula it does not understand (it keeps an unknown command such as
``\\foo`` as text) is reported as a warning naming the page, which fails `make site`.

Select it with ``html_math_renderer = "mathml"`` (book/_config.yml).
"""

from __future__ import annotations

import re

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)
UNKNOWN_COMMAND = re.compile(r"<mi>(\\[A-Za-z]+)</mi>")


def mathml(translator, node, latex: str, display: str) -> str:
    """``latex`` as a MathML element; warns (with the page and line) about
    commands it kept as text."""
    try:
        markup = convert(latex, display=display)
    except Exception as error:  # latex2mathml raises its own errors for broken input
        logger.warning(
            f"公式无法转换 / cannot convert the formula {latex!r}: {error}", location=node
        )
        return f'<code class="math-source">{translator.encode(latex)}</code>'
    unknown = UNKNOWN_COMMAND.findall(markup)
    if unknown:
        logger.warning(
            f"公式里有不认识的命令 / unknown LaTeX commands {unknown} in {latex!r}", location=node
        )
    return markup


def visit_inline(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(mathml(self, node, node.astext(), "inline") + "</span>")
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    for part in (part for part in node.astext().split("\n\n") if part.strip()):
        self.body.append(mathml(self, node, part, "block"))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
