"""The data behave like a real firm's: a sharp student who plots them finds no seams.

Each test encodes one fact about the real world (its docstring says which) and checks it on the
committed default data and on more than 30 students' variants. The facts are stated here in the
test's own words and numbers, not read from the generators, so a generator that drifts from the
world fails them.
"""

from __future__ import annotations

import datetime
from functools import cache

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

from crmkit.datasets import load

STUDENTS = [f"2025{n:04d}" for n in range(1, 31)] + ["lin.mei", "S-42", "wang_fang"]
VARIANTS = [None, *STUDENTS]


@cache
def data(case: str, student: str | None) -> dict[str, pd.DataFrame]:
    return load(case) if student is None else load(case, student=student)


# --- the calendar ---------------------------------------------------------------------------


@cache
def _day_kinds(first: str, last: str) -> pd.DataFrame:
    """Each day of [first, last]: weekday, working day, public holiday (from chinesecalendar)."""
    days = pd.date_range(first, last, freq="D")
    rows = []
    for day in days.date:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        rows.append((chinese_calendar.is_workday(day), on_holiday and name is not None))
    kinds = pd.DataFrame(rows, index=days, columns=["office", "holiday"])
    kinds["weekday"] = days.day_of_week
    kinds["trading"] = kinds["office"] & (kinds["weekday"] < 5)
    return kinds


def kinds_of(dates: pd.Series, first: str, last: str) -> pd.DataFrame:
    return _day_kinds(first, last).reindex(pd.DatetimeIndex(dates).normalize())


def per_day(dates: pd.Series, first: str, last: str) -> pd.DataFrame:
    """Rows per calendar day of [first, last] (0 on days without any), with the day's kind."""
    kinds = _day_kinds(first, last).copy()
    counts = pd.DatetimeIndex(dates).normalize().value_counts()
    kinds["rows"] = counts.reindex(kinds.index, fill_value=0).to_numpy()
    return kinds


def age_peak(ages: pd.Series) -> float:
    """How peaked an age distribution is: the fullest 5-year group of ages 20–64 against the
    average group (1 for ages spread evenly)."""
    groups = pd.cut(ages, range(20, 70, 5), right=False).value_counts()
    return float(groups.max() / groups.mean())


# --- futures broker -------------------------------------------------------------------------

# 2013 contract terms, approximately: value of one lot and the exchange's margin rate
LOT_VALUE = {
    "沪铜": 275_000,
    "螺纹钢": 37_000,
    "豆粕": 33_000,
    "玉米": 23_500,
    "白糖": 52_000,
    "棉花": 97_500,
    "股指期货": 735_000,
    "天然橡胶": 200_000,
}
MARGIN_RATE = {"股指期货": 0.12}  # CFFEX's lowest in 2013; commodities at least 5%
COMMODITY_MARGIN = 0.05


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_trades_fall_on_exchange_trading_days(student):
    """China's futures exchanges trade Monday to Friday, never on a public holiday and never on
    the weekend days worked in lieu of one, so no trade has another date and Friday is no busier
    than other weekdays (no weekend folded onto it)."""
    trades = data("futures_broker", student)["trades"]
    kinds = kinds_of(trades["traded_on"], "2013-01-01", "2013-12-31")
    assert kinds["trading"].all(), trades.loc[~kinds["trading"].to_numpy(), "traded_on"].head()
    days = per_day(trades["traded_on"], "2013-01-01", "2013-12-31")
    trading = days[days["trading"]]
    per_weekday = trading.groupby("weekday")["rows"].mean()
    assert per_weekday[4] <= 1.25 * per_weekday[[0, 1, 2, 3]].mean(), per_weekday.to_dict()


def weekday_unevenness(dates: pd.Series, kind: str, first: str, last: str) -> float:
    """The busiest weekday's rows per open day over the quietest weekday's (Monday to Friday,
    days of ``kind`` only): near 1 when no day collects what belongs to another."""
    days = per_day(dates, first, last)
    days = days[days[kind] & (days["weekday"] < 5)]
    days = days[
        (days.index >= pd.Timestamp(dates.min())) & (days.index <= pd.Timestamp(dates.max()))
    ]
    per_weekday = days.groupby("weekday")["rows"].mean()
    return float(per_weekday.max() / per_weekday.min())


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_no_weekday_collects_the_weekend(student):
    """Openings, closures, trades and callbacks spread over the working week: no Friday or Monday
    holds the weekend's share (a branch does not save Saturday's work for Monday)."""
    t = data("futures_broker", student)
    clients, contacts = t["clients"], t["service_contacts"]
    callbacks = contacts.loc[contacts["contact_type"] == "callback", "contacted_on"]
    for name, dates, kind, limit in (
        ("trades", t["trades"]["traded_on"], "trading", 1.2),
        # (fewer rows: more room for chance)
        ("openings", clients["opened_on"].dropna(), "trading", 1.6),
        ("closures", clients["closed_on"].dropna(), "trading", 1.6),
        ("callbacks", callbacks, "office", 2.0),
    ):
        unevenness = weekday_unevenness(dates, kind, "2004-01-01", "2014-12-31")
        assert unevenness <= limit, (name, unevenness)


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_branch_work_on_working_days(student):
    """Accounts are opened and closed at the branch on trading days; callbacks and investor
    education happen on working days; complaints by phone, at the counter or by letter come in
    on working days in office hours (only the web takes them at any time)."""
    t = data("futures_broker", student)
    clients = t["clients"]
    for column in ("opened_on", "closed_on"):
        dates = clients[column].dropna()
        assert kinds_of(dates, "2004-01-01", "2014-12-31")["trading"].all(), column
    contacts = t["service_contacts"]
    assert kinds_of(contacts["contacted_on"], "2013-01-01", "2013-12-31")["office"].all()
    complaints = t["complaints"]
    offline = complaints[complaints["channel"] != "online"]
    assert kinds_of(offline["received_at"], "2013-01-01", "2013-12-31")["office"].all()
    assert offline["received_at"].dt.hour.between(8, 17).all()


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_events_within_account_life(student):
    """A client trades, complains, is called back and holds equity only while the account is
    open: nothing before it opened or after it closed."""
    t = data("futures_broker", student)
    life = t["clients"].set_index("client_id")[["opened_on", "closed_on"]]
    end = life["closed_on"].fillna(pd.Timestamp("2099-12-31"))
    for table, column in (("trades", "traded_on"), ("complaints", "received_at")):
        events = t[table]
        opened = events["client_id"].map(life["opened_on"])
        closed = events["client_id"].map(end)
        day = events[column].dt.normalize()
        assert ((day >= opened) & (day <= closed)).all(), table
    calls = t["service_contacts"]
    calls = calls[calls["contact_type"] == "callback"]
    accounts = calls["client_id"].map(life["opened_on"]).notna()
    assert (
        calls["contacted_on"][accounts] >= calls["client_id"].map(life["opened_on"])[accounts]
    ).all()
    assert (calls["contacted_on"] <= calls["client_id"].map(end)).all()
    equity = t["monthly_equity"]
    month_end = equity["month"] + pd.offsets.MonthEnd(0)
    assert (month_end >= equity["client_id"].map(life["opened_on"])).all()
    assert (month_end < equity["client_id"].map(end)).all()


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_account_holders_are_adults(student):
    """Only adults may open a futures account (China's rules require full civil capacity)."""
    clients = data("futures_broker", student)["clients"].dropna(subset=["opened_on"])
    age = (clients["opened_on"] - clients["birthday"]).dt.days / 365.25
    assert age.min() >= 18, age.min()
    assert age_peak(age) >= 1.6, "ages at opening look spread evenly, as no client base is"


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_complaints_answered_in_daytime(student):
    """Departments answer complaints in office hours: no first response in the small hours."""
    complaints = data("futures_broker", student)["complaints"]
    hour = complaints["first_response_at"].dt.hour
    assert not hour.between(0, 6).any(), complaints.loc[hour.between(0, 6), "first_response_at"]


@cache
def commission_and_equity(student: str | None) -> pd.DataFrame:
    t = data("futures_broker", student)
    commission = t["trades"].groupby("client_id")["commission_yuan"].sum()
    equity = t["monthly_equity"].groupby("client_id")["equity_yuan"].agg(["mean", "max"])
    return equity.join(commission.rename("commission"), how="left")


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_commission_related_to_equity_but_no_line(student):
    """A broker's commission comes from each client's trading, products and negotiated fee
    rate: larger accounts bring more, but far from in proportion (correlation of the logs well
    below 1), so funds and commission rank clients differently."""
    both = commission_and_equity(student).dropna()
    r = np.corrcoef(np.log(both["commission"]), np.log(both["mean"]))[0, 1]
    assert 0.2 <= r <= 0.85, r


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_some_accounts_lie_dormant(student):
    """Every broker carries accounts that hold money but did not trade in a year."""
    both = commission_and_equity(student)
    dormant = both["commission"].isna().mean()
    assert 0.05 <= dormant <= 0.4, dormant


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_each_trade_within_the_margin_the_account_holds(student):
    """A trade's lots need margin (a share of the contracts' value) that the account must hold;
    only clients with 500,000 yuan in their account are admitted to index futures (CFFEX, 2010),
    so index futures are the large accounts' business."""
    t = data("futures_broker", student)
    trades = t["trades"]
    equity = commission_and_equity(student)["max"]
    product = trades["product"].astype(str)
    margin = (
        trades["lots"] * product.map(LOT_VALUE) * product.map(MARGIN_RATE).fillna(COMMODITY_MARGIN)
    )
    # (an account opened and closed within a month has no month-end equity)
    held = trades["client_id"].map(equity)
    known = held.notna()
    assert known.mean() >= 0.95
    assert (margin[known] <= 1.5 * held[known]).all(), (margin / held).max()
    index_traders = trades.loc[product == "股指期货", "client_id"].unique()
    # (the 500,000 are checked when the client is admitted; equity may fall afterwards)
    largest = equity.reindex(index_traders).dropna()
    assert (largest >= 150_000).all() and largest.median() >= 500_000, largest.describe()


@pytest.mark.parametrize("student", VARIANTS)
def test_futures_fee_per_lot_depends_on_product(student):
    """Exchanges charge a fee per lot that depends on the contract (an index-futures lot costs
    many times a corn lot, even at the low rates large accounts negotiate), and a client pays the
    same negotiated rate on every lot of it."""
    trades = data("futures_broker", student)["trades"]
    per_lot = trades["commission_yuan"] / trades["lots"]
    median = per_lot.groupby(trades["product"].astype(str)).median()
    if "股指期货" in median:
        assert median["股指期货"] >= 3 * median["玉米"], median.to_dict()
    assert median.max() >= 5 * median.min(), median.to_dict()
    spread = (
        per_lot[trades["lots"] >= 20]
        .groupby([trades["client_id"], trades["product"].astype(str)])
        .agg(lambda x: x.max() / x.min())
    )
    assert spread.max() <= 1.05, spread.max()


# --- car detailing --------------------------------------------------------------------------


@pytest.mark.parametrize("student", VARIANTS)
def test_car_shop_busiest_at_weekends(student):
    """Car owners bring their cars in at weekends: a detailing shop's Saturdays and Sundays are
    busier than its weekdays."""
    t = data("car_detailing", student)
    days = per_day(t["visits"]["visited_on"], "2013-01-01", "2013-12-31")
    days = days[~days["holiday"]]
    weekend = days.loc[days["weekday"] >= 5, "rows"].mean()
    weekday = days.loc[days["weekday"] < 5, "rows"].mean()
    assert weekend >= 1.2 * weekday, (weekend, weekday)
    wholesale = t["wholesale_orders"]["ordered_on"]
    assert kinds_of(wholesale, "2013-01-01", "2013-12-31")["office"].all(), (
        "trade buyers order on working days"
    )
    received = t["complaints"]["received_at"].dt.hour
    assert received.between(9, 19).all(), "complaints come in while the shop is open"


@pytest.mark.parametrize("student", VARIANTS)
def test_car_fleet_is_young(student):
    """China's car sales grew about twentyfold from 2000 to 2013, so a shop's cars are mostly
    recent and the oldest year is the rarest, with no pile of cars at the first year."""
    years = data("car_detailing", student)["vehicles"]["purchase_year"].value_counts()
    years = years.reindex(range(2000, 2014), fill_value=0)
    assert years[2000] <= 0.02 * years.sum(), years.to_dict()
    assert years[2000] < years[2005] < years[2010], years.to_dict()


# --- airline --------------------------------------------------------------------------------


@pytest.mark.parametrize("student", VARIANTS)
def test_airline_travellers_fly_when_their_kind_flies(student):
    """Business travellers fly on weekdays, hardly on Saturdays; leisure travellers fly in the
    holidays (Golden Week, the Spring Festival)."""
    t = data("airline_frequent_flyer", student)
    purpose = t["members"].set_index("member_id")["travel_purpose"].astype(str)
    flights = t["flights"]
    kind = flights["member_id"].map(purpose)
    business = per_day(flights.loc[kind == "business", "flown_on"], "2008-01-01", "2010-12-31")
    working = business[business["office"] & (business["weekday"] < 5)]["rows"].mean()
    saturday = business[(business["weekday"] == 5) & ~business["holiday"]]["rows"].mean()
    assert saturday <= 0.6 * working, (saturday, working)
    leisure = per_day(flights.loc[kind == "leisure", "flown_on"], "2008-01-01", "2010-12-31")
    assert leisure.loc[leisure["holiday"], "rows"].mean() >= 1.3 * leisure["rows"].mean()


@pytest.mark.parametrize("student", VARIANTS)
def test_airline_ancillaries_are_bought_for_a_flight(student):
    """Baggage, seats, upgrades, lounges and insurance are bought for a flight: on its day or in
    the weeks before, by a member who flies."""
    t = data("airline_frequent_flyer", student)
    flights, ancillary = t["flights"], t["ancillary"]
    assert ancillary["member_id"].isin(flights["member_id"]).all(), (
        "an ancillary buyer who never flew"
    )
    # the member's next flight on or after the day of purchase
    next_flight = pd.merge_asof(
        ancillary.sort_values("purchased_on"),
        flights[["member_id", "flown_on"]].sort_values("flown_on"),
        left_on="purchased_on",
        right_on="flown_on",
        by="member_id",
        direction="forward",
    )
    lead = ((next_flight["flown_on"] - next_flight["purchased_on"]).dt.days).fillna(np.inf)
    lead = lead.to_numpy()
    assert (lead <= 60).all(), np.sort(lead)[-5:]
    assert (lead == 0).mean() >= 0.4, (lead == 0).mean()


@pytest.mark.parametrize("student", VARIANTS)
def test_airline_members_are_adults_of_working_age(student):
    """Frequent flyers are adults, most of working age: not spread evenly over every birth year."""
    members = data("airline_frequent_flyer", student)["members"]
    age_at_joining = members["joined_on"].dt.year - members["birth_year"]
    assert age_at_joining.min() >= 18
    assert age_peak(2010 - members["birth_year"]) >= 1.6


# --- retail chain ---------------------------------------------------------------------------


@pytest.mark.parametrize("student", VARIANTS)
def test_retail_stores_busiest_at_weekends(student):
    """Shoppers come to a high-street chain more at weekends and on public holidays."""
    visits = data("retail_chain", student)["visits"]
    days = per_day(visits["visited_on"], "2012-01-01", "2012-12-31")
    ordinary = days[days["office"] & (days["weekday"] < 5)]["rows"].mean()
    weekend = days[~days["office"] & ~days["holiday"]]["rows"].mean()
    assert weekend >= 1.2 * ordinary, (weekend, ordinary)


@pytest.mark.parametrize("student", VARIANTS)
def test_retail_minors_earn_little(student):
    """School pupils (under 18) have no income of 2,500 yuan a month; shoppers' ages peak in
    their twenties and thirties."""
    shoppers = data("retail_chain", student)["shoppers"]
    minors = shoppers[shoppers["age"] < 18]
    assert (minors["income_band"] == "below_2500").all()
    assert age_peak(shoppers["age"]) >= 1.6


# --- online shop ----------------------------------------------------------------------------

REFERENCE = pd.Timestamp("2024-12-31")
# the first days of the windows that tasks and notebooks use (recency 90, 180 and 365 days) and
# the first day of the data
WINDOW_EDGES = [REFERENCE - pd.Timedelta(days=d - 1) for d in (90, 180, 365)]
SHOPPING_FESTIVALS = {(6, 18), (11, 11), (12, 12)}


@pytest.mark.parametrize("student", VARIANTS)
def test_online_orders_come_at_all_hours(student):
    """Online shoppers order at any hour: least before dawn, some after midnight, most in the
    evening."""
    hour = data("online_shop", student)["orders"]["ordered_at"].dt.hour
    by_hour = hour.value_counts().reindex(range(24), fill_value=0)
    night = by_hour[0:8].sum() / by_hour.sum()
    assert 0.03 <= night <= 0.2, night
    assert by_hour[20:24].mean() > by_hour[9:18].mean(), by_hour.to_dict()
    assert by_hour[3:6].mean() < 0.25 * by_hour.mean(), by_hour.to_dict()


@pytest.mark.parametrize("student", VARIANTS)
def test_online_no_spike_at_a_window_edge(student):
    """A shop's rules of thumb (who counts as sleeping after 90, 180 or 365 days) are not events:
    nothing happens more on the day a window starts or the day before than around it."""
    t = data("online_shop", student)
    orders = per_day(t["orders"]["ordered_at"], "2023-01-01", "2024-12-31")["rows"]
    latest = t["orders"].groupby("customer_id")["ordered_at"].max()
    last_orders = per_day(latest, "2023-01-01", "2024-12-31")["rows"]
    for series in (orders, last_orders):
        for edge in WINDOW_EDGES:
            around = series[edge - pd.Timedelta(days=30) : edge + pd.Timedelta(days=30)]
            typical = max(around.median(), 1.0)
            for day in (edge - pd.Timedelta(days=1), edge):
                assert series[day] <= 2.5 * typical + 2, (edge.date(), day.date(), series[day])
    ordinary = orders[[(d.month, d.day) not in SHOPPING_FESTIVALS for d in orders.index]]
    rolling = ordinary.rolling(29, center=True, min_periods=10).median()
    assert (ordinary <= 4 * rolling + 3).all(), (ordinary / rolling).idxmax()


@pytest.mark.parametrize("student", VARIANTS)
def test_online_reviews_come_days_after_the_parcel(student):
    """Buyers review a few days after the parcel arrives, within Taobao's 15 days, fewer each
    day after; nothing piles up on the last day of the data."""
    t = data("online_shop", student)
    reviews = t["reviews"].merge(t["orders"][["order_id", "ordered_at"]], on="order_id")
    delay = (reviews["reviewed_on"] - reviews["ordered_at"].dt.normalize()).dt.days
    assert delay.between(1, 25).all(), delay.describe()
    counts = delay.value_counts()
    assert counts.idxmax() <= 7 and counts.max() >= 3 * counts.get(14, 0), counts.to_dict()
    assert (delay <= 7).mean() >= 0.6
    daily = per_day(t["reviews"]["reviewed_on"], "2024-12-01", "2024-12-31")["rows"]
    assert daily.iloc[-1] <= 2 * daily.iloc[:-1].median() + 2, daily.tail(3).to_dict()


@pytest.mark.parametrize("student", VARIANTS)
def test_online_ratings_are_j_shaped(student):
    """Online ratings are J-shaped: mostly five stars, few twos and threes, and more ones than
    twos (those who had a bad experience say so)."""
    rating = data("online_shop", student)["reviews"]["rating"].value_counts(normalize=True)
    rating = rating.reindex(range(1, 6), fill_value=0)
    assert rating.idxmax() == 5
    assert rating[1] >= 0.02 and rating[1] > rating[2], rating.to_dict()


@pytest.mark.parametrize("student", VARIANTS)
def test_online_coupons_follow_the_shop_rules_of_the_day(student):
    """Coupons are sent by rules applied on the day they are sent and redeemed only by an order
    that qualifies: after registering, after sending, before the coupon expires (a month at most),
    at or above its minimum spend, one coupon an order; a wake-up coupon goes to someone who has
    not ordered for months, not to a customer who just did."""
    t = data("online_shop", student)
    coupons, orders = t["coupons"], t["orders"]
    registered = coupons["customer_id"].map(
        t["customers"].set_index("customer_id")["registered_on"]
    )
    assert (coupons["issued_on"] >= registered).all()
    used = coupons.dropna(subset=["used_order_id"]).merge(
        orders, left_on="used_order_id", right_on="order_id", suffixes=("", "_order")
    )
    assert len(used) == coupons["used_order_id"].notna().sum()
    assert (used["customer_id"] == used["customer_id_order"]).all()
    waited = (used["ordered_at"].dt.normalize() - used["issued_on"]).dt.days
    assert waited.between(0, 31).all(), waited.describe()
    assert (used["amount_yuan"] + used["face_value_yuan"] >= used["min_spend_yuan"]).all()
    assert used["used_order_id"].is_unique
    wake = coupons[coupons["kind"] == "wake_up"]
    before = wake.merge(orders[["customer_id", "ordered_at"]], on="customer_id")
    recent = before[
        (before["ordered_at"] < before["issued_on"])
        & (before["ordered_at"] >= before["issued_on"] - pd.Timedelta(days=90))
    ]
    assert recent.empty, recent.head()


def bgnbd_fit(orders: pd.DataFrame, customers: pd.DataFrame) -> dict[str, float]:
    """Maximum-likelihood BG/NBD (Fader, Hardie & Lee 2005) on the customers who registered
    in the data's window (their whole history is in it); time in weeks."""
    end = REFERENCE + pd.Timedelta(days=1)
    joined = customers.loc[customers["registered_on"] >= "2023-01-01", "customer_id"]
    times = orders[orders["customer_id"].isin(joined)].groupby("customer_id")["ordered_at"]
    summary = times.agg(["min", "max", "size"])
    x = summary["size"].to_numpy() - 1.0
    t_x = (summary["max"] - summary["min"]).dt.total_seconds().to_numpy() / 604_800
    big_t = (end - summary["min"]).dt.total_seconds().to_numpy() / 604_800

    def negative_log_likelihood(log_params):
        r, alpha, a, b = np.exp(log_params)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        alive = -(r + x) * np.log(alpha + big_t)
        dropped = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return -np.sum(common + np.logaddexp(alive, dropped))

    start = np.log([0.5, 5.0, 0.8, 2.5])
    fit = minimize(negative_log_likelihood, start, method="Nelder-Mead", options={"maxiter": 4000})
    return dict(zip(["r", "alpha", "a", "b"], np.exp(fit.x), strict=True))


def test_bgnbd_fit_recovers_known_heterogeneity():
    """The fit itself works: on purchases simulated from the model with r = 0.3 it finds r near
    0.3, so a high r on the shop's data is the data's and not the fit's."""
    rng = np.random.default_rng(7)
    n, weeks = 4000, 104.0
    rate = rng.gamma(0.3, 1 / 4.0, n)
    dropout = rng.beta(0.8, 2.5, n)
    first = rng.uniform(0, weeks - 1, n)
    rows = []
    for i in range(n):
        t, times = first[i], [first[i]]
        while True:
            t += rng.exponential(1 / rate[i])
            if t >= weeks:
                break
            times.append(t)
            if rng.random() < dropout[i]:
                break
        rows += [(f"k{i}", time) for time in times]
    orders = pd.DataFrame(rows, columns=["customer_id", "weeks"])
    orders["ordered_at"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(orders["weeks"], unit="W")
    customers = pd.DataFrame(
        {"customer_id": [f"k{i}" for i in range(n)], "registered_on": pd.Timestamp("2023-01-01")}
    )
    params = bgnbd_fit(orders, customers)
    assert params["r"] == pytest.approx(0.3, abs=0.1), params


@pytest.mark.parametrize("student", VARIANTS)
def test_online_customers_differ_as_much_as_real_ones(student):
    """Customers differ widely in how often they buy and how soon they leave: a BG/NBD fit to
    real logs finds r well below 1 (CDNOW: r = 0.243), and orders per customer fall steadily
    (more customers with two orders than with three, few with many)."""
    t = data("online_shop", student)
    params = bgnbd_fit(t["orders"], t["customers"])
    assert 0.05 <= params["r"] <= 0.8, params
    counts = t["orders"].groupby("customer_id").size().value_counts()
    counts = counts.reindex(range(1, 13), fill_value=0)
    assert (counts.diff().iloc[1:6] < 0).all(), counts.to_dict()
    assert counts[6] >= 1.5 * counts[12], counts.to_dict()


# --- figures --------------------------------------------------------------------------------


def test_default_figures_near_the_case_not_on_its_digits():
    """A real firm's figures are near the round numbers a case quotes, not on them: the default
    data meet each figure within its tolerance without hitting it to the fourth decimal."""
    visits = data("retail_chain", None)["visits"].merge(
        data("retail_chain", None)["shoppers"][["shopper_id", "state"]], on="shopper_id"
    )
    conversion = visits.groupby("state", observed=True)["purchased"].mean()
    targets = {"potential": 0.06, "first_time": 0.15, "repeat": 0.50, "loyal": 0.50}
    for state, target in targets.items():
        assert 0.0005 <= abs(conversion[state] - target) <= 0.01, (state, conversion[state])
    clients = data("futures_broker", None)["clients"]
    cohort = clients[clients["opened_on"].dt.year.between(2004, 2008)]
    retained = (
        cohort["closed_on"].isna()
        | (cohort["closed_on"] > cohort["opened_on"] + pd.DateOffset(years=5))
    ).mean()
    assert 0.0005 <= abs(retained - 0.50) <= 0.05, retained


def test_the_calendar_checks_can_fail():
    """Guard against tests that cannot fail: a Saturday, National Day and a weekend worked in
    lieu are told apart from a trading day."""
    kinds = kinds_of(
        pd.Series(pd.to_datetime(["2013-10-12", "2013-10-01", "2013-09-29", "2013-10-08"])),
        "2013-01-01",
        "2013-12-31",
    )
    assert kinds["trading"].tolist() == [False, False, False, True]
    assert kinds["office"].tolist() == [True, False, True, True]
    assert datetime.date(2013, 10, 12).weekday() == 5
