"""The report's Jinja2 templates (``templates/*.html.j2``, shipped in the wheel as package data).

Autoescape is on for every template, so a value reaches the page escaped unless the Python side
wraps it in :class:`~markupsafe.Markup`; that is done only for HTML the kit built itself, each
time with a comment saying so. Text a student chose goes through the ``inert`` filters
(:func:`~crmkit.grading.safe_output.inert.inert`), so no control or direction character in it acts.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..safe_output.inert import inert


def _inert_lines(text: object) -> str:
    return inert(text, lines=True)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails loudly instead of showing nothing
        keep_trailing_newline=True,
    )
    env.filters["inert"] = inert
    env.filters["inert_lines"] = _inert_lines
    return env


def render_template(template: str, **values: object) -> str:
    return environment().get_template(template).render(**values)
