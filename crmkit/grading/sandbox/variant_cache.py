"""A read-only folder that hands a student's generated datasets to the kernels that grade them.

Generating a student's variant of a case takes 0.05-0.2 s; a class's assignments load the same
cases again and again, and each notebook is graded in two kernels. So while grading, the grader
itself (never a kernel) generates each student's variants once per run (:func:`store`, called by
:mod:`crmkit.grading.run.student_data`) and gives the kernels grading that student a folder holding
only that student's files, read-only inside the sandbox (``/grading/cache``). When the kernel
factory lets a kernel go, before any student code runs, :func:`preload` puts the tables found
there among the tables the kernel keeps in memory (:func:`crmkit.datasets.keep_generated`), so
its ``load(case, student=...)`` hands out copies of them; anything not there is generated as
usual. No kernel can write the folder, so nothing a student's kernel does reaches the test kernel
through it. ``load()`` itself has no grading code path.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pandas as pd

from ...files import atomic_write


def file_name(case: str, seed: int, student: str, n_customers: int) -> str:
    """The name the tables of this variant have in a cache folder."""
    key = f"{case}\x1f{seed}\x1f{student}\x1f{n_customers}".encode()
    return f"{case}-{hashlib.sha256(key).hexdigest()[:24]}.pickle"


def read(
    folder: Path, case: str, seed: int, student: str, n_customers: int
) -> dict[str, pd.DataFrame] | None:
    """The tables the grader left in ``folder`` for this variant (``student`` normalised),
    else None."""
    try:
        with open(Path(folder) / file_name(case, seed, student, n_customers), "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - written by the grader, read-only here
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def preload(folder: Path, student: str) -> list[str]:
    """Keep in this process the variants the grader left in ``folder`` for ``student`` (the
    default seed and size, as :class:`~crmkit.grading.run.student_data.VariantStore` makes them);
    returns the cases found. Run by the kernel factory in each grading kernel."""
    from ...datasets import CASES, DEFAULT_SEED, keep_generated
    from ...datasets.seeding import normalise_student_id

    who = normalise_student_id(student)
    found: list[str] = []
    if not who:
        return found
    for case, spec in CASES.items():
        size = spec.default_customers
        try:
            tables = read(folder, case, DEFAULT_SEED, who, size)
        except Exception:  # noqa: BLE001 - the kernel generates it itself (and says why not)
            tables = None
        if tables is not None:
            keep_generated(case, tables, seed=DEFAULT_SEED, student=who, n_customers=size)
            found.append(case)
    return found


def store(folder: Path, case: str, seed: int, student: str, n_customers: int, tables: dict) -> Path:
    """Write this variant's tables into ``folder`` (the grader's; whole or not at all)."""
    target = Path(folder) / file_name(case, seed, student, n_customers)
    with atomic_write(target, permissions=0o644) as partial, open(partial, "wb") as out:
        pickle.dump(tables, out, protocol=5)
    return target
