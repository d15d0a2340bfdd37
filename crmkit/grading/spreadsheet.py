"""Text for CSVs that people open in Excel."""

from __future__ import annotations

# A cell starting with one of these is read by Excel (and LibreOffice) as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_text(text: str) -> str:
    """``text`` as Excel shows it: as text, a leading ``'`` keeping it from being a formula."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text
