"""The calendar the generators draw dates from: trading days, office days and busy days."""

from __future__ import annotations

import numpy as np
import pytest

from crmkit.datasets import china_calendar


def test_trading_days_skip_weekends_holidays_and_worked_weekends():
    trading = china_calendar.trading_days(2013, 2013)
    days = np.array(
        ["2013-10-01", "2013-10-08", "2013-10-12", "2013-02-08", "2013-02-18"],
        dtype="datetime64[D]",
    )
    # National Day, an ordinary Tuesday, a Saturday worked in lieu, the last day before the
    # Spring Festival break, the first day after it
    assert (trading.weight_on(days) > 0).tolist() == [False, True, False, True, True]
    assert (china_calendar.office_days(2013, 2013).weight_on(days) > 0).tolist() == [
        False,
        True,
        True,
        True,
        True,
    ]


def test_draw_stays_within_each_span_on_open_days():
    rng = np.random.default_rng(1)
    trading = china_calendar.trading_days(2013, 2013)
    start = np.full(5_000, np.datetime64("2013-09-28"))
    end = start + np.timedelta64(14, "D")
    days = trading.draw(rng, start, end, 5_000)
    assert ((days >= start) & (days <= end)).all()
    assert (trading.weight_on(days) > 0).all()
    # 2013-09-30 and 2013-10-08 … 10-11 are the only trading days of the span
    assert set(days.astype(str)) == {
        "2013-09-30",
        "2013-10-08",
        "2013-10-09",
        "2013-10-10",
        "2013-10-11",
    }


def test_draw_follows_the_weights():
    rng = np.random.default_rng(2)
    busy = china_calendar.business_days(2013, 2013, (1, 1, 1, 1, 1, 3, 3))
    days = busy.draw(rng, "2013-03-04", "2013-03-10", 70_000)  # Monday to Sunday
    counts = np.unique(days, return_counts=True)[1]
    assert counts[5] / counts[0] == pytest.approx(3, rel=0.1)


def test_office_hours_carry_work_over_nights_and_weekends():
    hours = china_calendar.OfficeHours(china_calendar.office_days(2013, 2013), 8.5, 17.5)
    friday_afternoon = np.array(["2013-03-08T16:00:00"], dtype="datetime64[s]")
    # 1.5 hours on Friday, 1.5 on Monday morning
    assert hours.after(friday_afternoon, np.array([3.0])).astype(str).tolist() == [
        "2013-03-11T10:00:00"
    ]
    saturday = np.array(["2013-03-09T11:00:00"], dtype="datetime64[s]")
    assert hours.after(saturday, np.array([1.0])).astype(str).tolist() == ["2013-03-11T09:30:00"]


def test_years_outside_the_package_are_refused():
    with pytest.raises(ValueError, match="chinesecalendar"):
        china_calendar.calendar(1999, 2000)
