"""A read-only folder that hands a student's generated datasets to the kernels that grade them.

Generating a student's variant of a case takes 0.05-0.2 s; a class's assignments load the same
cases again and again, and each notebook is graded in two kernels. So while grading, the grader
itself (never a kernel) generates each student's variants once per run (:func:`store`) and gives
the kernels grading that student a folder holding only that student's files, read-only inside
the sandbox (``CRMKIT_DATA_CACHE=<folder>``). :func:`read` takes the tables from it; anything
not there is generated as usual. No kernel can write the folder, so nothing a student's kernel
does reaches the test kernel through it. Outside grading the variable is unset and nothing is
cached on disk.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pandas as pd

from ..files import atomic_write

ENV = "CRMKIT_DATA_CACHE"


def file_name(case: str, seed: int, student: str, n_customers: int) -> str:
    """The name the tables of this variant have in a cache folder."""
    key = f"{case}\x1f{seed}\x1f{student}\x1f{n_customers}".encode()
    return f"{case}-{hashlib.sha256(key).hexdigest()[:24]}.pickle"


def read(case: str, seed: int, student: str, n_customers: int) -> dict[str, pd.DataFrame] | None:
    """The tables the grader left for this variant (``student`` normalised), else None."""
    folder = os.environ.get(ENV, "")
    if not folder:
        return None
    try:
        with open(Path(folder) / file_name(case, seed, student, n_customers), "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - written by the grader, read-only here
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def store(folder: Path, case: str, seed: int, student: str, n_customers: int, tables: dict) -> Path:
    """Write this variant's tables into ``folder`` (the grader's; whole or not at all)."""
    target = Path(folder) / file_name(case, seed, student, n_customers)
    with atomic_write(target, permissions=0o644) as partial, open(partial, "wb") as out:
        pickle.dump(tables, out, protocol=5)
    return target
