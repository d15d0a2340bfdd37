"""Cells of the CSV files the kit writes, which people open in Excel, WPS or LibreOffice.

A cell starting with ``= + - @`` (or a tab or carriage return, which some spreadsheets skip
before looking) is run as a formula: ``=HYPERLINK(...)`` or ``=cmd|...`` from a student id or a
name opens the instructor's machine to whoever chose it. Every cell the kit writes goes through
:func:`sheet_cell`: its control characters written out
(:func:`~crmkit.grading.safe_output.inert.inert`) and a leading ``'`` before anything a
spreadsheet could run. A plain number (``-2.5``) is a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from .inert import inert

# A cell starting with one of these, after any spaces or controls, is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
_LEADING = " \t\r\n\x00"
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (a plain number it reads as one)."""
    if not text or _NUMBER.fullmatch(text):
        return False
    return text[0] in _LEADING[1:] or text.lstrip(_LEADING)[:1] in FORMULA_STARTS


def excel_text(text: str) -> str:
    """``text`` as a spreadsheet shows it: as text, a leading ``'`` keeping it from being a
    formula."""
    return f"'{text}" if needs_guard(text) else text


def sheet_cell(value: object, lines: bool = False) -> str:
    """One cell: a number as it is, text inert and guarded (``lines`` keeps its line breaks)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return excel_text(inert(value, lines=lines))


def csv_text(
    rows: Iterable[Sequence[object]], lineterminator: str = "\n", lines: bool = False
) -> str:
    """``rows`` as CSV text, every cell through :func:`sheet_cell`; quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([sheet_cell(cell, lines) for cell in row] for row in rows)
    return buffer.getvalue()
