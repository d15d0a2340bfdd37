"""Pairs of students whose code or written answer for a task share far more than they should.

**Code** is compared with copydetect (PyPI; the winnowing method of MOSS): each student's code of
a task is tokenized with variable, function and string names replaced, so renaming variables or
changing comments hides nothing, and fingerprinted as hashes of k tokens in a row (a hash that is
the same in every process, see :mod:`.fingerprint`, so a rerun gives the same figures). Left out of
every fingerprint: the starter code everyone got and the instructor's solution (two students who
both wrote the obvious solution are not a pair). Each fingerprint counts by how rare it is in the
class (log of class size over the students holding it, as a search engine weighs words): code put
together from the pieces most of the class used is not a sign of anything, an unusual piece found
in exactly two notebooks is. A pair is reported when they share a rare fingerprint (held by no
more than 1 % of the class, and at least two students), at least :data:`CODE_MIN_TOKENS` tokens,
and at least :data:`CODE_THRESHOLD` of the weighted fingerprints of one of them.

**Written answers** are compared as sets of overlapping three-character pieces of the text, after
dropping case, spaces and punctuation: this works for Chinese, which has no spaces between words,
and for English alike. The prompt and stub, the instructor's reference answer, and pieces shared
by a fifth of the class are left out. A pair is reported when they share at least
:data:`TEXT_MIN_PIECES` pieces and at least :data:`TEXT_THRESHOLD` of the shorter answer.

Neither signal says who copied whom, or that anyone did: similar work is for the instructor to
look at and ask about.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping

from .fingerprint import CodeFingerprint, code_fingerprint
from .model import MEDIUM, SIMILAR_CODE, SIMILAR_TEXT, STRONG, Evidence

CODE_K, CODE_WINDOW = 12, 4  # tokens per fingerprint, winnowing window
CODE_THRESHOLD = 0.8
CODE_MIN_TOKENS = 40
TEXT_N = 3
TEXT_THRESHOLD = 0.6
TEXT_MIN_PIECES = 30
COMMON_SHARE, COMMON_MIN = (
    0.2,
    3,
)  # shared by this share of the class (and at least this many): common
RARE_SHARE = 0.01  # held by at most 1 % of the class (at least 2 students): a rare fingerprint
STRONG_SHARE = 0.95
EXCERPT_CHARS = 1500


def common_limit(students: int) -> int:
    """How many students may share a piece of text before it counts as what everyone writes."""
    return max(COMMON_MIN, int(COMMON_SHARE * students + 0.999))


def rare_limit(students: int) -> int:
    """At most how many students hold a code fingerprint that is rare in the class."""
    return max(2, math.ceil(RARE_SHARE * students))


def student_part(text: str, starter: str) -> str:
    """``text`` without the lines it shares with ``starter`` (the cell as the student got it)."""
    given = {line.strip() for line in starter.splitlines() if line.strip()}
    return "\n".join(line for line in text.splitlines() if line.strip() not in given).strip()


# ---------------------------------------------------------------- code


def _fingerprint(code: str, boilerplate=()) -> CodeFingerprint:
    return code_fingerprint(code, CODE_K, CODE_WINDOW, boilerplate)


def code_evidence(
    assignment: str,
    task: str,
    codes: Mapping[str, str],
    starter: str,
    reference: str,
    class_size: int,
) -> list[Evidence]:
    """Pairs of students whose code for ``task`` is very similar (see the module doc)."""
    from copydetect import compare_files

    if len(codes) < 2:
        return []
    boilerplate = set()
    for given in (starter, reference):
        if given.strip():
            try:
                boilerplate |= set(_fingerprint(given).hashes)
            except Exception:  # noqa: BLE001 - code that does not tokenize gives no fingerprints
                pass
    prints = {}
    for student, code in codes.items():
        if code.strip():
            try:
                prints[student] = _fingerprint(code, boilerplate)
            except Exception:  # noqa: BLE001
                continue
    holders = defaultdict(set)
    for student, fingerprint in prints.items():
        for value in fingerprint.hashes:
            holders[value].add(student)
    size = max(class_size, len(prints))
    weight = {value: math.log((size + 1) / len(who)) for value, who in holders.items()}
    limit = rare_limit(class_size)
    candidates = set()  # pairs sharing at least one rare fingerprint
    for who in holders.values():
        if 2 <= len(who) <= limit:
            ordered = sorted(who)
            candidates |= {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]}
    evidence = []
    for first, second in sorted(candidates):
        mine, theirs = set(prints[first].hashes), set(prints[second].hashes)
        shared = mine & theirs
        # what they share, each fingerprint weighted by how rare it is in the class
        share = sum(weight[h] for h in shared) / max(
            1e-9, min(sum(weight[h] for h in mine), sum(weight[h] for h in theirs))
        )
        if share < CODE_THRESHOLD:
            continue
        overlap, _, _ = compare_files(prints[first], prints[second])
        if overlap >= CODE_MIN_TOKENS:
            evidence.append(
                Evidence(
                    SIMILAR_CODE,
                    assignment,
                    task,
                    first,
                    second,
                    STRONG if share >= STRONG_SHARE else MEDIUM,
                    round(float(share), 3),
                    f"{share:.0%} 的代码相同（按全班少见程度加权；{overlap} 个词元，变量名不计）/ "
                    f"{share:.0%} of the code is the same (weighted by how rare each piece is in "
                    f"the class; {overlap} tokens, names ignored)",
                    codes[first][:EXCERPT_CHARS],
                    codes[second][:EXCERPT_CHARS],
                )
            )
    return evidence


# ---------------------------------------------------------------- written answers

_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def pieces(text: str, n: int = TEXT_N) -> set[str]:
    """The text's overlapping ``n``-character pieces, ignoring case, spaces and punctuation."""
    flat = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).lower())
    return {flat[i : i + n] for i in range(max(0, len(flat) - n + 1))}


def text_evidence(
    assignment: str,
    task: str,
    texts: Mapping[str, str],
    given: str,
    reference: str,
    class_size: int,
) -> list[Evidence]:
    """Pairs of students whose written answers for ``task`` are very similar
    (see the module doc)."""
    left_out = pieces(given) | pieces(reference)
    sets = {student: pieces(text) - left_out for student, text in texts.items() if text.strip()}
    holders = defaultdict(set)
    for student, found in sets.items():
        for piece in found:
            holders[piece].add(student)
    limit = common_limit(class_size)
    common = {piece for piece, who in holders.items() if len(who) >= limit}
    candidates = set()
    for piece, who in holders.items():
        if piece not in common and len(who) >= 2:
            ordered = sorted(who)
            candidates |= {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]}
    evidence = []
    for first, second in sorted(candidates):
        a, b = sets[first] - common, sets[second] - common
        shared = len(a & b)
        share = shared / max(1, min(len(a), len(b)))
        if shared >= TEXT_MIN_PIECES and share >= TEXT_THRESHOLD:
            evidence.append(
                Evidence(
                    SIMILAR_TEXT,
                    assignment,
                    task,
                    first,
                    second,
                    STRONG if share >= STRONG_SHARE else MEDIUM,
                    round(share, 3),
                    f"较短的回答有 {share:.0%} 与对方相同（{shared} 个三字片段）/ {share:.0%} of "
                    f"the shorter answer is shared ({shared} three-character pieces)",
                    texts[first][:EXCERPT_CHARS],
                    texts[second][:EXCERPT_CHARS],
                )
            )
    return evidence
