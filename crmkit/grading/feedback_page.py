"""The students' feedback page: nbgrader's, with pending written answers and totals that say
what they hold.

nbgrader 0.9 renders feedback with its ``feedback`` template: a header "Score: 14.0 / 17.0" and a
written answer not graded yet as "Score: 0.0 / 3.0", which students read as a fail. The course's
``nbgrader_config.py`` sets ``GenerateFeedback.exporter_class`` to :class:`FeedbackExporter`,
which renders :data:`TEMPLATE`: nbgrader's page (it extends nbgrader's template, so the styling and
the notebook body stay nbgrader's) with the heading, the table of contents and each graded cell's
score in the wording that :class:`~crmkit.grading.preprocessors.pending_grades.MarkPendingGrades`
put in the notebook (待评 / pending for what is still to grade by hand).

The template is kept here as text and given to the exporter through a Jinja loader, so an
installed kit needs no template files of its own.
"""

from __future__ import annotations

from jinja2 import DictLoader
from nbconvert.exporters import HTMLExporter
from traitlets import default

TEMPLATE_NAME = "crmkit_feedback.html.j2"

TEMPLATE = r"""
{%- extends 'index.html.j2' -%}

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
            <li><a href="#comment-{{ cell.metadata.nbgrader.grade_id }}">评语 / Comment</a></li>
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


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML feedback exporter, rendering :data:`TEMPLATE` over nbgrader's template."""

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
