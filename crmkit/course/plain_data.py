"""Answers as plain data: how a graded answer leaves the student's kernel for the tests.

The grader runs a student's cells in one kernel and the hidden tests in another that never ran
student code. In between, each answer travels as JSON built only from plain values: numbers,
strings, lists, dicts and tagged records for numpy and pandas objects (a column is a dtype name
and a list of values). This module is the half that runs in the student's kernel: :func:`export`
sends the named answers, :func:`encode` turns one into plain data. The grader treats what it
produced as untrusted and checks and decodes it on its own side
(:mod:`crmkit.grading.run.plain_data_decode`).

Widget answers travel the same way: the ``.value`` of the widget (which the widget read from the
submitted ``widget_answers.json``, or the answer key in the instructor's solution) is sent as plain
data. When the student's kernel never got that far, the grader takes the value from
``widget_answers.json`` itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

FORMAT = "crmkit-plain-data/1"
MIMETYPE = "application/vnd.crmkit.answers+json"

# Deeper values are sent as a marker, longer strings cut (the grader refuses anything beyond).
MAX_DEPTH = 24
MAX_STRING = 100_000


# ---------------------------------------------------------------- encoding (student kernel)


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready plain data (see the module doc)."""
    import numpy as np
    import pandas as pd

    if depth > MAX_DEPTH:
        return {"$unsupported": "nested too deep"}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:MAX_STRING]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.DataFrame):
        return {
            "$frame": {
                "columns": _index(value.columns),
                "index": _index(value.index),
                "data": [_column(value.iloc[:, i]) for i in range(value.shape[1])],
            }
        }
    if isinstance(value, pd.Series):
        return {
            "$series": {
                "name": encode(value.name, depth + 1),
                "index": _index(value.index),
                "values": _column(value),
            }
        }
    if isinstance(value, pd.Index):
        return {"$index": _index(value)}
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            return {"$array": [encode(row, depth + 1) for row in value.tolist()]}
        return {"$ndarray": _column(pd.Series(value))}
    if isinstance(value, pd.Timestamp) or type(value).__name__ in ("datetime", "date"):
        return {"$timestamp": pd.Timestamp(value).isoformat()}
    if isinstance(value, pd.Timedelta) or type(value).__name__ == "timedelta":
        return {"$timedelta": pd.Timedelta(value).value}
    if isinstance(value, (list, tuple)):
        items = [encode(item, depth + 1) for item in value]
        return items if isinstance(value, list) else {"$tuple": items}
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((encode(item, depth + 1) for item in value), key=json.dumps)}
    if isinstance(value, Mapping):
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"$unsupported": f"{type(value).__module__}.{type(value).__qualname__}"}


def _float(value: float) -> Any:
    if math.isnan(value):
        return {"$float": "nan"}
    if math.isinf(value):
        return {"$float": "inf" if value > 0 else "-inf"}
    return value


def _index(index) -> dict:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return {
            "levels": [_column(pd.Series(index.get_level_values(i))) for i in range(index.nlevels)],
            "names": [encode(n, 1) for n in index.names],
        }
    return {"values": _column(pd.Series(index)), "name": encode(index.name, 1)}


def _with_none(values: list, missing: list) -> list:
    return (
        [None if m else v for v, m in zip(values, missing, strict=True)] if any(missing) else values
    )


def _column(series) -> dict:
    """One column as its kind and a list of values (None where missing)."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    missing = series.isna().tolist()
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "kind": "category",
            "categories": _column(pd.Series(dtype.categories)),
            "ordered": bool(dtype.ordered),
            "codes": series.cat.codes.astype("int64").tolist(),
        }
    if pd.api.types.is_bool_dtype(dtype):
        kind = "boolean" if str(dtype) == "boolean" else "bool"
        values = _with_none(series.astype(object).tolist(), missing)
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "Int64" if isinstance(dtype, pd.api.extensions.ExtensionDtype) else "int"
        plain = series.astype("float64" if any(missing) else "int64")
        values = _with_none([int(v) for v in plain.fillna(0).astype("int64").tolist()], missing)
    elif pd.api.types.is_float_dtype(dtype):
        kind = "float"
        numbers = series.to_numpy(dtype="float64")
        values = numbers.tolist()
        if not np.isfinite(numbers).all():  # JSON has no NaN or infinity
            values = [None if m else _float(v) for v, m in zip(values, missing, strict=True)]
    elif pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        timed = pd.api.types.is_timedelta64_dtype(dtype)
        tz = getattr(dtype, "tz", None)
        plain = series.dt.tz_convert("UTC").dt.tz_localize(None) if tz is not None else series
        nanoseconds = (
            plain.astype("timedelta64[ns]" if timed else "datetime64[ns]").astype("int64").tolist()
        )
        unit = dtype.unit if tz is not None else np.datetime_data(dtype)[0]
        column = {
            "kind": "timedelta" if timed else "datetime",
            "unit": unit,
            "values": _with_none(nanoseconds, missing),
        }
        if tz is not None:
            column["tz"] = str(tz)
        return column
    elif pd.api.types.is_string_dtype(dtype) and str(dtype) != "object":
        kind = "str"
        values = _with_none(
            [v if isinstance(v, str) else str(v) for v in series.astype(object).tolist()], missing
        )
        if any(len(v) > MAX_STRING for v in values if v is not None):
            values = [None if v is None else v[:MAX_STRING] for v in values]
    else:
        kind = "object"
        values = [
            None if m else encode(v, 2) for v, m in zip(series.tolist(), missing, strict=True)
        ]
    return {"kind": kind, "values": values}


def export(namespace: Mapping[str, Any], names: Iterable[str], widgets: Iterable[str] = ()) -> dict:
    """The display data the grader reads: the named answers of ``namespace`` and the ``.value``
    of the named widgets (absent ones left out).

    Run in the student's kernel after each graded task; what comes back is checked, not trusted.
    """
    from IPython.display import display

    answers = {name: encode(namespace[name]) for name in names if name in namespace}
    values = {
        name: encode(getattr(namespace[name], "value", None))
        for name in widgets
        if name in namespace
    }
    payload = {"format": FORMAT, "answers": answers, "widgets": values}
    # one JSON string: the kernel's message layer then copies it instead of walking every value
    display({MIMETYPE: json.dumps(payload, ensure_ascii=False, separators=(",", ":"))}, raw=True)
    return payload
