"""Answers travel from the student's kernel to the test kernel as plain data, and only as that."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from crmkit.course import plain_data
from crmkit.datasets import load
from crmkit.grading.run import plain_data_decode

DEEP: list = [1]
for _ in range(plain_data.MAX_DEPTH + 10):
    DEEP = [DEEP]


def roundtrip(value):
    """What the test kernel gets for ``value``: encoded, sent as JSON, checked, decoded."""
    text = json.dumps({"format": plain_data.FORMAT, "answers": {"x": plain_data.encode(value)}})
    return plain_data_decode.decode(plain_data_decode.check(text)["answers"]["x"])


def rfm_of(visits: pd.DataFrame) -> pd.DataFrame:
    groups = visits.groupby("customer_id")
    return pd.DataFrame(
        {
            "recency_days": (pd.Timestamp("2013-12-31") - groups["visited_on"].max()).dt.days,
            "frequency": groups.size(),
            "monetary": groups["price_yuan"].sum(),
        }
    )


@pytest.mark.parametrize(
    "frame",
    [
        lambda: load("car_detailing", "visits", student="s1"),
        lambda: rfm_of(load("car_detailing", "visits", student="s1")),
        lambda: load("futures_broker", "complaints").head(50),
        lambda: (
            load("car_detailing", "visits")
            .groupby(["service_type", "customer_id"], observed=True)
            .size()
            .to_frame()
        ),
        lambda: pd.DataFrame(
            {"a": pd.array([1, None], dtype="Int64"), "b": pd.array([True, None], dtype="boolean")}
        ),
        lambda: pd.DataFrame(
            {"t": pd.to_datetime(["2024-01-01", None]).tz_localize("Asia/Shanghai")}
        ),
        lambda: pd.DataFrame(
            {"d": pd.to_timedelta([1, 2], unit="h")}, index=pd.Index(["x", "y"], name="k")
        ),
        lambda: pd.DataFrame(),
    ],
    ids=["visits", "rfm", "complaints", "multiindex", "nullable", "timezone", "timedelta", "empty"],
)
def test_frames_arrive_equal_with_their_dtypes(frame):
    original = frame()
    back = roundtrip(original)
    assert type(back) is pd.DataFrame
    pd.testing.assert_frame_equal(back, original, check_index_type=False, check_column_type=False)
    assert list(back.dtypes.astype(str)) == list(original.dtypes.astype(str))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        "中文",
        [1, "a", None],
        (1, 2),
        {2013: 0.5, "x": [1]},
        {1, 2, 3},
        pd.Series([1.5, None], index=["a", "b"], name="share"),
        pd.Series(["x", "y"], dtype="category"),
        np.float64(2.44),
        np.int64(7),
        np.array([1, 2, 3]),
        pd.Timestamp("2024-07-05"),
        pd.Timedelta("3h"),
        pd.Index([2008, 2009], name="year"),
    ],
)
def test_plain_values_arrive_equal(value):
    back = roundtrip(value)
    if isinstance(value, pd.Series):
        pd.testing.assert_series_equal(back, value, check_index_type=False)
    elif isinstance(value, pd.Index):
        pd.testing.assert_index_equal(back, value, exact=False)
    elif isinstance(value, np.ndarray):
        assert (back == value).all()
    else:
        assert back == value and type(back) in (type(value), int, float, bool)


def test_not_a_number_and_infinity_survive_json():
    back = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert math.isnan(back[0]) and back[1:] == [float("inf"), -float("inf")]


def test_no_student_class_survives():
    class Always(pd.DataFrame):
        def __eq__(self, other):
            return True

        def equals(self, other):
            return True

    back = roundtrip(Always({"a": [1]}))
    assert type(back) is pd.DataFrame and not back.equals(pd.DataFrame({"a": [2]}))

    class Weird:
        pass

    marker = roundtrip(Weird())
    assert (
        isinstance(marker, plain_data_decode.Unsupported)
        and marker != marker
        and "Weird" in repr(marker)
    )


@pytest.mark.parametrize(
    "payload, reason",
    [
        ("not json", "not JSON"),
        (json.dumps({"answers": {}}), "format"),
        (json.dumps({"format": plain_data.FORMAT, "answers": {"not a name": 1}}), "variable name"),
        (
            json.dumps({"format": plain_data.FORMAT, "answers": {"x": {"k" * 100: 1}}}),
            "short string",
        ),
        ("[" * 100_000 + "]" * 100_000, "JSON"),
        (
            json.dumps(
                {"format": plain_data.FORMAT, "answers": {"x": "y" * (plain_data.MAX_STRING + 1)}}
            ),
            "too long",
        ),
        (json.dumps({"format": plain_data.FORMAT, "answers": {"x": DEEP}}), "too deep"),
        (json.dumps({"format": plain_data.FORMAT, "answers": {"x": 2**64}}), "64 bits"),
        (
            json.dumps(
                {"format": plain_data.FORMAT, "answers": {"x": {"$set": [2**61 - 1, 2**70]}}}
            ),
            "64 bits",
        ),
    ],
    ids=[
        "garbage",
        "no-format",
        "bad-name",
        "long-key",
        "deep-json",
        "long-string",
        "deep-data",
        "big-int",
        "big-int-in-a-list",
    ],  # fmt: skip
)
def test_what_a_kernel_sends_is_bounded_and_checked(payload, reason):
    with pytest.raises(plain_data_decode.PlainDataError, match=reason):
        plain_data_decode.check(payload)


def test_a_huge_payload_is_refused_before_parsing():
    with pytest.raises(plain_data_decode.PlainDataError, match="too large"):
        plain_data_decode.check(" " * (plain_data_decode.MAX_BYTES + 1))


def test_numbers_chosen_to_hash_alike_cannot_make_decoding_slow():
    """Python hashes k * (2**61 - 1) alike: beyond int64 such numbers are refused, and a tuple
    key may hold one number only, so no set or dict of colliding keys can be built."""
    alike = [k * (2**61 - 1) for k in range(-4, 5)]  # every int64 that hashes like 0
    tuples = {"$set": [[a, b, c] for a in alike for b in alike for c in alike]}
    plain_data_decode.check(json.dumps({"format": plain_data.FORMAT, "answers": {"x": tuples}}))
    assert isinstance(plain_data_decode.decode(tuples), plain_data_decode.Unsupported)
    assert plain_data_decode.decode({"$set": [["a", 1], ["b", 1]]}) == {("a", 1), ("b", 1)}


def test_malformed_records_become_markers_not_errors():
    for data in (
        {"$frame": 1},
        {"$series": {"index": {}}},
        {"$dict": [[1]]},
        {"$nope": 1},
        {"a": 1, "b": 2},
        {"$ndarray": {"kind": "evil", "values": []}},
    ):
        assert isinstance(plain_data_decode.decode(data), plain_data_decode.Unsupported)


def test_bind_puts_answers_and_widget_values_into_a_namespace():
    namespace: dict = {}
    # as the test kernel reads them from the file the grader wrote: JSON, parsed
    answers = json.loads(json.dumps({"rfm": plain_data.encode(pd.DataFrame({"a": [1]}))}))
    widgets = json.loads(json.dumps({"core_cutoff": plain_data.encode(3000.0)}))
    plain_data_decode.bind_sent(namespace, answers, widgets)
    assert (
        namespace["rfm"].equals(pd.DataFrame({"a": [1]}))
        and namespace["core_cutoff"].value == 3000.0
    )


def test_values_lists_and_records_are_counted_in_text_or_bytes_before_parsing():
    flood = "[" + "{}," * plain_data_decode.MAX_CONTAINERS + "{}]"
    for text in (flood, flood.encode()):
        with pytest.raises(plain_data_decode.PlainDataError, match="lists and records"):
            plain_data_decode.count_before_parse(text)
    with pytest.raises(plain_data_decode.PlainDataError, match="too large"):
        plain_data_decode.count_before_parse(b"[1, 2, 3]", limit=8)
    plain_data_decode.count_before_parse(
        b'{"answers": {"x": [1, 2, 3]}}'
    )  # within bounds: no error
