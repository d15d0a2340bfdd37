"""Records placed exactly on the thresholds the assignments' tasks pin (issue 25).

A task's text pins its boundaries ("on or after 2024-07-05", "at least 3,000 yuan", "within 24
hours (included)", "closed on 2013-12-31 is no longer open"). Whether an off-by-one reading costs
points must not depend on whose data a student drew, so every variant (the default data too) holds
a few records exactly on each boundary, for the published value and for every value a new term may
draw (the ``default`` and ``choices`` of ``exercises/templates/<assignment>/parameters.toml``;
``tests/test_boundaries.py`` checks that the values here cover them).

Records are placed where a real firm's would be, and as few as it takes: existing customers'
orders are moved or priced on the boundary and existing shoppers' visits moved onto a period's
first day (no customer or shopper is added, so every tier quota and calibrated share stays as
drawn); a few accounts close on the last trading day of a year, or a month later, instead of
earlier that year; seventeen complaints are added that come in at midnight or are answered or
closed exactly on a target. Nothing here draws random numbers, so the generators' random streams
are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import draw
from .china_calendar import Days

DAY = np.timedelta64(1, "D")
HOUR = np.timedelta64(1, "h")

# Every value a term may give each pinned parameter (default and choices).
# segmentation: tiers.recent_days, tiers.big_from, one_off.min_yuan
SHOP_RECENT_DAYS = (90, 120, 150, 180, 240)
SHOP_BIG_FROM = (800, 1000, 1200, 1500, 2000)
SHOP_ONE_OFF_FROM = (1500, 2000, 3000, 4000, 5000)
LOYAL_FROM_HIGHEST = 8  # tiers.loyal_from's largest value
# complaints: service.since and follow_up.since; service.response_hours; service.close_hours
COMPLAINTS_SINCE = ("2013-01-01", "2013-03-01", "2013-04-01", "2013-05-01", "2013-07-01")
RESPONSE_HOURS = (12, 24, 36, 48)
CLOSE_HOURS = (72, 120, 168, 240)
# segmentation: core.top_share and core.from_month
CORE_TOP_SHARES = (0.1, 0.15, 0.2, 0.25, 0.3)
CORE_FROM_MONTHS = (1, 4, 7, 10)
# loyalty: funnel.since (from funnel.from_month) and funnel.again_from
FUNNEL_SINCE = ("2012-01-01", "2012-04-01", "2012-07-01")
FUNNEL_AGAIN_FROM = (2, 3, 4)
# one-visit shoppers on each first day: enough that leaving the day out moves the visited rate
# (visited / shoppers, 5,000 shoppers) by more than the 0.0005 the funnel task tolerates
FUNNEL_ONE_VISIT_SHOPPERS = 6
# and shoppers with one buying visit from then on, so the bought stage moves too
FUNNEL_ONE_PURCHASE_SHOPPERS = 2
# loyalty: retention.year
RETENTION_YEARS = (2010, 2012, 2013)
# accounts closed on each year's last day: two, so that the share still open moves by more than
# the two decimals the retention task shows even in the largest first cohort
YEAR_END_CLOSURES = 2


# --- online shop ---------------------------------------------------------------------------------


def shop_orders(
    customers: dict[str, np.ndarray],
    orders: dict[str, np.ndarray],
    reference: str,
    recent_days: int,
    big_from: float,
    one_off_from: float,
) -> dict[str, np.ndarray]:
    """``orders`` with existing customers' orders placed on the tier and one-off boundaries:

    * for each recent window, a customer whose only order falls on its first day and one whose only
      order falls the day before (same time of day as before);
    * for each "big" threshold, a recent customer with two orders averaging exactly it (whole
      yuan, so the mean is exact);
    * for each one-off threshold, a customer whose only order is exactly that amount.

    Each is chosen among customers whose tier under the published rules (``recent_days``,
    ``big_from``) and one-off status (``one_off_from``) the change leaves as it was, all their
    orders completed. Returns the orders in time order.
    """
    shop = _ShopPlacement(customers, orders)
    reference_day = np.datetime64(reference, "D")
    _place_on_window_edges(shop, reference_day, reference_day - (recent_days - 1) * DAY)
    _place_on_big_thresholds(shop, reference_day - (min(SHOP_RECENT_DAYS) - 1) * DAY, big_from)
    _place_on_one_off_thresholds(shop, one_off_from)
    order = draw.order_by(shop.orders["ordered_at"], shop.orders["customer"])
    return {key: values[order] for key, values in shop.orders.items()}


class _ShopPlacement:
    """A copy of the orders being placed, each customer's figures as drawn (their latest order's
    day kept up to date), and the customers already ``chosen`` (each is changed once at most)."""

    def __init__(self, customers: dict[str, np.ndarray], orders: dict[str, np.ndarray]):
        n = len(customers["registered"])
        owner = orders["customer"]
        self.count = np.bincount(owner, minlength=n)
        self.refunded = (
            np.bincount(owner, weights=orders["refunded"].astype(float), minlength=n) > 0
        )
        self.day = orders["ordered_at"].astype("datetime64[D]")
        spend = np.bincount(owner, weights=orders["amount_yuan"], minlength=n)
        self.mean_spend = spend / np.maximum(self.count, 1)
        self.rows_of = _RowsByOwner(owner, n)
        self.last = self.rows_of.latest(self.day, np.datetime64("1970-01-01", "D"))
        self.before_last = _before_last(self.day, owner, n)
        self.registered = customers["registered"].astype("datetime64[D]")
        self.single = (self.count == 1) & ~self.refunded
        self.orders = {key: values.copy() for key, values in orders.items()}
        self.chosen = np.zeros(n, dtype=bool)

    def take(self, candidates: np.ndarray) -> int | None:
        """The middle one of the candidates not chosen yet, now chosen."""
        found = np.flatnonzero(candidates & ~self.chosen)
        if not len(found):
            return None  # a tiny shop may have none; the default data always do
        customer = int(found[len(found) // 2])
        self.chosen[customer] = True
        return customer

    def move_latest(self, customer: int, to_day: np.datetime64) -> None:
        """The customer's latest order moved onto ``to_day``, at the same time of day."""
        row = self.rows_of[customer][-1]
        time_of_day = self.orders["ordered_at"][row] - self.day[row].astype("datetime64[s]")
        self.orders["ordered_at"][row] = to_day.astype("datetime64[s]") + time_of_day
        self.day[row] = self.last[customer] = to_day


def _place_on_window_edges(
    shop: _ShopPlacement, reference_day: np.datetime64, published_start: np.datetime64
) -> None:
    # the first day of each recent window, and the day before it: a customer of each tier a
    # latest order on that day decides between sleeping and the tier (new, old, big, loyal, in every
    # term: one order; two averaging under the lowest big threshold; two or three averaging over
    # the highest; more than the highest loyal threshold), whose latest order moves onto the day
    # (in exchange with a customer whose latest order was there)
    count, mean_spend, last, before_last = shop.count, shop.mean_spend, shop.last, shop.before_last
    completed_all = (count > 0) & ~shop.refunded
    kinds = [
        shop.single & (mean_spend < min(SHOP_ONE_OFF_FROM)),
        completed_all & (count == 2) & (mean_spend < 0.9 * min(SHOP_BIG_FROM)),
        completed_all & (count >= 2) & (count <= 3) & (mean_spend > 1.1 * max(SHOP_BIG_FROM)),
        completed_all & (count > LOYAL_FROM_HIGHEST),
    ]
    for days in SHOP_RECENT_DAYS:
        start = reference_day - (days - 1) * DAY
        for target in (start, start - DAY):
            recent_now = target >= published_start
            for kind in kinds:
                customer = shop.take(
                    kind
                    & ((last >= published_start) == recent_now)
                    & (shop.registered <= target)
                    & (before_last < target)
                )
                if customer is None:
                    continue
                was = last[customer]
                shop.move_latest(customer, target)
                # a customer whose latest order fell on the day takes the other's day instead, so
                # no day gains a latest order (no spike at the window's edge) and no status changes
                partner = shop.take(
                    (last == target) & (before_last < was) & (shop.registered <= was)
                )
                if partner is not None:
                    shop.move_latest(partner, was)


def _place_on_big_thresholds(
    shop: _ShopPlacement, latest_start: np.datetime64, big_from: float
) -> None:
    # two recent orders averaging exactly each "big" threshold
    two = (shop.count == 2) & ~shop.refunded & (shop.last >= latest_start)
    for amount in SHOP_BIG_FROM:
        customer = shop.take(two & ((shop.mean_spend >= big_from) == (amount >= big_from)))
        if customer is None:
            continue
        first, second = shop.rows_of[customer]
        low = round(0.8 * amount)
        shop.orders["amount_yuan"][first] = float(low)
        shop.orders["amount_yuan"][second] = float(2 * amount - low)


def _place_on_one_off_thresholds(shop: _ShopPlacement, one_off_from: float) -> None:
    # a single order of exactly each one-off threshold
    single, mean_spend = shop.single, shop.mean_spend
    for amount in SHOP_ONE_OFF_FROM:
        large_now = amount >= one_off_from
        near = (mean_spend >= one_off_from) if large_now else (mean_spend >= 0.6 * amount)
        customer = shop.take(single & near & ((mean_spend >= one_off_from) == large_now))
        if customer is None:
            continue
        shop.orders["amount_yuan"][shop.rows_of[customer][0]] = float(amount)
    # and one above the highest, so a list that leaves out the one on it is still half right
    # (the one-off task grades the share on the student's own list only then)
    if not (single & ~shop.chosen & (mean_spend > max(SHOP_ONE_OFF_FROM))).any():
        customer = shop.take(single & (mean_spend >= one_off_from))
        if customer is not None:
            highest = max(SHOP_ONE_OFF_FROM)
            shop.orders["amount_yuan"][shop.rows_of[customer][0]] = float(round(1.2 * highest))


def _before_last(day: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Each owner's day of the order before their latest (long ago for one order or none)."""
    order = draw.order_by(owner, day)
    sorted_owner, sorted_day = owner[order], day[order]
    found = np.full(n, np.datetime64("1970-01-01"), dtype="datetime64[D]")
    if len(owner) < 2:
        return found
    # the second-to-last row of each owner: a row whose next-but-one row has another owner
    second_last = np.flatnonzero(
        (sorted_owner[:-1] == sorted_owner[1:])
        & np.append(sorted_owner[1:-1] != sorted_owner[2:], True)
    )
    found[sorted_owner[second_last]] = sorted_day[second_last]
    return found


class _RowsByOwner:
    """The rows of each owner 0..n-1, in row order: ``rows_of[owner]``."""

    def __init__(self, owner: np.ndarray, n: int):
        self.order = draw.stable_argsort(owner)
        self.bounds = np.searchsorted(owner[self.order], np.arange(n + 1))

    def __getitem__(self, owner: int) -> np.ndarray:
        return self.order[self.bounds[owner] : self.bounds[owner + 1]]

    def latest(self, day: np.ndarray, none: np.datetime64) -> np.ndarray:
        """Each owner's latest ``day`` (``none`` for an owner without rows): one reduction over
        the rows grouped by owner, where ``np.maximum.at`` would take ten times as long."""
        found = np.full(len(self.bounds) - 1, none, dtype=day.dtype)
        starts = self.bounds[:-1]
        has_rows = self.bounds[1:] > starts
        if has_rows.any():
            found[has_rows] = np.maximum.reduceat(day[self.order], starts[has_rows])
        return found


# --- futures broker: clients ---------------------------------------------------------------------


def year_end_closures(clients: pd.DataFrame, trading: Days) -> pd.DataFrame:
    """``clients`` with, for each retention year, a few accounts of the oldest cohort that closed
    during that year closing on its last day instead (31 December, a trading day in each of
    ``RETENTION_YEARS``). They stay closed within the same year, on the same side of their fifth
    anniversary, so churn, five-year retention and status are as drawn."""
    clients = clients.copy()
    opened = clients["opened_on"].to_numpy("datetime64[D]")
    closed = clients["closed_on"].to_numpy("datetime64[D]")
    fifth = _fifth_anniversary(opened)
    cohort = opened.astype("datetime64[Y]").astype(int) + 1970
    for year in RETENTION_YEARS:
        last_day = np.datetime64(f"{year}-12-31")
        if trading.weight_on(np.array([last_day]))[0] <= 0:
            raise ValueError(f"{last_day} is no trading day: no account can close on it")
        during = (
            ~np.isnat(closed)
            & (closed >= np.datetime64(f"{year}-01-01"))
            & (closed < last_day)
            & ((closed > fifth) == (last_day > fifth))
        )
        candidates = np.flatnonzero(during)
        if not len(candidates):
            continue
        # the oldest cohort first (the smallest, so one account moves its share most), then by day
        picked = candidates[np.lexsort((closed[candidates], cohort[candidates]))]
        picked = picked[:YEAR_END_CLOSURES]
        closed[picked] = last_day
    clients["closed_on"] = pd.Series(closed, index=clients.index).astype(clients["closed_on"].dtype)
    return clients


def core_counts_not_whole(clients: pd.DataFrame, trading: Days) -> pd.DataFrame:
    """``clients`` with a closure or two in 2013 put off by a month, so that for each first month
    of the core-clients task the count of clients with a month-end equity from then on, times each
    top share, is never whole: rounding it up (``math.ceil``) or down then differs in every term.

    An account that closed during month m, after holding equity at the end of month m - 1, closes
    on the first trading day after month m instead: it gains month m's equity, which changes the
    count from month m only. It closes in the same year, on the same side of its fifth anniversary.
    """
    clients = clients.copy()
    opened = clients["opened_on"].to_numpy("datetime64[D]")
    closed = clients["closed_on"].to_numpy("datetime64[D]")
    fifth = _fifth_anniversary(opened)
    # month_end[k]: the last day of month k of 2013 (k = 0: 31 December 2012)
    month_end = (np.arange(13) + np.datetime64("2013-01", "M")).astype("datetime64[D]") - DAY
    open_at = lambda k: (opened <= month_end[k]) & (np.isnat(closed) | (closed > month_end[k]))  # noqa: E731

    def count_from(month: int) -> int:
        return int(np.logical_or.reduce([open_at(k) for k in range(month, 13)]).sum())

    def whole(n: int) -> bool:
        return any(round(share * n, 9) == int(round(share * n, 9)) for share in CORE_TOP_SHARES)

    for month in sorted(CORE_FROM_MONTHS, reverse=True):
        while whole(count_from(month)):
            later = trading.next_open(np.array([month_end[month] + DAY]))[0]
            candidates = np.flatnonzero(
                open_at(month - 1)
                & ~np.isnat(closed)
                & (closed <= month_end[month])
                & ((closed > fifth) == (later > fifth))
            )
            if not len(candidates):
                break  # a tiny client base; the default data always have some
            closed[candidates[np.argmax(closed[candidates])]] = later
    clients["closed_on"] = pd.Series(closed, index=clients.index).astype(clients["closed_on"].dtype)
    return clients


def _fifth_anniversary(opened: np.ndarray) -> np.ndarray:
    month = opened.astype("datetime64[M]")
    return (month + 60).astype("datetime64[D]") + (opened - month.astype("datetime64[D]"))


# --- futures broker: complaints ------------------------------------------------------------------


def futures_complaints(
    complaints: pd.DataFrame, clients: pd.DataFrame, office: Days
) -> pd.DataFrame:
    """``complaints`` with complaints on the service targets' and the periods' boundaries:

    * for each first day of a period, a web complaint received at midnight on it and, but for the
      first day of the year, one at 23:30 the day before; both wait days for an answer (compliance
      handles them), are closed after more than ten days and were not surveyed, so leaving one out
      changes every share of its channel;
    * for each response target, a complaint answered exactly that many hours after it came in
      (web at 21:00 answered at 09:00, or by phone at 10:00 answered at 10:00) and closed an hour
      later, within every closing target;
    * for each closing target, a phone complaint answered within the hour and closed exactly that
      many hours after it came in (at 10:00 on an office day).

    Returns all complaints in the order received, ids renumbered.
    """
    days = _OfficeDays(office)
    rows = _on_period_starts(days) + _on_response_targets(days) + _on_closing_targets(days)
    pinned = _complaints_table(rows, complaints, clients)
    both = pd.concat([complaints, pinned], ignore_index=True)
    both = both.sort_values("received_at", kind="stable").reset_index(drop=True)
    both["complaint_id"] = draw.text(draw.ids("K", len(both)))
    return both


# a pinned complaint: (received, channel, handled_by, first_response, closed, resolution)
_Complaint = tuple[np.datetime64, str, str, np.datetime64, np.datetime64, str]


class _OfficeDays:
    """The days the complaints office works."""

    def __init__(self, office: Days):
        self.office = office
        self.open_days = office.open_days

    def is_open(self, d: np.datetime64) -> bool:
        return bool(self.office.weight_on(np.array([d], dtype="datetime64[D]"))[0] > 0)

    def first_from(self, first: str, *gaps: int) -> np.datetime64:
        """The first office day d from ``first`` on with d + gap an office day for each gap."""
        d = np.datetime64(first, "D")
        while not (self.is_open(d) and all(self.is_open(d + g * DAY) for g in gaps)):
            d += DAY
        return d

    def nth_after(self, moment: np.datetime64, n: int) -> np.datetime64:
        k = np.searchsorted(self.open_days, moment.astype("datetime64[D]"), side="right")
        return self.open_days[k + n - 1]


def _on_period_starts(days: _OfficeDays) -> list[_Complaint]:
    rows = []
    for since in COMPLAINTS_SINCE:
        first = np.datetime64(since, "D")
        moments = [first.astype("datetime64[s]")]
        if not since.endswith("-01-01"):  # the data start on 1 January
            late_evening = np.timedelta64(23 * 60 + 30, "m")
            moments.append((first - DAY).astype("datetime64[s]") + late_evening)
        for received in moments:
            answered = days.nth_after(received, 3).astype("datetime64[s]") + 10 * HOUR
            closed = days.nth_after(received, 12).astype("datetime64[s]") + 15 * HOUR
            rows.append((received, "online", "compliance", answered, closed, "later"))
    return rows


def _on_response_targets(days: _OfficeDays) -> list[_Complaint]:
    # from September on (inside every period any term asks about)
    rows = []
    for k, hours in enumerate(RESPONSE_HOURS):
        whole_days, evening = divmod(hours, 24)
        if evening:  # 12 or 36 hours: a web complaint at 21:00, answered at 09:00
            d = days.first_from(f"2013-09-{2 + 7 * k:02d}", whole_days + 1)
            received, channel = d.astype("datetime64[s]") + 21 * HOUR, "online"
        else:  # 24 or 48 hours: by phone at 10:00, answered at 10:00
            d = days.first_from(f"2013-09-{2 + 7 * k:02d}", whole_days)
            received, channel = d.astype("datetime64[s]") + 10 * HOUR, "phone"
        answered, closed = received + hours * HOUR, received + (hours + 1) * HOUR
        rows.append((received, channel, "customer_service", answered, closed, "later"))
    return rows


def _on_closing_targets(days: _OfficeDays) -> list[_Complaint]:
    # from October on
    rows = []
    for k, hours in enumerate(CLOSE_HOURS):
        d = days.first_from(f"2013-10-{8 + 5 * k:02d}", hours // 24)
        received = d.astype("datetime64[s]") + 10 * HOUR
        answered = received + 40 * np.timedelta64(1, "m")
        rows.append(
            (received, "phone", "customer_service", answered, received + hours * HOUR, "later")
        )
    return rows


def _complaints_table(
    rows: list[_Complaint], complaints: pd.DataFrame, clients: pd.DataFrame
) -> pd.DataFrame:
    """The pinned complaints as a table like ``complaints``, from clients open all year, about the
    two most frequent categories in turn; ids are left empty."""
    received, channel, handled_by, answered, closed, resolution = map(list, zip(*rows, strict=True))
    owners = _open_all_year(clients, len(rows))
    top = complaints["category"].value_counts().index[:2]  # the vital few, in turn
    pinned = pd.DataFrame(
        {
            "complaint_id": "",
            "client_id": clients["client_id"].to_numpy()[owners],
            "channel": pd.Categorical(channel, categories=complaints["channel"].cat.categories),
            "category": pd.Categorical(
                [top[i % len(top)] for i in range(len(rows))],
                categories=complaints["category"].cat.categories,
            ),
            "handled_by": pd.Categorical(
                handled_by, categories=complaints["handled_by"].cat.categories
            ),
            "received_at": np.array(received, dtype="datetime64[s]"),
            "first_response_at": np.array(answered, dtype="datetime64[s]"),
            "closed_at": np.array(closed, dtype="datetime64[s]"),
            "resolution": pd.Categorical(
                resolution, categories=complaints["resolution"].cat.categories
            ),
            "satisfaction": pd.array([pd.NA] * len(rows), dtype="Int64"),
        }
    )
    return pinned.astype(complaints.dtypes.to_dict())


def _open_all_year(clients: pd.DataFrame, k: int) -> np.ndarray:
    """``k`` clients (row positions), evenly spread, whose accounts were open all of 2013."""
    opened = clients["opened_on"].to_numpy("datetime64[D]")
    closed = clients["closed_on"].to_numpy("datetime64[D]")
    open_all_year = (
        ~np.isnat(opened)
        & (opened < np.datetime64("2013-01-01"))
        & (np.isnat(closed) | (closed > np.datetime64("2013-12-31")))
    )
    found = np.flatnonzero(open_all_year)
    return found[np.linspace(0, len(found) - 1, k).round().astype(int)]


# --- retail chain --------------------------------------------------------------------------------


def retail_first_days(
    visits: pd.DataFrame, purchases: pd.DataFrame, promotions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``visits`` (with the shoppers' numbers, ``shopper``) and ``purchases`` with visits moved
    onto the first day of each funnel period:

    * shoppers whose one visit from that day on moves onto it (the visited stage), and shoppers
      whose one buying visit from that day on does (the bought stage);
    * for each "buying again" threshold k, a shopper with exactly k buying visits, all on or after
      that day, whose first one falls on it (the bought-again stage).

    A visit moves only to a day with the same promotion running (or none), so its basket's prices
    stay right. Visits are then in day order again, their ids renumbered and the purchases' ids
    with them.
    """
    shoppers = _FirstDayMoves(visits, promotions)
    for since in FUNNEL_SINCE:
        shoppers.place_on(np.datetime64(since))
    return _in_day_order(visits, purchases, shoppers.day, shoppers.owner)


class _FirstDayMoves:
    """The visits' days as moved so far, each shopper's buying as drawn, and the shoppers already
    ``chosen`` (each moves once at most)."""

    def __init__(self, visits: pd.DataFrame, promotions: pd.DataFrame):
        self.day = visits["visited_on"].to_numpy("datetime64[D]").copy()
        self.promotion = visits["promotion_id"]
        self.bought = visits["purchased"].to_numpy(dtype=bool)
        self.owner = owner = visits["shopper"].to_numpy()  # shoppers' numbers, in id order
        self.m = m = int(owner.max()) + 1 if len(owner) else 0
        self.buy_count = np.bincount(owner, weights=self.bought.astype(float), minlength=m)
        self.first_buy_row = np.full(m, -1)
        buying_rows = np.flatnonzero(
            self.bought
        )  # in day order: a shopper's first is their earliest
        buyers, first_of = np.unique(owner[buying_rows], return_index=True)
        self.first_buy_row[buyers] = buying_rows[first_of]
        self.first_buy = np.where(
            self.first_buy_row >= 0,
            self.day[np.maximum(self.first_buy_row, 0)],
            np.datetime64("2100-01-01"),
        )
        self.starts = promotions["starts_on"].to_numpy("datetime64[D]")
        self.ends = promotions["ends_on"].to_numpy("datetime64[D]")
        self.ids = promotions["promotion_id"].to_numpy(dtype=object)
        self.chosen = np.zeros(m, dtype=bool)

    def place_on(self, first: np.datetime64) -> None:
        """Visits of each stage's shoppers moved onto ``first``, a period's first day."""
        day, owner, bought, m = self.day, self.owner, self.bought, self.m
        # shoppers with one visit from that day on: it moves onto the day
        in_window = np.bincount(owner[day >= first], minlength=m)
        last_row = np.full(m, -1)
        last_row[owner] = np.arange(len(owner))  # visits are in day order: the latest
        for _ in range(FUNNEL_ONE_VISIT_SHOPPERS):
            self.move((in_window == 1) & (day[last_row] > first), last_row, first)
        # shoppers with one buying visit from that day on (other visits aside): it moves too
        buys_in_window = np.bincount(owner[(day >= first) & bought], minlength=m)
        last_buy_row = np.full(m, -1)
        last_buy_row[owner[bought]] = np.flatnonzero(bought)
        for _ in range(FUNNEL_ONE_PURCHASE_SHOPPERS):
            self.move((buys_in_window == 1) & (day[last_buy_row] > first), last_buy_row, first)
        for k in FUNNEL_AGAIN_FROM:
            self.move((self.buy_count == k) & (self.first_buy > first), self.first_buy_row, first)

    def move(self, candidates: np.ndarray, rows_of: np.ndarray, target: np.datetime64) -> None:
        """The middle candidate not chosen yet whose visit ``rows_of[shopper]`` can move onto
        ``target`` (the same promotion running) moves there."""
        found = np.flatnonzero(candidates & ~self.chosen)
        found = found[self.same_promotion(rows_of[found], target)] if len(found) else found
        if not len(found):
            return  # a tiny chain may have none; the default data always do
        shopper = found[len(found) // 2]
        self.chosen[shopper] = True
        self.day[rows_of[shopper]] = target

    def same_promotion(self, rows: np.ndarray, target: np.datetime64) -> np.ndarray:
        wanted, running = self.running_on(target), self.promotion.iloc[rows]
        return (running.isna() if wanted is None else running.eq(wanted).fillna(False)).to_numpy()

    def running_on(self, target: np.datetime64) -> str | None:
        on = [i for i in range(len(self.starts)) if self.starts[i] <= target <= self.ends[i]]
        return self.ids[on[0]] if on else None


def _in_day_order(
    visits: pd.DataFrame, purchases: pd.DataFrame, day: np.ndarray, owner: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The visits on their (moved) days, back in day order (shoppers in id order within a day),
    ids following the rows, V000001 first, and the purchases' visit ids with them."""
    order = draw.order_by(day, owner)  # np.lexsort((owner, day)), faster
    visits = visits.iloc[order].reset_index(drop=True)
    visits["visited_on"] = day[order].astype("datetime64[s]")
    new_ids = draw.ids("V", len(visits), width=6)
    visits["visit_id"] = draw.text(new_ids)
    position_now = np.empty(len(order), dtype=np.int64)
    position_now[order] = np.arange(len(order))
    was_at = purchases["visit_id"].str.slice(1).astype("int64").to_numpy() - 1
    now_at = position_now[was_at]
    by_visit = draw.stable_argsort(now_at)
    purchases = purchases.iloc[by_visit].reset_index(drop=True)
    purchases["visit_id"] = draw.text(new_ids[now_at[by_visit]])
    return visits, purchases
