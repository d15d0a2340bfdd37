"""Signs of copied work: answers on someone else's data, similar code, similar written answers.

The signals are computed from plain data here (no grading run needed);
tests/test_nbgrader_demo_term.py checks them on a class graded by the real grader.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from crmkit.course import plain_data
from crmkit.grading.integrity.fingerprint import code_fingerprint
from crmkit.grading.integrity.model import (
    DEFAULT_DATA,
    MEDIUM,
    OTHER_DATA,
    SIMILAR_CODE,
    SIMILAR_TEXT,
    STRONG,
    WEAK,
)
from crmkit.grading.integrity.other_data import canonical, other_data_evidence
from crmkit.grading.integrity.similarity import code_evidence, pieces, student_part, text_evidence
from crmkit.grading.report.integrity_section import integrity_csv, integrity_values
from crmkit.grading.report.page_templates import render_template


def sent(**answers) -> dict:
    return {
        "answers": {name: plain_data.encode(value) for name, value in answers.items()},
        "widgets": {},
    }


def frame(seed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"f": [seed, seed + 1, seed + 2], "m": [seed * 1.5, 2.25, 3.125]}, index=["a", "b", "c"]
    )


# ---------------------------------------------------------------- answers on someone else's data


def expected_for(students):
    return {
        s: {
            "nb": {
                "rfm_tests": sent(rfm=frame(i)),
                "rate_tests": sent(rate=0.3 + i / 1000 + 1e-7 * i),
            }
        }
        for i, s in enumerate(students, start=1)
    }


def test_canonical_text_ignores_row_order_and_float_noise():
    shuffled = frame(1).iloc[::-1]
    assert canonical(plain_data.encode(shuffled)) == canonical(plain_data.encode(frame(1)))
    assert canonical(plain_data.encode(0.1 + 0.2)) == canonical(plain_data.encode(0.3))
    assert canonical(plain_data.encode(frame(1))) != canonical(plain_data.encode(frame(2)))


def test_a_table_computed_on_a_classmates_data_names_the_classmate():
    students = ["s1", "s2", "s3", "s4"]
    expected = expected_for(students)
    expected[DEFAULT_DATA] = {
        "nb": {"rfm_tests": sent(rfm=frame(99)), "rate_tests": sent(rate=0.5)}
    }
    handed_in = {
        "s1": expected["s1"]["nb"] and {"nb": expected["s1"]["nb"]},  # right
        "s2": {
            "nb": {
                "rfm_tests": expected["s3"]["nb"]["rfm_tests"],
                "rate_tests": expected["s2"]["nb"]["rate_tests"],
            }
        },
        "s4": {"nb": {"rfm_tests": expected[DEFAULT_DATA]["nb"]["rfm_tests"]}},
    }
    lost = {"s1": set(), "s2": {"rfm_tests"}, "s4": {"rfm_tests"}}
    found = other_data_evidence("seg", expected, handed_in, lost)
    by_student = {e.student: e for e in found}
    assert set(by_student) == {"s2", "s4"}
    assert (
        by_student["s2"].other == "s3"
        and by_student["s2"].strength == STRONG
        and by_student["s2"].kind == OTHER_DATA
    )
    assert by_student["s4"].other == DEFAULT_DATA and "default data" in by_student["s4"].detail


def test_pasted_numbers_count_by_precision_and_number():
    students = [f"s{i}" for i in range(1, 8)]
    expected = expected_for(students)
    exact = {"nb": {"rate_tests": expected["s5"]["nb"]["rate_tests"]}}
    rounded = {"nb": {"rate_tests": sent(rate=round(0.3 + 5 / 1000, 3))}}
    assert [
        e.strength
        for e in other_data_evidence("a", expected, {"s1": exact}, {"s1": {"rate_tests"}})
    ] == [MEDIUM]
    # one number that fits only after rounding is too weak a sign on its own
    assert other_data_evidence("a", expected, {"s1": rounded}, {"s1": {"rate_tests"}}) == []


def test_two_rounded_numbers_from_the_same_classmate_are_a_weak_sign():
    expected = {
        s: {"nb": {"a_tests": sent(x=0.1 + i / 7), "b_tests": sent(y=2.0 + i / 11)}}
        for i, s in enumerate(["s1", "s2", "s3"], start=1)
    }
    handed_in = {
        "s1": {
            "nb": {
                "a_tests": sent(x=round(0.1 + 2 / 7, 3)),
                "b_tests": sent(y=round(2.0 + 2 / 11, 3)),
            }
        }
    }
    (item,) = other_data_evidence("a", expected, handed_in, {"s1": {"a_tests", "b_tests"}})
    assert item.other == "s2" and item.strength == WEAK and "rounding" in item.detail


def test_passed_tasks_and_answers_that_fit_everyone_say_nothing():
    students = ["s1", "s2", "s3", "s4"]
    expected = {s: {"nb": {"w_tests": sent(w="same for all")}} for s in students}
    handed_in = {"s1": {"nb": {"w_tests": sent(w="same for all")}}}
    assert other_data_evidence("a", expected, handed_in, {"s1": {"w_tests"}}) == []
    mine = expected_for(students)
    copied = {"s1": {"nb": {"rfm_tests": mine["s2"]["nb"]["rfm_tests"]}}}
    assert other_data_evidence("a", mine, copied, {"s1": set()}) == []  # it passed: not looked at


# ---------------------------------------------------------------- similar code

STARTER = (
    "REFERENCE_DAY = pd.Timestamp('2013-12-31')\n# 在这里写代码 / YOUR CODE HERE\n"
    "raise NotImplementedError()\nrfm.head()"
)
REFERENCE = (
    "rfm = visits.groupby('customer_id').agg(last_visit=('visited_on', 'max'),\n"
    "    frequency=('visit_id', 'size'), monetary=('price_yuan', 'sum'))\n"
    "rfm['recency_days'] = (REFERENCE_DAY - rfm['last_visit']).dt.days\n"
    "rfm = rfm[['recency_days', 'frequency', 'monetary']]"
)
LOOPED = """\
rows = {}
for customer, group in visits.groupby("customer_id"):
    last = group["visited_on"].max()
    days = group["visited_on"].dt.normalize().nunique()
    money = 0.0
    for price in group["price_yuan"]:
        money += price
    rows[customer] = {"recency_days": (REFERENCE_DAY - last).days, "frequency": days, \
"monetary": money}
rfm = pd.DataFrame.from_dict(rows, orient="index")
rfm.index.name = "customer_id"
rfm = rfm.sort_index()
"""
RENAMED = (
    LOOPED.replace("rows", "table")
    .replace("customer", "cid")
    .replace("group", "g")
    .replace("money", "total")
    .replace("last", "latest")
    .replace("days", "n_days")
)
OTHER = """\
per_day = visits.drop_duplicates(["customer_id", "visited_on"])
frequency = per_day.groupby("customer_id").size()
monetary = visits.pivot_table(index="customer_id", values="price_yuan", aggfunc="sum")["price_yuan"]
recency = (REFERENCE_DAY - visits.groupby("customer_id")["visited_on"].max()).dt.days
rfm = pd.concat({"recency_days": recency, "frequency": frequency, "monetary": monetary}, axis=1)
"""
SHORT = (
    "repeat_rate = (orders[orders['status'] == 'completed'].groupby('customer_id').size() >= 2)"
    ".mean()"
)


def test_code_with_renamed_variables_is_found():
    codes = {"s1": LOOPED, "s2": RENAMED, "s3": OTHER, "s4": REFERENCE}
    (item,) = code_evidence("seg", "rfm", codes, STARTER, REFERENCE, class_size=12)
    assert item.pair == ("s1", "s2") and item.kind == SIMILAR_CODE and item.score >= 0.8
    assert "for" in item.excerpt and "for" in item.other_excerpt


def test_the_obvious_short_solution_written_twice_is_not_a_pair():
    codes = {"s1": SHORT, "s2": SHORT.replace("repeat_rate", "repeat_purchase_rate"), "s3": OTHER}
    assert code_evidence("loy", "repeat", codes, "", "", class_size=12) == []


def test_the_instructors_solution_and_what_everyone_writes_are_left_out():
    codes = {f"s{i}": REFERENCE for i in range(1, 6)} | {"s6": LOOPED}
    assert code_evidence("seg", "rfm", codes, STARTER, REFERENCE, class_size=12) == []
    common = {f"s{i}": LOOPED for i in range(1, 5)}  # four of twelve wrote the same: common
    assert code_evidence("seg", "rfm", common, STARTER, REFERENCE, class_size=12) == []


def test_the_students_part_leaves_out_the_starter_lines():
    cell = STARTER.replace("# 在这里写代码 / YOUR CODE HERE\nraise NotImplementedError()", LOOPED)
    assert student_part(cell, STARTER) == LOOPED.strip()


# Run in a fresh interpreter: the figures of a pair, as the report prints them.
PAIR_FIGURES = """
import json, sys
from crmkit.grading.integrity.similarity import code_evidence
codes, starter, reference = json.load(sys.stdin)
for item in code_evidence("seg", "rfm", codes, starter, reference, class_size=12):
    print(item.pair, item.score, item.detail)
"""


def test_code_similarity_is_the_same_in_every_process():
    """Python salts ``hash()`` per process; the figures must not depend on it."""
    pair = json.dumps([{"s1": LOOPED, "s2": RENAMED, "s3": OTHER}, STARTER, REFERENCE])
    runs = [
        subprocess.run(
            [sys.executable, "-c", PAIR_FIGURES],
            input=pair,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0].startswith("('s1', 's2') ") and runs[0].count("\n") == 1
    assert runs[0] == runs[1]


def test_leaving_out_fingerprints_the_code_does_not_have_changes_nothing():
    repeated = LOOPED + LOOPED.replace("rows", "more_rows")  # fingerprints in two places each
    alone = code_fingerprint(repeated, 12, 4)
    assert any(len(places) > 1 for places in alone.hash_idx.values())
    unrelated = code_fingerprint(OTHER, 12, 4).hashes - alone.hashes
    assert unrelated
    left_out = code_fingerprint(repeated, 12, 4, boilerplate=unrelated)
    assert left_out.hash_idx == alone.hash_idx
    assert left_out.token_coverage == alone.token_coverage


# ---------------------------------------------------------------- similar written answers

PROMPT = "在这里作答 / YOUR ANSWER HERE"
ANSWER = (
    "我认为门店不应该停止吸引新客户。我的漏斗显示，每一层都在流失顾客，而天富期货每年大约有一成多的客户销户，"
    "所以如果只服务老客户，客户总数会越来越少。网店的客户终身价值说明，一个能留下来的新客户值得投入。"
    "预算分配时，我会比较获客成本和终身价值，并看各状态的成交率和保持率。"
)
REWORDED = (
    "我觉得门店不该停止吸引新客户。我的漏斗显示，每一层都在流失顾客，而天富期货每年大约有一成多的客户销户，"
    "因此如果只服务老客户，客户总数会越来越少。网店的客户终身价值说明，一个能留下来的新客户值得投入。"
    "分配预算时，我会比较获客成本和终身价值，再看各状态的成交率和保持率。"
)
OWN = (
    "应该继续吸引新客户，但要有重点。潜在客户成交率低，可以用促销日和会员卡把第一次购买变成第二次；"
    "老客户的钱包份额还有提升空间。我会先算每个状态每花一元营销费带来的毛利，再决定比例，并每季度复查。"
)


def test_a_reworded_chinese_answer_is_found_and_different_ones_are_not():
    texts = {"s1": ANSWER, "s2": REWORDED, "s3": OWN}
    (item,) = text_evidence("loy", "discussion", texts, PROMPT, "", class_size=12)
    assert item.pair == ("s1", "s2") and item.kind == SIMILAR_TEXT and item.score >= 0.6
    assert text_evidence("loy", "discussion", {"s1": ANSWER, "s3": OWN}, PROMPT, "", 12) == []


def test_pieces_ignore_case_spaces_and_punctuation():
    assert pieces("Share of Wallet，钱包份额！") == pieces("share of wallet 钱包 份额")


# ---------------------------------------------------------------- in the report


def integrity_html(evidence, link) -> str:
    """The report's section 4 on its own: ``link(assignment, student)`` gives a notebook's URL."""
    return render_template("integrity_section.html.j2", **integrity_values(evidence, link))


def test_the_integrity_section_is_neutral_escaped_and_linked():
    codes = {"s1": LOOPED, "<b>s2</b>": RENAMED}
    evidence = code_evidence("seg", "rfm", codes, STARTER, REFERENCE, class_size=12)
    page = integrity_html(
        evidence, lambda assignment, student: f"../autograded/{student}/{assignment}/x.ipynb"
    )
    assert "<b>s2</b>" not in page and "&lt;b&gt;s2&lt;/b&gt;" in page
    assert "not a finding" in page and "cheat" not in page.lower() and "作弊" not in page
    assert page.count('href="../autograded/') == 2 and "side by side" in page
    rows = list(__import__("csv").reader(integrity_csv(evidence).splitlines()))
    assert (
        rows[0][:6] == ["strength", "signal", "assignment", "task", "student", "other"]
        and len(rows) == 2
    )
    assert json.dumps(integrity_html([], lambda a, s: None)).count("Nothing to look at") == 1


def test_integrity_csv_cells_never_start_a_spreadsheet_formula():
    hostile = "-cmd|' /C calc'!A0+0"
    texts = {"s1": hostile + ANSWER, "s2": hostile + REWORDED}
    (item,) = text_evidence("loy", "discussion", texts, PROMPT, "", class_size=12)
    row = next(csv.reader(io.StringIO(integrity_csv([item]).split("\n", 1)[1])))
    assert row[8].startswith("'-cmd|") and row[9].startswith("'-cmd|")


@pytest.mark.parametrize("kind", [OTHER_DATA, SIMILAR_CODE, SIMILAR_TEXT, "published_solution"])
def test_every_signal_is_explained_in_the_report(kind):
    import html

    from crmkit.grading.integrity.model import KIND_NAMES
    from crmkit.grading.report.integrity_section import EXPLANATION

    assert html.escape(KIND_NAMES[kind]) in EXPLANATION


# ---------------------------------------------------------------- the published solution


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _task_codes(notebook: dict, release: dict) -> dict[str, str]:
    """{task: the student's part of its answer cell} of a notebook, as the report reads them."""
    given = {
        c["metadata"]["nbgrader"]["grade_id"]: _source(c)
        for c in release["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }
    return {
        c["metadata"]["nbgrader"]["grade_id"].removesuffix("_answer"): student_part(
            _source(c), given.get(c["metadata"]["nbgrader"]["grade_id"], "")
        )
        for c in notebook["cells"]
        if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")
    }


@pytest.mark.parametrize("assignment", ["segmentation", "complaints", "loyalty"])
def test_the_published_solution_with_a_terms_constants_is_found_and_own_work_is_not(assignment):
    """The published (default) solution handed in with a drawn term's constants, renamed and
    reformatted, is listed; notebooks put together from the vetted right answers (each task
    written another way) are not, nor is one task of the published solution on its own."""
    from pathlib import Path

    from crmkit.grading.integrity.published import published_evidence
    from crmkit.grading.release.task_parameters import declared_parameters, draw_values
    from crmkit.grading.release.task_templates import render_text
    from crmkit.grading.release.term import course_context, render_assignment

    exercises = Path(__file__).resolve().parents[1] / "exercises"
    release = json.loads((exercises / "release" / assignment / f"{assignment}.ipynb").read_text())
    published = _task_codes(render_assignment(exercises / "templates", assignment), release)
    declared = declared_parameters(exercises / "templates", assignment)
    term = render_assignment(
        exercises / "templates", assignment, draw_values(declared, assignment, seed=3)
    )
    copied = _task_codes(term, release)
    renamed = {
        task: code.replace("completed", "done_orders").replace("    ", "  ")
        for task, code in copied.items()
    }
    for codes in (copied, renamed):
        found = published_evidence(assignment, "s1", codes, published)
        assert found is not None and found.score >= 0.9 and found.other == "(published)"
        assert found.excerpt and found.other_excerpt
    # one short task written exactly like the solution is what an honest student may write too
    shortest = min((t for t in copied if copied[t].strip()), key=lambda t: len(copied[t]))
    assert published_evidence(assignment, "s1", {shortest: copied[shortest]}, published) is None
    context = course_context(exercises, assignment)
    right = exercises / "answers" / "right" / assignment
    for variant in range(2):
        own = {}
        for task in published:
            ways = sorted(right.glob(f"{task}__*.py"))
            if ways:
                own[task] = render_text(ways[variant % len(ways)].read_text(), context)
        assert published_evidence(assignment, "s2", own, published) is None, variant
