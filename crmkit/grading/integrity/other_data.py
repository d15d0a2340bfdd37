"""Answers that fail on the student's own data but are what another student's data give.

Every student's data differ, so a number pasted from a classmate fails. The grader kept what each
student's answers were (:mod:`crmkit.grading.run.answer_store`) and :mod:`.expected` knows the right
answer on every student's data; an answer that failed and equals another variant's right answer
says whose data it came from.

Answers are compared by value, as canonical text: tables and series by their sorted index,
numbers to 6 significant digits (:func:`canonical`). A number that matches only to 3 significant
digits (someone copied a rounded printout) counts only when two such answers point at the same
classmate. An answer whose right value is the same for many students (a conceptual widget) says
nothing and is skipped.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from ..run import plain_data_decode
from ..run.test_cells import SentAnswers
from .model import DEFAULT_DATA, MEDIUM, OTHER_DATA, STRONG, WEAK, Evidence

EXACT_DIGITS, ROUGH_DIGITS = 6, 3
MAX_OWNERS = 2  # an answer that fits more variants than this is not a sign of whose data it is


def _round(number: float, digits: int) -> float | str:
    if math.isnan(number) or math.isinf(number):
        return str(number)
    return float(f"{number:.{digits}g}")


def _normal(value, digits: int):
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        frame = value.sort_index(kind="stable")
        return {
            "frame": [
                [_normal(label, digits), [_normal(v, digits) for v in row]]
                for label, row in zip(frame.index.tolist(), frame.to_numpy().tolist(), strict=True)
            ]
        }
    if isinstance(value, pd.Series):
        series = value.sort_index(kind="stable")
        return {"series": [[_normal(k, digits), _normal(v, digits)] for k, v in series.items()]}
    if isinstance(value, pd.Index):
        return {"index": sorted((_normal(v, digits) for v in value.tolist()), key=json.dumps)}
    if isinstance(value, np.ndarray):
        return [_normal(v, digits) for v in value.tolist()]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _round(float(value), digits)
    if isinstance(value, (list, tuple)):
        return [_normal(v, digits) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_normal(v, digits) for v in value), key=json.dumps)
    if isinstance(value, dict):
        return sorted(
            ([_normal(k, digits), _normal(v, digits)] for k, v in value.items()), key=json.dumps
        )
    return str(value)


def canonical(data, digits: int = EXACT_DIGITS) -> str:
    """Plain data (as sent by a kernel) as text that is equal for equal values."""
    return json.dumps(_normal(plain_data_decode.decode(data), digits), sort_keys=True, default=str)


def is_number(data) -> bool:
    return isinstance(data, (int, float)) and not isinstance(data, bool)


def _values(sent: Mapping) -> dict[str, object]:
    """Answers and widget values the tests saw, by name."""
    return {
        **sent.get("answers", {}),
        **{f"{k} (widget)": v for k, v in sent.get("widgets", {}).items()},
    }


# what a class's answers are, in the shape of expected.expected_answers and
# answer_store.stored_answers: {variant or student: {notebook: {grade_id: what the test saw}}}
ClassAnswers = Mapping[str, Mapping[str, Mapping[str, SentAnswers]]]


class Place(NamedTuple):
    """One answer of one task: where it is and its value as :func:`canonical` text."""

    notebook: str
    grade_id: str
    name: str
    value: str


class Hit(NamedTuple):
    """A wrong answer of a student that is what another variant's data give."""

    grade_id: str
    name: str
    rough: bool  # equal only to ROUGH_DIGITS significant digits
    table: bool  # a table, series or list, not one number or word


class Pair(NamedTuple):
    student: str
    other: str  # whose data the answers fit: a classmate or DEFAULT_DATA


@dataclass
class VariantAnswers:
    """Which variants give each answer, exactly and (numbers) after rounding."""

    exact: dict[Place, set[str]] = field(default_factory=lambda: defaultdict(set))
    rough: dict[Place, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, expected: ClassAnswers) -> VariantAnswers:
        index = cls()
        for variant, notebooks in expected.items():
            for notebook, tests in notebooks.items():
                for grade_id, sent in tests.items():
                    for name, data in _values(sent).items():
                        place = Place(notebook, grade_id, name, canonical(data))
                        index.exact[place].add(variant)
                        if is_number(data):
                            rough = place._replace(value=canonical(data, ROUGH_DIGITS))
                            index.rough[rough].add(variant)
        return index

    def owners(self, place: Place, data: object, student: str) -> tuple[set[str], bool]:
        """The variants other than ``student``'s own that give the answer ``data`` at ``place``,
        and whether only after rounding."""
        owners = self.exact.get(place, set()) - {student}
        if owners or not is_number(data):
            return owners, False
        rough = place._replace(value=canonical(data, ROUGH_DIGITS))
        return self.rough.get(rough, set()) - {student}, True


def _hits(
    expected: ClassAnswers,
    handed_in: ClassAnswers,
    lost_points: Mapping[str, set[str]],
    index: VariantAnswers,
) -> dict[Pair, list[Hit]]:
    """Each lost task's wrong answers that fit one or two other variants, by student and other."""
    found: dict[Pair, list[Hit]] = defaultdict(list)
    for student, notebooks in handed_in.items():
        own_right = expected.get(student, {})
        for notebook, tests in notebooks.items():
            for grade_id, sent in tests.items():
                if grade_id not in lost_points.get(student, set()):
                    continue
                right = _values(own_right.get(notebook, {}).get(grade_id, {}))
                for name, data in _values(sent).items():
                    value = canonical(data)
                    if name in right and canonical(right[name]) == value:
                        continue  # this one is right; another part of the task failed
                    place = Place(notebook, grade_id, name, value)
                    owners, rough = index.owners(place, data, student)
                    if 1 <= len(owners) <= MAX_OWNERS:
                        table = isinstance(data, (dict, list))
                        for other in owners:
                            found[Pair(student, other)].append(Hit(grade_id, name, rough, table))
    return found


def _strength(hits: list[Hit]) -> int | None:
    """How much a pair's hits say: a table or two exact answers, one exact number, two rounded
    numbers; None for one rounded number alone."""
    exact = [hit for hit in hits if not hit.rough]
    if any(hit.table for hit in exact) or len(exact) >= 2:
        return STRONG
    if exact:
        return MEDIUM
    if len(hits) >= 2:
        return WEAK
    return None


def _evidence(assignment: str, pair: Pair, hits: list[Hit], strength: int) -> Evidence:
    tasks = sorted({hit.grade_id.removesuffix("_tests") for hit in hits})
    names = ", ".join(sorted({hit.name for hit in hits}))
    whose = "默认数据 / the default data" if pair.other == DEFAULT_DATA else pair.other
    return Evidence(
        OTHER_DATA,
        assignment,
        ", ".join(tasks),
        pair.student,
        pair.other,
        strength,
        float(len(hits)),
        f"{names}：与 {whose} 的数据算出的结果相同 / equal to what {whose}'s data give"
        + ("（四舍五入后 / after rounding）" if all(hit.rough for hit in hits) else ""),
    )


def other_data_evidence(
    assignment: str,
    expected: ClassAnswers,
    handed_in: ClassAnswers,
    lost_points: Mapping[str, set[str]],
) -> list[Evidence]:
    """Evidence of answers computed on someone else's data.

    ``expected`` is ``{variant: {notebook: {grade_id: sent}}}`` (:mod:`.expected`), ``handed_in``
    the same for what each student's tests saw, ``lost_points`` the test cells each student lost
    points on (only those are looked at).
    """
    hits = _hits(expected, handed_in, lost_points, VariantAnswers.of(expected))
    evidence = []
    for pair, found in hits.items():
        strength = _strength(found)
        if strength is not None:
            evidence.append(_evidence(assignment, pair, found, strength))
    return evidence
