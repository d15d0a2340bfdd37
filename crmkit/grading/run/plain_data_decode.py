"""Plain data as the grader receives it: what a student's kernel sent, checked and rebuilt.

A student's kernel sends each graded answer as plain data (:mod:`crmkit.course.plain_data`,
which runs there). The grader treats what arrives as untrusted: :func:`check` bounds its size
and shape before and after parsing, and :func:`decode` (run in the test kernel, which never ran
student code) rebuilds base types only (``pandas.DataFrame``, never a subclass; nothing is
unpickled or evaluated). A value the format cannot carry arrives as an :class:`Unsupported`
marker, which no test accepts. Widget answers are bound in the test kernel as a
:class:`WidgetValue`.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from ...course.plain_data import FORMAT, MAX_DEPTH, MAX_STRING

# What one submission may send: larger or deeper is cut off and reported, never trusted.
MAX_BYTES = 32 * 1024**2
MAX_ITEMS = 3_000_000
MAX_CONTAINERS = 200_000  # lists and records in all (a table's column is one list)
# Integers beyond int64 are refused: Python hashes k * (2**61 - 1) alike for every k, so a set
# of such numbers would take quadratic time to rebuild (and more so as tuples of them).
INT_RANGE = (-(2**63), 2**63)

COLUMN_KINDS = (
    "int",
    "float",
    "bool",
    "str",
    "object",
    "datetime",
    "timedelta",
    "category",
    "Int64",
    "boolean",
)


class Unsupported:
    """Stands in for an answer of a type the grader cannot carry (it fails every check)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<无法评分的类型 / a type that cannot be graded: {self.type_name}>"

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


class WidgetValue:
    """A widget answer in the test kernel: only ``.value``, as saved by the student's widget."""

    def __init__(self, value: Any) -> None:
        self._value = value

    @property
    def value(self) -> Any:
        return self._value

    def __repr__(self) -> str:
        return f"WidgetValue({self._value!r})"


# ---------------------------------------------------------------- checking (grader)


class PlainDataError(ValueError):
    """What a kernel sent is not plain data of this format (too large, too deep, or malformed)."""


def check(text: str | bytes | dict) -> dict[str, dict[str, Any]]:
    """Parse and bound what a student's kernel sent; returns
    ``{"answers": {...}, "widgets": {...}}`` (name -> plain data). ``text`` may also be the payload
    as already parsed from a kernel message (whose size the transport bounds).

    Raises :class:`PlainDataError` for anything too large, too deep or not of this format.
    """
    if isinstance(text, dict):
        payload = text
    else:
        count_before_parse(text)
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise PlainDataError(f"answers are not JSON ({type(error).__name__})") from None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != FORMAT
        or not isinstance(payload.get("answers"), dict)
    ):
        raise PlainDataError("answers are not in the crmkit plain-data format")
    widgets = payload.get("widgets", {})
    if not isinstance(widgets, dict):
        raise PlainDataError("widget answers are not in the crmkit plain-data format")
    budget = [MAX_ITEMS]
    for name, value in [*payload["answers"].items(), *widgets.items()]:
        if not isinstance(name, str) or not name.isidentifier():
            raise PlainDataError(f"not a variable name: {str(name)[:40]!r}")
        _walk(value, 0, budget)
    return {"answers": payload["answers"], "widgets": widgets}


def count_before_parse(text: str | bytes, limit: int = MAX_BYTES) -> None:
    """Refuse JSON ``text`` that is larger than ``limit`` bytes or holds more values, lists or
    records than plain data may, before anything parses it.

    Parsing is what costs memory (19.5 MB of ``[{}, {}, …]`` is half a gigabyte of Python
    objects), so the text is counted instead: every value but the first of a list or record
    follows a comma, and every list or record opens with a bracket. A bracket or comma inside a
    string counts too, so the count is never below the truth.
    """
    if len(text) > limit:
        raise PlainDataError(f"too large ({len(text)} bytes; at most {limit})")
    if isinstance(text, str):
        containers, commas = text.count("{") + text.count("["), text.count(",")
    else:
        containers, commas = text.count(b"{") + text.count(b"["), text.count(b",")
    if containers > MAX_CONTAINERS or containers + commas > MAX_ITEMS:
        raise PlainDataError(f"more than {MAX_ITEMS} values or {MAX_CONTAINERS} lists and records")


_SCALARS = (str, int, float, bool, type(None))


def _walk(value: Any, depth: int, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise PlainDataError(f"answers hold more than {MAX_ITEMS} values")
    if depth > MAX_DEPTH + 8:
        raise PlainDataError("answers are nested too deep")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise PlainDataError("a string in the answers is too long")
    elif isinstance(value, list):
        # a column's values: one pass, no recursion
        if all(type(item) in _SCALARS for item in value):
            budget[0] -= len(value)
            if budget[0] < 0:
                raise PlainDataError(f"answers hold more than {MAX_ITEMS} values")
            if any(len(item) > MAX_STRING for item in value if type(item) is str):
                raise PlainDataError("a string in the answers is too long")
            if any(not _in_range(item) for item in value if type(item) is int):
                raise PlainDataError("an integer in the answers is beyond 64 bits")
            return
        for item in value:
            _walk(item, depth + 1, budget)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > 64:
                raise PlainDataError("a record key in the answers is not a short string")
            _walk(item, depth + 1, budget)
    elif type(value) is int and not _in_range(value):
        raise PlainDataError("an integer in the answers is beyond 64 bits")
    elif value is not None and not isinstance(value, (bool, int, float)):
        raise PlainDataError(f"not plain data: {type(value).__name__}")


def _in_range(number: int) -> bool:
    return INT_RANGE[0] <= number < INT_RANGE[1]


# ---------------------------------------------------------------- decoding (test kernel, grader)


def decode(data: Any) -> Any:
    """The Python value ``data`` (made by :func:`encode`) stands for, as base types only."""
    import numpy as np
    import pandas as pd

    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict) or len(data) != 1:
        return Unsupported("malformed")
    ((tag, body),) = data.items()
    try:
        if tag == "$float":
            return float(body) if body in ("nan", "inf", "-inf") else Unsupported("float")
        if tag == "$tuple":
            return tuple(decode(item) for item in body)
        if tag == "$set":
            return {_hashable(decode(item)) for item in body}
        if tag == "$dict":
            return {_hashable(decode(k)): decode(v) for k, v in body}
        if tag == "$timestamp":
            return pd.Timestamp(str(body))
        if tag == "$timedelta":
            return pd.Timedelta(int(body))
        if tag == "$array":
            return np.array([decode(row) for row in body])
        if tag == "$ndarray":
            return _decode_column(body).to_numpy()
        if tag == "$index":
            return _decode_index(body)
        if tag == "$series":
            series = _decode_column(body["values"])
            series.index = _decode_index(body["index"])
            series.name = _hashable(decode(body["name"]))
            return series
        if tag == "$frame":
            columns = _decode_index(body["columns"])
            index = _decode_index(body["index"])
            data_columns = [_decode_column(c) for c in body["data"]]
            if len(data_columns) != len(columns) or any(len(c) != len(index) for c in data_columns):
                return Unsupported("malformed DataFrame")
            frame = (
                pd.DataFrame(dict(enumerate(data_columns)))
                if data_columns
                else pd.DataFrame(index=range(len(index)))
            )
            frame.index = index
            frame.columns = columns
            return frame
        if tag == "$unsupported":
            return Unsupported(str(body)[:200])
    except (KeyError, TypeError, ValueError, OverflowError):
        return Unsupported(f"malformed {tag}")
    return Unsupported(f"unknown tag {tag[:40]}")


def _hashable(value: Any) -> Any:
    """``value`` as a set member or dict key. A tuple may hold at most one number: numbers can
    be chosen to hash alike, and tuples of them multiply the choice (a quadratic rebuild)."""
    if isinstance(value, (list, tuple)):
        if _numbers_in(value) > 1:
            raise TypeError("a tuple key holds more than one number")
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return Unsupported("dict key")
    return value


def _numbers_in(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        return sum(_numbers_in(v) for v in value)
    return 0 if isinstance(value, (str, bool, type(None))) else 1


def _decode_index(body: dict):
    import pandas as pd

    if "levels" in body:
        arrays = [_decode_column(level) for level in body["levels"]]
        names = [_hashable(decode(n)) for n in body.get("names", [None] * len(arrays))]
        if not arrays:
            return pd.MultiIndex.from_arrays([[]])
        return pd.MultiIndex.from_arrays([pd.Index(a) for a in arrays], names=names)
    values = _decode_column(body["values"])
    return pd.Index(values, name=_hashable(decode(body.get("name"))))


def _decode_column(body: dict):
    """A pandas Series of the column's kind (missing values as the dtype's own NA)."""
    import pandas as pd

    kind = body["kind"]
    if kind not in COLUMN_KINDS:
        raise ValueError(kind)
    if kind == "category":
        categories = pd.Index(_decode_column(body["categories"]))
        codes = [int(c) for c in body["codes"]]
        return pd.Series(
            pd.Categorical.from_codes(codes, categories=categories, ordered=bool(body["ordered"]))
        )
    values = body["values"]
    if not isinstance(values, list):
        raise TypeError("values")
    if kind == "int":
        if not all(type(v) is int for v in values):
            raise TypeError("int column")
        return pd.Series(values, dtype="int64")
    if kind == "Int64":
        return pd.Series([None if v is None else int(v) for v in values], dtype="Int64")
    if kind == "float":
        if all(type(v) in (float, int) for v in values):
            return pd.Series(values, dtype="float64")
        return pd.Series(
            [float("nan") if v is None else float(decode(v)) for v in values], dtype="float64"
        )
    if kind == "bool":
        return pd.Series([bool(v) for v in values], dtype="bool")
    if kind == "boolean":
        return pd.Series([None if v is None else bool(v) for v in values], dtype="boolean")
    if kind in ("datetime", "timedelta"):
        unit = str(body.get("unit", "ns"))
        if unit not in ("s", "ms", "us", "ns"):
            raise ValueError(unit)
        nanoseconds = [None if v is None else int(v) for v in values]
        # the ignores: pandas-stubs takes neither None (NaT) in the list nor a unit dtype made
        # at run time (the unit is one of the four checked above)
        if kind == "timedelta":
            spans = pd.to_timedelta(nanoseconds, unit="ns")  # type: ignore[call-overload]
            return pd.Series(spans).astype(f"timedelta64[{unit}]")  # type: ignore[call-overload]
        times = pd.to_datetime(nanoseconds, unit="ns")  # type: ignore[call-overload]
        column = pd.Series(times).astype(f"datetime64[{unit}]")  # type: ignore[call-overload]
        return (
            column.dt.tz_localize("UTC").dt.tz_convert(str(body["tz"]))
            if body.get("tz")
            else column
        )
    if kind == "str":
        if not all(type(v) in (str, type(None)) for v in values):
            raise TypeError("str column")
        return pd.Series(values, dtype="str")
    return pd.Series([None if v is None else decode(v) for v in values], dtype="object")


def bind_sent(namespace: MutableMapping[str, Any], answers: dict, widgets: dict) -> None:
    """Put the answers and widget answers (name -> plain data, parsed from what the grader
    wrote) into the test kernel's ``namespace``, rebuilt by :func:`decode`."""
    for name, data in answers.items():
        namespace[name] = decode(data)
    for name, data in widgets.items():
        namespace[name] = WidgetValue(decode(data))
