"""A term of one's own: ``crmkit course new-term`` and ``crmkit course render``.

``new-term NAME`` makes a private course folder for an instructor: the kit's configuration and
task templates, a ``term.toml`` with every task's parameters drawn by a seed, ``source/`` rendered
from them (the term's solutions and hidden tests), ``release/`` generated from that for students,
and ``published/``: the kit's default, public answer key, which the class report compares
submissions with (a copy of it is evidence, see :mod:`crmkit.grading.integrity.published`).

``render`` writes ``source/`` again from ``templates/`` and the term (after an instructor edits
a template); the kit's own ``exercises/`` has no term and renders the default, published one.
"""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from ...errors import CrmkitError, UsageError
from ..steps import StepResult, generate_assignments
from .task_parameters import (
    TEMPLATES_FOLDER,
    Values,
    context,
    declared_parameters,
    default_values,
    draw_values,
    term_values,
    write_term,
)
from .task_templates import render_notebook, write_notebook

PUBLISHED_FOLDER = "published"
TERM_README = "README.md"
_COURSE_ID = re.compile(r"^c\.CourseDirectory\.course_id = .*$", re.M)


def template_assignments(course: Path) -> list[str]:
    """The assignments with a template in ``course/templates``, sorted."""
    folder = course / TEMPLATES_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file())


def render_assignment(templates: Path, assignment: str, values: Values | None = None) -> dict:
    """``assignment``'s notebook for ``values`` (default: the published term's)."""
    parameters = declared_parameters(templates, assignment)
    chosen = default_values(parameters) if values is None else values
    return render_notebook(
        templates / assignment / f"{assignment}.ipynb", context(parameters, chosen)
    )


def render_course(course: Path) -> list[Path]:
    """Write ``course/source`` from its templates and its term (the default without a term file);
    returns the notebooks written."""
    written = []
    for assignment in template_assignments(course):
        templates = course / TEMPLATES_FOLDER
        values = term_values(course, assignment, declared_parameters(templates, assignment))
        target = course / "source" / assignment / f"{assignment}.ipynb"
        write_notebook(render_assignment(templates, assignment, values), target)
        written.append(target)
    return written


def course_context(course: Path, assignment: str) -> dict:
    """What ``assignment``'s templates see in ``course``: its term's values (the published ones
    without a term file), for rendering answers written as templates."""
    parameters = declared_parameters(course / TEMPLATES_FOLDER, assignment)
    return context(parameters, term_values(course, assignment, parameters))


def published_notebook(course: Path, assignment: str) -> Path | None:
    """The published (default-term) solution of ``assignment`` for ``course``: the term's copy
    in ``published/``, or the course's own source when it is the default term."""
    for candidate in (
        course / PUBLISHED_FOLDER / assignment / f"{assignment}.ipynb",
        course / "source" / assignment / f"{assignment}.ipynb",
    ):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class NewTerm:
    """What ``new-term`` made: the folder, the seed, the values drawn per assignment, and the
    result of generating each assignment's student version."""

    folder: Path
    name: str
    seed: int
    values: dict[str, Values]
    generated: list[StepResult]


def course_id_of(name: str) -> str:
    """An nbgrader course id for a term called ``name`` (letters, digits, - and _)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    if not cleaned:
        raise UsageError(
            f"学期名 '{name}' 里要有字母或数字，例如 2025-spring / the term name '{name}' needs "
            "letters or digits, e.g. 2025-spring"
        )
    return f"crm-{cleaned}"


def new_term(kit_course: Path, out: Path, name: str, seed: int | None = None) -> NewTerm:
    """Make the private course folder of term ``name`` in ``out`` (new or empty)."""
    course_id = course_id_of(name)
    assignments = template_assignments(kit_course)
    if not assignments:
        raise CrmkitError(
            f"{kit_course} 没有 templates/，无法抽取新学期 / {kit_course} has no templates/ to "
            "draw a term from; use the kit's exercises/ (--course)"
        )
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            f"{out} 已存在且不是空目录，不会覆盖；请换一个新目录 / {out} exists and is not empty; "
            "it is left alone: choose a new folder (--dir)"
        )
    seed = secrets.randbelow(10**9) if seed is None else int(seed)
    out.mkdir(parents=True, exist_ok=True)
    config = (kit_course / "nbgrader_config.py").read_text(encoding="utf-8")
    config, replaced = _COURSE_ID.subn(f'c.CourseDirectory.course_id = "{course_id}"', config)
    if not replaced:
        config += f'\nc.CourseDirectory.course_id = "{course_id}"\n'
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    shutil.copytree(
        kit_course / TEMPLATES_FOLDER,
        out / TEMPLATES_FOLDER,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    templates = out / TEMPLATES_FOLDER
    values = {a: draw_values(declared_parameters(templates, a), a, seed) for a in assignments}
    write_term(out, name, seed, values)
    render_course(out)
    for assignment in assignments:
        write_notebook(
            render_assignment(templates, assignment),
            out / PUBLISHED_FOLDER / assignment / f"{assignment}.ipynb",
        )
    (out / TERM_README).write_text(readme(name, course_id), encoding="utf-8")
    generated = generate_assignments(out, assignments)
    return NewTerm(out, name, seed, values, generated)


def readme(name: str, course_id: str) -> str:
    """The term folder's README: what it holds, what to keep private, what to run next."""
    return f"""# {name}（{course_id}）

这是本学期的 nbgrader 课程目录，由 `crmkit course new-term` 生成。**请不要公开它**：`source/` 和
`term.toml` 含有本学期的答案和隐藏测试。/ This term's nbgrader course folder, made by
`crmkit course new-term`. **Keep it private**: `source/` and `term.toml` hold this term's solutions
and hidden tests.

| 路径 path | 内容 contents |
|---|---|
| `term.toml` | 本学期抽到的题目参数 / the task parameters drawn for this term |
| `templates/` | 题目模板（改了之后运行 `crmkit course render`）/ the task templates (run \
`crmkit course render` after editing them) |
| `source/` | 本学期的答案和隐藏测试 / this term's solutions and hidden tests |
| `release/` | 发给学生的版本 / what students get |
| `published/` | 套件公开的默认答案：与它高度相似的提交会列入班级报告 / the kit's public \
answer key: submissions close to it are listed in the class report |

下一步 / Next:

```bash
export CRMKIT_COURSE_DIR="$PWD"            # 之后的命令都用这个课程 / later commands use this course
crmkit course student-pack --out pack --zip # 发给学生的包 / the pack for students
crmkit course autograde                     # 收到提交后 / once submissions are in submitted/
crmkit course report                        # 班级报告 / the class report
```
"""
