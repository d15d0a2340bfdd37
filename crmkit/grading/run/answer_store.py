"""What each student's kernel sent to the tests, kept beside the gradebook for the class report.

``<course>/.crmkit/answers/<assignment>/<student>.json`` holds, per notebook, the answers (as
checked plain data, :mod:`crmkit.grading.run.plain_data_decode`) and widget values the tests saw.
The report's integrity section compares them with the answers expected on other students' data. Only
the grader writes here; it is not part of ``autograded/`` (whose files go back to students as
feedback).

A submission decides how large its answers are, so the store is bounded: each distinct value is
kept once per notebook however many tests declare it (``rfm`` is read by three tests), and a
submission's values may take :data:`MAX_STORED_BYTES` in all. A value past that is not kept, and
the instructor's notes say so; grading is not affected (the tests saw every answer).

The file (format 2)::

    {"format": "crmkit-answers/2",
     "notebooks": {"segmentation": {
         "values": [<plain data>, ...],
         "tests": {"rfm_tests": {"answers": {"rfm": 0}, "widgets": {}}}}}}

:func:`stored_answers` gives back ``{notebook: {grade_id: {"answers": ..., "widgets": ...}}}``,
for this format and the earlier one (that structure itself).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...files import atomic_write
from .test_cells import SentAnswers

FOLDER = Path(".crmkit") / "answers"
FORMAT = "crmkit-answers/2"
# An honest submission's answers take a few hundred kilobytes to about a megabyte.
MAX_STORED_BYTES = 8 * 1024**2


@dataclass
class PackedAnswers:
    """One notebook's answers as stored: each distinct value once, as JSON text, and per test the
    index of each value it saw."""

    values: list[str] = field(default_factory=list)
    tests: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)


def answers_path(course: Path, assignment: str, student: str) -> Path:
    return course / FOLDER / assignment / f"{student}.json"


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def pack(sent: Mapping[str, SentAnswers], budget: list[int]) -> tuple[PackedAnswers, list[str]]:
    """Pack one notebook's answers (``{grade_id: {"answers": ..., "widgets": ...}}``) within what
    is left of ``budget`` (bytes, a one-item list shared by a submission's notebooks); returns
    them and a note for each value left out for its size."""
    packed, notes = PackedAnswers(), []
    index: dict[str, int] = {}
    refused: set[str] = set()
    for grade_id, seen in sent.items():
        refs: dict[str, dict[str, int]] = {"answers": {}, "widgets": {}}
        for kind, named in (("answers", seen["answers"]), ("widgets", seen["widgets"])):
            for name, value in named.items():
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                if text in refused:
                    continue
                if text not in index:
                    size = _size(text)
                    if size > budget[0]:
                        refused.add(text)
                        notes.append(
                            f"{grade_id}: 答案 {name} 太大（{size / 1024**2:.1f} MB），未存入供班级"
                            f"报告用的答案库（每份提交最多 {MAX_STORED_BYTES // 1024**2} MB）/ "
                            f"answer {name} not kept for the class report: too large "
                            f"({size / 1024**2:.1f} MB; at most "
                            f"{MAX_STORED_BYTES // 1024**2} MB a submission)"
                        )
                        continue
                    budget[0] -= size
                    index[text] = len(packed.values)
                    packed.values.append(text)
                refs[kind][name] = index[text]
        packed.tests[grade_id] = refs
    return packed, notes


def store_answers(
    course: Path, assignment: str, student: str, notebooks: dict[str, PackedAnswers]
) -> None:
    """Store a submission's packed answers (by notebook), replacing the old."""
    target = answers_path(course, assignment, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_write(target, permissions=0o600) as partial,
        open(partial, "w", encoding="utf-8") as out,
    ):
        # the values are JSON already (made once, by the worker): written as they are
        out.write(f'{{"format":{json.dumps(FORMAT)},"notebooks":{{')
        for number, (name, packed) in enumerate(notebooks.items()):
            out.write(f'{"," if number else ""}{json.dumps(name, ensure_ascii=False)}:{{"values":[')
            for position, text in enumerate(packed.values):
                if position:
                    out.write(",")
                out.write(text)
            tests = json.dumps(packed.tests, ensure_ascii=False, separators=(",", ":"))
            out.write(f'],"tests":{tests}}}')
        out.write("}}")


def stored_answers(
    course: Path, assignment: str, student: str
) -> dict[str, dict[str, SentAnswers]]:
    """The stored answers of one submission, ``{notebook: {grade_id: {"answers": ...,
    "widgets": ...}}}`` ({} when there are none)."""
    try:
        stored = json.loads(answers_path(course, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return stored if isinstance(stored, dict) else {}  # the first format: as it was written
    found = {}
    for name, packed in stored.get("notebooks", {}).items():
        values = packed.get("values", [])
        found[name] = {
            grade_id: SentAnswers(
                answers=_unpacked(refs.get("answers", {}), values),
                widgets=_unpacked(refs.get("widgets", {}), values),
            )
            for grade_id, refs in packed.get("tests", {}).items()
        }
    return found


def _unpacked(refs: dict[str, int], values: list[Any]) -> dict[str, Any]:
    return {answer: values[at] for answer, at in refs.items()}
