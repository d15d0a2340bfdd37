"""The case datasets: generated from a seed, committed as CSV, loaded in one line.

>>> from crmkit.datasets import load
>>> visits = load("retail_chain", "visits")            # the committed default data
>>> mine = load("retail_chain", "visits", student="s01") # this student's own variant

Tables are read or generated once per process and kept (bounded, see :mod:`.memory`); every call
returns its own copy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from . import csvio, memory
from .registry import CASES, check_size, get_case, get_table
from .schema import Case
from .seeding import DEFAULT_SEED, normalise_student_id, rng_for

__all__ = ["CASES", "DEFAULT_SEED", "load", "labels", "generate", "build", "data_dir"]


# An installed wheel carries the committed datasets as crmkit/data/; a checkout has datasets/.
PACKAGED_DATA = Path(__file__).resolve().parents[1] / "data"
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "datasets"


def data_dir() -> Path:
    """Where the committed CSVs live: ``$CRMKIT_DATA_DIR``, else the datasets installed with the
    kit (``crmkit/data``), else the ``datasets/`` folder of a checkout."""
    if os.environ.get("CRMKIT_DATA_DIR"):
        return Path(os.environ["CRMKIT_DATA_DIR"])
    return PACKAGED_DATA if PACKAGED_DATA.is_dir() else CHECKOUT_DATA


def generate(
    case: str,
    *,
    seed: int | None = None,
    student: str | None = None,
    n_customers: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate every table of ``case`` in memory, with the dtypes :func:`load` gives."""
    spec = get_case(case)
    size = spec.default_customers if n_customers is None else check_size(n_customers)
    student = None if student is None else _checked_student(student)
    seed = DEFAULT_SEED if seed is None else int(seed)
    return memory.tables(
        _generated_key(spec.key, seed, student, size),
        lambda: build_tables(spec.key, seed, student, size),
    )


def keep_generated(
    case: str, tables: dict[str, pd.DataFrame], *, seed: int, student: str | None, n_customers: int
) -> None:
    """Keep ``tables`` as what :func:`generate` makes for ``case`` with these options
    (``student`` normalised): later calls hand out copies of them instead of generating. The
    grader gives its kernels the variants it made once this way
    (``crmkit.grading.sandbox.variant_cache``)."""
    memory.keep(_generated_key(case, seed, student, n_customers), tables)


def _generated_key(case: str, seed: int, student: str | None, n_customers: int) -> tuple:
    return ("generated", case, seed, student, n_customers)


def _checked_student(student: object) -> str:
    """The normalised student id; an empty one is an error that says what to type."""
    normalised = normalise_student_id(student)
    if not normalised:
        from ..errors import UsageError

        raise UsageError(
            f'学号是空的（student={student!r}）：填你自己的学号，例如 load("retail_chain", '
            'student="2023012345") / '
            f"The student id is empty (student={student!r}): give your own, "
            f'e.g. load("retail_chain", student="2023012345")'
        )
    return normalised


def build_tables(
    case: str, seed: int, student: str | None, n_customers: int
) -> dict[str, pd.DataFrame]:
    """Generate every table of ``case`` (a registered key; ``student`` normalised), nothing
    kept or looked up: what :func:`generate` keeps, and what the grader hands its kernels."""
    spec = CASES[case]
    raw = spec.generate(rng_for(case, seed, student), n_customers, variant=student is not None)
    return {t.name: csvio.apply_dtypes(raw[t.name].reset_index(drop=True), t) for t in spec.tables}


def load(
    case: str,
    table: str | None = None,
    *,
    seed: int | None = None,
    student: str | None = None,
    n_customers: int | None = None,
    folder: str | Path | None = None,
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """One table of a case as a DataFrame, or all its tables as a dict of DataFrames.

    With no options it reads the committed CSVs in ``datasets/<case>/``. ``student`` gives that
    student's own variant (same columns and lessons, the student's own values of the case's
    figures within the spread the data dictionary states, always the same for the same id);
    ``seed`` and ``n_customers`` generate other draws or sizes. ``folder`` reads
    an instructor's own CSVs that follow the case's data dictionary (``datasets/<case>/README.md``);
    a CSV that does not fit gets a message naming the missing or wrong columns.
    """
    spec = get_case(case)
    tables = [get_table(spec, table)] if table is not None else list(spec.tables)
    if folder is not None:
        return _read_folder(Path(folder), spec, tables, table)
    folder = data_dir() / spec.key
    if seed is None and student is None and n_customers is None and folder.is_dir():
        check = _check_command(folder, spec.key, table)
        frames = {t.name: _read_csv(folder / f"{t.name}.csv", spec, t, check) for t in tables}
    else:
        generated = generate(case, seed=seed, student=student, n_customers=n_customers)
        frames = {t.name: generated[t.name] for t in tables}
    return frames[table] if table is not None else frames


def labels(case: str, table: str, field: str) -> dict[str, str]:
    """The Chinese label of each code of a categorical field: ``{"existing": "现有客户", …}``.

    Handy for charts: ``counts.rename(labels("futures_broker", "clients", "status"))``.
    """
    spec = get_case(case)
    column = get_table(spec, table)
    if field not in column.field_names:
        from ..errors import unknown_name

        raise unknown_name("字段", "field", field, column.field_names)
    return dict(column.field(field).enum or {})


def _check_command(folder: Path, case: str, table: str | None) -> str:
    """The ``crmkit data validate`` command for what this ``load`` call reads."""
    return f"crmkit data validate {folder} --case {case}" + (
        f" --tables {table}" if table is not None else ""
    )


def _read_folder(folder: Path, spec: Case, tables: list, table: str | None):
    check = _check_command(folder, spec.key, table)
    frames = {t.name: _read_csv(folder / f"{t.name}.csv", spec, t, check) for t in tables}
    return frames[table] if table is not None else frames


def _read_csv(path: Path, spec: Case, table, check: str = "") -> pd.DataFrame:
    """The CSV read as ``table`` of case ``spec``: from memory while the file is unchanged;
    ``check`` is the validate command an error names."""
    key = memory.csv_key(path, spec.key, table.name)
    if key is None:
        return csvio.read_table(path, table, check)  # not kept (see memory.csv_key)
    return memory.tables(key, lambda: {table.name: csvio.read_table(path, table, check)})[
        table.name
    ]


def build(
    case: str, out_dir: Path | str, *, seed: int | None = None, n_customers: int | None = None
) -> Path:
    """Write ``case``'s CSVs, ``datapackage.json`` and data dictionary to ``out_dir/<case>/``."""
    from .dictionary import data_dictionary_markdown

    spec = get_case(case)
    folder = Path(out_dir) / spec.key
    folder.mkdir(parents=True, exist_ok=True)
    tables = generate(case, seed=seed, n_customers=n_customers)
    for t in spec.tables:
        csvio.write_table(tables[t.name], t, folder)
    (folder / "datapackage.json").write_text(datapackage_json(spec), encoding="utf-8")
    (folder / "README.md").write_text(data_dictionary_markdown(spec), encoding="utf-8")
    return folder


def datapackage_json(spec: Case) -> str:
    return json.dumps(spec.descriptor(), ensure_ascii=False, indent=2) + "\n"
