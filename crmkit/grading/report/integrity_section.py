"""The report's integrity section and ``integrity.csv``: evidence for the instructor to look at."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from markupsafe import Markup

from ..integrity import published
from ..integrity.model import (
    DEFAULT_DATA,
    KIND_NAMES,
    PUBLISHED_SOLUTION,
    STRENGTH_NAMES,
    Evidence,
)
from ..integrity.similarity import CODE_THRESHOLD, TEXT_THRESHOLD
from ..safe_output.spreadsheet import csv_text

EXPLANATION = f"""\
<p>这里列出的是<strong>供教师查看的线索，不是结论</strong>：\
相似或相符都可能另有原因（一起讨论、参考同一份材料、
巧合）。按强弱排序；每条都附上两边的原文和两份笔记本的链接。/ \
What follows is <strong>evidence for the
instructor to look at, not a finding</strong>: similar or matching work can have other reasons \
(studying
together, the same source, chance). Strongest first; each item shows both excerpts and links to both
notebooks.</p>
<ul>
<li><strong>{html.escape(KIND_NAMES["other_data"])}</strong>：\
某个答案在自己的数据上不对，却正好等于用另一位同学的数据
（或套件默认数据）算出的正确答案。它说明数字从哪里来，不能说明是谁给的；同学本人可能毫不知情。/ \
An answer that is wrong
on the student's own data equals the right answer on another student's data \
(or the kit's default data). It shows
where the numbers came from, not who gave them: the classmate may know nothing of it.</li>
<li><strong>{html.escape(KIND_NAMES["similar_code"])}</strong>：\
去掉起始代码、教师答案和全班常见写法后，一方至少
{CODE_THRESHOLD:.0%} 的代码与另一方相同（改变量名、注释不影响）。\
简短、显而易见的写法不会被列出。不能说明谁抄了谁。/
After leaving out the starter code, the instructor's solution and what much of the class wrote, \
at least
{CODE_THRESHOLD:.0%} of one student's code is the other's \
(renamed variables and comments do not hide it). Short,
obvious solutions are not listed. It cannot tell who copied whom.</li>
<li><strong>{html.escape(KIND_NAMES["similar_text"])}</strong>：\
去掉题目、参考要点和全班常见的字句后，较短的回答至少
{TEXT_THRESHOLD:.0%} 的三字片段与对方相同（中文、英文都适用）。\
改写了几个词的段落会被发现，观点相同而措辞不同的不会。/
After leaving out the prompt, the reference points and phrases much of the class used, \
at least {TEXT_THRESHOLD:.0%}
of the shorter answer's three-character pieces are the other's \
(works for Chinese and English). A paragraph with a
few words changed is found; the same idea in different words is not.</li>
<li><strong>{html.escape(KIND_NAMES["published_solution"])}</strong>：\
套件默认学期的参考答案是公开的。去掉变量名、排版和常数后，整份作业至少
{published.THRESHOLD:.0%} 的代码与它相同（只改了常数的抄写会被发现；一两题写法相同不会）。\
也可能是学生照着公开的笔记本自己写的。/
The kit's default-term solution is public. With names, layout and constants taken out, at least
{published.THRESHOLD:.0%} of the assignment's code is the published solution's (a copy with only \
its constants changed is found; one or two tasks written the same way are not). The student may \
also have followed the published notebook closely on their own.</li>
</ul>
"""


NOT_A_STUDENT = {
    DEFAULT_DATA: "默认数据 / default data",
    PUBLISHED_SOLUTION: "公开的参考答案 / published solution",
}


def _people(item: Evidence) -> tuple[str, str]:
    return item.student, NOT_A_STUDENT.get(item.other, item.other)


def integrity_values(
    evidence: Sequence[Evidence], link: Callable[[str, str], str | None]
) -> dict[str, object]:
    """What ``templates/integrity_section.html.j2`` (section 4 of the report) shows: the
    explanation and, per piece of evidence, its names and each person's link
    (``link(assignment, student)``, a relative URL)."""
    rows = []
    for item in evidence:
        people = [
            (shown, link(item.assignment, person) if person not in NOT_A_STUDENT else None)
            for person, shown in zip((item.student, item.other), _people(item), strict=True)
        ]
        rows.append(
            {
                "item": item,
                "strength": STRENGTH_NAMES[item.strength],
                "kind": KIND_NAMES[item.kind],
                "people": people,
            }
        )
    # The kit's own HTML: EXPLANATION is fixed wording with the kit's names escaped into it;
    # nothing in it comes from a student.
    return {"explanation": Markup(EXPLANATION), "evidence": rows}


def integrity_csv(evidence: Sequence[Evidence]) -> str:
    """``integrity.csv`` as text: one row per piece of evidence, strongest first; every cell safe
    to open in a spreadsheet, the excerpts keeping their lines."""
    lines: list[list[object]] = [
        [
            "strength",
            "signal",
            "assignment",
            "task",
            "student",
            "other",
            "score",
            "detail",
            "excerpt",
            "other_excerpt",
        ]
    ]
    lines += [
        [
            item.strength,
            item.kind,
            item.assignment,
            item.task,
            item.student,
            item.other,
            item.score,
            item.detail,
            item.excerpt,
            item.other_excerpt,
        ]
        for item in evidence
    ]
    return csv_text(lines, lines=True)
