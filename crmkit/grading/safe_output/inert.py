"""Text a student chose, shown inert: on a terminal, in a spreadsheet cell, on a page.

File and folder names, a student id (a folder name), an error's name and message, a kernel's log
line, an answer quoted in a note: a submission decides them. Printed raw, ``ESC ]0;… BEL`` sets
the instructor's terminal title, ``ESC [1A ESC [2K`` erases the line above (and a forged line
can take its place), U+202E turns the rest of a line around. :func:`inert` shows each such
character as its escape (``\\x1b``, ``\\u202e``): what the student chose is seen, none of it acts.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the line and paragraph separators, the bidirectional controls.
_ACTIVE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
# The same but the tab and the line break, for text shown as lines (code, a multi-line note).
_ACTIVE_BUT_LINES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def inert(text: object, lines: bool = False) -> str:
    """``text`` with every control character written as its escape (``\\x1b``, ``\\u202e``);
    ``lines`` keeps line breaks and tabs (for code and text shown as lines)."""
    return (_ACTIVE_BUT_LINES if lines else _ACTIVE).sub(_escape, str(text))
