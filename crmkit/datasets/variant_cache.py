"""A folder that passes one student's generated datasets from the grader's test kernel to their own.

While grading, the test kernel (which never runs student code) loads the student's data first and
writes it here; the student's kernel then reads it instead of generating it again, which halves
the cost of per-student data. ``CRMKIT_DATA_CACHE`` is ``<folder>:write`` in the test kernel and
``<folder>:read`` in the student's: the test kernel never reads the folder, so nothing the
student's kernel could put there reaches a test. Outside grading the variable is unset and
nothing is cached on disk.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import pandas as pd

ENV = "CRMKIT_DATA_CACHE"


def _setting() -> tuple[Path, str] | None:
    value = os.environ.get(ENV, "")
    folder, _, mode = value.rpartition(":")
    if not folder or mode not in ("read", "write"):
        return None
    return Path(folder), mode


def _path(folder: Path, case: str, seed: int, student: str, n_customers: int) -> Path:
    key = hashlib.sha256(f"{case}\x1f{seed}\x1f{student}\x1f{n_customers}".encode()).hexdigest()[
        :24
    ]
    return folder / f"{case}-{key}.pickle"


def read(case: str, seed: int, student: str, n_customers: int) -> dict[str, pd.DataFrame] | None:
    """The tables the test kernel left for this variant, in ``read`` mode; else None."""
    setting = _setting()
    if setting is None or setting[1] != "read":
        return None
    try:
        with open(_path(setting[0], case, seed, student, n_customers), "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def write(
    case: str, seed: int, student: str, n_customers: int, tables: dict[str, pd.DataFrame]
) -> None:
    """Leave this variant's tables for the student's kernel, in ``write`` mode."""
    setting = _setting()
    if setting is None or setting[1] != "write":
        return
    target = _path(setting[0], case, seed, student, n_customers)
    try:
        handle, temporary = tempfile.mkstemp(dir=setting[0], prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(tables, out, protocol=5)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError:
        pass  # a cache only: the student's kernel generates the data itself
