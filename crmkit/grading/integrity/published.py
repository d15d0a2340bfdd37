"""Submissions whose code is close to the kit's published solution.

The kit's default answer key is public. A term draws other parameters, so the published solution
handed in unchanged earns little; handed in with its constants changed to the term's, it earns full
marks. This signal finds it: each task's code is compared with the published (default-term)
solution after **renaming, reformatting and constants** are taken out — names become one token,
numbers another, strings a third, comments and line breaks go — so ``ratio = 0.25`` and
``share = 0.3`` read alike. What is compared is the student's own part of each answer cell (the
starter code everyone got is left out), in overlapping runs of :data:`K` tokens.

A submission is listed when, over the whole assignment, at least :data:`THRESHOLD` of its code's
token runs are runs of the published solution, over at least :data:`MIN_TOKENS` tokens. One task
written the obvious way matches part of the solution and is not enough; a notebook copied task by
task is. Like the other signals it says what was seen, not who did what: a student may have
followed the published notebook closely on their own.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Mapping

from .model import MEDIUM, PUBLISHED, PUBLISHED_SOLUTION, STRONG, Evidence

K = 10  # tokens per compared run
THRESHOLD = 0.6  # share of the submission's runs found in the published solution
STRONG_SHARE = 0.9
MIN_TOKENS = 200  # one task written the obvious way (75–200 tokens) is not evidence
EXCERPT_CHARS = 1500
_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
    tokenize.ENCODING,
}
_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|\"[^\"]*\"|'[^']*'|\S")


def normalized_tokens(code: str) -> list[str]:
    """``code`` as tokens with names, numbers and strings made alike and layout and comments
    dropped; attribute names (``.groupby``) and keywords are kept, since they are the method."""
    found: list[str] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in _SKIPPED:
                continue
            found.append(_shape(token.type, token.string, previous))
            previous = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        found, previous = [], ""
        for text in _FALLBACK.findall(code):
            kind = tokenize.NAME if text[0].isalpha() or text[0] == "_" else tokenize.OP
            kind = tokenize.NUMBER if text[0].isdigit() else kind
            kind = tokenize.STRING if text[0] in "\"'" else kind
            found.append(_shape(kind, text, previous))
            previous = text
    return found


def _shape(kind: int, text: str, previous: str) -> str:
    if kind == tokenize.NAME:
        return text if keyword.iskeyword(text) or previous == "." else "N"
    if kind == tokenize.NUMBER:
        return "#"
    if kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
        return "S"
    if kind in (getattr(tokenize, "FSTRING_MIDDLE", -1), getattr(tokenize, "FSTRING_END", -1)):
        return ""
    return text


def _runs(tokens: list[str]) -> list[tuple[str, ...]]:
    tokens = [t for t in tokens if t]
    return [tuple(tokens[i : i + K]) for i in range(max(0, len(tokens) - K + 1))]


def published_evidence(
    assignment: str,
    student: str,
    codes: Mapping[str, str],
    published: Mapping[str, str],
) -> Evidence | None:
    """Evidence that ``student``'s code (``{task: code}``, their own part of each answer) is
    close to the published solution's (``{task: code}``), or None."""
    matched = total = 0
    tasks: list[tuple[float, int, str]] = []
    for task, code in codes.items():
        mine = _runs(normalized_tokens(code))
        theirs = set(_runs(normalized_tokens(published.get(task, ""))))
        if not mine:
            continue
        hits = sum(run in theirs for run in mine)
        matched, total = matched + hits, total + len(mine)
        tasks.append((hits / len(mine), hits, task))
    if total == 0 or matched + K - 1 < MIN_TOKENS:
        return None
    share = matched / total
    if share < THRESHOLD:
        return None
    close = sorted((t for t in tasks if t[0] >= THRESHOLD), key=lambda t: (-t[1], t[2]))
    shown = close[0][2] if close else max(tasks, key=lambda t: t[1])[2]
    names = [task for _, _, task in sorted(close, key=lambda t: t[2])]
    return Evidence(
        PUBLISHED,
        assignment,
        ", ".join(names) or shown,
        student,
        PUBLISHED_SOLUTION,
        STRONG if share >= STRONG_SHARE else MEDIUM,
        round(share, 3),
        f"{share:.0%} 的代码与公开的参考答案相同（变量名、排版和常数不计；{len(names)} 题）/ "
        f"{share:.0%} of the code is the published solution's (names, layout and constants "
        f"ignored; {len(names)} task(s))",
        codes[shown][:EXCERPT_CHARS],
        published.get(shown, "")[:EXCERPT_CHARS],
    )
