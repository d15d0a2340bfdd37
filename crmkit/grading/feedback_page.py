"""The students' feedback page: nbgrader's, with pending written answers and totals that say
what they hold.

nbgrader 0.9 renders feedback with its ``feedback`` template: a header "Score: 14.0 / 17.0" and a
written answer not graded yet as "Score: 0.0 / 3.0", which students read as a fail. The course's
``nbgrader_config.py`` sets ``GenerateFeedback.exporter_class`` to :class:`FeedbackExporter`,
which renders :data:`TEMPLATE`: nbgrader's page (it extends nbgrader's template, so the styling and
the notebook body stay nbgrader's) with the heading, the table of contents and each graded cell's
score in the wording that :class:`~crmkit.grading.preprocessors.pending_grades.MarkPendingGrades`
put in the notebook (待评 / pending for what is still to grade by hand).

The page is the rendered notebook a student would see in JupyterLab: markdown becomes headings,
paragraphs, lists and tables, formulas become MathML (drawn by the browser, no MathJax from a CDN),
and it fits a laptop screen. Everything a student wrote passes
:func:`~crmkit.grading.safe_output.safe_html.clean_html` first, so no script of theirs runs and
nothing is fetched when the page opens.

The template is kept here as text and given to the exporter through a Jinja loader, so an
installed kit needs no template files of its own.
"""

from __future__ import annotations

from html import escape

from jinja2 import DictLoader, pass_context
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets import default

from .safe_output.safe_html import clean_html

TEMPLATE_NAME = "crmkit_feedback.html.j2"

TEMPLATE = r"""
{%- extends 'index.html.j2' -%}

{#- nbgrader's header without MathJax (formulas are MathML), sized for a laptop screen -#}
{%- block header -%}
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{ resources.nbgrader.notebook }}</title>
{{ resources.include_css('bootstrap.min.css') }}
{% for css in resources.inlining.css -%}
<style type="text/css">
{{ css }}
</style>
{% endfor %}
<style>
body { font-size: 15px; padding-top: 1em; overflow-wrap: anywhere; }
.container { width: auto; max-width: 1000px; }
div#notebook-container { width: auto; padding: 0; }
.rendered_html h1 { font-size: 26px; }
.rendered_html h2 { font-size: 22px; }
.rendered_html h3 { font-size: 18px; }
div#notebook { overflow: visible; border-top: none; }
div.prompt { min-width: 0; width: 7ex; font-size: 12px; }
div.input_prompt, div.output_prompt { display: none; }
pre, div.input_area pre, div.output_area pre { white-space: pre-wrap; word-break: break-word; }
div.rendered_html table, div.output_html table {
  display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; margin: 0.5em 0;
}
div.rendered_html th, div.rendered_html td, div.output_html th, div.output_html td {
  border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top;
}
div.rendered_html thead th, div.output_html thead th { background: #f5f5f5; }
div.rendered_html img, div.output_subarea img { max-width: 100%; height: auto; }
div.output_subarea { max-width: 100%; overflow-x: auto; }
math[display="block"] { margin: 0.8em 0; font-size: 1.15em; }
div.nbgrader_cell .panel-heading { padding: 0.4em 0.6em; min-height: 37px; }
div.nbgrader_cell .panel-heading a { color: #777; }
div.nbgrader_cell .panel-body { padding: 0.4em; }
div.nbgrader_cell .input_area { background: white; border: none; }
span.nbgrader-label { line-height: 25px; }
li.late-penalty { color: #d2413a; }
@media print { div.cell { display: block; page-break-inside: avoid; } }
</style>
</head>
{%- endblock header -%}

{% macro crmkit_score(cell) -%}
  <span class="pull-right">
      {{ cell.metadata.nbgrader.shown_score }} <a href="#top">(Top)</a>
  </span>
{%- endmacro %}

{% macro crmkit_heading(cell) -%}
{%- if cell.metadata.nbgrader.solution or cell.metadata.nbgrader.task -%}
<a name="comment-{{ cell.metadata.nbgrader.grade_id }}"></a>
{%- endif -%}
{%- if cell.metadata.nbgrader.grade -%}
<a name="{{ cell.metadata.nbgrader.grade_id }}"></a>
{%- endif -%}
<div class="panel-heading">
{%- if cell.metadata.nbgrader.solution -%}
  <span class="nbgrader-label">你的回答 / Student's answer</span>
  {%- if cell.metadata.nbgrader.grade -%}
  {{ crmkit_score(cell) }}
  {%- else -%}
  <span class="pull-right"><a href="#top">(Top)</a></span>
  {%- endif -%}
{%- elif cell.metadata.nbgrader.grade -%}
  <span class="nbgrader-label">测试格 / Test cell:
    <code>{{ cell.metadata.nbgrader.grade_id }}</code></span>
  {{ crmkit_score(cell) }}
{%- endif -%}
</div>
{%- endmacro %}

{% macro crmkit_footer(cell) -%}
{%- if cell.metadata.nbgrader.solution and cell.metadata.nbgrader.comment -%}
<div class="panel-footer">
  <div>
    <b>评语 / Comments:</b>
    {{ cell.metadata.nbgrader.comment | markdown2html | strip_files_prefix }}
  </div>
</div>
{%- endif -%}
{%- endmacro %}

{% block body %}
<body>
  <a name="top"></a>
  <div class="container">
    <div class="panel panel-default">
      <div class="panel-heading">
        <h4>{{ resources.nbgrader.notebook }}：{{ resources.crmkit_feedback.heading }}</h4>
        <div id="toc">
          <ol>
          {% for cell in nb.cells %}
            {% if cell.metadata.nbgrader and cell.metadata.nbgrader.grade %}
            <li><a href="#{{ cell.metadata.nbgrader.grade_id }}">
              {%- if cell.cell_type == "markdown" -%}书面回答 / Written response
              {%- elif cell.metadata.nbgrader.solution -%}代码回答 / Coding free-response
              {%- else -%}测试格 / Test cell{%- endif -%}
            </a> <code>{{ cell.metadata.nbgrader.grade_id }}</code>
            （{{ cell.metadata.nbgrader.shown_score }}）</li>
            {% endif %}
            {% if cell.metadata.nbgrader and cell.metadata.nbgrader.comment %}
            <li><a href="#comment-{{ cell.metadata.nbgrader.grade_id }}">评语 / Comment</a>
              <code>{{ cell.metadata.nbgrader.grade_id }}</code></li>
            {% endif %}
          {% endfor %}
          {% if resources.nbgrader.late_penalty > 0 %}
            <li class="late-penalty">迟交扣分 / Late submission penalty:
              -{{ resources.nbgrader.late_penalty | float | round(2) }}</li>
          {% endif %}
          </ol>
        </div>
      </div>
      <div class="panel-body">
        <div id="notebook" class="border-box-sizing">
          <div class="container" id="notebook-container">
            {{ super.super() }}
          </div>
        </div>
      </div>
    </div>
  </div>
</body>
{%- endblock body %}

{% block markdowncell scoped %}
<div class="cell border-box-sizing text_cell rendered">
  {{ self.empty_in_prompt() }}
  {%- set meta = cell.metadata.get("nbgrader", {}) -%}
  {#- the student wrote it: rendered once, with no script or event handler left in it -#}
  {%- set rendered = cell.source | markdown2html | strip_files_prefix | clean_html -%}
  {%- if meta.solution or meta.grade -%}
  <div class="panel panel-primary nbgrader_cell">
    {{ crmkit_heading(cell) }}
    <div class="panel-body">
      <div class="text_cell_render border-box-sizing rendered_html">
        {{ rendered }}
      </div>
    </div>
    {{ crmkit_footer(cell) }}
  </div>
  {%- else -%}
  <div class="inner_cell">
    <div class="text_cell_render border-box-sizing rendered_html">
      {{ rendered }}
    </div>
  </div>
  {%- endif -%}
</div>
{% endblock markdowncell %}

{% block input %}
  {%- set meta = cell.metadata.get("nbgrader", {}) -%}
  {%- if meta.solution or meta.grade -%}
  <div class="panel panel-primary nbgrader_cell">
    {{ crmkit_heading(cell) }}
    <div class="panel-body">
      <div class="input_area">
        {{ cell.source | highlight_code(metadata=cell.metadata) }}
      </div>
    </div>
    {{ crmkit_footer(cell) }}
  </div>
  {%- else -%}
  <div class="inner_cell">
    <div class="input_area">
      {{ cell.source | highlight_code(metadata=cell.metadata) }}
    </div>
  </div>
  {%- endif -%}
{% endblock input %}
"""


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with formulas as MathML instead of text for MathJax."""

    def block_math(self, body: str) -> str:
        return _mathml(body, "block")

    def inline_math(self, body: str) -> str:
        return _mathml(body, "inline")


def _mathml(latex: str, display: str) -> str:
    try:
        return latex_to_mathml(latex, display=display)
    except Exception:  # latex2mathml raises its own errors on broken input: show the source
        return f'<code class="math-source">{escape(latex)}</code>'


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML feedback exporter, rendering :data:`TEMPLATE` over nbgrader's template,
    with the kit's markdown (formulas as MathML) and sanitizer for everything a student wrote."""

    @default("extra_loaders")
    def _extra_loaders_default(self):
        return [DictLoader({TEMPLATE_NAME: TEMPLATE})]

    @default("template_file")
    def _template_file_default(self):
        return TEMPLATE_NAME

    @default("sanitize_html")
    def _sanitize_html_default(self):
        # A student's notebook is theirs to write: no script of theirs runs in the feedback page.
        return True

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def default_filters(self):
        yield from super().default_filters()
        # The templates sanitize markdown and outputs with clean_html: the kit's, which keeps
        # headings, paragraphs and tables (nbconvert's escapes them) and drops what could act.
        yield ("clean_html", clean_html)
        yield ("markdown2html", self.markdown2html)
