"""The data dictionary, written once in Python.

Each case module declares its tables with :class:`Field` and :class:`Table`; from that one
declaration come the Frictionless ``datapackage.json``, the Markdown data dictionary, the
pandas dtypes of :func:`crmkit.datasets.load` and the CSV formatting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

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
    """

    key: str
    zh: str
    en: str
    target: str
    tolerance: str
    source: str
    measure: str

    def descriptor(self) -> dict:
        return {
            "key": self.key,
            "figure": f"{self.zh} / {self.en}",
            "target": self.target,
            "tolerance": self.tolerance,
            "source": self.source,
            "measure": self.measure,
        }


Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Case:
    """A case's dataset: its tables, its default size, its figures and its generator."""

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
        }
