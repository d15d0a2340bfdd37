"""Task templates rendered for a term: one template gives a task's text, read-only constants,
solution and hidden tests, so the four always agree.

A template is an nbgrader source notebook (``templates/<assignment>/<assignment>.ipynb``) whose
cells may hold Jinja placeholders for the parameters of :mod:`.task_parameters`:
``{{ one_off.min_yuan }}`` in code, ``{{ one_off.min_yuan | thousands }}`` in English prose,
``{{ core.top_share | pct }}``, ``{{ "2024-12-31" | days_before(tiers.recent_days - 1) }}``.
Rendering with the default values gives the published ``source/``; with a term's values, the
term's. The answer fixtures (right and wrong answers) are templates too and are rendered the
same way, so they follow the term.
"""

from __future__ import annotations

import calendar
import copy
import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import CrmkitError


def _thousands(value: Any) -> str:
    return f"{value:,}"


def _pct(share: float) -> str:
    return f"{round(share * 100, 4):g}%"


def _days_before(day: str, days: int) -> str:
    return (date.fromisoformat(day) - timedelta(days=int(days))).isoformat()


def _month_en(month: int) -> str:
    return calendar.month_name[int(month)]


@cache
def _environment():
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,  # a misspelt parameter fails, never renders empty
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(thousands=_thousands, pct=_pct, days_before=_days_before, month_en=_month_en)
    return env


def render_text(text: str, context: dict[str, Any], where: str = "") -> str:
    """``text`` with its placeholders filled from ``context``; a broken one names ``where``."""
    if "{" not in text:
        return text
    import jinja2

    try:
        return _environment().from_string(text).render(**context)
    except jinja2.TemplateError as error:
        raise CrmkitError(
            f"模板 {where} 无法生成：{error}；检查占位符和 parameters.toml / the template {where} "
            f"cannot be rendered: {error}; check its placeholders and parameters.toml"
        ) from error


def evaluate(expression: str, context: dict[str, Any], where: str = "") -> Any:
    """The value of a Jinja ``expression`` over ``context`` (a derived parameter)."""
    import jinja2

    try:
        return _environment().compile_expression(expression, undefined_to_none=False)(**context)
    except jinja2.TemplateError as error:
        raise CrmkitError(
            f"参数 {where} 的 derive 无法计算：{error} / the derive of {where} fails: {error}"
        ) from error


def render_notebook(template: Path, context: dict[str, Any]) -> dict:
    """The notebook (as JSON data) ``template`` gives for ``context``."""
    notebook = json.loads(template.read_text(encoding="utf-8"))
    rendered = copy.deepcopy(notebook)
    for cell in rendered["cells"]:
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id")
        cell["source"] = render_text(text, context, f"{template.name}:{name}")
    return rendered


def write_notebook(notebook: dict, path: Path) -> None:
    """Write ``notebook`` as the kit stores notebooks: one-space JSON, UTF-8 characters as is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
