"""The data dictionary, written once in Python.

Each case module declares its tables with :class:`Field` and :class:`Table`; from that one
declaration come the Frictionless ``datapackage.json``, the Markdown data dictionary, the
pandas dtypes of :func:`crmkit.datasets.load` and the CSV formatting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime"]

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Excel recognises this; ISO 'T' it shows as text
CSV_ENCODING = "utf-8-sig"  # the byte-order mark makes Excel read the Chinese text as UTF-8


@dataclass(frozen=True)
class Field:
    """One column: its type, meaning in Chinese and English, unit and constraints."""

    name: str
    type: FieldType
    zh: str
    en: str
    unit: str | None = None
    required: bool = True
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    # allowed values, in display order, each with its Chinese label
    enum: dict[str, str] | None = None
    ordered: bool = False  # the enum has an order (tiers, bands), kept in the categorical

    def descriptor(self) -> dict:
        """The Frictionless field descriptor."""
        out: dict = {
            "name": self.name,
            "type": self.type,
            "description": f"{self.zh} / {self.en}",
        }
        if self.type == "datetime":
            out["format"] = DATETIME_FORMAT
        if self.unit:
            out["unit"] = self.unit
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if self.enum:
            constraints["enum"] = list(self.enum)
            out["enumLabels"] = dict(self.enum)
        if constraints:
            out["constraints"] = constraints
        return out

    def pandas_dtype(self):
        """The dtype :func:`crmkit.datasets.load` gives this column."""
        if self.enum:
            return pd.CategoricalDtype(list(self.enum), ordered=self.ordered)
        return {
            "string": "str",  # pandas' own text dtype: missing values are NaN, counts stay int64
            "integer": "int64" if self.required else "Int64",
            "number": "float64",
            "boolean": "bool" if self.required else "boolean",
            "date": "datetime64[ns]",
            "datetime": "datetime64[ns]",
        }[self.type]


@dataclass(frozen=True)
class ForeignKey:
    fields: str
    table: str
    reference: str


@dataclass(frozen=True)
class Table:
    """One CSV file of a case: what one row is, its columns and keys."""

    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def descriptor(self) -> dict:
        schema: dict = {"fields": [f.descriptor() for f in self.fields]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": fk.fields, "reference": {"resource": fk.table, "fields": fk.reference}}
                for fk in self.foreign_keys
            ]
        return {
            "name": self.name,
            "path": f"{self.name}.csv",
            "profile": "tabular-data-resource",
            "title": f"{self.zh} / {self.en}",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": CSV_ENCODING,
            "schema": schema,
        }


@dataclass(frozen=True)
class Figure:
    """A figure a case states, which the default dataset reproduces within a tolerance.

    ``measure`` says in words how to compute it from the data; the computation itself lives
    in ``tests/test_calibration.py`` so that nothing a student imports computes an answer.
    ``spread`` says where a student's variant lands: each variant draws its own value around
    the case's figure, the way two real firms would differ, so every student must compute theirs.
    """

    key: str
    zh: str
    en: str
    target: str
    tolerance: str
    source: str
    measure: str
    spread: str = ""

    def descriptor(self) -> dict:
        return {
            "key": self.key,
            "figure": f"{self.zh} / {self.en}",
            "target": self.target,
            "tolerance": self.tolerance,
            "student_variants": self.spread,
            "source": self.source,
            "measure": self.measure,
        }


@dataclass(frozen=True)
class Lesson:
    """Something a notebook or exercise teaches, and how it shows in every variant of the data.

    ``taught_in`` names the notebook section or exercise task; ``shows_as`` is the threshold that
    makes the lesson visible, asserted on the default data and on students' variants by
    ``tests/test_lessons.py`` (which, like the calibration tests, keeps the measurement to itself).
    """

    key: str
    zh: str
    en: str
    taught_in: str
    shows_as: str

    def descriptor(self) -> dict:
        return {
            "key": self.key,
            "lesson": f"{self.zh} / {self.en}",
            "taught_in": self.taught_in,
            "shows_as": self.shows_as,
        }


@dataclass(frozen=True)
class Spread:
    """A value the data are built to show: the case's own for the default data, and for a
    student's variant a value drawn at random between ``low`` and ``high`` (``value`` ±
    ``half_width``).

    ``default`` (if given) is what the default data show instead of ``value`` itself: a figure
    a real firm would report, near the case's round number but not on it (10,418 vehicles rather
    than exactly 10,450), or off a threshold a widget tests against. Students' values are drawn
    ``margin`` inside the stated range, so that what a student measures (after rounding to whole
    rows or yuan) stays within it.
    """

    value: float
    half_width: float
    default: float | None = None
    margin: float = 0.0

    def draw(self, rng: np.random.Generator | None) -> float:
        """The default data's value when ``rng`` is None, else one student's value."""
        if rng is None:
            return self.value if self.default is None else self.default
        return float(rng.uniform(self.low + self.margin, self.high - self.margin))

    @property
    def low(self) -> float:
        return self.value - self.half_width

    @property
    def high(self) -> float:
        return self.value + self.half_width


Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Case:
    """A case's dataset: its tables, its default size, its figures, lessons and generator.

    ``generate(rng, n_customers, variant=False)`` makes the tables; with ``variant=True`` (a
    student's data) it first draws that student's own values of the case's figures.
    """

    key: str
    zh: str
    en: str
    source: str
    default_customers: int
    customer_table: str
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    generate: Callable[..., Tables] = field(compare=False, repr=False)
    notes: str = ""
    lessons: tuple[Lesson, ...] = ()
    # how the data are generated: the latent traits, the rules, what is not modelled (Markdown,
    # Chinese first, then English), for the data dictionary
    generation: str = ""

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def descriptor(self) -> dict:
        """The whole ``datapackage.json``."""
        return {
            "profile": "tabular-data-package",
            "name": self.key.replace("_", "-"),
            "title": f"{self.zh} / {self.en}",
            "description": self.notes,
            "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
            "sources": [{"title": self.source}],
            "resources": [t.descriptor() for t in self.tables],
            "calibration": [f.descriptor() for f in self.figures],
            "lessons": [lesson.descriptor() for lesson in self.lessons],
        }
