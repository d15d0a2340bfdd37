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

from . import draw
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
BIG_ONE_OFF_MEDIAN = 3_600  # yuan; about three in four such orders reach 3,000
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
    tier = draw.codes(rng, tier_weights, n)
    registered_on = draw.days_between(rng, "2022-01-01", "2024-12-20", n)
    customer_ids = draw.ids("K", n)
    orders = _orders(rng, tier, registered_on, big_one_off_share)
    # nobody orders before they are first seen
    first_order = np.full(n, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    # earliest wins
    first_order[orders["customer"][::-1]] = orders["ordered_at"][::-1].astype("datetime64[D]")
    registered_on = np.minimum(registered_on, first_order)
    customers = draw.frame(
        {
            "customer_id": customer_ids,
            "registered_on": registered_on.astype("datetime64[s]"),
            "gender": draw.pick(rng, {"female": 0.66, "male": 0.34}, n),
            "age_band": pd.Categorical.from_codes(
                draw.codes(rng, [0.22, 0.42, 0.24, 0.12], n),
                categories=list(AGE_BANDS),
                ordered=True,
            ),
            "city": draw.pick(rng, CITIES, n),
            "is_member": rng.random(n) < np.array([0.05, 0.25, 0.15, 0.90, 0.55, 0.45])[tier],
        }
    )
    inquiries = _inquiries(rng, tier, registered_on, customer_ids)
    order_ids = draw.ids("O", len(orders["customer"]), width=6)
    orders_table = draw.frame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids[orders["customer"]],
            "ordered_at": orders["ordered_at"],
            "items": orders["items"],
            "amount_yuan": orders["amount_yuan"],
            "status": pd.Categorical.from_codes(
                orders["refunded"].astype(int), categories=list(ORDER_STATUS)
            ),
        }
    )
    reviews = _reviews(rng, orders, order_ids, tier, customer_ids)
    coupons = _coupons(rng, orders, order_ids, tier, customer_ids)
    return {
        "customers": customers,
        "inquiries": inquiries,
        "orders": orders_table,
        "reviews": reviews,
        "coupons": coupons,
    }


def _orders(rng, tier, registered_on, big_one_off_share) -> dict[str, np.ndarray]:
    """Each order's customer row, time, items, amount and refund flag, sorted by time."""
    n = len(tier)
    count = np.select(
        [tier == 0, tier == 1, tier == 2, tier == 3, tier == 4],
        [0, rng.integers(1, 4, n), 1, rng.integers(6, 19, n), rng.integers(2, 4, n)],
        rng.integers(2, 6, n),  # old
    )
    customer = draw.repeat_owners(count)
    k = len(customer)
    t = tier[customer]
    start = np.maximum(registered_on[customer], np.datetime64(WINDOW_START))
    window_days = (np.datetime64(REFERENCE_DATE) - start) // draw.DAY + 1
    day = start + (rng.random(k) * window_days).astype("int64") * draw.DAY
    # sleeping customers stop before the last 180 days; the others' latest order is recent
    sleeping_end = RECENT_START - draw.DAY
    sleeping_span = np.maximum((sleeping_end - start) // draw.DAY + 1, 1)
    day = np.where(t == 1, start + (rng.random(k) * sleeping_span).astype("int64") * draw.DAY, day)
    latest = draw.rank_within(customer) == 0
    recent_day = RECENT_START + rng.integers(0, RECENT_DAYS, k) * draw.DAY
    day = np.where(latest & (t != 1), recent_day, day)
    day = np.minimum(day, np.datetime64(REFERENCE_DATE))
    day = np.where(t == 1, np.minimum(day, sleeping_end), day)

    median = np.array([0, 160, 150, 190, 2_200, 170])[t]
    amount = median * rng.lognormal(0, 0.45, k)
    amount = np.where(t == 4, np.maximum(amount, 1_000), amount)
    amount = np.where(t == 5, np.minimum(amount, 950), amount)
    # a few single-order customers spent a lot on that one order
    single = count == 1
    one_off = (
        draw.exactly_k(
            rng, single.astype(float) + 1e-12, int(round(big_one_off_share * single.sum()))
        )
        & single
    )
    big_once = one_off[customer]
    amount = np.where(big_once, BIG_ONE_OFF_MEDIAN * rng.lognormal(0, 0.3, k), amount)
    ordered_at = draw.times_on(rng, day, 8, 24)
    refunded = rng.random(k) < 0.04
    items = 1 + rng.poisson(np.where((t == 4) | big_once, 3.0, 0.6))
    order = np.lexsort((customer, ordered_at))
    return {
        "customer": customer[order],
        "ordered_at": ordered_at[order],
        "items": items[order],
        "amount_yuan": draw.money(amount)[order],
        "refunded": refunded[order],
    }


def _inquiries(rng, tier, registered_on, customer_ids) -> pd.DataFrame:
    per_customer = rng.poisson(np.array([1.6, 1.0, 1.2, 4.0, 2.5, 1.8])[tier])
    # potential: asked at least once
    per_customer = np.where(tier == 0, np.maximum(per_customer, 1), per_customer)
    customer = draw.repeat_owners(per_customer)
    k = len(customer)
    start = np.maximum(registered_on[customer], np.datetime64(WINDOW_START))
    span = (np.datetime64(REFERENCE_DATE) - start) // draw.DAY + 1
    asked_at = draw.times_on(rng, start + (rng.random(k) * span).astype("int64") * draw.DAY, 8, 24)
    late_night = (asked_at - asked_at.astype("datetime64[D]")) > np.timedelta64(22, "h")
    seconds = np.round(rng.lognormal(np.log(25), 0.9, k) * np.where(late_night, 6, 1)).astype(
        "int64"
    )
    order = np.lexsort((customer, asked_at))
    inquiries = (
        draw.frame(
            {
                "customer_id": customer_ids[customer],
                "asked_at": asked_at,
                "topic": draw.pick(
                    rng,
                    {
                        "size": 0.22,
                        "price": 0.24,
                        "stock": 0.18,
                        "shipping": 0.16,
                        "after_sales": 0.10,
                        "new_arrivals": 0.10,
                    },
                    k,
                ),
                "response_seconds": seconds,
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    inquiries.insert(0, "inquiry_id", draw.ids("I", len(inquiries), width=6))
    return inquiries


def _reviews(rng, orders, order_ids, tier, customer_ids) -> pd.DataFrame:
    t = tier[orders["customer"]]
    completed = ~orders["refunded"]
    reviewed = completed & (rng.random(len(t)) < np.array([0, 0.35, 0.45, 0.70, 0.55, 0.50])[t])
    t = t[reviewed]
    k = len(t)
    rating = np.clip(
        np.round(rng.normal(np.array([0, 3.9, 4.3, 5.0, 4.5, 4.4])[t], 0.8)), 1, 5
    ).astype("int64")
    photo = rng.random(k) < np.array([0, 0.10, 0.18, 0.45, 0.25, 0.22])[t]
    reviewed_on = np.minimum(
        orders["ordered_at"][reviewed].astype("datetime64[D]") + rng.integers(3, 15, k) * draw.DAY,
        np.datetime64(REFERENCE_DATE),
    )
    order = draw.order_by_day(reviewed_on)  # orders are in id order, so ties stay in id order
    return draw.frame(
        {
            "review_id": draw.ids("E", k, width=6),
            "order_id": order_ids[reviewed][order],
            "customer_id": customer_ids[orders["customer"][reviewed]][order],
            "reviewed_on": reviewed_on[order].astype("datetime64[s]"),
            "rating": rating[order],
            "has_photo": photo[order],
        }
    )


def _coupons(rng, orders, order_ids, tier, customer_ids) -> pd.DataFrame:
    # used coupons: a share of orders was paid partly with a coupon sent a few days before
    customer = orders["customer"]
    used = rng.random(len(customer)) < 0.22
    first_order = np.zeros(len(customer), dtype=bool)
    first_order[np.unique(customer, return_index=True)[1]] = True
    # a customer's first order used a new-customer coupon, a loyal customer's a VIP one
    kinds_used = np.select([first_order, tier[customer] == 3], [1, 3], 2)[used]
    issued_used = (
        orders["ordered_at"][used].astype("datetime64[D]")
        - rng.integers(1, 10, used.sum()) * draw.DAY
    )
    # unused coupons: wake-up coupons to sleeping customers, welcome coupons to potential ones
    n = len(tier)
    wake = np.flatnonzero((tier == 1) & (rng.random(n) < 0.6))
    welcome = np.flatnonzero((tier == 0) & (rng.random(n) < 0.4))
    unused_customer = np.concatenate([wake, welcome])
    unused_kind = np.concatenate([np.zeros(len(wake), dtype=int), np.ones(len(welcome), dtype=int)])
    issued_unused = draw.days_between(rng, "2024-09-01", "2024-12-15", len(unused_customer))
    all_customer = np.concatenate([customer[used], unused_customer])
    kind = np.concatenate([kinds_used, unused_kind])
    issued = np.concatenate([issued_used, issued_unused])
    used_order = np.concatenate(
        [order_ids[used], np.full(len(unused_customer), b"", dtype=order_ids.dtype)]
    )
    face = np.array([20, 10, 15, 50])[kind]
    order = np.lexsort((all_customer, issued))
    return draw.frame(
        {
            "coupon_id": draw.ids("CP", len(order), width=6),
            "customer_id": customer_ids[all_customer[order]],
            "kind": pd.Categorical.from_codes(kind[order], categories=list(COUPON_KINDS)),
            "face_value_yuan": face[order].astype(float),
            "min_spend_yuan": (face[order] * 10).astype(float),
            "issued_on": issued[order].astype("datetime64[s]"),
            "used_order_id": draw.text(used_order[order], present=used_order[order] != b""),
        }
    )


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
    notes=(
        "合成数据；观察期 2023-01-01 至参考日 2024-12-31。六类顾客等级按 cases/online_shop.md "
        "的规则由订单和询单划分。 / Synthetic data; observed from 2023-01-01 to the reference date "
        "2024-12-31. The six tiers follow from orders and inquiries by the rules in "
        "cases/online_shop.md."
    ),
)
