"""What HTML written by a student (a markdown cell, a cell's output) may keep in a page others open.

Feedback pages show a student's notebook: the headings, paragraphs, lists and tables of the task
text, the student's written answer, their tables and charts. None of it may run a script or fetch
anything from the network when the page is opened. nbconvert's own ``clean_html`` keeps too little
(it escapes ``<h1>``, ``<p>`` and ``<thead>``, so every heading showed as raw markup), so this
module keeps what a rendered notebook needs and nothing that acts:

* the tags of rendered markdown, pandas tables and MathML (formulas drawn by the browser);
* no ``<script>`` or ``<style>`` (removed with their content), no event handler, no ``style``;
* links keep ``http``, ``https``, ``mailto`` and in-page targets, and open nothing by themselves;
* an image keeps its source only when it is embedded in the page (``data:image/…``), so opening a
  page never requests an address a student chose.
"""

from __future__ import annotations

import nh3

MARKDOWN_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip
MATHML_TAGS = {
    "math", "annotation", "semantics", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn",
    "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt",
    "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover",
    "none",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "math": {"display"},
    "annotation": {"encoding"},
    "mfrac": {"linethickness"},
    "mi": {"mathvariant"},
    "mo": {"stretchy", "fence", "separator", "form", "largeop", "movablelimits", "accent"},
    "mspace": {"width"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign", "columnspan", "rowspan"},
}
# an image embedded in the page itself (an SVG shown by <img> runs no script and loads nothing)
EMBEDDED_IMAGE = "data:image/"


def _keep(element: str, attribute: str, value: str) -> str | None:
    """An attribute's value, or None to drop it: only embedded images, no data links."""
    if element == "img" and attribute == "src":
        return value if value.lower().startswith(EMBEDDED_IMAGE) else None
    if attribute == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def clean_html(fragment: str | bytes) -> str:
    """``fragment`` with only the tags and attributes above; scripts and styles removed whole."""
    text = fragment.decode("utf-8", "replace") if isinstance(fragment, bytes) else str(fragment)
    return nh3.clean(
        text,
        tags=MARKDOWN_TAGS | MATHML_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=_keep,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
