"""屈臣氏 personal-care retail chain: shoppers, stores, promotions, store visits, purchases.

The story (seed 000, case 4): a visit turns into a sale 6% of the time for potential shoppers,
15% for first-time buyers and 50% for repeat and loyal ones; women aged 18–35 earning over
2,500 yuan a month are the most valuable segment. The seed breaks off after "distinctive
products": stores, promotions and the category mix are the kit's own extension, and so is the
top of the funnel: some shoppers on file did not come in at all in 2012.

A student's variant draws its own conversion rates and share of shoppers who never came,
around the case's (see ``FIGURES`` and ``LESSONS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import china_calendar, draw, pinned_records
from .schema import Case, Field, Figure, ForeignKey, Lesson, Spread, Table

YEAR_START, YEAR_END = "2012-01-01", "2012-12-31"
STATES = {
    "potential": "潜在/目标客户",
    "first_time": "初次购买客户",
    "repeat": "重复购买客户",
    "loyal": "忠诚客户",
}
STATE_WEIGHTS = np.array([0.36, 0.20, 0.29, 0.15])
# seed 000, case 4, 2)(3): share of visits ending in a purchase, by state, with students' spread
# (the default data show rates near the case's, as a real chain's would, not the round figures)
CONVERSION = tuple(
    Spread(rate, half, default=default, margin=0.001)
    for rate, half, default in [
        (0.06, 0.015, 0.0614),
        (0.15, 0.025, 0.1468),
        (0.50, 0.03, 0.4939),
        (0.50, 0.03, 0.5052),
    ]
)
VISITS_PER_YEAR = np.array([3.0, 4.0, 7.0, 11.0])
# kit extension: shoppers on file who did not come in 2012, most of them prospects
NEVER_CAME = Spread(0.10, 0.03, default=0.094, margin=0.002)
NEVER_CAME_WEIGHTS = np.array([0.22, 0.12, 0.03, 0.01])  # relative chance by state
GENDERS = {"female": "女", "male": "男"}
INCOME_BANDS = {
    "below_2500": "2,500 元以下",
    "2500_4999": "2,500–4,999 元",
    "5000_7999": "5,000–7,999 元",
    "8000_plus": "8,000 元及以上",
}
CITIES = {"广州": 0.28, "深圳": 0.26, "上海": 0.24, "北京": 0.22}
# the display order of the seed:
# cosmetics, skin care, beauty, hair care, fashion, medicine, tools, daily
CATEGORIES = {
    "cosmetics": "化妆品",
    "skin_care": "护肤品",
    "beauty": "美容用品",
    "hair_care": "护发用品",
    "fashion": "时尚用品",
    "medicine": "药品",
    "makeup_tools": "饰品化妆工具",
    "feminine_daily": "女性日用品",
}
CATEGORY_PRICE = np.array([95, 120, 60, 45, 40, 35, 30, 25])
CATEGORY_WEIGHTS_FEMALE = np.array([0.20, 0.22, 0.12, 0.12, 0.08, 0.08, 0.08, 0.10])
CATEGORY_WEIGHTS_MALE = np.array([0.04, 0.22, 0.06, 0.24, 0.12, 0.20, 0.06, 0.06])
DISTRICTS = {"prime": "一类商圈", "secondary": "二类商圈"}
PROMOTION_TYPES = {
    "discount": "折扣",
    "bundle": "买赠/组合",
    "gift": "赠品",
    "member_points": "会员积分",
}
PROMOTIONS = [  # name, start, end, type, discount_rate
    ("新春美丽购", "2012-01-10", "2012-01-24", "discount", 0.85),
    ("三八女人节", "2012-03-01", "2012-03-08", "bundle", 0.80),
    ("春季护肤周", "2012-04-12", "2012-04-22", "gift", 1.00),
    ("会员积分翻倍", "2012-05-15", "2012-05-31", "member_points", 1.00),
    ("夏日防晒季", "2012-06-20", "2012-07-10", "discount", 0.88),
    ("开学季", "2012-08-25", "2012-09-05", "bundle", 0.90),
    ("国庆黄金周", "2012-10-01", "2012-10-07", "discount", 0.80),
    ("双十一", "2012-11-09", "2012-11-13", "discount", 0.75),
    ("圣诞礼盒", "2012-12-15", "2012-12-25", "gift", 1.00),
]
N_STORES = 12
# how busy the stores are: weekends and public holidays most, the Spring Festival days least
STORE_DAYS = china_calendar.business_days(
    2012, 2012, (0.9, 0.85, 0.85, 0.9, 1.05, 1.45, 1.35), holiday=1.3, festival=0.45
)
# monthly income by age (rows: under 18, 18–22, 23–55, over 55; columns: INCOME_BANDS order):
# school pupils and most students earn nothing or little
INCOME_BY_AGE = np.array(
    [
        [1.00, 0.00, 0.00, 0.00],
        [0.78, 0.17, 0.04, 0.01],
        [0.22, 0.39, 0.25, 0.14],
        [0.45, 0.32, 0.15, 0.08],
    ]
)

SHOPPERS = Table(
    "shoppers",
    "顾客：每行一位顾客，含状态（2012 年初）",
    "Shoppers: one row per shopper, with their state at the start of 2012",
    (
        Field("shopper_id", "string", "顾客编号", "Shopper id", unique=True),
        Field("gender", "string", "性别", "Gender", enum=GENDERS),
        Field(
            "age", "integer", "年龄（2012 年）", "Age in 2012", unit="year", minimum=15, maximum=80
        ),
        Field(
            "income_band",
            "string",
            "月收入段",
            "Monthly income band",
            enum=INCOME_BANDS,
            ordered=True,
        ),
        Field("city", "string", "城市", "City", enum={c: c for c in CITIES}),
        Field(
            "state",
            "string",
            "客户状态（2012 年初）",
            "Customer state at the start of 2012",
            enum=STATES,
            ordered=True,
        ),
    ),
    primary_key=("shopper_id",),
)
STORES = Table(
    "stores",
    "门店：每行一家店（本套件扩展）",
    "Stores: one row per store (kit extension)",
    (
        Field("store_id", "string", "门店编号", "Store id", unique=True),
        Field("city", "string", "城市", "City", enum={c: c for c in CITIES}),
        Field("district", "string", "商圈类型", "Kind of shopping district", enum=DISTRICTS),
        Field(
            "shelf_height_m",
            "number",
            "货架高度",
            "Shelf height",
            unit="m",
            minimum=1.0,
            maximum=2.0,
        ),
    ),
    primary_key=("store_id",),
)
PROMOTIONS_TABLE = Table(
    "promotions",
    "促销活动：每行一次活动（本套件扩展）",
    "Promotions: one row per campaign (kit extension)",
    (
        Field("promotion_id", "string", "活动编号", "Promotion id", unique=True),
        Field("name", "string", "活动名称", "Name of the campaign"),
        Field("starts_on", "date", "开始日期", "First day"),
        Field("ends_on", "date", "结束日期", "Last day"),
        Field("promotion_type", "string", "活动类型", "Kind of promotion", enum=PROMOTION_TYPES),
        Field(
            "discount_rate",
            "number",
            "折扣率（1.00 表示不打折）",
            "Price paid as a share of list price (1.00 = no discount)",
            minimum=0.5,
            maximum=1.0,
        ),
    ),
    primary_key=("promotion_id",),
)
VISITS = Table(
    "visits",
    "到店：每行一次进店（2012 年）",
    "Store visits: one row per time a shopper came in (2012)",
    (
        Field("visit_id", "string", "到店编号", "Visit id", unique=True),
        Field("shopper_id", "string", "顾客编号", "Shopper id"),
        Field("store_id", "string", "门店编号", "Store id"),
        Field("visited_on", "date", "日期", "Date"),
        Field(
            "promotion_id",
            "string",
            "当天进行的促销；无则为空",
            "Promotion running that day; empty if none",
            required=False,
        ),
        Field("purchased", "boolean", "这次到店是否购买", "Whether the visit ended in a purchase"),
    ),
    primary_key=("visit_id",),
    foreign_keys=(
        ForeignKey("shopper_id", "shoppers", "shopper_id"),
        ForeignKey("store_id", "stores", "store_id"),
        ForeignKey("promotion_id", "promotions", "promotion_id"),
    ),
)
PURCHASES = Table(
    "purchases",
    "购买明细：每行一次购买中的一个品类",
    "Purchases: one row per category bought in a visit",
    (
        Field("visit_id", "string", "到店编号", "Visit id"),
        Field("category", "string", "品类", "Category", enum=CATEGORIES),
        Field("quantity", "integer", "件数", "Number of items", minimum=1),
        Field("amount_yuan", "number", "金额", "Amount paid", unit="CNY", minimum=0),
    ),
    primary_key=("visit_id", "category"),
    foreign_keys=(ForeignKey("visit_id", "visits", "visit_id"),),
)


def _conversion_figure(
    key: str, state: str, zh: str, en: str, tolerance: str, measure: str
) -> Figure:
    spread = CONVERSION[list(STATES).index(state)]
    return Figure(
        key,
        zh,
        en,
        f"{spread.value:.2f}",
        tolerance,
        "seed 000, case 4, 2)(3)",
        measure,
        f"{spread.low:.3f}–{spread.high:.3f}: each student's own rate, at random in this range",
    )


FIGURES = (
    _conversion_figure(
        "conversion_potential",
        "potential",
        "潜在/目标客户的购买成功率",
        "Purchase conversion of potential shoppers",
        "± 0.01",
        "share of 2012 visits with purchased = true, shoppers in state potential",
    ),
    _conversion_figure(
        "conversion_first_time",
        "first_time",
        "初次购买客户的购买成功率",
        "Purchase conversion of first-time buyers",
        "± 0.015",
        "as above, state first_time",
    ),
    _conversion_figure(
        "conversion_repeat",
        "repeat",
        "重复购买客户的购买成功率",
        "Purchase conversion of repeat buyers",
        "± 0.02",
        "as above, state repeat",
    ),
    _conversion_figure(
        "conversion_loyal",
        "loyal",
        "忠诚客户的购买成功率",
        "Purchase conversion of loyal customers",
        "± 0.02",
        "as above, state loyal",
    ),
    Figure(
        "target_segment_value",
        "18–35 岁、月收入 2,500 元以上女性消费能力较强",
        "Women aged 18–35 earning over 2,500 yuan spend more",
        "2012 spend per shopper ≥ 1.5 × that of all other shoppers",
        "as stated",
        "seed 000, case 4, 3)",
        "purchases.amount_yuan summed per shopper (0 for none), mean in "
        "the segment against the rest",
        "as stated in every variant; the ratio varies from student to student (about 2–3)",
    ),
)


def generate(
    rng: np.random.Generator, n_customers: int, variant: bool = False
) -> dict[str, pd.DataFrame]:
    """All tables of the retail case for ``n_customers`` shoppers.

    ``variant``: a student's data, whose conversion rates and share of shoppers who never came
    are drawn around the case's; otherwise the case's own values.
    """
    own = rng if variant else None
    conversion = np.array([spread.draw(own) for spread in CONVERSION])
    never_came_share = NEVER_CAME.draw(own)
    n = n_customers
    female = rng.random(n) < 0.72
    # shoppers from 15 up, most in their twenties and thirties, a long tail of older ones
    age = np.minimum(15 + np.round(rng.gamma(2.6, 7.0, n)), 80).astype("int64")
    age_group = np.searchsorted([18, 23, 56], age, side="right")
    income = draw.codes_by_group(rng, age_group, INCOME_BY_AGE)
    target = female & (age >= 18) & (age <= 35) & (income >= 1)
    # the target segment is more often a regular customer
    state = draw.codes_by_group(
        rng, np.where(target, 1, 0), np.array([STATE_WEIGHTS, [0.26, 0.18, 0.33, 0.23]])
    )
    shopper_ids = draw.ids("P", n)
    city = draw.pick(rng, CITIES, n)
    shoppers = draw.frame(
        {
            "shopper_id": shopper_ids,
            "gender": pd.Categorical(
                np.where(female, "female", "male"), categories=pd.Index(GENDERS)
            ),
            "age": age,
            "income_band": pd.Categorical.from_codes(
                income, categories=pd.Index(INCOME_BANDS), ordered=True
            ),
            "city": city,
            "state": pd.Categorical.from_codes(state, categories=pd.Index(STATES), ordered=True),
        }
    )

    store_city = np.repeat(np.arange(len(CITIES)), N_STORES // len(CITIES))
    stores = draw.frame(
        {
            "store_id": draw.ids("W", N_STORES, width=3),
            "city": pd.Categorical.from_codes(store_city, categories=pd.Index(CITIES)),
            "district": pd.Categorical.from_codes(
                np.tile([0, 0, 1], len(CITIES)), categories=pd.Index(DISTRICTS)
            ),
            "shelf_height_m": np.full(N_STORES, 1.40),
        }
    )
    promotions = draw.frame(
        {
            "promotion_id": draw.ids("PR", len(PROMOTIONS), width=2),
            "name": [p[0] for p in PROMOTIONS],
            "starts_on": np.array([p[1] for p in PROMOTIONS], dtype="datetime64[s]"),
            "ends_on": np.array([p[2] for p in PROMOTIONS], dtype="datetime64[s]"),
            "promotion_type": pd.Categorical(
                [p[3] for p in PROMOTIONS], categories=pd.Index(PROMOTION_TYPES)
            ),
            "discount_rate": [p[4] for p in PROMOTIONS],
        }
    )
    never_came = draw.exactly_k(rng, NEVER_CAME_WEIGHTS[state], int(round(never_came_share * n)))
    visits = _visits(rng, shopper_ids, city.codes, state, promotions, conversion, never_came)
    purchases = _purchases(rng, visits, female, target, promotions)
    # visits on the funnel periods' first days (issue 25)
    visits, purchases = pinned_records.retail_first_days(visits, purchases, promotions)
    visits = visits.drop(columns=["shopper"])
    return {
        "shoppers": shoppers,
        "stores": stores,
        "promotions": promotions,
        "visits": visits,
        "purchases": purchases,
    }


def _visits(rng, shopper_ids, city, state, promotions, conversion, never_came) -> pd.DataFrame:
    counts = np.where(never_came, 0, 1 + rng.poisson(VISITS_PER_YEAR[state] - 1))
    shopper = draw.repeat_owners(counts)
    n = len(shopper)
    # shoppers come more often while a promotion runs
    day = STORE_DAYS.draw(rng, YEAR_START, YEAR_END, n)
    starts = promotions["starts_on"].to_numpy("datetime64[D]")
    ends = promotions["ends_on"].to_numpy("datetime64[D]")
    moved = rng.random(n) < 0.25
    which = rng.integers(0, len(starts), n)
    promo_day = (
        starts[which]
        + (rng.random(n) * ((ends[which] - starts[which]) // draw.DAY + 1)).astype("int64")
        * draw.DAY
    )
    day = np.where(moved, promo_day, day)
    promotion_on = np.full(366, -1)  # day of 2012 -> the promotion running that day (-1: none)
    first_day = np.datetime64(YEAR_START)
    for p in reversed(range(len(starts))):  # reversed: the first listed wins where two overlap
        promotion_on[
            (starts[p] - first_day) // draw.DAY : (ends[p] - first_day) // draw.DAY + 1
        ] = p
    promotion = promotion_on[(day - first_day) // draw.DAY]
    store = city[shopper] * (N_STORES // 4) + rng.integers(0, N_STORES // 4, n)

    # exactly the stated share of each state's visits ends in a purchase; promotions tip who
    purchased = np.zeros(n, dtype=bool)
    visit_state = state[shopper]
    weights = np.where(promotion >= 0, 1.6, 1.0)
    for s, rate in enumerate(conversion):
        rows = np.flatnonzero(visit_state == s)
        purchased[rows] = draw.exactly_k(rng, weights[rows], int(round(rate * len(rows))))

    order = draw.order_by_day(day)  # within a day, shoppers stay in ascending order
    shopper, store, day, promotion, purchased = (
        shopper[order],
        store[order],
        day[order],
        promotion[order],
        purchased[order],
    )
    promotion_ids = draw.ids("PR", len(promotions), width=2)
    return draw.frame(
        {
            "visit_id": draw.ids("V", n, width=6),
            "shopper": shopper,
            "shopper_id": shopper_ids[shopper],
            "store_id": draw.ids("W", N_STORES, width=3)[store],
            "visited_on": day.astype("datetime64[s]"),
            "promotion_id": draw.text(
                promotion_ids[np.maximum(promotion, 0)], present=promotion >= 0
            ),
            "purchased": purchased,
        }
    )


def _purchases(rng, visits, female, target, promotions) -> pd.DataFrame:
    bought = visits[visits["purchased"]]
    shopper = bought["shopper"].to_numpy()
    lines = 1 + rng.binomial(2, np.where(target[shopper], 0.45, 0.25))
    visit = draw.repeat_owners(lines)
    k = len(visit)
    category = draw.codes_by_group(
        rng,
        np.where(female[shopper[visit]], 0, 1),
        np.array([CATEGORY_WEIGHTS_FEMALE, CATEGORY_WEIGHTS_MALE]),
    )
    # one line per category: a repeated category in the same basket is merged
    key = np.sort(visit * len(CATEGORIES) + category)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    visit, category = key // len(CATEGORIES), key % len(CATEGORIES)
    k = len(visit)
    quantity = 1 + rng.poisson(0.4, k)
    rates = dict(zip(promotions["promotion_id"], promotions["discount_rate"], strict=True))
    discount = bought["promotion_id"].map(rates).fillna(1.0).to_numpy()[visit]
    spend = np.where(target[shopper[visit]], 1.45, 1.0)
    amount = CATEGORY_PRICE[category] * quantity * spend * discount * rng.lognormal(0, 0.3, k)
    return draw.frame(
        {
            "visit_id": draw.ids("V", len(visits), width=6)[bought.index.to_numpy()[visit]],
            "category": pd.Categorical.from_codes(category, categories=pd.Index(CATEGORIES)),
            "quantity": quantity,
            "amount_yuan": draw.money(amount, decimals=1),
        }
    )


LESSONS = (
    Lesson(
        "familiar_shoppers_convert_more",
        "客户越熟，越容易成交",
        "The more familiar the shopper, the likelier a purchase",
        "notebook 04 §1.3–1.4; loyalty 6",
        "conversion: potential < first_time < both repeat and loyal",
    ),
    Lesson(
        "regulars_come_more_often",
        "熟客来得更勤",
        "Regulars come more often",
        "notebook 04 §1.3–1.4",
        "visits per visiting shopper rise from potential to first_time to repeat to loyal",
    ),
    Lesson(
        "funnel_loses_at_every_stage",
        "漏斗的每一级都在流失",
        "The funnel loses shoppers at every stage",
        "loyalty 6 (funnel); notebook 04 §1.3",
        f"shoppers > visited > bought > bought_again, each stage at most 0.95 of the one before "
        "(shoppers on file who never came in 2012: each student's own share, "
        f"{NEVER_CAME.low:.2f}–{NEVER_CAME.high:.2f})",
    ),
    Lesson(
        "core_segment_brings_more_than_its_size",
        "核心客户人少钱多",
        "The core segment brings more than its head count",
        "notebook 04 §2.3, §4 question 4",
        "its share of 2012 revenue is at least its share of shoppers + 0.10",
    ),
    Lesson(
        "promotions_lift_conversion",
        "促销日更容易成交（本套件扩展）",
        "Promotions lift conversion (kit extension)",
        "notebook 04 §3.2, §4 questions 2–3",
        "every state converts better on promotion days than on other days",
    ),
    Lesson(
        "promotion_baskets_smaller",
        "促销日每笔花得更少（本套件扩展）",
        "Baskets are smaller on promotion days (kit extension)",
        "notebook 04 §3.2–3.3",
        "the mean basket of purchases on promotion days is below that of other days",
    ),
)


# how the data are generated, for the data dictionary: one line per Markdown paragraph, since a
# line break would show as a space between Chinese characters
GENERATION = """
**潜在特征。** 每位顾客有购买阶段（潜在、初次、重复、忠诚；核心客户群更常是熟客）、每年到店次数（熟客更多）、年龄（15 岁起，二三十岁最多）和随年龄变化的收入（未满 18 岁的学生没有 2,500 元以上的月收入，大学生大多也没有）。每个阶段的到店中，恰好学生自己的成交率那么多以购买结束（促销日更容易成交）；篮子的品类随性别不同，核心客户群买得更多，促销日打折。名单上 2012 年一次也没来的人按学生自己的比例抽取，多是潜在客户。

**规则和日历。** 周末和节假日门店更忙，春节期间冷清（节假日来自 `chinesecalendar`）；四分之一的到店集中在促销期间。

**不模拟。** 单品价格和库存、门店之间除城市外的差别、到店的时刻、会员积分。

**Latent traits.** Each shopper has a buying stage (potential, first-time, repeat, loyal; the core segment is more often a regular), visits a year (more for regulars), an age (from 15, most in their twenties and thirties) and an income that goes with age (pupils under 18 earn no 2,500 yuan a month, and most students do not either). Of each stage's visits, exactly the student's own conversion rate ends in a purchase (more likely on promotion days); baskets' categories differ by gender, the core segment buys more, and promotions discount. Shoppers on file who never came in 2012 are drawn at the student's own share, most of them prospects.

**Rules and calendar.** Stores are busier at weekends and on public holidays, quiet during the Spring Festival (holidays from `chinesecalendar`); a quarter of visits gather in promotion periods.

**Not modelled.** Item prices and stock, differences between stores beyond their city, the time of a visit, loyalty points.
"""  # noqa: E501


CASE = Case(
    key="retail_chain",
    zh="屈臣氏：个人护理连锁店的客户关系管理",
    en="Watsons: CRM at a personal-care retail chain",
    source=(
        "客户关系管理案例库, 案例四: 屈臣氏独特的客户关系管理理念 "
        "(seed 000; the text breaks off before its source is named)"
    ),
    default_customers=5_000,
    customer_table="shoppers",
    tables=(SHOPPERS, STORES, PROMOTIONS_TABLE, VISITS, PURCHASES),
    figures=FIGURES,
    lessons=LESSONS,
    generate=generate,
    generation=GENERATION,
    notes=(
        "合成数据，按案例所述校准；观察期 2012 年。案例原文在“特色产品”之后中断，门店、促销、"
        "品类结构以及顾客名单里 2012 年一次也没来的人（约一成）为本套件扩展。 / "
        "Synthetic data calibrated to the case; observation year 2012. The source breaks off after "
        "'distinctive products'; stores, promotions, the category mix and the shoppers on file who "
        "never came in 2012 (about one in ten) are the kit's extension."
    ),
)
