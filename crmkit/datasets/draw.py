"""Vectorised building blocks the case generators share: ids, dates, categories, events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")


def ids(prefix: str, n: int, width: int = 5) -> np.ndarray:
    """``prefix`` followed by 1..n, zero-padded to at least ``width`` digits: C00001, C00002, …"""
    width = max(width, len(str(n)))
    numbers = np.arange(1, n + 1).astype(f"U{width}")
    return np.char.add(prefix, np.char.zfill(numbers, width))


def pick(rng: np.random.Generator, weights: Mapping[str, float], n: int) -> pd.Categorical:
    """``n`` draws of the keys of ``weights`` with those relative weights, as a categorical."""
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=float)
    codes = rng.choice(len(names), size=n, p=p / p.sum())
    return pd.Categorical.from_codes(codes, categories=names)


def pick_codes(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category code per row of ``probabilities`` (rows need not sum to one)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    return (rng.random((len(probabilities), 1)) > cumulative).sum(axis=1)


def days_between(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    """``n`` uniform dates in [start, end], as datetime64[D]."""
    first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    return first + rng.integers(0, (last - first) // DAY + 1, size=n) * DAY


def weekday(dates: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday before (trading and office days)."""
    dates = dates.astype("datetime64[D]")
    day_of_week = (dates.astype("int64") + 3) % 7  # 0 = Monday; 1970-01-01 was a Thursday
    return dates - np.clip(day_of_week - 4, 0, None) * DAY


def times_on(rng: np.random.Generator, dates: np.ndarray, open_hour: int, close_hour: int) -> np.ndarray:
    """A uniform moment of opening hours on each of ``dates``, to the second."""
    seconds = rng.integers(open_hour * 3600, close_hour * 3600, size=len(dates))
    return dates.astype("datetime64[s]") + seconds * SECOND


def hours_after(moments: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """``moments`` plus fractional ``hours``, rounded to the second."""
    return moments.astype("datetime64[s]") + np.round(hours * 3600).astype("int64") * SECOND


def repeat_owners(counts: np.ndarray) -> np.ndarray:
    """For per-owner event counts, the owner index of each event: [2, 0, 1] -> [0, 0, 2]."""
    return np.repeat(np.arange(len(counts)), counts)


def rank_within(owners: np.ndarray) -> np.ndarray:
    """For sorted owner indices, each event's position within its owner: [0, 0, 2] -> [0, 1, 0]."""
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    lengths = np.diff(np.r_[starts, len(owners)])
    return np.arange(len(owners)) - np.repeat(starts, lengths)


def exactly_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask choosing exactly ``k`` rows, each row's chance proportional to its weight.

    Used where a case states a rate: drawing exactly the stated share keeps the figure on target
    for every seed and every student's variant, while who is chosen stays random.
    """
    keys = np.log(rng.random(len(weights))) / weights  # Efraimidis–Spirakis weighted sampling
    chosen = np.zeros(len(weights), dtype=bool)
    if k > 0:
        chosen[np.argpartition(-keys, k - 1)[:k]] = True
    return chosen


def stratified_uniform(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """Uniform(0, 1) draws spread evenly within each group (one per 1/size slice, shuffled).

    A share that a case states (half the accounts lost after five years) then holds in every
    group for every seed, up to one customer, instead of only on average.
    """
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    sorted_groups = np.asarray(groups)[order]
    rank = rank_within(sorted_groups)
    sizes = np.bincount(np.unique(sorted_groups, return_inverse=True)[1])
    group_size = np.repeat(sizes, sizes)
    u = np.empty(n)
    u[order] = (rank + rng.random(n)) / group_size
    return u


def top_share(values: np.ndarray, top_fraction: float) -> float:
    """The share of the total held by the largest ``top_fraction`` of values (rounded up)."""
    k = int(np.ceil(top_fraction * len(values)))
    return float(np.partition(values, len(values) - k)[len(values) - k:].sum() / values.sum())


def concentrate(values: np.ndarray, top_fraction: float, target_share: float) -> np.ndarray:
    """Raise positive ``values`` to the power that makes their top fraction hold ``target_share``.

    The ranking is kept; only the spread changes, so "the top 20% bring 80%" holds exactly for
    every seed instead of wandering with the heavy tail of one sample.
    """
    low, high = 0.01, 20.0
    for _ in range(60):
        power = (low + high) / 2
        if top_share(values**power, top_fraction) < target_share:
            low = power
        else:
            high = power
    return values ** ((low + high) / 2)


def money(values: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Round amounts of yuan to ``step`` (0.01 for fen, 10 for round prices)."""
    return np.round(np.asarray(values) / step) * step


def frame(columns: Mapping[str, Sequence | np.ndarray | pd.Categorical]) -> pd.DataFrame:
    """A DataFrame from columns, without pandas copying categoricals twice."""
    return pd.DataFrame(dict(columns))
