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

from ..run import plain_data_decode
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


def other_data_evidence(
    assignment: str,
    expected: Mapping[str, Mapping],
    handed_in: Mapping[str, Mapping],
    lost_points: Mapping[str, set[str]],
) -> list[Evidence]:
    """Evidence of answers computed on someone else's data.

    ``expected`` is ``{variant: {notebook: {grade_id: sent}}}`` (:mod:`.expected`), ``handed_in``
    the same for what each student's tests saw, ``lost_points`` the test cells each student lost
    points on (only those are looked at).
    """
    exact: dict[tuple, set[str]] = defaultdict(set)
    rough: dict[tuple, set[str]] = defaultdict(set)
    for variant, notebooks in expected.items():
        for notebook, tests in notebooks.items():
            for grade_id, sent in tests.items():
                for name, data in _values(sent).items():
                    exact[(notebook, grade_id, name, canonical(data))].add(variant)
                    if is_number(data):
                        rough[(notebook, grade_id, name, canonical(data, ROUGH_DIGITS))].add(
                            variant
                        )
    found: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(
        list
    )  # (student, other) -> hits
    for student, notebooks in handed_in.items():
        own_right = expected.get(student, {})
        for notebook, tests in notebooks.items():
            for grade_id, sent in tests.items():
                if grade_id not in lost_points.get(student, set()):
                    continue
                right = _values(own_right.get(notebook, {}).get(grade_id, {}))
                for name, data in _values(sent).items():
                    key = canonical(data)
                    if name in right and canonical(right[name]) == key:
                        continue  # this one is right; another part of the task failed
                    owners = exact.get((notebook, grade_id, name, key), set()) - {student}
                    is_rough = False
                    if not owners and is_number(data):
                        owners = rough.get(
                            (notebook, grade_id, name, canonical(data, ROUGH_DIGITS)), set()
                        ) - {student}
                        is_rough = True
                    if 1 <= len(owners) <= MAX_OWNERS:
                        for other in owners:
                            found[(student, other)].append((grade_id, name, is_rough))
    evidence = []
    for (student, other), hits in found.items():
        exact_hits = [h for h in hits if not h[2]]
        tables = [h for h in exact_hits if not _scalar(handed_in, student, h)]
        if tables or len(exact_hits) >= 2:
            strength = STRONG
        elif exact_hits:
            strength = MEDIUM
        elif len(hits) >= 2:
            strength = WEAK
        else:
            continue
        tasks = sorted({grade_id.removesuffix("_tests") for grade_id, _, _ in hits})
        names = ", ".join(sorted({name for _, name, _ in hits}))
        whose = "默认数据 / the default data" if other == DEFAULT_DATA else other
        evidence.append(
            Evidence(
                OTHER_DATA,
                assignment,
                ", ".join(tasks),
                student,
                other,
                strength,
                float(len(hits)),
                f"{names}：与 {whose} 的数据算出的结果相同 / equal to what {whose}'s data give"
                + ("（四舍五入后 / after rounding）" if not exact_hits else ""),
            )
        )
    return evidence


def _scalar(handed_in: Mapping, student: str, hit: tuple[str, str, bool]) -> bool:
    grade_id, name, _ = hit
    for tests in handed_in.get(student, {}).values():
        data = _values(tests.get(grade_id, {})).get(name)
        if data is not None:
            return not isinstance(data, (dict, list))
    return True
