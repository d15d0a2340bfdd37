"""What the class report's integrity section costs, and how it grows with the class.

    python benchmarks/integrity_class.py            # classes of 50 … 300 students
    python benchmarks/integrity_class.py --quick    # 50 and 100 only

Three parts, each timed here:

* **Similar code and written answers** for one task, on a made-up class: implementations drawn
  from a few typical ways to solve the task, names changed at random, a few pairs copied.
  Baseline, measured in the same run: comparing every pair with copydetect (n² / 2 pairs). The
  kit's way compares only pairs that share a rare fingerprint (an inverted index), so it grows
  with the pairs that look alike, not with all pairs.
* **Answers on other students' data** for one task: every student's answer looked up among every
  variant's expected answer through a hash index (linear in the class).
* **Expected answers** (the solution run on each student's data, kept for later runs): measured
  on the real course for a few students and scaled to the class (linear; the figure printed says
  so).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crmkit.course import plain_data  # noqa: E402
from crmkit.grading.integrity import similarity  # noqa: E402
from crmkit.grading.integrity.other_data import other_data_evidence  # noqa: E402

# Each step of the task has several ways students write it; a student's code picks one per step,
# in an order of their own, so two independent students rarely write the same thing.
STEPS = {
    "r": [
        "{r} = (DAY - {v}.groupby('customer_id')['visited_on'].max()).dt.days",
        "{r} = {v}.groupby('customer_id')['visited_on'].agg(lambda s: (DAY - s.max()).days)",
        "last_{r} = {v}.sort_values('visited_on').groupby('customer_id').tail(1)"
        ".set_index('customer_id')['visited_on']\n"
        "{r} = (DAY - last_{r}).dt.days",
        "{r} = {v}.pivot_table(index='customer_id', values='visited_on', aggfunc='max')"
        ".iloc[:, 0].rsub(DAY).dt.days",
    ],
    "f": [
        "{f} = {v}.drop_duplicates(['customer_id', 'visited_on']).groupby('customer_id').size()",
        "{f} = {v}.groupby('customer_id')['visited_on'].nunique()",
        "{f} = {v}.groupby(['customer_id', 'visited_on']).size().groupby(level=0).size()",
        "{f} = {v}[['customer_id', 'visited_on']].drop_duplicates()['customer_id'].value_counts()",
    ],
    "m": [
        "{m} = {v}.groupby('customer_id')['price_yuan'].sum()",
        "{m} = {v}.pivot_table(index='customer_id', values='price_yuan', aggfunc='sum')"
        "['price_yuan']",
        "{m} = {v}.groupby('customer_id').agg(total=('price_yuan', 'sum'))['total']",
        "{m} = pd.Series({{c: g['price_yuan'].sum() for c, g in {v}.groupby('customer_id')}})",
    ],
    "c": [
        "rfm = pd.concat({{'recency_days': {r}, 'frequency': {f}, 'monetary': {m}}}, axis=1)",
        "rfm = pd.DataFrame({{'recency_days': {r}, 'frequency': {f}, 'monetary': {m}}})",
        "rfm = {r}.rename('recency_days').to_frame()"
        ".join({f}.rename('frequency')).join({m}.rename('monetary'))",
    ],
}


EXTRAS = [
    "rfm = rfm.sort_index()",
    "rfm = rfm.astype({{'frequency': int}})",
    "rfm.index.name = 'customer_id'",
    "print(rfm.shape)",
    "rfm = rfm.fillna(0)",
    "rfm = rfm[rfm['frequency'] > 0]",
    "rfm = rfm.round(2)",
    "assert rfm.index.is_unique",
    "rfm = rfm.loc[:, ['recency_days', 'frequency', 'monetary']]",
    "{v} = {v}.copy()",
    "{v}['visited_on'] = pd.to_datetime({v}['visited_on'])",
    "print(len({v}))",
]


def one_way(rng: random.Random, names: list[str]) -> str:
    """One student's code: a way per step, in their own order, with a few extra
    lines of their own."""
    order = ["r", "f", "m"]
    rng.shuffle(order)
    lines = [rng.choice(STEPS[step]) for step in order] + [rng.choice(STEPS["c"])]
    for extra in rng.sample(EXTRAS, rng.randint(1, 3)):
        lines.insert(rng.randint(0, len(lines)), extra)
    return "\n".join(lines).format(v="visits", r=names[0], f=names[1], m=names[2]) + "\n"


NAMES = [
    "x",
    "tmp",
    "table",
    "data",
    "df",
    "d",
    "result",
    "per",
    "summary",
    "agg",
    "out",
    "res",
    "frame",
    "grp",
]
WORDS = (
    "顾客 流失 漏斗 成交率 保持率 预算 新客户 老客户 终身价值 获客成本 促销 会员 钱包份额 满意度 "
    "推荐 复购 门店 期货 营业部 手续费"
).split()


def made_up_class(n: int, rng: random.Random) -> tuple[dict[str, str], dict[str, str]]:
    """Code and written answers of ``n`` students; every tenth student copies the
    one before, renamed."""
    codes, texts = {}, {}
    for i in range(n):
        student = f"s{i:03d}"
        if i % 10 == 9:  # a copy, renamed
            source = f"s{i - 1:03d}"
            codes[student] = "# 我的写法 / my way\n" + codes[source].replace("visits", "v").replace(
                "rfm", "rfm_table"
            )
            texts[student] = texts[source].replace("我认为", "我觉得")
            continue
        codes[student] = one_way(rng, rng.sample(NAMES, 3))
        texts[student] = (
            "我认为" + "，".join("".join(rng.sample(WORDS, 4)) for _ in range(12)) + "。"
        )
    return codes, texts


def all_pairs(codes: dict[str, str]) -> int:
    """The baseline: copydetect on every pair; how many pairs pass the kit's thresholds."""
    from copydetect import compare_files

    prints = {s: similarity._fingerprint(c) for s, c in codes.items()}
    found = 0
    students = sorted(prints)
    for i, first in enumerate(students):
        for second in students[i + 1 :]:
            overlap, (a, b), _ = compare_files(prints[first], prints[second])
            found += (
                overlap >= similarity.CODE_MIN_TOKENS and max(a, b) >= similarity.CODE_THRESHOLD
            )
    return found


def expected_cost(students: int) -> float:
    """Seconds of one process per student and assignment, running the solution on their data."""
    from crmkit.grading.demo.class_term import prepare_demo_course
    from crmkit.grading.integrity.expected import expected_answers

    folder = Path(tempfile.mkdtemp(prefix="crmkit-bench-integrity-"))
    try:
        course = prepare_demo_course(REPO / "exercises", folder / "course")
        began = time.perf_counter()
        expected_answers(course, "segmentation", [f"b{i:03d}" for i in range(students)], jobs=1)
        return (time.perf_counter() - began) / students
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sizes = [50, 100] if args.quick else [50, 100, 200, 300]
    rng = random.Random(2024)
    print(
        "planted: every tenth student copies the one before (renamed); 'all pairs' counts every "
        "pair above the thresholds, most of them students who happened to write alike"
    )
    print(
        f"{'students':>8} {'pairs':>7} {'all pairs s':>11} {'kit s':>7} {'ratio':>6} "
        f"{'planted':>7} {'kit found':>9} {'all pairs':>9} {'text s':>7} {'other data s':>12}"
    )
    for n in sizes:
        codes, texts = made_up_class(n, rng)
        began = time.perf_counter()
        baseline_found = all_pairs(codes)
        baseline = time.perf_counter() - began
        began = time.perf_counter()
        kit = similarity.code_evidence("a", "rfm", codes, "", "", class_size=n)
        ours = time.perf_counter() - began
        began = time.perf_counter()
        similarity.text_evidence("a", "discussion", texts, "", "", class_size=n)
        text_seconds = time.perf_counter() - began
        expected = {
            f"s{i:03d}": {
                "nb": {
                    "t_tests": {"answers": {"x": plain_data.encode(0.3 + i / 997)}, "widgets": {}}
                }
            }
            for i in range(n)
        }
        handed = {
            s: {"nb": {"t_tests": expected[f"s{(int(s[1:]) + 1) % n:03d}"]["nb"]["t_tests"]}}
            for s in expected
        }
        began = time.perf_counter()
        other_data_evidence("a", expected, handed, {s: {"t_tests"} for s in expected})
        other_seconds = time.perf_counter() - began
        pairs = n * (n - 1) // 2
        planted = {(f"s{i - 1:03d}", f"s{i:03d}") for i in range(9, n, 10)}
        caught = sum(item.pair in planted for item in kit)
        print(
            f"{n:>8} {pairs:>7} {baseline:>11.2f} {ours:>7.2f} {baseline / ours:>5.1f}x "
            f"{len(planted):>7} {caught:>4} +{len(kit) - caught:<4} {baseline_found:>9} "
            f"{text_seconds:>7.2f} {other_seconds:>12.3f}",
            flush=True,
        )
    per_student = expected_cost(4 if args.quick else 8)
    print(
        f"expected answers: {per_student:.2f} s per student and assignment on one core (measured "
        "on the real course); a class of 300, three assignments, two cores: about "
        f"{per_student * 300 * 3 / 2 / 60:.1f} min the first time, "
        "then kept (later reports reuse them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
