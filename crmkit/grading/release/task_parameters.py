"""Each task's parameters: declared once per task, drawn per term.

The kit's answer key is public (``exercises/source`` is in an open repository), so a grade can only
mean something if a term's tasks ask for something else than the published ones. A task names the
numbers its text pins — a threshold, a window, a share, a date, which table — in its assignment's
``templates/<assignment>/parameters.toml``, one table per task::

    [one_off.min_yuan]
    default = 3000                       # the published (default) term
    choices = [1500, 2000, 4000, 5000]   # what a new term draws from; never the default
    about = "a large one-off order is at least this much (yuan)"

A value may carry names to show in the text (``labels``: code -> [中文, English]); the template
then has ``{{ task.name_zh }}`` and ``{{ task.name_en }}`` beside ``{{ task.name }}``. A value
that follows from others is declared once with ``derive``, an expression over them (and the
filters of :mod:`.task_templates`), so no template works it out again::

    [tiers.recent_from]
    derive = "'2024-12-31' | days_before(tiers.recent_days - 1)"

A term (``term.toml`` in an instructor's course folder) records the values drawn for it; the
kit's own ``exercises/`` has none and is the default term. Drawing is seeded: the same seed gives
the same term.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import CrmkitError

PARAMETERS_FILE = "parameters.toml"
TERM_FILE = "term.toml"
TEMPLATES_FOLDER = "templates"

# {task: {name: value}} for one assignment
Values = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Parameter:
    """One number (or name) a task's text pins, with its published value and what a term draws."""

    task: str
    name: str
    default: Any
    choices: tuple[Any, ...]
    about: str = ""
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    derive: str = ""  # an expression over the other parameters; then it is never drawn


def declared_parameters(templates: Path, assignment: str) -> list[Parameter]:
    """The parameters ``templates/<assignment>/parameters.toml`` declares, in file order."""
    path = templates / assignment / PARAMETERS_FILE
    if not path.is_file():
        return []
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CrmkitError(
            f"{path} 不是有效的 TOML：{error}；改正后再运行 / {path} is not valid TOML: {error}; "
            "fix it and run again"
        ) from error
    found = []
    for task, names in tables.items():
        for name, spec in names.items():
            found.append(_parameter(path, task, name, spec))
    return found


def _parameter(path: Path, task: str, name: str, spec: object) -> Parameter:
    where = f"{path.name} [{task}.{name}]"
    if isinstance(spec, dict) and isinstance(spec.get("derive"), str):
        return Parameter(task, name, None, (), str(spec.get("about", "")), derive=spec["derive"])
    if not isinstance(spec, dict) or "default" not in spec or not spec.get("choices"):
        raise CrmkitError(
            f"{where} 要有 default 和非空的 choices / {where} needs a default and non-empty choices"
        )
    default, choices = spec["default"], tuple(spec["choices"])
    if default in choices or len(set(map(repr, choices))) != len(choices):
        raise CrmkitError(
            f"{where}：choices 不能含 default，也不能重复（新学期要与公开的不同）/ "
            f"{where}: choices must differ from the default and from each other (a term must "
            "differ from the published one)"
        )
    if any(type(choice) is not type(default) for choice in choices):
        raise CrmkitError(
            f"{where}：choices 要和 default 同一类型 / {where}: choices have the default's type"
        )
    labels = {str(k): (str(v[0]), str(v[1])) for k, v in spec.get("labels", {}).items()}
    missing = [v for v in (default, *choices) if labels and str(v) not in labels]
    if missing:
        raise CrmkitError(f"{where}：labels 缺少 / {where}: labels missing for {missing}")
    return Parameter(task, name, default, choices, str(spec.get("about", "")), labels)


def default_values(parameters: list[Parameter]) -> Values:
    """The published term's values."""
    values: Values = {}
    for p in parameters:
        if not p.derive:
            values.setdefault(p.task, {})[p.name] = p.default
    return values


def draw_values(parameters: list[Parameter], assignment: str, seed: int) -> Values:
    """A term's values: each parameter drawn from its choices, by ``seed`` alone."""
    values: Values = {}
    for p in (p for p in parameters if not p.derive):
        rng = random.Random(f"{seed}:{assignment}:{p.task}:{p.name}")
        values.setdefault(p.task, {})[p.name] = rng.choice(p.choices)
    return values


def context(parameters: list[Parameter], values: Values) -> dict[str, dict[str, Any]]:
    """What a template sees: ``{task: {name: value, name_zh: …, name_en: …}}``, derived values
    worked out last, in the order declared."""
    from .task_templates import evaluate

    found: dict[str, dict[str, Any]] = {}
    for p in (p for p in parameters if not p.derive):
        value = values.get(p.task, {}).get(p.name, p.default)
        task = found.setdefault(p.task, {})
        task[p.name] = value
        if p.labels:
            task[f"{p.name}_zh"], task[f"{p.name}_en"] = p.labels[str(value)]
    for p in (p for p in parameters if p.derive):
        found.setdefault(p.task, {})[p.name] = evaluate(p.derive, found, f"{p.task}.{p.name}")
    return found


# ---------------------------------------------------------------- a term's file


def read_term(course: Path) -> dict[str, Any]:
    """``course/term.toml`` (name, seed, and the values per assignment), or {} for the default."""
    path = course / TERM_FILE
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CrmkitError(
            f"{path} 不是有效的 TOML：{error} / {path} is not valid TOML: {error}"
        ) from error


def term_values(course: Path, assignment: str, parameters: list[Parameter]) -> Values:
    """The values of ``course``'s term for ``assignment``: its term file's, else the defaults."""
    values = default_values(parameters)
    chosen = read_term(course).get("parameters", {}).get(assignment, {})
    for task, names in chosen.items():
        for name, value in names.items():
            if task in values and name in values[task]:
                values[task][name] = value
    return values


def write_term(course: Path, name: str, seed: int, values: Mapping[str, Values]) -> Path:
    """Record a term in ``course/term.toml``: its name, seed and values per assignment."""
    lines = [
        "# 这个学期的题目参数（由 crmkit course new-term 抽取）。请保密：它决定隐藏测试的答案。",
        "# This term's task parameters (drawn by crmkit course new-term). Keep it private: the",
        "# hidden tests' answers follow from it.",
        f"name = {_toml(name)}",
        f"seed = {seed}",
    ]
    for assignment, tasks in sorted(values.items()):
        for task, names in tasks.items():
            lines.append(f"\n[parameters.{assignment}.{task}]")
            lines += [f"{key} = {_toml(value)}" for key, value in names.items()]
    path = course / TERM_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")
