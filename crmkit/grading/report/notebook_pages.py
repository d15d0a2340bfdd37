"""A graded notebook as a page the instructor reads: the report links its evidence here.

The autograded ``.ipynb`` is JSON, which a browser shows as text; this renders it with
nbconvert's ``basic`` template (cells, outputs, charts as embedded images) inside a small
self-contained page: no script, nothing loaded from the network. Everything in a notebook was
written by a student, so the rendered HTML goes through the kit's sanitizer
(:func:`crmkit.grading.safe_output.safe_html.clean_html`, as the feedback pages do): formatting tags
only, images only when embedded, no attribute that runs anything.
The test cells keep their outcome but not their code, so the pages never hold the answer key
(they do hold the student's work: ``reports/notebooks/`` is for the instructor only).
"""

from __future__ import annotations

import html
from pathlib import Path

from ..safe_output.inert import inert
from ..safe_output.safe_html import clean_html

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; \
margin: 1.5em auto; max-width: 60em; padding: 0 1em; color: #222; }
.cell { margin: 0.8em 0; }
.input_prompt, .prompt { color: #888; font-size: 0.8em; }
.input_area pre { background: #f5f5f5; padding: 0.5em; overflow-x: auto; }
.output_area pre { padding: 0.25em 0.5em; overflow-x: auto; margin: 0.2em 0; }
.output_stderr pre, .output_error pre { background: #fdecea; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; }
img { max-width: 100%; }
.anchor-link { display: none; }
.note { color: #555; font-size: 0.9em; border-left: 4px solid #ccc; padding-left: 0.6em; }
"""


def notebook_page(notebook_path: Path, title: str) -> str:
    """The page for one graded notebook, titled ``title`` (student, assignment)."""
    title = inert(title)  # a student id is a folder name a submission chose
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
    clean = clean_html(body)  # the kit's sanitizer, as for feedback pages
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        '<p class="note">评分后的笔记本，供诚信检查查看（学生写的脚本和链接已去掉）/ The graded '
        "notebook, for the integrity check (scripts and links the student wrote are left "
        "out).</p>\n"
        f"{clean}\n</body>\n</html>\n"
    )
