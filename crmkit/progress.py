"""Progress of a long step: a bar on a terminal, plain lines everywhere else.

A progress bar drawn into a log file or a CI console is noise, and no bar at all leaves a
minute-long step silent (it looks hung). So off a terminal each step prints one line every
``every`` items and one at the end: per assignment or case, per ten notebooks or data variants.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sized

# What each step and its items are called, in Chinese first.
STEPS = {
    "generate": "生成学生版",
    "autograde": "自动评分",
    "feedback": "写反馈",
    "integrity": "诚信检查",
    "build": "生成数据",
    "validate": "检查数据",
    "try": "试评",
}
UNITS = {
    "nb": ("份", "notebooks"),
    "case": ("个案例", "cases"),
    "assignment": ("个作业", "assignments"),
    "variant": ("份学生数据", "students' data"),
}
PER_ITEM = ("case", "assignment")  # few and slow: a line for each


def progress(
    items: Iterable, desc: str, unit: str = "nb", every: int | None = None, lines: bool = True
) -> Iterable:
    """``items``, reporting how many are done: a tqdm bar on a terminal, else a line every
    ``every`` items (default: 10 notebooks, or every case or assignment) and at the end;
    ``lines=False`` for a step that prints a line per item itself."""
    total = len(items) if isinstance(items, Sized) else None
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr)
    if not lines:
        return items
    return _lines(items, desc, unit, total, every or (1 if unit in PER_ITEM else 10))


def _lines(items: Iterable, desc: str, unit: str, total: int | None, every: int) -> Iterator:
    started = time.perf_counter()
    zh_unit, en_unit = UNITS.get(unit, ("", unit))
    of = f"/{total}" if total is not None else ""

    def say(done: int) -> None:
        print(
            f"{STEPS.get(desc, desc)} / {desc}: {done}{of} {zh_unit} / {en_unit} "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    done = 0
    for item in items:
        yield item
        done += 1
        if done % every == 0 or done == total:
            say(done)
    if done % every and done != total:
        say(done)  # the last few, when the total was not known
