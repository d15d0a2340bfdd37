"""The vectorised building blocks every case generator relies on."""

from __future__ import annotations

import numpy as np
import pytest

from crmkit.datasets import draw


@pytest.mark.parametrize(("n", "width"), [(0, 5), (1, 5), (9, 1), (10, 1), (12, 3), (123_457, 5)])
def test_ids_match_formatted_numbers(n, width):
    expected = np.array([f"C{i:0{max(width, len(str(n)))}d}" for i in range(1, n + 1)], dtype="S")
    got = draw.ids("C", n, width)
    assert len(got) == n and (got == expected).all()


def test_text_turns_bytes_into_strings_with_missing_rows():
    column = draw.text(np.array([b"a", b"b", b"c"]), present=np.array([True, False, True]))
    assert column.tolist()[0] == "a" and column.isna().tolist() == [False, True, False]


def test_text_gives_the_same_column_on_each_path():
    # full-width ASCII (ids: a string array at once), full-width UTF-8 (cast), short values
    # padded with NUL bytes (value by value): the same strings, the same dtype
    present = np.array([True, False, True])
    for values, expected in [
        (draw.ids("C", 3), ["C00001", None, "C00003"]),
        (np.array(["é1".encode(), "é2".encode(), "é3".encode()]), ["é1", None, "é3"]),
        (np.array([b"ab", b"a", b"abc"]), ["ab", None, "abc"]),
    ]:
        column = draw.text(values, present=present)
        assert column.dtype == draw.text(np.array([b"x", b"yy"])).dtype
        assert [None if v != v else v for v in column.tolist()] == expected
    with pytest.raises(Exception, match="(?i)utf-?8"):
        draw.text(np.array([b"\xff\xfe", b"\xfe\xff"]))


def test_codes_by_group_follow_each_groups_weights():
    rng = np.random.default_rng(1)
    group = np.repeat([0, 1], 50_000)
    codes = draw.codes_by_group(rng, group, np.array([[1.0, 0.0, 3.0], [0.0, 1.0, 0.0]]))
    assert set(codes[group == 1]) == {1}
    assert set(codes[group == 0]) == {0, 2}
    assert (codes[group == 0] == 2).mean() == pytest.approx(0.75, abs=0.01)


def test_order_by_day_is_stable_within_a_day():
    days = np.array(["2013-01-02", "2013-01-01", "2013-01-02", "2013-01-01"], dtype="datetime64[D]")
    assert draw.order_by_day(days).tolist() == [1, 3, 0, 2]
    assert np.array_equal(draw.order_by_day(days), np.lexsort((np.arange(4), days)))


def test_rank_within_counts_from_zero_per_owner():
    assert draw.rank_within(draw.repeat_owners(np.array([2, 0, 3]))).tolist() == [0, 1, 0, 1, 2]


def test_exactly_k_chooses_k_rows_favouring_heavy_weights():
    rng = np.random.default_rng(2)
    weights = np.where(np.arange(10_000) < 5_000, 3.0, 1.0)
    chosen = draw.exactly_k(rng, weights, 2_000)
    assert chosen.sum() == 2_000
    assert chosen[:5_000].sum() > 2 * chosen[5_000:].sum()


def test_stratified_uniform_spreads_each_group_evenly():
    rng = np.random.default_rng(3)
    groups = np.repeat([2004, 2005], [101, 400])
    u = draw.stratified_uniform(rng, groups)
    for g in (2004, 2005):
        share = (u[groups == g] > 0.5).mean()
        assert abs(share - 0.5) <= 1 / (groups == g).sum()


def test_concentrate_hits_the_top_share_and_keeps_the_ranking():
    values = np.random.default_rng(4).lognormal(0, 1, 5_000)
    spread = draw.concentrate(values, 0.2, 0.8)
    assert draw.top_share(spread, 0.2) == pytest.approx(0.8, abs=1e-6)
    assert np.array_equal(np.argsort(spread), np.argsort(values))


def test_counts_for_shares_add_up_and_follow_the_shares():
    counts = draw.counts_for_shares([0.42, 0.30, 0.15, 0.06, 0.04, 0.03], 311)
    assert counts.sum() == 311
    assert np.abs(counts / 311 - [0.42, 0.30, 0.15, 0.06, 0.04, 0.03]).max() < 1 / 311


def test_codes_in_shares_give_each_category_its_share_in_random_order():
    rng = np.random.default_rng(5)
    codes = draw.codes_in_shares(rng, [0.5, 0.3, 0.2], 1_000)
    assert np.bincount(codes).tolist() == [500, 300, 200]
    assert not np.array_equal(codes, np.sort(codes))


def test_vital_few_shares_keep_a_vital_few_for_every_draw():
    base = [0.42, 0.15, 0.30, 0.06, 0.04, 0.03]
    assert np.allclose(draw.vital_few_shares(None, base), base)
    rng = np.random.default_rng(6)
    draws = [draw.vital_few_shares(rng, base) for _ in range(500)]
    for shares in draws:
        running = np.cumsum(np.sort(shares)[::-1])
        assert running[1] >= 0.62 and running[2] >= 0.82 and np.all(np.abs(running - 0.8) >= 0.02)
    assert np.std([d[0] for d in draws]) > 0.02  # students' mixes differ
    with pytest.raises(ValueError):
        draw.vital_few_shares(None, [1, 1, 1, 1, 1, 1])


def test_order_by_is_lexsort_from_one_key():
    rng = np.random.default_rng(5)
    first = rng.integers(0, 50, 10_000)
    then = np.datetime64("2013-01-01") + rng.integers(0, 400, 10_000) * np.timedelta64(1, "D")
    assert np.array_equal(draw.order_by(first, then), np.lexsort((then, first)))
    assert np.array_equal(draw.order_by(then, first), np.lexsort((first, then)))
    assert draw.order_by(np.array([], dtype=int), np.array([], dtype=int)).tolist() == []


def test_stable_argsort_is_numpys_stable_argsort():
    rng = np.random.default_rng(4)
    for keys in [
        rng.integers(-5, 5, 3_000),  # ties, negative
        np.sort(rng.integers(0, 100, 3_000)),  # already in order
        rng.integers(-(2**62), 2**62, 3_000),  # too wide to carry a row number
        rng.random(3_000) < 0.3,
        np.datetime64("2013-01-01") + rng.integers(0, 9, 3_000) * np.timedelta64(1, "D"),
        np.array(["2013-01-02", "NaT", "2013-01-01", "NaT"], dtype="datetime64[D]"),
        np.array([], dtype=int),
    ]:
        assert np.array_equal(draw.stable_argsort(keys), np.argsort(keys, kind="stable"))


def test_order_by_is_lexsort_on_sorted_owners_wide_keys_and_booleans():
    # each path of order_by: owners already in order (timsort), shuffled keys small enough to
    # carry the row number (one unstable sort), keys too wide for that, too wide for one key
    rng = np.random.default_rng(6)
    owner = np.sort(rng.integers(0, 300, 5_000))
    day = rng.integers(0, 30, 5_000)
    wide = rng.integers(0, 2**50, 5_000)
    widest = rng.integers(0, 2**40, 5_000)
    flag = rng.random(5_000) < 0.5
    for first, then in [
        (owner, day),
        (day, owner),
        (wide, day),
        (day, wide),
        (flag, day),
        (day, flag),
        (widest, widest[::-1]),
    ]:
        assert np.array_equal(draw.order_by(first, then), np.lexsort((then, first)))
