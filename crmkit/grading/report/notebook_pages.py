"""A graded notebook as a page the instructor reads: the report links its evidence here.

The autograded ``.ipynb`` is JSON, which a browser shows as text; this renders it with
nbconvert's ``basic`` template (cells, outputs, charts as embedded images) inside a small
self-contained page (``templates/notebook_page.html.j2``): no script, nothing loaded from the
network. Everything in a notebook was written by a student, so the rendered HTML goes through the
kit's sanitizer (:func:`crmkit.grading.safe_output.safe_html.clean_html`, as the feedback pages
do): formatting tags only, images only when embedded, no attribute that runs anything.
The test cells keep their outcome but not their code, so the pages never hold the answer key
(they do hold the student's work: ``reports/notebooks/`` is for the instructor only).
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from ..safe_output.safe_html import clean_html
from .page_templates import render_template


def notebook_page(notebook_path: Path, title: str) -> str:
    """The page for one graded notebook, titled ``title`` (student, assignment)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = (
                f"# 测试格 {meta.get('grade_id', '')}（代码不显示）/ test cell (code not shown)"
            )
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(notebook)
    # the kit's sanitizer, as for feedback pages: what is left is HTML that runs nothing
    clean = Markup(clean_html(body))
    # the title (a student id is a folder name a submission chose) passes |inert, autoescaped
    return render_template("notebook_page.html.j2", title=title, notebook=clean)
