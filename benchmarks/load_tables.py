"""How long ``load(case)`` takes the first time and again, against reading the CSVs each time.

    python benchmarks/load_tables.py              # every case, 5 rounds
    python benchmarks/load_tables.py --rounds 9

The baseline, measured in the same run and interleaved with the loads, reads and types every CSV
of the case the way ``load()`` did before it kept tables in memory (``csvio.read_table``). Each
round forgets the kept tables, then calls ``load(case)`` (first call: read and keep), then again
(second call: copies of what is kept) and ``load(case, table)`` for one table. Target (issue 23):
a second call under 10 ms. The figures vary with the machine's load; compare the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time

TARGET_SECOND_MS = 10.0


def measure(case: str, rounds: int) -> dict:
    from crmkit.datasets import CASES, csvio, data_dir, load, memory

    spec = CASES[case]
    folder = data_dir() / spec.key
    one_table = spec.tables[-1].name
    timings: dict[str, list[float]] = {"baseline": [], "first": [], "second": [], "one": []}
    for _ in range(rounds):
        started = time.perf_counter()
        for table in spec.tables:
            csvio.read_table(folder / f"{table.name}.csv", table)
        timings["baseline"].append(time.perf_counter() - started)
        memory.clear()
        for name, call in (
            ("first", lambda: load(case)),
            ("second", lambda: load(case)),
            ("one", lambda: load(case, one_table)),
        ):
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def main() -> None:
    from crmkit.datasets import CASES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case (default 5)")
    args = parser.parse_args()
    print(
        "load(case): first call, second call and one table again, against reading the CSVs "
        f"each time (baseline); medians of {args.rounds} rounds; target second call "
        f"< {TARGET_SECOND_MS:.0f} ms"
    )
    header = (
        f"{'case':<24} {'baseline':>10} {'first':>10} {'second':>10} {'one table':>10} "
        f"{'baseline / second':>18}"
    )
    print(header)
    print("-" * len(header))
    slowest = 0.0
    for case in CASES:
        row = measure(case, args.rounds)
        slowest = max(slowest, row["second"], row["one"])
        print(
            f"{case:<24} {row['baseline']:>7.0f} ms {row['first']:>7.0f} ms "
            f"{row['second']:>7.2f} ms {row['one']:>7.2f} ms "
            f"{row['baseline'] / row['second']:>17.0f}×"
        )
    verdict = "under target" if slowest < TARGET_SECOND_MS else "OVER TARGET"
    print(f"slowest second call: {slowest:.2f} ms ({verdict})")


if __name__ == "__main__":
    main()
