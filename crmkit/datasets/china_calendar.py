"""The Chinese calendar the generators draw dates from: office days, exchange trading days, public
holidays and the busy or quiet days of each kind of business.

Public holidays and the weekend days worked in their place (调休) come from the maintained
``chinesecalendar`` package, not from a list typed here. Its past years do not change between
releases, so the datasets stay byte for byte the same (``tests/test_datasets.py`` rebuilds them).

A :class:`Days` is a run of calendar days with a weight for each (0 = closed); :meth:`Days.draw`
picks a day between two dates with chances in proportion to the weights, for millions of rows at
once, so a record falls on a Saturday or in Golden Week as often as a real one would.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import numpy as np

from .sorted_search import SortedSearch

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
FIRST_YEAR, LAST_YEAR = 2004, 2024  # the years chinesecalendar 1.9 and later know


@dataclass(frozen=True)
class Calendar:
    """Every day from ``first`` on, with what the law makes of it."""

    first: np.datetime64
    weekday: np.ndarray  # 0 = Monday … 6 = Sunday
    office: np.ndarray  # a working day: Monday to Friday, or a weekend day worked in lieu
    holiday: np.ndarray  # a public holiday, the weekend days inside its break included
    festival: np.ndarray  # Spring Festival days of the break

    @property
    def days(self) -> np.ndarray:
        return self.first + np.arange(len(self.weekday)) * DAY

    @property
    def trading(self) -> np.ndarray:
        """Days the futures exchanges trade: working weekdays (never a weekend worked in lieu)."""
        return self.office & (self.weekday < 5)


@lru_cache(maxsize=4)
def calendar(first_year: int, last_year: int) -> Calendar:
    """The calendar of ``first_year``–``last_year`` (within the years chinesecalendar knows)."""
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        raise ValueError(
            f"chinesecalendar knows {FIRST_YEAR}–{LAST_YEAR}, not {first_year}–{last_year}"
        )
    first = np.datetime64(f"{first_year}-01-01")
    n = int((np.datetime64(f"{last_year + 1}-01-01") - first) // DAY)
    start = datetime.date(first_year, 1, 1)
    office = np.zeros(n, dtype=bool)
    holiday = np.zeros(n, dtype=bool)
    festival = np.zeros(n, dtype=bool)
    for i in range(n):
        day = start + datetime.timedelta(days=i)
        office[i] = chinese_calendar.is_workday(day)
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        holiday[i] = on_holiday and name is not None
        festival[i] = name == chinese_calendar.Holiday.spring_festival.value
    weekday = (np.arange(n) + start.weekday()) % 7
    return Calendar(first, weekday, office, holiday, festival)


class Days:
    """Calendar days from ``first`` on, each with a weight: how busy a business is that day."""

    def __init__(self, first: np.datetime64, weight: np.ndarray):
        self.first = first.astype("datetime64[D]")
        self._first_day = int(self.first.astype(np.int64))
        self.weight = np.asarray(weight, dtype=float)
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.weight)])
        self._search = SortedSearch(self.cumulative)  # np.searchsorted's answers, faster
        self.open_days = self.first + np.flatnonzero(self.weight > 0) * DAY
        # for each day, the index of the first open day from it on (the last open day at the end)
        open_index = np.flatnonzero(self.weight > 0)
        following = np.searchsorted(open_index, np.arange(len(self.weight)))
        self._next_open_index = open_index[np.minimum(following, len(open_index) - 1)]

    def draw(
        self,
        rng: np.random.Generator,
        start: np.ndarray | np.datetime64 | str,
        end: np.ndarray | np.datetime64 | str,
        n: int,
    ) -> np.ndarray:
        """``n`` days, each between its ``start`` and ``end`` (inclusive), drawn with the weights.

        Rows whose span holds no open day get the first open day from ``start`` on. One uniform
        draw per row, looked up in the running total of the weights: fast for millions of rows.
        """
        return self.at(self.position(start), self.position(end, after=True), rng.random(n))

    def position(self, dates: np.ndarray | np.datetime64 | str, after: bool = False) -> np.ndarray:
        """The running total of the weights at the start of each of ``dates`` (at its end if
        ``after``): where the date lies on this business's own clock."""
        i = self._index(dates) + (1 if after else 0)
        return self.cumulative[np.clip(i, 0, len(self.cumulative) - 1)]

    def at(self, low: np.ndarray, high: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The day at the fraction ``u`` of the way from ``low`` to ``high`` on this business's
        clock (see :meth:`position`); a span with no open day gives the first open day after."""
        target = low + u * np.maximum(high - low, 0.0)
        i = self._search.search(target, side="right") - 1
        i = self._next_open_index[np.clip(i, 0, len(self.weight) - 1)]
        return (i + self._first_day).view("datetime64[D]")

    def day_at(self, position: np.ndarray) -> np.ndarray:
        """The day at each ``position`` on this business's clock: ``position(day) + 2.5`` on
        the trading clock is the third trading day from ``day`` on (counting ``day`` if it
        trades), so counting open days adds no weight to the day after a weekend."""
        position = np.asarray(position, dtype=float)
        return self.at(position, position, np.zeros(len(position)))

    def next_open(self, dates: np.ndarray) -> np.ndarray:
        """Each of ``dates`` if open, else the next open day."""
        i = self._next_open_index[np.clip(self._index(dates), 0, len(self.weight) - 1)]
        return (i + self._first_day).view("datetime64[D]")

    def weight_on(self, dates: np.ndarray) -> np.ndarray:
        """The weight of each of ``dates`` (its length on this business's clock)."""
        return self.weight[np.clip(self._index(dates), 0, len(self.weight) - 1)]

    def index_of(self, dates) -> np.ndarray:
        """Each date's row in :attr:`weight` (dates outside the calendar clipped to its ends)."""
        return np.clip(self._index(dates), 0, len(self.weight) - 1)

    def _index(self, dates) -> np.ndarray:
        """Days since ``first`` (integer arithmetic: fast on millions of dates)."""
        days = np.asarray(dates, dtype="datetime64[D]").view(np.int64)
        # a missing date (NaT, the smallest int64): any answer will do
        return np.where(days == np.iinfo(np.int64).min, 0, days - self._first_day)


def trading_days(first_year: int, last_year: int) -> Days:
    """The futures exchanges' trading days (no weekends, no public holidays), weight 1."""
    cal = calendar(first_year, last_year)
    return Days(cal.first, cal.trading.astype(float))


def office_days(first_year: int, last_year: int) -> Days:
    """Working days, the weekend days worked in lieu of a holiday included, weight 1."""
    cal = calendar(first_year, last_year)
    return Days(cal.first, cal.office.astype(float))


def business_days(
    first_year: int,
    last_year: int,
    weekday_weights: tuple[float, ...],
    *,
    holiday: float = 1.0,
    festival: float | None = None,
    before_festival: tuple[int, float] | None = None,
    month_weights: tuple[float, ...] | None = None,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Days:
    """How busy a business is on each day: a weight per weekday (Monday first), times ``holiday``
    on public holidays; the Spring Festival break at ``festival`` times an average day (if given);
    times ``before_festival[1]`` in the ``before_festival[0]`` days before that break; times the
    month's weight; times day-to-day chance (weather, traffic) of spread ``noise``."""
    cal = calendar(first_year, last_year)
    weight = np.asarray(weekday_weights, dtype=float)[cal.weekday]
    weight = np.where(cal.holiday, weight * holiday, weight)
    if festival is not None:
        weight = np.where(cal.festival, np.asarray(weekday_weights).mean() * festival, weight)
    if before_festival is not None:
        days, factor = before_festival
        starts = np.flatnonzero(cal.festival & ~np.r_[False, cal.festival[:-1]])
        for s in starts:
            weight[max(0, s - days) : s] *= factor
    if month_weights is not None:
        months = (cal.days.astype("datetime64[M]").astype(np.int64)) % 12
        weight = weight * np.asarray(month_weights, dtype=float)[months]
    if noise and rng is not None:
        weight = weight * rng.lognormal(0.0, noise, len(weight))
    return Days(cal.first, weight)


def seconds_of_day(rng: np.random.Generator, hour_weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` moments of the day, in seconds after midnight, with an hour's chance in proportion
    to its weight (24 weights, midnight first) and the seconds within the hour uniform."""
    weights = np.asarray(hour_weights, dtype=float)
    hour = np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(n), side="right")
    return np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n)


@dataclass(frozen=True)
class OfficeHours:
    """A department's working time: open days (``days``) from ``open_hour`` to ``close_hour``.

    Work takes working time: something that needs three working hours, asked for at 16:00 on a
    Friday, is done at 10:00 on Monday. :meth:`after` turns working hours into clock time.
    """

    days: Days
    open_hour: float
    close_hour: float

    @property
    def length(self) -> float:
        return (self.close_hour - self.open_hour) * 3600.0

    def clock(self, moments: np.ndarray) -> np.ndarray:
        """Working seconds from the first open day to each moment (time outside hours counts
        as none)."""
        moments = np.asarray(moments).astype("datetime64[s]")
        open_days = self.days.open_days
        day = moments.astype("datetime64[D]")
        k = np.searchsorted(open_days, day, side="left")  # open days before this one
        on_open_day = (k < len(open_days)) & (open_days[np.minimum(k, len(open_days) - 1)] == day)
        into = (moments - day.astype("datetime64[s]")) / SECOND - self.open_hour * 3600.0
        into = np.clip(into, 0.0, self.length)
        return k * self.length + np.where(on_open_day, into, 0.0)

    def after(self, moments: np.ndarray, working_hours: np.ndarray) -> np.ndarray:
        """The moment ``working_hours`` of this department's time after each of ``moments``,
        to the second (a moment outside hours starts at the next opening)."""
        target = self.clock(moments) + np.asarray(working_hours, dtype=float) * 3600.0
        open_days = self.days.open_days
        k = np.floor(target / self.length).astype(np.int64)
        into = target - k * self.length
        k = np.minimum(k, len(open_days) - 1)
        return (
            open_days[k].astype("datetime64[s]")
            + np.round(self.open_hour * 3600.0 + into).astype(np.int64) * SECOND
        )
