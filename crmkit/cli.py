"""The ``crmkit`` command: build and validate the datasets; generate, grade and export the course.

Every error a user can cause ends in one bilingual line and a non-zero exit status; no Python
traceback reaches the terminal (set CRMKIT_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib.util import find_spec
from pathlib import Path

from .errors import CrmkitError
from .grading.safe_output.inert import inert

# What `pip install "crmkit[grading]"` adds (pyproject.toml); a student's plain install has
# none of them, and `crmkit data ...` needs none.
GRADING_PACKAGES = ("nbgrader", "psycopg", "copydetect", "nh3", "latex2mathml")
NEEDS_GRADING = (
    '这是教师的评分命令，需要先安装评分工具：pip install "crmkit[grading]" / '
    "This is an instructor's grading command; install the grading tools first: "
    'pip install "crmkit[grading]"'
)


def _progress(items, desc: str, unit: str):
    """A bar on a terminal; elsewhere nothing more: each case prints its own line."""
    from .progress import progress

    return progress(items, desc, unit, lines=False)


def cmd_data_build(args: argparse.Namespace) -> int:
    from .datasets import build, generate, get_case
    from .datasets.registry import CASES, check_size

    keys = args.cases or list(CASES)
    specs = [get_case(key) for key in keys]  # check every name before writing anything
    if args.customers is not None:
        check_size(args.customers)
    out = Path(args.out)
    rows_total = 0
    started = time.perf_counter()
    for spec in _progress(specs, desc="build", unit="case"):
        folder = build(spec.key, out, seed=args.seed, n_customers=args.customers)
        tables = generate(spec.key, seed=args.seed, n_customers=args.customers)
        rows = sum(len(df) for df in tables.values())
        rows_total += rows
        size = sum(p.stat().st_size for p in folder.glob("*.csv"))
        print(
            f"{spec.key:<24} {len(tables)} tables {rows:>10,} rows {size / 1e6:7.2f} MB"
            f"  -> {folder}"
        )
    print(
        f"完成 / done: {len(specs)} cases, {rows_total:,} rows in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_data_validate(args: argparse.Namespace) -> int:
    from .datasets import data_dir
    from .datasets.validation import case_folders, check_folder, is_kit_data

    root = Path(args.dir) if args.dir else data_dir()
    folders = case_folders(root, args.case)
    failed = 0
    for spec, folder in _progress(folders, desc="validate", unit="case"):
        check = check_folder(folder, spec, args.tables)
        if check.problems:
            failed += 1
            print(f"✗ {spec.key} ({folder}): {len(check.problems)} 个问题 / problem(s)")
            for problem in check.problems:
                print(f"  {problem}")
        else:
            print(
                f"✓ {spec.key}: {len(check.present)} 张表符合数据字典 / "
                f"{len(check.present)} table(s) fit the data dictionary"
                + (
                    f" ({', '.join(check.present)})"
                    if len(check.present) < len(spec.tables)
                    else ""
                )
            )
        for note in check.notes:
            print(f"  注意 / note: {note}")
    if failed:
        if is_kit_data(root) or all(is_kit_data(folder) for _, folder in folders):
            advice = (
                "修正所列的行，或运行 `crmkit data build` 重新生成套件的数据 / "
                "Fix the rows listed, or regenerate the kit's data with `crmkit data build`"
            )
        else:
            advice = (
                "按每行所说改好 CSV，再运行同一条命令；列和取值见数据字典 "
                "datasets/<案例>/README.md / "
                "Fix each line above in your CSVs and run this command again; the columns and "
                "values are in the data dictionary, datasets/<case>/README.md"
            )
        print(f"{failed} 个文件夹有问题 / {failed} folder(s) have problems. {advice}")
        return 1
    return 0


def _positive_or_any_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' 不是整数 / is not a whole number") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crmkit", description="CRM Casebook 工具 / tools for the CRM Casebook kit"
    )
    sub = p.add_subparsers(dest="group", metavar="{data,course}")
    sub.required = True
    data = sub.add_parser("data", help="生成和检查数据集 / build and validate the datasets")
    data_sub = data.add_subparsers(dest="command", metavar="{build,validate}")
    data_sub.required = True

    build = data_sub.add_parser("build", help="从种子生成数据集 / generate datasets from the seed")
    build.add_argument("cases", nargs="*", metavar="CASE", help="案例 / cases (default: all)")
    build.add_argument(
        "--customers",
        type=_positive_or_any_int,
        help="客户数 / number of customers (default: each case's)",
    )
    build.add_argument(
        "--seed", type=_positive_or_any_int, default=None, help="随机种子 / random seed"
    )
    build.add_argument(
        "--out", default=None, help="输出文件夹 / output folder (default: the kit's datasets/)"
    )
    build.set_defaults(func=cmd_data_build)

    validate = data_sub.add_parser(
        "validate",
        help="按数据字典检查 CSV / check CSVs against the data dictionary",
        description=(
            "按套件的数据字典逐行检查文件夹里的 CSV（不需要 datapackage.json），"
            "每个问题一行：文件、行、列和原因。笔记本要读而文件夹里没有的表算作问题；用不到的表只作提示。案例笔记本"
            "（notebooks/0N_<案例>.ipynb）读该案例的每一张表；只读几张表时（load(案例, 表, "
            "folder=...)）用 --tables 列出它们。/ Checks the CSVs in FOLDER against the kit's data "
            "dictionary, row by row (no datapackage.json needed), one line per problem: file, row, "
            "column and why. A table the notebook at hand reads but the folder lacks is a problem; "
            "one it does not read is a note. A case's notebook (notebooks/0N_<case>.ipynb) reads "
            "every table of its case; when yours reads only some (load(case, table, "
            "folder=...)), name them with --tables."
        ),
    )
    validate.add_argument(
        "dir",
        nargs="?",
        metavar="FOLDER",
        help="数据文件夹：一个案例的 CSV，或每个案例一个子文件夹 / "
        "data folder: one case's CSVs, or one subfolder per case (default: the kit's datasets/)",
    )
    validate.add_argument(
        "--case",
        default=None,
        help="文件夹里是哪个案例的表（默认按文件夹名或文件名判断）/ the case whose tables FOLDER "
        "holds (default: told by the folder's or the files' names)",
    )
    validate.add_argument(
        "--tables",
        nargs="+",
        default=None,
        metavar="TABLE",
        help="你的笔记本读的表；其余缺少的表只作提示 / the tables your notebook reads; other "
        "missing tables are notes (default: every table, as the case's notebook reads them all)",
    )
    validate.set_defaults(func=cmd_data_validate)

    if find_spec("nbgrader") is not None:
        # the grading side is imported only here, when it is installed
        from .grading.cli import add_course_commands

        add_course_commands(sub)
    else:
        # without the extra every `crmkit course ...` (its --help too) says what to install
        course = sub.add_parser(
            "course",
            help='nbgrader 练习课程（需要 pip install "crmkit[grading]"）/ the nbgrader '
            'exercise course (needs pip install "crmkit[grading]")',
            add_help=False,
            prefix_chars="\0",  # --help and any option are words like the rest
        )
        course.add_argument("rest", nargs="*")
        course.set_defaults(func=_needs_grading)
    return p


def _needs_grading(args: argparse.Namespace) -> int:
    raise CrmkitError(NEEDS_GRADING)


def _missing_grading_package(error: ModuleNotFoundError) -> bool:
    return (error.name or "").partition(".")[0] in GRADING_PACKAGES


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "out", "unset") is None:
        from .datasets import data_dir

        args.out = str(data_dir())
    try:
        return args.func(args)
    except CrmkitError as error:
        print(f"crmkit: {inert(error)}", file=sys.stderr)  # it may name a student's file
        return error.exit_code
    except KeyboardInterrupt:
        print("crmkit: 已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: say so in one line unless debugging
        if os.environ.get("CRMKIT_DEBUG"):
            raise
        if isinstance(error, ModuleNotFoundError) and _missing_grading_package(error):
            # nbgrader is there but another package of the extra is not
            print(f"crmkit: {NEEDS_GRADING} (缺少 / missing: {error.name})", file=sys.stderr)
            return 1
        print(
            f"crmkit: 内部错误 / internal error: {type(error).__name__}: {inert(error)}. "
            "请用 CRMKIT_DEBUG=1 重试并报告 / Rerun with CRMKIT_DEBUG=1 and report it",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
