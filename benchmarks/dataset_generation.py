"""How fast the case datasets are generated and written, against a row-by-row baseline.

    # every case, default size and 1,000,000 customers
    python benchmarks/dataset_generation.py
    # quicker
    python benchmarks/dataset_generation.py --sizes 20000

Each (case, size) runs in a fresh process so that its peak memory is its own. The baseline,
measured in the same run, builds the retail case's visits row by row with Python's `random`
(the way a Faker-per-row generator works); the ratio compares event rows per second.
Targets on the 2-core reference machine: ≥ 1,000,000 event rows/s; a 1,000,000-customer build
(generate + write CSV) of any case in under 30 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def measure_case(case: str, n_customers: int) -> dict:
    """Generate and write one case; runs inside the child process."""
    from crmkit.datasets import csvio
    from crmkit.datasets.registry import get_case
    from crmkit.datasets.seeding import rng_for

    spec = get_case(case)
    started = time.perf_counter()
    tables = spec.generate(rng_for(case), n_customers)
    generated = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for table in spec.tables:
            csvio.write_table(tables[table.name], table, Path(folder))
        written = time.perf_counter()
        megabytes = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1e6
    rows = sum(len(df) for df in tables.values())
    return {
        "case": case,
        "customers": n_customers,
        "rows": rows,
        "event_rows": rows - len(tables[spec.customer_table]),
        "generate_s": generated - started,
        "write_s": written - generated,
        "csv_mb": megabytes,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def row_by_row_visits(n_customers: int, seed: int = 1) -> int:
    """The baseline: retail visits made one row at a time, as a per-row faker would."""
    import pandas as pd

    rng = random.Random(seed)
    visits_per_state = {"potential": 3, "first_time": 4, "repeat": 7, "loyal": 11}
    conversion = {"potential": 0.06, "first_time": 0.15, "repeat": 0.50, "loyal": 0.50}
    rows = []
    for number in range(1, n_customers + 1):
        state = rng.choices(list(visits_per_state), weights=[36, 20, 29, 15])[0]
        for _ in range(visits_per_state[state]):
            rows.append(
                {
                    "visit_id": f"V{len(rows) + 1:06d}",
                    "shopper_id": f"P{number:05d}",
                    "store_id": f"W{rng.randint(1, 12):03d}",
                    "visited_on": date(2012, 1, 1) + timedelta(days=rng.randrange(366)),
                    "promotion_id": None,
                    "purchased": rng.random() < conversion[state],
                }
            )
    pd.DataFrame(rows)
    return len(rows)


def run_child(case: str, n_customers: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", case, str(n_customers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", nargs="*", default=None)
    parser.add_argument(
        "--sizes",
        default="default,1000000",
        help="comma-separated sizes; 'default' = each case's own",
    )
    parser.add_argument("--baseline-customers", type=int, default=20_000)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_case(args.child[0], int(args.child[1]))))
        return

    from crmkit.datasets import CASES

    started = time.perf_counter()
    baseline_rows = row_by_row_visits(args.baseline_customers)
    baseline_rate = baseline_rows / (time.perf_counter() - started)
    print(
        f"baseline (row by row, retail visits, {args.baseline_customers:,} customers): "
        f"{baseline_rows:,} rows, {baseline_rate:,.0f} rows/s"
    )
    print()
    header = (
        f"{'case':<24}{'customers':>11}{'event rows':>12}{'gen s':>8}{'write s':>9}{'build s':>9}"
        f"{'event rows/s':>14}{'× baseline':>12}{'peak MB':>9}{'CSV MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for case in args.cases or list(CASES):
        for size in args.sizes.split(","):
            n = CASES[case].default_customers if size == "default" else int(size)
            r = run_child(case, n)
            rate = r["event_rows"] / r["generate_s"]
            print(
                f"{case:<24}{n:>11,}{r['event_rows']:>12,}"
                f"{r['generate_s']:>8.2f}{r['write_s']:>9.2f}{r['generate_s'] + r['write_s']:>9.2f}"
                f"{rate:>14,.0f}{rate / baseline_rate:>11.0f}×"
                f"{r['peak_mb']:>9,.0f}{r['csv_mb']:>8.1f}"
            )


if __name__ == "__main__":
    main()
