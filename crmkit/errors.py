"""Errors meant for people: one line that says what went wrong and what to do next."""

from __future__ import annotations

from collections.abc import Iterable


class CrmkitError(Exception):
    """An error whose message is shown to a student or instructor as it is.

    The CLI prints it on one line and exits with ``exit_code``. In a notebook, IPython lets an
    exception render itself (``_render_traceback_``): a student sees the one bilingual line,
    not a traceback through the kit's internals.
    """

    exit_code = 1

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class UsageError(CrmkitError):
    """The user asked for something that does not exist or cannot be (exit status 2)."""

    exit_code = 2


def unknown_name(kind_zh: str, kind_en: str, given: object, valid: Iterable[str]) -> UsageError:
    """A bilingual message for a mistyped name, listing the valid ones."""
    names = ", ".join(valid)
    return UsageError(
        f"未知的{kind_zh} '{given}'，可用的有：{names} / "
        f"Unknown {kind_en} '{given}'. Valid {kind_en}s: {names}"
    )
