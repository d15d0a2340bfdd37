"""SortedSearch must give numpy's own answers: the generators' output depends on every one."""

import numpy as np
import pytest

from crmkit.datasets.sorted_search import SortedSearch


def _cases(rng):
    for _ in range(300):
        n = int(rng.integers(0, 40))
        # runs of equal values, as days without weight leave in a running total
        values = np.sort(rng.integers(0, 10, n).astype(float) * rng.choice([1.0, 0.3, 1e-9]))
        keys = np.r_[
            rng.random(50) * 12 - 1,
            values,
            np.nextafter(values, np.inf),
            np.nextafter(values, -np.inf),
            [np.nan, np.inf, -np.inf],
        ]
        yield values, keys


@pytest.mark.parametrize("side", ["left", "right"])
def test_search_gives_numpys_answers_with_ties_and_odd_keys(side):
    rng = np.random.default_rng(7)
    for values, keys in _cases(rng):
        assert np.array_equal(
            SortedSearch(values).search(keys, side), np.searchsorted(values, keys, side)
        ), values


@pytest.mark.parametrize("side", ["left", "right"])
def test_any_guess_gives_the_same_answer(side):
    rng = np.random.default_rng(8)
    for values, keys in _cases(rng):
        guess = rng.integers(-3, len(values) + 4, len(keys))
        kept = guess.copy()
        found = SortedSearch(values).search(keys, side, guess=guess)
        assert np.array_equal(found, np.searchsorted(values, keys, side)), values
        assert np.array_equal(guess, kept)  # the caller's guess is not overwritten


def test_a_calendars_running_total():
    from crmkit.datasets.futures_broker import TRADING

    rng = np.random.default_rng(9)
    keys = rng.random(100_000) * TRADING.cumulative[-1]
    found = SortedSearch(TRADING.cumulative).search(keys, "right")
    assert np.array_equal(found, np.searchsorted(TRADING.cumulative, keys, "right"))


def test_rejects_unsorted_values_and_unknown_sides():
    with pytest.raises(ValueError):
        SortedSearch(np.array([2.0, 1.0]))
    with pytest.raises(ValueError):
        SortedSearch(np.array([0.0, np.nan]))
    with pytest.raises(ValueError):
        SortedSearch(np.array([0.0, 1.0])).search(np.array([0.5]), "middle")
