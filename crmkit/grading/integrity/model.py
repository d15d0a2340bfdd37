"""One piece of evidence for the instructor: which students, which task, what was seen."""

from __future__ import annotations

from dataclasses import dataclass

# How much an item says, strongest first; the report sorts by it.
STRONG, MEDIUM, WEAK = 3, 2, 1
STRENGTH_NAMES = {STRONG: "强 / strong", MEDIUM: "中 / medium", WEAK: "弱 / weak"}

OTHER_DATA = "other_data"  # an answer computed on someone else's data
SIMILAR_CODE = "similar_code"
SIMILAR_TEXT = "similar_text"
PUBLISHED = "published_solution"  # code close to the kit's public default solution
KIND_NAMES = {
    OTHER_DATA: "答案与别人的数据相符 / answer fits another student's data",
    SIMILAR_CODE: "代码高度相似 / very similar code",
    SIMILAR_TEXT: "书面回答高度相似 / very similar written answers",
    PUBLISHED: "与公开的参考答案相近 / close to the published solution",
}
DEFAULT_DATA = "(default)"  # the variant of the kit's default, unpersonalised data
PUBLISHED_SOLUTION = "(published)"  # the kit's public default-term solution, as the "other"


@dataclass(frozen=True)
class Evidence:
    """What was seen: ``student`` (and ``other``, a classmate or :data:`DEFAULT_DATA`) on one task.

    ``score`` is the measured strength (share of shared content, or the number of matching
    answers); ``detail`` says it in one bilingual line; the excerpts are what the instructor
    compares side by side.
    """

    kind: str
    assignment: str
    task: str
    student: str
    other: str
    strength: int
    score: float
    detail: str
    excerpt: str = ""
    other_excerpt: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        first, second = sorted((self.student, self.other))
        return first, second
