"""The online shop of seed 003: customers, inquiries (询单), orders, reviews, coupons.

The six tiers of seed 003 (sleeping, potential, new, old, big, loyal) are not a column: they
follow from the data by the kit's operational rules, applied in this order at the reference
date 2024-12-31 (see cases/online_shop.md):

1. potential — inquired but never ordered;
2. sleeping — ordered, but not in the last 180 days;
3. new — exactly one order;
4. loyal — six orders or more;
5. big — two or three orders with an average order value of 1,000 yuan or more;
6. old — everyone else who ordered more than once.

A few customers order once but for a lot (a gift, a one-off big purchase): by rule 3 they are new,
or sleeping if that order is old, never big — which the segmentation discussion asks about. A
student's variant draws its own tier mix and share of such one-off buyers (see ``LESSONS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import china_calendar, draw, pinned_records
from .schema import Case, Field, Figure, ForeignKey, Lesson, Spread, Table

WINDOW_START, REFERENCE_DATE = "2023-01-01", "2024-12-31"
RECENT_DAYS = 180
RECENT_START = np.datetime64(REFERENCE_DATE) - (RECENT_DAYS - 1) * draw.DAY  # 2024-07-05
# the meaning of tier codes 0..5 below
TIERS = ["potential", "sleeping", "new", "loyal", "big", "old"]
TIER_WEIGHTS = np.array([0.25, 0.22, 0.15, 0.10, 0.06, 0.22])
TIER_JITTER = 0.12  # a student's tier weights: each scaled by 1 ± up to 12%, then renormalised
# share of single-order customers whose one order is large
BIG_ONE_OFF = Spread(0.025, 0.01, margin=0.001)
BIG_ONE_OFF_THRESHOLD = 3_000  # yuan: the one order of a "large one-off" buyer
BIG_FROM = 1_000  # yuan: the average order of two or three that makes a customer big
GENDERS = {"female": "女", "male": "男"}
AGE_BANDS = {"18_24": "18–24 岁", "25_34": "25–34 岁", "35_44": "35–44 岁", "45_plus": "45 岁以上"}
CITIES = {
    "杭州": 0.14,
    "上海": 0.14,
    "北京": 0.12,
    "广州": 0.11,
    "深圳": 0.11,
    "成都": 0.10,
    "武汉": 0.09,
    "南京": 0.10,
    "西安": 0.09,
}
TOPICS = {
    "size": "尺码",
    "price": "价格/优惠",
    "stock": "库存/发货时间",
    "shipping": "物流",
    "after_sales": "售后/退换",
    "new_arrivals": "上新",
}
COUPON_KINDS = {
    "wake_up": "唤醒券（沉睡顾客）",
    "new_customer": "新客券",
    "repeat": "复购券",
    "vip": "会员专享券",
}
ORDER_STATUS = {"completed": "已完成", "refunded": "已退款"}

CUSTOMERS = Table(
    "customers",
    "顾客：每行一位注册顾客",
    "Customers: one row per registered customer",
    (
        Field("customer_id", "string", "顾客编号（旺旺号）", "Customer id", unique=True),
        Field(
            "registered_on",
            "date",
            "首次进店（注册/关注）日期",
            "Date first seen (registered or followed the shop)",
        ),
        Field("gender", "string", "性别", "Gender", enum=GENDERS),
        Field("age_band", "string", "年龄段", "Age band", enum=AGE_BANDS, ordered=True),
        Field("city", "string", "收货城市", "Delivery city", enum={c: c for c in CITIES}),
        Field(
            "is_member",
            "boolean",
            "是否店铺会员",
            "Whether the customer joined the shop's membership",
        ),
    ),
    primary_key=("customer_id",),
)
INQUIRIES = Table(
    "inquiries",
    "询单：每行一次顾客咨询",
    "Inquiries (询单): one row per question a customer asked customer service",
    (
        Field("inquiry_id", "string", "询单编号", "Inquiry id", unique=True),
        Field("customer_id", "string", "顾客编号", "Customer id"),
        Field("asked_at", "datetime", "咨询时间", "Time asked"),
        Field("topic", "string", "咨询内容", "Topic", enum=TOPICS),
        Field(
            "response_seconds",
            "integer",
            "客服首次响应用时",
            "Seconds until customer service first replied",
            unit="s",
            minimum=0,
        ),
    ),
    primary_key=("inquiry_id",),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)
ORDERS = Table(
    "orders",
    "订单：每行一笔订单",
    "Orders: one row per order",
    (
        Field("order_id", "string", "订单编号", "Order id", unique=True),
        Field("customer_id", "string", "顾客编号", "Customer id"),
        Field("ordered_at", "datetime", "下单时间", "Time ordered"),
        Field("items", "integer", "件数", "Number of items", minimum=1),
        Field("amount_yuan", "number", "实付金额", "Amount paid", unit="CNY", minimum=0),
        Field("status", "string", "订单状态", "Order status", enum=ORDER_STATUS),
    ),
    primary_key=("order_id",),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)
REVIEWS = Table(
    "reviews",
    "评价：每行一条订单评价",
    "Reviews: one row per order review",
    (
        Field("review_id", "string", "评价编号", "Review id", unique=True),
        Field("order_id", "string", "订单编号", "Order id"),
        Field("customer_id", "string", "顾客编号", "Customer id"),
        Field("reviewed_on", "date", "评价日期", "Date of the review"),
        Field("rating", "integer", "评分 1–5", "Rating 1–5", minimum=1, maximum=5),
        Field("has_photo", "boolean", "是否晒图", "Whether the review shows photos (晒图)"),
    ),
    primary_key=("review_id",),
    foreign_keys=(
        ForeignKey("order_id", "orders", "order_id"),
        ForeignKey("customer_id", "customers", "customer_id"),
    ),
)
COUPONS = Table(
    "coupons",
    "优惠券：每行一张发给顾客的券",
    "Coupons: one row per coupon sent to a customer",
    (
        Field("coupon_id", "string", "券编号", "Coupon id", unique=True),
        Field("customer_id", "string", "顾客编号", "Customer id"),
        Field("kind", "string", "券类型", "Kind of coupon", enum=COUPON_KINDS),
        Field("face_value_yuan", "number", "面额", "Face value", unit="CNY", minimum=0),
        Field(
            "min_spend_yuan", "number", "使用门槛", "Minimum spend to use it", unit="CNY", minimum=0
        ),
        Field("issued_on", "date", "发放日期", "Date sent"),
        Field(
            "used_order_id",
            "string",
            "使用该券的订单；未使用为空",
            "Order the coupon was used on; empty if unused",
            required=False,
        ),
    ),
    primary_key=("coupon_id",),
    foreign_keys=(
        ForeignKey("customer_id", "customers", "customer_id"),
        ForeignKey("used_order_id", "orders", "order_id"),
    ),
)

FIGURES = (
    Figure(
        "six_tiers_present",
        "六类顾客等级都可由数据划分",
        "All six customer tiers can be derived from the data",
        "each tier 4%–30% of customers; shares within ± 0.03 of the generator's mix "
        "(potential 25%, sleeping 22%, new 15%, loyal 10%, big 6%, old 22%)",
        "± 0.03",
        "seed 003, 5.2.3, customer tiers table",
        "apply the six rules in the module docstring / "
        "cases/online_shop.md to orders and inquiries",
        "each tier within ± 0.06 of that mix: each student's own mix (the weights scaled by 1 ± up "
        f"to {TIER_JITTER:.0%})",
    ),
)


# --- how customers behave -----------------------------------------------------------------------
# Each customer buys as the BG/NBD model has it (Fader, Hardie & Lee 2005): while "alive", orders
# come at the customer's own rate λ (gamma across customers); after each repeat order the customer
# drops out with their own chance p (beta across customers). Time runs on the shop's clock, so
# more orders fall in busy weeks (Double 11, 618) than in the Spring Festival.
PURCHASE_RATE_SHAPE, PURCHASE_RATE_SCALE = 0.3, 0.3  # λ per week: gamma(r = 0.3, 1/α = 0.3)
DROPOUT_A, DROPOUT_B = 0.6, 8.0  # p: beta(a, b)
# Spend per order varies around each customer's own mean, independently of how often they buy
# (as the Gamma–Gamma model assumes); a premium minority buys far dearer items
ORDER_SPREAD = 5.0  # gamma shape of one order's amount around the customer's mean (CV 0.45)
REGULAR_MEAN, PREMIUM_MEAN, PREMIUM_SHARE = 175.0, 1_900.0, 0.25
REGISTRATION_GROWTH = 2.5  # new customers a year grow by this factor
# a day on the shop's clock: weekends a little busier; 618 and Double 11 (with their run-up) and
# Double 12 busy; couriers stop for the Spring Festival
# (customers are seen from 2022 on; the data keep orders from 2023 on)
SHOP_DAYS = china_calendar.business_days(
    2022,
    2024,
    (1.0, 0.97, 0.97, 0.98, 1.0, 1.05, 1.08),
    holiday=0.9,
    festival=0.35,
    before_festival=(6, 0.7),
)
SHOPPING_FESTIVALS = {  # (month, first day, last day): factor
    (6, 1, 17): 1.3,
    (6, 18, 18): 3.0,
    (11, 1, 10): 1.4,
    (11, 11, 11): 6.0,
    (12, 12, 12): 2.0,
}
# hours of the day orders and questions come in (midnight first): a little after midnight, least
# before dawn, busy through the day, most in the evening
ORDER_HOURS = np.array(
    [3.5, 2.0, 1.0, 0.5, 0.3, 0.3, 0.6, 1.5]  # 00:00–07:59
    + [3.0, 4.5, 5.5, 5.3, 4.5, 4.8, 5.2, 5.0]  # 08:00–15:59
    + [4.6, 4.3, 4.2, 5.0, 6.3, 7.2, 7.0, 5.0]  # 16:00–23:59
)
# customer service is staffed 09:00–24:00; a question asked at night waits for the morning
SERVICE_OPENS = 9
# coupons: (face value, minimum spend, days valid), in COUPON_KINDS order; the shop's own rules,
# applied on the day each is sent: a welcome coupon on registering, a wake-up coupon in the monthly
# campaign (on the 10th) to customers who have not ordered for 120 days, a repeat coupon with some
# parcels, a members' coupon on members' day (the 18th) to members with three orders in a year
COUPON_TERMS = np.array([[20, 199, 30], [10, 99, 30], [15, 149, 30], [30, 299, 10]], dtype=float)
WAKE_UP_AFTER_DAYS = 120
VIP_ORDERS_IN_A_YEAR = 3


def _shop_days() -> china_calendar.Days:
    days = SHOP_DAYS
    weight = days.weight.copy()
    dates = days.first + np.arange(len(weight)) * draw.DAY
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")) // draw.DAY + 1
    for (m, first, last), factor in SHOPPING_FESTIVALS.items():
        weight[(month == m) & (day_of_month >= first) & (day_of_month <= last)] *= factor
    return china_calendar.Days(days.first, weight / weight.mean())


SHOP_CLOCK = _shop_days()
# the days of Double 11 on the shop's clock
DOUBLE_11 = np.char.endswith(
    (SHOP_CLOCK.first + np.arange(len(SHOP_CLOCK.weight)) * draw.DAY).astype(str), "-11-11"
)


def generate(
    rng: np.random.Generator, n_customers: int, variant: bool = False
) -> dict[str, pd.DataFrame]:
    """All tables of the online-shop case for ``n_customers`` customers.

    ``variant``: a student's data, whose tier mix and share of large one-off orders are drawn
    around the kit's; otherwise the kit's own values.
    """
    own = rng if variant else None
    tier_weights = (
        TIER_WEIGHTS
        if own is None
        else TIER_WEIGHTS * own.uniform(1 - TIER_JITTER, 1 + TIER_JITTER, len(TIERS))
    )
    big_one_off_share = BIG_ONE_OFF.draw(own)
    n = n_customers
    quota = np.bincount(draw.codes(rng, tier_weights, n), minlength=len(TIERS))
    buyers = _buyers(rng, quota, big_one_off_share)
    prospects = _prospects(rng, int(quota[0]))
    customers, orders = _customers_and_orders(rng, buyers, prospects)
    # orders placed on the tiers' and one-off boundaries (issue 25), before the inquiries, coupons,
    # reviews and ids that follow from them
    orders = pinned_records.shop_orders(
        customers, orders, REFERENCE_DATE, RECENT_DAYS, BIG_FROM, BIG_ONE_OFF_THRESHOLD
    )
    inquiries = _inquiries(rng, customers, orders)
    # a question asked before registering makes the customer known from that day
    first_question = np.full(len(customers["registered"]), np.datetime64("2100-01-01", "D"))
    asked_on = inquiries["asked_at"].astype("datetime64[D]")
    np.minimum.at(first_question, inquiries["customer"], asked_on)
    customers["registered"] = np.minimum(customers["registered"], first_question)
    order_ids = draw.ids("O", len(orders["customer"]), width=6)
    customer_ids = draw.ids("K", len(customers["registered"]))
    coupons = _coupons(rng, customers, orders, order_ids, customer_ids)
    reviews = _reviews(rng, customers, orders, order_ids, customer_ids)
    return {
        "customers": draw.frame(
            {
                "customer_id": customer_ids,
                "registered_on": customers["registered"].astype("datetime64[s]"),
                "gender": draw.pick(rng, {"female": 0.66, "male": 0.34}, n),
                "age_band": pd.Categorical.from_codes(
                    draw.codes(rng, [0.22, 0.42, 0.24, 0.12], n),
                    categories=pd.Index(AGE_BANDS),
                    ordered=True,
                ),
                "city": draw.pick(rng, CITIES, n),
                "is_member": customers["member"],
            }
        ),
        "inquiries": _inquiry_table(inquiries, customer_ids),
        "orders": draw.frame(
            {
                "order_id": order_ids,
                "customer_id": customer_ids[orders["customer"]],
                "ordered_at": orders["ordered_at"],
                "items": orders["items"],
                "amount_yuan": orders["amount_yuan"],
                "status": pd.Categorical.from_codes(
                    orders["refunded"].astype(int), categories=pd.Index(ORDER_STATUS)
                ),
            }
        ),
        "reviews": reviews,
        "coupons": coupons,
    }


def _registration_days(rng, n: int) -> np.ndarray:
    """Days customers first found the shop: more each year as the shop grows (REGISTRATION_GROWTH
    a year), on the shop's clock."""
    days = (np.datetime64(REFERENCE_DATE) - SHOP_CLOCK.first) // draw.DAY + 1
    years = days / 365.25
    # inverse of the cumulative of exp(g t) on [0, years]
    g = np.log(REGISTRATION_GROWTH)
    t = np.log1p(rng.random(n) * np.expm1(g * years)) / g
    return SHOP_CLOCK.first + np.minimum((t * 365.25).astype("int64"), days - 1) * draw.DAY


def _candidates(rng: np.random.Generator, m: int) -> dict[str, np.ndarray]:
    """``m`` would-be customers of the model: traits, their orders in the data's window and the
    tier those orders give them (codes of TIERS; -1 for no order in the window)."""
    registered = _registration_days(rng, m)
    # many buy on the day they find the shop, the others within weeks
    delay = np.where(rng.random(m) < 0.45, 0, np.ceil(rng.exponential(25.0, m))).astype("int64")
    first_day = registered + delay * draw.DAY
    rate = rng.gamma(PURCHASE_RATE_SHAPE, PURCHASE_RATE_SCALE, m) / 7.0  # per day of the clock
    dropout = rng.beta(DROPOUT_A, DROPOUT_B, m)
    premium = rng.random(m) < PREMIUM_SHARE
    mean_spend = np.where(
        premium,
        PREMIUM_MEAN * rng.lognormal(0.0, 0.35, m),
        REGULAR_MEAN * rng.lognormal(0.0, 0.45, m),
    )
    # repeat orders: a Poisson process on the shop's clock from the first order to the reference
    # date, cut off after the order the customer drops out
    start = SHOP_CLOCK.position(first_day) + rng.random(m) * SHOP_CLOCK.weight_on(first_day)
    end = SHOP_CLOCK.position(REFERENCE_DATE, after=True)
    bought = first_day <= np.datetime64(REFERENCE_DATE)
    span = np.where(bought, end - start, 0.0)
    could = rng.poisson(rate * span)
    lives_for = rng.geometric(dropout)  # repeat orders before dropping out
    repeats = np.where(bought, np.minimum(could, lives_for), 0)
    # the repeats' moments: the first `repeats` of `could` uniform moments in order, drawn
    # directly: the k-th smallest of N uniforms is S_k / S_(N+1), S the running sums of
    # exponentials (so the later moments, after the customer dropped out, need no drawing)
    owner = draw.repeat_owners(repeats)
    running = np.cumsum(rng.exponential(1.0, len(owner)))
    first = np.cumsum(repeats) - repeats  # each candidate's first repeat, in `owner` order
    if len(owner):
        running -= np.where(first > 0, running[np.maximum(first - 1, 0)], 0.0)[owner]
    sums = np.zeros(m)  # S_x: the running sum at each candidate's last kept repeat
    sums[repeats > 0] = running[(first + repeats - 1)[repeats > 0]]
    u = running / (sums + rng.gamma(could - repeats + 1.0, 1.0))[owner]
    repeat_moments = start[owner] + u * span[owner]
    moments = np.concatenate([start[bought], repeat_moments])
    who = np.concatenate([np.flatnonzero(bought), owner])
    day = SHOP_CLOCK.day_at(moments)
    in_window = day >= np.datetime64(WINDOW_START)
    who, day = who[in_window], day[in_window]
    amount = rng.gamma(ORDER_SPREAD, mean_spend[who] / ORDER_SPREAD)
    count = np.bincount(who, minlength=m)
    # the latest moment: the last repeat (they come in order), else the first order
    latest = start.copy()
    latest[repeats > 0] = repeat_moments[(first + repeats - 1)[repeats > 0]]
    last = SHOP_CLOCK.day_at(latest)
    aov = np.bincount(who, weights=amount, minlength=m) / np.maximum(count, 1)
    tier = np.select(
        [count == 0, last < RECENT_START, count == 1, count >= 6, (count <= 3) & (aov >= BIG_FROM)],
        [-1, 1, 2, 3, 4],
        5,
    )
    one_off = (count == 1) & (aov >= BIG_ONE_OFF_THRESHOLD)
    return {
        "registered": registered,
        "rate": rate,
        "dropout": dropout,
        "tier": tier,
        "one_off": one_off,
        "single": count == 1,
        "order_owner": who,
        "order_day": day,
        "order_amount": amount,
    }


def _buyers(rng, quota, big_one_off_share) -> dict[str, np.ndarray]:
    """Customers who ordered, drawn from the model's would-be customers so that each tier (and,
    among single-order customers, those whose one order was large) has its quota: a stratified
    sample, the way a case's mix is kept while each customer still behaves as the model says."""
    wanted = _strata_quota(quota, big_one_off_share)
    chosen: list[dict[str, np.ndarray]] = []
    missing = wanted.copy()
    size = max(int(1.2 * quota[1:].sum()), 200)
    for attempt in range(40):
        pool = _candidates(rng, size)
        stratum = _stratum(pool)
        found = np.bincount(stratum[stratum >= 0], minlength=len(missing))
        take = np.zeros(len(stratum), dtype=bool)
        for s, need in enumerate(missing):
            rows = np.flatnonzero(stratum == s)[:need]
            take[rows] = True
            missing[s] -= len(rows)
        # the next pool: big enough for the scarcest stratum still short, at this pool's rates
        size = max(int(1.15 * np.max(missing * size / np.maximum(found, 1))), 200)
        if missing.sum() == 0:
            chosen.append(_subset(pool, take))
            break
        if attempt == 39:
            # a stratum the model almost never fills (a tiny or odd variant): other buyers of
            # the last pool stand in, so the shop still has as many customers as asked
            spare = np.flatnonzero((stratum >= 0) & ~take)[: missing.sum()]
            take[spare] = True
        chosen.append(_subset(pool, take))
    return _concatenated(chosen)


def _stratum(pool) -> np.ndarray:
    """Strata of would-be customers: tier codes 1..5 less one (0..4), and 5 / 6 for new / sleeping
    customers whose single order was large; -1 for none."""
    s = pool["tier"] - 1
    s = np.where(pool["one_off"] & (pool["tier"] == 2), 5, s)
    s = np.where(pool["one_off"] & (pool["tier"] == 1), 6, s)
    return np.where(pool["tier"] < 0, -1, s)


def _strata_quota(quota, big_one_off_share) -> np.ndarray:
    """How many customers each stratum of :func:`_stratum` needs."""
    # about a third of sleeping customers ordered once
    sleeping_once = 0.35 * quota[1]
    one_off_new = int(round(big_one_off_share * quota[2]))
    one_off_sleeping = int(round(big_one_off_share * sleeping_once))
    return np.array(
        [
            quota[1] - one_off_sleeping,
            quota[2] - one_off_new,
            quota[3],
            quota[4],
            quota[5],
            one_off_new,
            one_off_sleeping,
        ],
        dtype=np.int64,
    )


def _subset(pool, take) -> dict[str, np.ndarray]:
    """The chosen would-be customers of a pool, with their orders (owners renumbered)."""
    new_index = np.cumsum(take) - 1
    kept_orders = take[pool["order_owner"]]
    out = {k: v[take] for k, v in pool.items() if not k.startswith("order_")}
    out["order_owner"] = new_index[pool["order_owner"][kept_orders]]
    out["order_day"] = pool["order_day"][kept_orders]
    out["order_amount"] = pool["order_amount"][kept_orders]
    return out


def _concatenated(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    offsets = np.cumsum([0] + [len(p["registered"]) for p in parts])
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    out["order_owner"] = np.concatenate(
        [p["order_owner"] + offset for p, offset in zip(parts, offsets[:-1], strict=True)]
    )
    return out


def _prospects(rng, n: int) -> dict[str, np.ndarray]:
    """People who found the shop and asked about something, but never ordered."""
    registered = _registration_days(rng, n)
    return {"registered": registered, "rate": np.zeros(n), "dropout": np.ones(n)}


def _customers_and_orders(rng, buyers, prospects):
    """Customers in the order they were first seen (their ids follow it), and their orders in
    the data's window, sorted by time."""
    b, q = len(buyers["registered"]), len(prospects["registered"])
    registered = np.concatenate([buyers["registered"], prospects["registered"]])
    seen = draw.stable_argsort(registered)
    rank = np.empty(b + q, dtype=np.int64)
    rank[seen] = np.arange(b + q)
    customer = rank[buyers["order_owner"]]
    day = buyers["order_day"]
    k = len(customer)
    count = np.bincount(customer, minlength=b + q)
    dropout = np.concatenate([buyers["dropout"], prospects["dropout"]])[seen]
    rate = np.concatenate([buyers["rate"], prospects["rate"]])[seen]
    # the more a customer buys, the likelier they joined the shop's membership
    member = rng.random(b + q) < 0.04 + 0.9 * (1 - np.exp(-0.35 * count))
    seconds = china_calendar.seconds_of_day(rng, ORDER_HOURS, k)
    # Double 11 opens at midnight
    double_11 = DOUBLE_11[SHOP_CLOCK.index_of(day)]
    midnight_rush = double_11 & (rng.random(k) < 0.3)
    seconds = np.where(midnight_rush, rng.integers(0, 3600, k), seconds)
    ordered_at = day.astype("datetime64[s]") + seconds * draw.SECOND
    amount = buyers["order_amount"]
    # a bad experience (a flaw, the wrong size, a late parcel) now and then, more often for
    # customers who drop out soon; it often ends in a refund
    bad = rng.random(k) < 0.05 + 0.15 * dropout[customer]
    refunded = np.where(bad, rng.random(k) < 0.4, rng.random(k) < 0.015)
    items = 1 + rng.poisson(0.4 + amount / 900.0)
    order = draw.order_by(ordered_at, customer)
    customers = {
        "registered": registered[seen],
        "member": member,
        "dropout": dropout,
        "rate": rate,
        "count": count,
    }
    orders = {
        "customer": customer[order],
        "ordered_at": ordered_at[order],
        "items": items[order],
        "amount_yuan": draw.money(amount)[order],
        "refunded": refunded[order],
        "bad": bad[order],
    }
    return customers, orders


def _inquiries(rng, customers, orders) -> dict[str, np.ndarray]:
    """Questions to customer service: prospects ask before buying nothing; buyers often ask just
    before an order (size, price, stock) or after it (shipping, returns)."""
    n = len(customers["registered"])
    prospect = customers["count"] == 0
    asks = np.where(prospect, 1 + rng.poisson(0.7, n), 0)
    who = draw.repeat_owners(asks)
    first = np.maximum(customers["registered"][who], np.datetime64(WINDOW_START))
    day = SHOP_CLOCK.draw(rng, first, REFERENCE_DATE, len(who))
    prospect_at = (
        day.astype("datetime64[s]")
        + china_calendar.seconds_of_day(rng, ORDER_HOURS, len(who)) * draw.SECOND
    )
    k = len(orders["customer"])
    before = rng.random(k) < 0.3
    after = rng.random(k) < 0.12
    lead = np.round(rng.lognormal(np.log(7200), 1.4, k)).astype("int64")
    before_at = orders["ordered_at"][before] - lead[before] * draw.SECOND
    later = rng.integers(1, 11, k)[after] * draw.DAY
    after_day = orders["ordered_at"][after].astype("datetime64[D]") + later
    after_at = (
        after_day.astype("datetime64[s]")
        + china_calendar.seconds_of_day(rng, ORDER_HOURS, int(after.sum())) * draw.SECOND
    )
    customer = np.concatenate([who, orders["customer"][before], orders["customer"][after]])
    asked_at = np.concatenate([prospect_at, before_at, after_at])
    # topics in TOPICS order: size, price, stock, shipping, after_sales, new_arrivals
    kind = np.repeat([0, 1, 2], [len(who), int(before.sum()), int(after.sum())])
    topic = draw.codes_by_group(
        rng,
        kind,
        np.array(
            [
                [0.25, 0.30, 0.20, 0.10, 0.0, 0.15],
                [0.30, 0.30, 0.22, 0.0, 0.0, 0.18],
                [0.0, 0.0, 0.0, 0.6, 0.4, 0.0],
            ]
        ),
    )
    # only what falls inside the data's window
    inside = (asked_at >= np.datetime64(WINDOW_START)) & (
        asked_at < np.datetime64(REFERENCE_DATE) + draw.DAY
    )
    customer, asked_at, topic = customer[inside], asked_at[inside], topic[inside]
    m = len(customer)
    hour = ((asked_at - asked_at.astype("datetime64[D]")) // np.timedelta64(1, "h")).astype(int)
    seconds = rng.lognormal(np.log(25), 0.9, m) * np.where(hour >= 22, 4, 1)
    # at night nobody answers before the service opens
    waiting = SERVICE_OPENS * 3600 - (asked_at - asked_at.astype("datetime64[D]")) / draw.SECOND
    seconds = np.where(hour < SERVICE_OPENS, waiting + seconds, seconds)
    return {
        "customer": customer,
        "asked_at": asked_at,
        "topic": topic,
        "response_seconds": np.round(seconds).astype("int64"),
    }


def _inquiry_table(inquiries, customer_ids) -> pd.DataFrame:
    order = draw.order_by(inquiries["asked_at"], inquiries["customer"])
    table = draw.frame(
        {
            "customer_id": customer_ids[inquiries["customer"][order]],
            "asked_at": inquiries["asked_at"][order],
            "topic": pd.Categorical.from_codes(
                inquiries["topic"][order], categories=pd.Index(TOPICS)
            ),
            "response_seconds": inquiries["response_seconds"][order],
        }
    )
    table.insert(0, "inquiry_id", draw.ids("I", len(table), width=6))
    return table


def _reviews(rng, customers, orders, order_ids, customer_ids) -> pd.DataFrame:
    """Reviews written after the parcel came: most within days, none after Taobao's 15 days;
    five stars for most, one star when something went wrong (a J shape)."""
    customer = orders["customer"]
    k = len(customer)
    # a bad experience is the likeliest to be written about
    wrote = rng.random(k) < np.where(orders["bad"], 0.6, 0.45)
    # a parcel takes a few days; Taobao confirms receipt by itself after ten
    shipping_days = np.minimum(np.round(1 + rng.gamma(2.0, 1.0, k)), 10).astype("int64")
    delivered = orders["ordered_at"].astype("datetime64[D]") + shipping_days * draw.DAY
    lag = np.floor(rng.exponential(2.5, k)).astype("int64")
    reviewed_on = delivered + lag * draw.DAY
    wrote &= (lag <= 15) & (reviewed_on <= np.datetime64(REFERENCE_DATE))
    # how happy the customer is with the shop: those who stay and come often are the fans
    dropout = np.clip(customers["dropout"], 1e-4, 1 - 1e-4)
    per_year = np.maximum(customers["rate"] * 365, 0.1)
    happiness = 4.45 - 0.3 * (np.log(dropout / (1 - dropout)) + 2.6) + 0.2 * np.log(per_year / 3)
    happiness += rng.normal(0.0, 0.3, len(happiness))
    feeling = happiness[customer] + rng.normal(0.0, 0.6, k)
    rating = 1 + np.searchsorted([2.2, 2.8, 3.5, 4.2], feeling, side="right")
    rating = np.where(orders["bad"], 1 + draw.codes(rng, [0.6, 0.25, 0.15], k), rating)
    # frequent buyers like to show what they bought
    per_year = customers["rate"][customer] * 365
    photo = (rng.random(k) < 0.06 + 0.44 * per_year / (per_year + 4.0)) & (rating >= 4)
    rows = np.flatnonzero(wrote)
    rows = rows[draw.order_by_day(reviewed_on[rows])]  # orders are in id order, so ties stay so
    return draw.frame(
        {
            "review_id": draw.ids("E", len(rows), width=6),
            "order_id": order_ids[rows],
            "customer_id": customer_ids[customer[rows]],
            "reviewed_on": reviewed_on[rows].astype("datetime64[s]"),
            "rating": rating[rows].astype("int64"),
            "has_photo": photo[rows],
        }
    )


def _counts_before(customer, day, dates, n):
    """Each customer's number of orders before each of ``dates`` (ascending), one date at a
    time; orders are in time order, so each is counted once (the same array, updated)."""
    counts = np.zeros(n, dtype=np.int64)
    done = 0
    for date in dates:
        upto = int(np.searchsorted(day, date, side="left"))
        counts += np.bincount(customer[done:upto], minlength=n)
        done = upto
        yield counts


def _coupons(rng, customers, orders, order_ids, customer_ids) -> pd.DataFrame:
    """Coupons the shop's rules sent, each on the day of sending from what the shop knew then,
    and the order each was used on: the customer's first order in its validity that reaches its
    minimum spend (one coupon an order)."""
    owner, issued, kind = _coupons_sent(rng, customers, orders)
    face, minimum, valid = COUPON_TERMS[kind].T
    used = _first_fitting_orders(orders, owner, issued, face, minimum, valid)
    used = _one_coupon_an_order(used, issued)
    order = draw.order_by(issued, owner)
    used_id = order_ids[np.maximum(used, 0)]  # (missing where unused, below)
    return draw.frame(
        {
            "coupon_id": draw.ids("CP", len(order), width=6),
            "customer_id": customer_ids[owner[order]],
            "kind": pd.Categorical.from_codes(kind[order], categories=pd.Index(COUPON_KINDS)),
            "face_value_yuan": face[order],
            "min_spend_yuan": minimum[order],
            "issued_on": issued[order].astype("datetime64[s]"),
            "used_order_id": draw.text(used_id[order], present=used[order] >= 0),
        }
    )


def _coupons_sent(rng, customers, orders):
    """Every coupon sent: its customer, its day of issue and its kind (a code into COUPON_KINDS)."""
    n = len(customers["registered"])
    customer = orders["customer"]
    day = orders["ordered_at"].astype("datetime64[D]")
    parts = []
    # welcome coupons: on registering (within the data's window)
    registered = customers["registered"]
    welcome = np.flatnonzero((registered >= np.datetime64(WINDOW_START)) & (rng.random(n) < 0.6))
    parts.append((welcome, registered[welcome], 1))
    # repeat coupons: in some parcels, on the day they arrive
    with_parcel = np.flatnonzero(~orders["refunded"] & (rng.random(len(customer)) < 0.25))
    arrived = day[with_parcel] + 3 * draw.DAY
    inside = arrived <= np.datetime64(REFERENCE_DATE)
    parts.append((customer[with_parcel][inside], arrived[inside], 2))
    parts += _campaign_coupons(rng, customers, customer, day)
    owner = np.concatenate([p[0] for p in parts])
    issued = np.concatenate([p[1] for p in parts]).astype("datetime64[D]")
    kind = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    return owner, issued, kind


def _campaign_coupons(rng, customers, customer, day) -> list[tuple]:
    """The monthly campaigns' coupons as (customers, day of issue, kind) for each campaign."""
    n = len(customers["registered"])
    parts = []
    # monthly campaigns: wake-up coupons on the 10th to customers with no order in the 120 days
    # before, members' coupons on the 18th to members with three orders in the year before
    months = np.arange(np.datetime64("2023-01"), np.datetime64("2025-01"))
    wake_days = months.astype("datetime64[D]") + 9 * draw.DAY
    members_days = months.astype("datetime64[D]") + 17 * draw.DAY
    ever = _counts_before(customer, day, wake_days, n)
    not_lately = _counts_before(customer, day, wake_days - WAKE_UP_AFTER_DAYS * draw.DAY, n)
    members_now = _counts_before(customer, day, members_days, n)
    year_ago = _counts_before(customer, day, members_days - 365 * draw.DAY, n)
    last_wake = np.full(n, np.datetime64("1970-01-01"), dtype="datetime64[D]")
    for campaign, members_day in zip(wake_days, members_days, strict=True):
        before, long_before = next(ever), next(not_lately)
        quiet = (before > 0) & (before == long_before)
        due = quiet & (last_wake <= campaign - 180 * draw.DAY) & (rng.random(n) < 0.5)
        last_wake[due] = campaign
        parts.append((np.flatnonzero(due), np.full(int(due.sum()), campaign), 0))
        in_a_year = next(members_now) - next(year_ago)
        vip = customers["member"] & (in_a_year >= VIP_ORDERS_IN_A_YEAR)
        vip &= rng.random(n) < 0.3  # those who open the shop's app that week
        parts.append((np.flatnonzero(vip), np.full(int(vip.sum()), members_day), 3))
    return parts


def _first_fitting_orders(orders, owner, issued, face, minimum, valid) -> np.ndarray:
    """For each coupon, the row in ``orders`` of the first order of the customer from the day of
    issue that the coupon fits, or -1."""
    customer = orders["customer"]
    day = orders["ordered_at"].astype("datetime64[D]")
    # each customer's orders by day (orders are in time order, so a stable sort by customer
    # keeps each customer's in time order): key = customer, day
    by_customer = draw.stable_argsort(customer)
    day_number = ((day - np.datetime64("2000-01-01")) // draw.DAY).astype(np.int64)
    key = customer[by_customer].astype(np.int64) * 100_000 + day_number[by_customer]
    used = np.full(len(owner), -1, dtype=np.int64)
    issued_number = ((issued - np.datetime64("2000-01-01")) // draw.DAY).astype(np.int64)
    wanted = owner.astype(np.int64) * 100_000 + issued_number
    # looked up in ascending order: a search that walks the sorted keys once, not in random jumps
    ascending = np.argsort(wanted)
    candidate = np.empty(len(wanted), dtype=np.int64)
    candidate[ascending] = np.searchsorted(key, wanted[ascending])
    expires = issued_number + valid.astype(np.int64)
    looking = np.arange(len(owner))  # coupons whose next order may still take them
    for _ in range(4):  # look at up to four orders in the validity
        looking = looking[candidate[looking] < len(key)]
        at = by_customer[candidate[looking]]
        in_time = (customer[at] == owner[looking]) & (day_number[at] <= expires[looking])
        fits = in_time & (orders["amount_yuan"][at] + face[looking] >= minimum[looking])
        used[looking[fits]] = at[fits]
        looking = looking[in_time & ~fits]
        candidate[looking] += 1
    return used


def _one_coupon_an_order(used, issued) -> np.ndarray:
    """``used`` with -1 for a coupon whose order already took one sent before it."""
    # one coupon an order: the one sent first keeps it
    first_use = draw.order_by(used, issued)
    taken = np.zeros(len(used), dtype=bool)
    valid_use = used[first_use] >= 0
    dup = np.r_[False, used[first_use][1:] == used[first_use][:-1]]
    taken[first_use] = valid_use & ~dup
    return np.where(taken, used, -1)


LESSONS = (
    Lesson(
        "big_one_off_buyers_exist",
        "少数顾客只下过一单，但金额很大",
        "A few customers placed a single large order",
        "segmentation 4; notebook 05 §6 question 2; case discussion 3",
        "at least 3 customers with exactly one order of 3,000 yuan or more, and at most 6% of "
        "single-order customers (each student's own share of large one-off orders, "
        f"{BIG_ONE_OFF.low:.1%}–{BIG_ONE_OFF.high:.1%})",
    ),
    Lesson(
        "big_tier_spends_most_per_order",
        "大顾客客单价最高",
        "Big customers spend most per order",
        "notebook 05 §3.2; segmentation 3.2",
        "the big tier has the highest average completed order, at least 1,000 yuan",
    ),
    Lesson(
        "big_and_loyal_bring_more_than_their_size",
        "大顾客和忠诚顾客人少钱多",
        "Big and loyal customers bring more revenue than their head count",
        "notebook 05 §3.5; segmentation 3.2",
        "each of the two tiers' share of completed revenue exceeds its share of "
        "customers by more than 0.05",
    ),
    Lesson(
        "loyal_post_photos_and_rate_high",
        "忠诚顾客最爱晒图、评分最高",
        "Loyal customers post the most photos and rate highest",
        "notebook 05 §3.3, §6 question 4",
        "loyal has the highest share of photo reviews and the highest mean rating of the tiers",
    ),
    Lesson(
        "window_decides_who_sleeps",
        "近期窗口决定谁算沉睡",
        "The recency window decides who is sleeping",
        "notebook 05 §4.2–4.3, §6 question 1",
        "sleeping customers: 90-day window > 180-day > 365-day",
    ),
    Lesson(
        "loyal_customers_are_members",
        "忠诚顾客大多是会员",
        "Loyal customers are mostly members",
        "notebook 05 §3.4",
        "at least 0.8 of loyal customers are members, at most 0.15 of potential ones",
    ),
)


# how the data are generated, for the data dictionary: one line per Markdown paragraph, since a
# line break would show as a space between Chinese characters
GENERATION = """
**潜在特征。** 顾客按 BG/NBD 模型（Fader、Hardie 和 Lee 2005）购买：“活着”时按自己的速率 λ 下单（λ 在顾客之间服从 gamma 分布，r = 0.3），每次复购后以自己的概率 p 流失（p 服从 beta(0.6, 8)）；所以有人一年买十几次，多数人买一两次就不再来。每单金额围绕顾客自己的平均值波动，与购买频率无关（Gamma–Gamma 模型的假设），约四分之一的顾客买的是贵得多的商品。新顾客逐年增多（每年约 2.5 倍），近半在注册当天下第一单。时间按店铺自己的节奏走：618、双十一（零点开抢）和双十二最忙，春节快递停运时最闲；一天中凌晨最少、晚上最多。会员：下单越多越可能入会。满意的人留下来：评分与流失概率相关，常买的人爱晒图。

**分层抽取。** 店铺的顾客从模型生成的顾客中分层抽取，使六个等级（以及只下过一单的顾客中单笔大额的比例）符合案例和学生自己的组合；同一等级内，每位顾客的行为完全按模型。

**规则。** 询单：潜在顾客问过问题；买家常在下单前问尺码、价格和库存，下单后问物流和退换；客服 9:00–24:00 在线，夜里的问题要等到早上。评价在收货后 15 天内（淘宝的规则），大多在几天内，评分呈 J 形：多数五星，有过糟糕体验的给一星。优惠券按发放当天的规则发：注册时送新客券；每月 10 日给 120 天没有下单的顾客发唤醒券（180 天内最多一张）；部分包裹附复购券；每月 18 日会员日给一年内下过三单的会员发会员券；券只用在有效期内第一笔达到门槛（实付 + 面额 ≥ 门槛）的订单上，每单一张。数据从 2023-01-01 开始：2022 年注册的顾客更早的订单不在表里。

**不模拟。** 优惠券对购买的影响（发券不改变谁买、何时买）、具体商品和价格、退货流程、浏览和加购。

**Latent traits.** Customers buy as the BG/NBD model has it (Fader, Hardie & Lee 2005): while "alive" they order at their own rate λ (gamma across customers, r = 0.3), and after each repeat order they drop out with their own chance p (beta(0.6, 8)); so a few buy a dozen times a year and most once or twice, then stop. Each order's amount varies around the customer's own mean, independently of how often they buy (the Gamma–Gamma model's assumption); about a quarter of customers buy much dearer items. New customers grow each year (about 2.5 ×), and nearly half order on the day they register. Time runs on the shop's clock: 618, Double 11 (opening at midnight) and Double 12 are busiest, the Spring Festival's courier stop quietest; within a day, least before dawn and most in the evening. Membership: the more orders, the likelier a member. The satisfied stay: ratings go with the chance of dropping out, and frequent buyers like posting photos.

**Stratified draw.** The shop's customers are drawn from the model's customers by stratum, so that the six tiers (and, among single-order customers, the share whose one order was large) match the case and the student's own mix; within a tier, every customer behaves exactly as the model says.

**Rules.** Inquiries: prospects asked questions; buyers often ask about size, price and stock before ordering and about shipping and returns after; service is online 9:00–24:00, and a question asked at night waits for the morning. Reviews come within 15 days of delivery (Taobao's rule), most within days, and ratings are J-shaped: mostly five stars, one star after a bad experience. Coupons are sent by the rules of the day: a welcome coupon on registering; a wake-up coupon on the 10th of each month to customers who have not ordered for 120 days (one in 180 days at most); a repeat coupon in some parcels; a members' coupon on members' day (the 18th) to members with three orders in the past year; a coupon is used on the first order within its validity that reaches its threshold (amount paid + face value ≥ minimum spend), one coupon an order. The data start on 2023-01-01: customers who registered in 2022 may have earlier orders that are not in the tables.

**Not modelled.** Any effect of coupons on buying (sending one changes nobody's orders), products and prices, the returns process, browsing and baskets.
"""  # noqa: E501


CASE = Case(
    key="online_shop",
    zh="网店客户维护：六类顾客等级",
    en="An online shop: maintaining customers in six tiers",
    source="《客户关系维护》教学资料, 5.2 (seed 003): 客户信息管理、会员忠诚度管理、顾客等级",
    default_customers=4_000,
    customer_table="customers",
    tables=(CUSTOMERS, INQUIRIES, ORDERS, REVIEWS, COUPONS),
    figures=FIGURES,
    lessons=LESSONS,
    generate=generate,
    generation=GENERATION,
    notes=(
        "合成数据；观察期 2023-01-01 至参考日 2024-12-31。六类顾客等级按 cases/online_shop.md "
        "的规则由订单和询单划分。 / Synthetic data; observed from 2023-01-01 to the reference date "
        "2024-12-31. The six tiers follow from orders and inquiries by the rules in "
        "cases/online_shop.md."
    ),
)
