"""Scenario items drawn per student for the widget tasks: texts and records, never answers.

* :func:`shop_customers_for`: a few customer records of the online shop (segmentation), for
  "which tier is this customer in, and what should customer service do?";
* :func:`shopper_stories_for`: short stories of a customer's behaviour (loyalty), for "which
  measure of loyalty does this show?".

Which tier, action or measure is right is the answer: it is worked out from the rules of the
cases in the assignments' hidden tests, not here. Records are drawn from a handful of shapes
with random numbers, stories from a pool; the id a student sees (``C-4821``, ``S-1930``) is
random for that student, and the rows and options come in a random order of their own.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from .tickets import display_ids, shuffled, student_rng

# ---------------------------------------------------------------- the online shop's customers

# The shop's reference date (cases/online_shop.md, 3.4).
SHOP_REFERENCE_DAY = date(2024, 12, 31)
# The published rules of the tiers: the recent window in days, the orders that make a customer
# loyal and the average order that makes two or three orders big. A term may ask for others.
RECENT_DAYS, LOYAL_FROM, BIG_FROM = 180, 6, 1000


def _record_groups(recent: int, loyal: int, big: int) -> list[list[dict[str, tuple[int, int]]]]:
    """Shapes of record: completed orders, days before the reference day of the latest one,
    average amount per completed order, inquiries; numbers are drawn inside each range, which
    sit on either side of the rules' limits (``recent`` days, ``loyal`` orders, ``big`` yuan).
    Each student gets one record from each group, so every student meets the same kinds of case
    (a large single order, a long silence, a few large orders…), with numbers of their own."""
    many = (4, loyal - 1) if loyal > 4 else (loyal, loyal + 1)  # orders short of loyal
    near, lapsed = recent - 20, recent + 20  # latest order just inside, just outside the window
    high = (round(1.1 * big), round(2.2 * big))
    return [
        [_shape((0, 0), (0, 0), (0, 0), (1, 4)), _shape((1, 1), (10, near), (80, 600), (0, 3))],
        [_shape((1, 1), (10, near), (3000, 5200), (1, 3))],
        [
            _shape((1, 1), (lapsed, recent + 340), (100, 900), (0, 2)),
            _shape((loyal + 1, loyal + 6), (recent + 10, recent + 220), (150, 700), (2, 8)),
            _shape((2, 3), (lapsed, recent + 270), (round(1.1 * big), round(2.4 * big)), (0, 3)),
        ],
        [
            _shape((2, 3), (5, recent - 30), (big + 50, round(2.6 * big)), (1, 5)),
            _shape((2, 3), (5, recent - 30), (round(0.12 * big), round(0.88 * big)), (0, 4)),
            _shape(many, (5, recent - 30), (round(1.2 * big), 3 * big), (1, 6)),
            _shape(many, (5, recent - 30), (100, 500), (0, 3)),
        ],
        [
            _shape((loyal, loyal + 8), (3, recent - 60), (90, 650), (2, 9)),
            _shape((loyal, loyal + 3), (3, recent - 60), high, (3, 9)),
        ],
    ]


def _shape(orders, days, amount, inquiries) -> dict[str, tuple[int, int]]:
    return {"orders": orders, "days": days, "amount": amount, "inquiries": inquiries}


SHOP_TIERS: list[tuple[str, str]] = [
    ("潜在顾客 / potential", "potential"),
    ("新顾客 / new", "new"),
    ("沉睡顾客 / sleeping", "sleeping"),
    ("老顾客 / old", "old"),
    ("大顾客 / big", "big"),
    ("忠诚顾客 / loyal", "loyal"),
]

SERVICE_ACTIONS: list[tuple[str, str]] = [
    (
        "回答他问过的问题，送一张首单立减券 / answer the questions they asked and send a "
        "coupon off their first order",
        "first_order_coupon",
    ),
    (
        "寄一份店铺介绍和搭配建议，第二单给点优惠 / send an introduction to the shop with styling "
        "ideas and a small discount on the next order",
        "second_order_offer",
    ),
    (
        "发一张回归优惠券，附上最近的上新 / send a come-back coupon with the latest arrivals",
        "come_back_coupon",
    ),
    (
        "定期告诉他店里的动态和活动，帮他养成固定来买的习惯 / keep them posted on the shop's "
        "news and events so that buying here becomes a habit",
        "keep_informed",
    ),
    (
        "由一位客服记下他的需要，直接推荐合适的几件，替他省时间 / have one agent note their "
        "needs and suggest a few fitting items directly, to save them time",
        "personal_shopper",
    ),
    (
        "上新前先私信告诉他，逢年过节问候几句，像老朋友一样来往 / tell them about new items "
        "first by private message and send holiday greetings, as to an old friend",
        "old_friend",
    ),
]


def shop_customers_for(
    student: str,
    recent_days: int = RECENT_DAYS,
    loyal_from: int = LOYAL_FROM,
    big_from: int = BIG_FROM,
) -> pd.DataFrame:
    """Five customer records of the online shop drawn for ``student``, in random order, around
    the limits of the tier rules the task states (the published ones by default).

    Columns: ``customer`` (e.g. ``C-4821``), ``completed_orders``, ``last_order`` (date of the
    latest completed order, None without one), ``avg_order_yuan`` (average amount per completed
    order, None without one) and ``inquiries`` (questions asked to customer service).
    """
    rules = (recent_days, loyal_from, big_from)
    # other rules, other draws: a term's customers (and their ids) are not the published term's
    salt = "" if rules == (RECENT_DAYS, LOYAL_FROM, BIG_FROM) else ":" + ":".join(map(str, rules))
    rng = student_rng(student, "shop-customers" + salt)
    groups = _record_groups(*rules)
    shapes = [group[int(rng.integers(len(group)))] for group in groups]
    shapes = [shapes[int(i)] for i in rng.permutation(len(shapes))]
    ids = display_ids(rng, "C", len(shapes))
    rows = []
    for customer, shape in zip(ids, shapes, strict=True):
        draw = {name: int(rng.integers(low, high + 1)) for name, (low, high) in shape.items()}
        has_orders = draw["orders"] > 0
        rows.append(
            {
                "customer": customer,
                "completed_orders": draw["orders"],
                "last_order": (SHOP_REFERENCE_DAY - timedelta(days=draw["days"])).isoformat()
                if has_orders
                else None,
                "avg_order_yuan": float(draw["amount"] // 10 * 10) if has_orders else None,
                "inquiries": draw["inquiries"],
            }
        )
    return pd.DataFrame(rows)


def tier_options(student: str) -> list[tuple[str, str]]:
    """The six tiers as drop-down options, in ``student``'s own order."""
    return shuffled(SHOP_TIERS, student, "shop-tiers")


def service_options(student: str) -> list[tuple[str, str]]:
    """The six service actions as drop-down options, in ``student``'s own order."""
    return shuffled(SERVICE_ACTIONS, student, "shop-service")


# ---------------------------------------------------------------- stories of loyal behaviour

# key -> (中文, English); keys are in no particular order and never shown to students.
STORIES: dict[str, tuple[str, str]] = {
    "s01": (
        "这位顾客今年在网店下了 9 笔订单，差不多每个月都回来买一次。",
        "This shopper placed 9 orders at the online shop this year, coming back about once a "
        "month.",
    ),
    "s02": (
        "问卷问“您有多大可能把深航推荐给朋友”，这位会员打了 10 分。",
        "Asked 'How likely are you to recommend Shenzhen Airlines to a friend?', this member "
        "answered 10.",
    ),
    "s03": (
        "她每月买护肤品大约 400 元，其中约 360 元是在屈臣氏买的。",
        "She spends about 400 yuan a month on skin care, about 360 of it at Watsons.",
    ),
    "s04": (
        "他把这家汽车美容店介绍给了三位同事，其中两位已经来做过镀膜。",
        "He told three colleagues about the detailing shop, and two of them have since had a "
        "coating done there.",
    ),
    "s05": (
        "王女士 2005 年办了屈臣氏会员卡，七年来一直用这张卡，从没换过别家的会员。",
        "Ms Wang took out a Watsons card in 2005 and has used it for seven years, never "
        "switching to another chain's card.",
    ),
    "s06": (
        "网店断货两周，这位顾客留言说“没关系，我等你们补货”，没有去别家买。",
        "The online shop was out of stock for two weeks; this shopper wrote 'No problem, I'll "
        "wait for you to restock' and did not buy elsewhere.",
    ),
    "s07": (
        "这位客户在三家期货公司都有账户，但约 85% 的资金放在天富。",
        "This client has accounts at three futures brokers but keeps about 85% of his funds at "
        "Tianfu.",
    ),
    "s08": (
        "车主这一年来店洗车打蜡 11 次。",
        "This owner came in for a wash and wax 11 times this year.",
    ),
    "s09": (
        "他 2004 年在天富开户，经历了几次行情大跌也没有销户，到今天还在交易。",
        "He opened an account at Tianfu in 2004, kept it through several market crashes, and "
        "still trades today.",
    ),
    "s10": (
        "别家的同款打七折，她还是回这家店买，说：“在这里买我放心，店员都认识我。”",
        "Another shop sells the same item at 30% off, yet she comes back here and says: 'I "
        "trust this place, the staff all know me.'",
    ),
    "s11": (
        "这位旅客今年坐了 20 次飞机，其中 17 次选了深航。",
        "This traveller flew 20 times this year, 17 of them with Shenzhen Airlines.",
    ),
    "s12": (
        "她在微博上晒了刚买的外套，附上店铺链接，之后有四位新顾客顺着链接下了单。",
        "She posted her new coat on Weibo with a link to the shop, and four new customers "
        "ordered through that link.",
    ),
    "s13": (
        "这位常旅客 2000 年俱乐部成立时就入会，十年来卡号一直没变。",
        "This frequent flyer joined when the club started in 2000 and has kept the same card "
        "number for ten years.",
    ),
    "s14": (
        "她的护手霜一用完就回来买同一款，今年已经是第五瓶。",
        "Whenever her hand cream runs out she buys the same one here again; this year it is her"
        " fifth tube.",
    ),
    "s15": (
        "航班延误了三个小时，这位金卡会员在问卷里写：“还是喜欢深航，空乘待我像家人。”",
        "After a three-hour delay, this gold member wrote in the survey: 'I still love Shenzhen"
        " Airlines; the cabin crew treat me like family.'",
    ),
    "s16": (
        "一位老客户带着两位朋友到营业部，他们当天都开了户。",
        "A long-standing client brought two friends to the branch, and both opened accounts "
        "that day.",
    ),
    "s17": (
        "这位顾客十年来一直在这家店买洗发水，从没换过地方。",
        "This shopper has bought her shampoo at the same store for ten years and never gone "
        "elsewhere.",
    ),
}

LOYALTY_MEASURES: list[tuple[str, str]] = [
    ("关系的长期性 / how long the relationship lasts", "relationship_length"),
    ("重复购买 / repeat buying", "repeat_buying"),
    ("钱包份额 / share of wallet", "share_of_wallet"),
    ("情感 / emotional attachment", "emotion"),
    ("推荐潜在客户 / referrals", "referrals"),
]


def shopper_stories_for(student: str, count: int = 5) -> pd.DataFrame:
    """``count`` stories drawn for ``student``: columns ``story`` (e.g. ``S-1930``), ``text_zh``
    and ``text_en``, in random order."""
    keys = sorted(STORIES)
    rng = student_rng(student, "shopper-stories")
    chosen = rng.choice(len(keys), size=count, replace=False)
    ids = display_ids(rng, "S", count)
    rows = [(story, *STORIES[keys[i]]) for story, i in zip(ids, chosen, strict=True)]
    return pd.DataFrame(rows, columns=["story", "text_zh", "text_en"])


def measure_options(student: str) -> list[tuple[str, str]]:
    """The five measures of loyalty as drop-down options, in ``student``'s own order."""
    return shuffled(LOYALTY_MEASURES, student, "loyalty-measures")


def story_key(text_zh: str) -> str:
    """The pool key of a story, found by its Chinese text (for the instructor's hidden tests)."""
    for key, (zh, _) in STORIES.items():
        if zh == text_zh:
            return key
    raise KeyError("不是本套件的情形 / not a story of this kit")
