"""Copied work in the demo class, for the report's integrity section to find.

Four kinds of copying; three are between two students of the class:

- **pasted numbers** (loyalty, task ``clv``): a student types in the three numbers a classmate's
  notebook printed. They fail on the student's own data and are exactly what the classmate's data
  give.
- **shared code** (complaints, task ``service``): two students hand in the same way of solving the
  task, which is not the instructor's, one of them with the names changed and a comment added.
- **shared text** (segmentation, written answer ``discussion``): two students hand in the same
  written answer, one of them reworded a little.
- **the published solution** (segmentation, every task): a student hands in the kit's public
  default solution with its constants changed to the term's. It earns full marks, since the term
  asks for those constants; only the integrity section can show where it came from.

And one thing that must *not* be found: two honest students who both wrote the obvious short
solution of loyalty's ``repeat`` task (it is too short to say anything).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PASTED, SHARED_CODE, SHARED_TEXT, OWN_SHORT = "pasted", "shared_code", "shared_text", "own_short"
PUBLISHED_COPY = "published_copy"
COPY_KINDS = (PASTED, SHARED_CODE, SHARED_TEXT, OWN_SHORT, PUBLISHED_COPY)


@dataclass(frozen=True)
class CopyCase:
    """One kind of copying (or of honest look-alike work) on ``task`` of ``assignment``."""

    kind: str
    assignment: str
    task: str


COPY_CASES = (
    CopyCase(PASTED, "loyalty", "clv"),
    CopyCase(OWN_SHORT, "loyalty", "repeat"),
    CopyCase(SHARED_CODE, "complaints", "service"),
    CopyCase(SHARED_TEXT, "segmentation", "discussion"),
    CopyCase(PUBLISHED_COPY, "segmentation", ""),
)
# The answers a pasting student typed in: the ones the classmate's notebook printed.
PASTED_ANSWERS = ("retention_rate", "annual_margin", "clv")

# The code of the copy cases is in the course's exercises/answers/copies/ (templates rendered for
# the demo's term), like the vetted answers: the package holds no line of a solution.
SHARED_CODE_FILE = ("complaints", "service__by_assign")
SHORT_CODE_FILE = ("loyalty", "repeat__short")
# the names a classmate changes in the shared code, and the comment they add
RENAMES = (("elapsed", "hours_until"), ("column", "col"), ("table", "df"))
RENAMED_COMMENT = "# 按渠道汇总 / summary per channel\n"
DISCUSSION = (
    "我认为大额一次性顾客值得专门跟进。3.2 的结果显示这类顾客只有十几位，"
    "却占了已完成销售额的一小部分，他们可能只是送礼，也可能是高潜力客户。"
    "我会安排专人电话回访，第二单给个性化推荐，再看三个月内有没有回购。"
    "天富期货的前 20% 客户占了大约三分之二的权益，比手续费分散，"
    "所以八二法则要看用哪个指标。除了资金量，我还会看交易频率和开户年限。"
)
DISCUSSION_REWORDED = (
    "我觉得大额一次性顾客值得专门跟进。3.2 的结果显示这类顾客只有十几位，"
    "却占了已完成销售额的一小部分，他们有可能只是送礼，也可能是高潜力客户。"
    "我会安排专人电话回访，第二单给个性化推荐，然后看三个月内有没有回购。"
    "天富期货前 20% 的客户占了大约三分之二的权益，比手续费分散，"
    "因此八二法则要看用哪个指标。除了资金量，还可以看交易频率和开户年限。"
)


def pasted_code(values: dict[str, float]) -> str:
    """The answer cell of a student who typed in a classmate's printed numbers."""
    lines = ["# 同学发来的结果 / the results a classmate sent"]
    lines += [f"{name} = {float(values[name])!r}" for name in PASTED_ANSWERS]
    return "\n".join(lines) + "\n"


def answer_of(kind: str, first: bool, answers: Path) -> str:
    """The answer handed in for a copy case (``first`` of the pair, or the other one), as a
    template to render for the term; ``answers`` is the course's ``exercises/answers``."""
    if kind == SHARED_CODE:
        code = _copy_file(answers, *SHARED_CODE_FILE)
        if first:
            return code
        for old, new in RENAMES:
            code = code.replace(old, new)
        return RENAMED_COMMENT + code
    if kind == SHARED_TEXT:
        return DISCUSSION if first else DISCUSSION_REWORDED
    if kind == OWN_SHORT:
        return _copy_file(answers, *SHORT_CODE_FILE)
    raise ValueError(f"no fixed answer for {kind}")


def _copy_file(answers: Path, assignment: str, name: str) -> str:
    return (answers / "copies" / assignment / f"{name}.py").read_text(encoding="utf-8")
