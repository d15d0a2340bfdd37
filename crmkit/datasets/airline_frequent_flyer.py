"""深圳航空 frequent-flyer programme: members, tier changes, flights, ancillary sales, surveys.

The story (seed 000, case 3): the club has grown since 2000 and fast since the CRM project of
2007; members, satisfaction and ancillary (non-core) revenue rise in 2008–2010, but high-tier
members grow slowly and new members fly cheap tickets, so their flight revenue stays low. The
business travellers recruited since 2007 fly less often than the club's early core, so few of
them reach gold: the club drifted from the high-fare frequent flyers it was meant for.

The case states directions, not levels: every student's variant shows each direction, with its
own numbers (see ``FIGURES`` and ``LESSONS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import china_calendar, draw
from .schema import Case, Field, Figure, ForeignKey, Lesson, Table

YEARS = np.array([2008, 2009, 2010])
TIERS = {"standard": "普通卡", "silver": "银卡", "gold": "金卡", "platinum": "白金卡"}
TIER_MILES = np.array([0, 10_000, 18_000, 28_000])  # qualifying miles in a calendar year
PURPOSES = {"business": "公商务", "leisure": "休闲"}
GENDERS = {"male": "男", "female": "女"}
HOME_CITIES = {
    "深圳": 0.34,
    "广州": 0.10,
    "北京": 0.09,
    "上海": 0.09,
    "郑州": 0.08,
    "昆明": 0.08,
    "南宁": 0.06,
    "西安": 0.06,
    "杭州": 0.05,
    "成都": 0.05,
}
FARE_CLASSES = {
    "first": "头等舱",
    "business": "公务舱",
    "full_economy": "全价经济舱",
    "discount_economy": "折扣经济舱",
}
# route distances (km) from Shenzhen to the destinations the data use
DESTINATIONS = {
    "北京": 1_950,
    "上海": 1_210,
    "杭州": 1_060,
    "成都": 1_370,
    "西安": 1_400,
    "郑州": 1_300,
    "昆明": 1_180,
    "南宁": 560,
    "沈阳": 2_600,
    "青岛": 1_630,
}
FARE_PER_KM = np.array([2.2, 1.6, 0.95, 0.55])
MILES_FACTOR = np.array([1.5, 1.25, 1.0, 0.5])
ANCILLARY = {
    "extra_baggage": "逾重行李",
    "seat_selection": "付费选座",
    "upgrade": "付费升舱",
    "lounge": "贵宾室",
    "insurance": "航空意外险",
    "hotel_partner": "合作酒店",
    "car_partner": "合作租车",
}
ANCILLARY_PRICE = np.array([180, 50, 800, 200, 30, 420, 260])
# what business and leisure travellers buy (ANCILLARY order), and how many days before the flight:
# at check-in (0 days) for baggage, upgrades and lounges; insurance when booking; hotels and cars
# while planning the trip
ANCILLARY_MIX = np.array(
    [[0.10, 0.18, 0.12, 0.20, 0.16, 0.14, 0.10], [0.24, 0.26, 0.04, 0.04, 0.28, 0.08, 0.06]]
)
ANCILLARY_LEAD_DAYS = np.array([0.0, 1.5, 0.0, 0.0, 6.0, 10.0, 8.0])
# share of a year's flights with an ancillary purchase: offers widen each year
ANCILLARY_PER_FLIGHT = np.array([0.07, 0.10, 0.13])
# when each kind of traveller flies: business travellers on weekdays, Monday and Friday most, and
# hardly in the holidays; leisure travellers at weekends, in the holidays, home for the Spring
# Festival (春运) and in the summer
BUSINESS_DAYS = china_calendar.business_days(
    2008, 2010, (1.25, 1.05, 1.0, 1.05, 1.3, 0.45, 0.85), holiday=0.3, festival=0.15
)
LEISURE_DAYS = china_calendar.business_days(
    2008,
    2010,
    (0.85, 0.75, 0.8, 0.9, 1.2, 1.15, 1.25),
    holiday=1.9,
    festival=1.5,
    before_festival=(15, 1.6),
    month_weights=(1.0, 1.0, 0.9, 1.0, 1.0, 0.95, 1.35, 1.35, 0.95, 1.1, 0.85, 0.9),
)

MEMBERS = Table(
    "members",
    "常旅客会员：每行一位会员（截至 2010 年底）",
    "Frequent-flyer members: one row per member (as at the end of 2010)",
    (
        Field("member_id", "string", "会员卡号", "Membership number", unique=True),
        Field("joined_on", "date", "入会日期", "Date joined"),
        Field(
            "tier",
            "string",
            "2010 年底的会员等级",
            "Tier at the end of 2010",
            enum=TIERS,
            ordered=True,
        ),
        Field("travel_purpose", "string", "主要出行目的", "Main purpose of travel", enum=PURPOSES),
        Field("home_city", "string", "常住城市", "Home city", enum={c: c for c in HOME_CITIES}),
        Field("gender", "string", "性别", "Gender", enum=GENDERS),
        Field("birth_year", "integer", "出生年份", "Year of birth", minimum=1930, maximum=1995),
    ),
    primary_key=("member_id",),
)
TIER_CHANGES = Table(
    "tier_changes",
    "等级变动：每行一次升级或降级（按年度累计里程评定）",
    "Tier changes: one row per upgrade or downgrade (reviewed on each year's qualifying miles)",
    (
        Field("member_id", "string", "会员卡号", "Membership number"),
        Field("changed_on", "date", "生效日期", "Date the change took effect"),
        Field("from_tier", "string", "原等级", "Tier before", enum=TIERS, ordered=True),
        Field("to_tier", "string", "新等级", "Tier after", enum=TIERS, ordered=True),
    ),
    primary_key=("member_id", "changed_on"),
    foreign_keys=(ForeignKey("member_id", "members", "member_id"),),
)
FLIGHTS = Table(
    "flights",
    "航段：每行一个会员乘坐的航段（2008–2010 年）",
    "Flights: one row per flight segment a member flew (2008–2010)",
    (
        Field("flight_id", "string", "航段编号", "Segment id", unique=True),
        Field("member_id", "string", "会员卡号", "Membership number"),
        Field("flown_on", "date", "乘机日期", "Date flown"),
        Field("origin", "string", "出发城市", "From", enum={c: c for c in ["深圳", *DESTINATIONS]}),
        Field(
            "destination", "string", "到达城市", "To", enum={c: c for c in ["深圳", *DESTINATIONS]}
        ),
        Field("fare_class", "string", "舱位等级", "Fare class", enum=FARE_CLASSES),
        Field("revenue_yuan", "number", "票价收入", "Ticket revenue", unit="CNY", minimum=0),
        Field("miles", "integer", "累积里程", "Qualifying miles earned", unit="mile", minimum=0),
    ),
    primary_key=("flight_id",),
    foreign_keys=(ForeignKey("member_id", "members", "member_id"),),
)
ANCILLARY_TABLE = Table(
    "ancillary",
    "非航收入：每行一次辅助产品购买（2008–2010 年）",
    "Ancillary (non-core) revenue: one row per purchase (2008–2010)",
    (
        Field("purchase_id", "string", "订单编号", "Purchase id", unique=True),
        Field("member_id", "string", "会员卡号", "Membership number"),
        Field("purchased_on", "date", "购买日期", "Date of purchase"),
        Field("product", "string", "产品", "Product", enum=ANCILLARY),
        Field("revenue_yuan", "number", "收入", "Revenue", unit="CNY", minimum=0),
    ),
    primary_key=("purchase_id",),
    foreign_keys=(ForeignKey("member_id", "members", "member_id"),),
)
SURVEYS = Table(
    "surveys",
    "满意度调查：每行一份会员问卷（2008–2010 年）",
    "Satisfaction surveys: one row per member questionnaire (2008–2010)",
    (
        Field("member_id", "string", "会员卡号", "Membership number"),
        Field("surveyed_on", "date", "调查日期", "Date of the survey"),
        Field(
            "satisfaction",
            "integer",
            "总体满意度 1–5",
            "Overall satisfaction 1–5",
            minimum=1,
            maximum=5,
        ),
        Field(
            "recommend_score",
            "integer",
            "推荐意愿 0–10（用于 NPS）",
            "Likelihood to recommend 0–10 (for NPS)",
            minimum=0,
            maximum=10,
        ),
    ),
    primary_key=("member_id", "surveyed_on"),
    foreign_keys=(ForeignKey("member_id", "members", "member_id"),),
)

FIGURES = (
    Figure(
        "members_grow",
        "会员数量持续增加",
        "Membership keeps growing",
        "members at each year end 2008 < 2009 < 2010, growth ≥ 15% a year",
        "as stated",
        "seed 000, case 3, results 2008–2010 (拥有的客户数量持续递增)",
        "count of members with joined_on up to each 31 December",
        "as stated in every variant; growth about 25%–37% a year, varying by student",
    ),
    Figure(
        "high_tier_growth_slow",
        "高端会员增长缓慢",
        "High-tier membership grows slowly",
        "gold + platinum members grow less than half as fast as all members, 2008→2010",
        "as stated",
        "seed 000, case 3, gaps (高端客户数量的增长缓慢)",
        "members whose tier after each year's review is gold or platinum (from tier_changes), "
        "against all members",
        "as stated in every variant; gold + platinum change by about −15% to +25% over 2008→2010, "
        "all members grow about 60%–85%",
    ),
    Figure(
        "new_member_revenue_low",
        "新增常旅客的乘机收入偏低",
        "New members' flight revenue is low",
        "flight revenue per new member (joined that year) ≤ 0.5 × per "
        "established member, each year",
        "as stated",
        "seed 000, case 3, gaps (新增常旅客的乘机收入贡献偏低)",
        "flights.revenue_yuan summed per member and year, averaged over members who flew",
        "as stated in every variant; the ratio is about 0.15–0.4, varying by student",
    ),
    Figure(
        "ancillary_revenue_rises",
        "非主营业务收入增加",
        "Ancillary revenue rises",
        "ancillary revenue 2008 < 2009 < 2010",
        "as stated",
        "seed 000, case 3, results (客户贡献的非主营业务收入有所增加)",
        "ancillary.revenue_yuan summed by year",
        "as stated in every variant; the amounts vary by student",
    ),
    Figure(
        "satisfaction_rises",
        "客户满意度不断提升",
        "Satisfaction keeps rising",
        "mean survey satisfaction 2008 < 2009 < 2010",
        "as stated",
        "seed 000, case 3, results (客户满意度的不断提升)",
        "surveys.satisfaction averaged by year",
        "as stated in every variant; means about 3.3–4.1, varying by student",
    ),
)


def generate(
    rng: np.random.Generator, n_customers: int, variant: bool = False
) -> dict[str, pd.DataFrame]:
    """All tables of the airline case for ``n_customers`` members.

    The case states directions only; ``variant`` (a student's data) changes nothing but the draws.
    """
    n = n_customers
    # joins by year 2000..2010: slow at first, fast after the CRM project of 2007
    join_years = np.arange(2000, 2011)
    join_weights = np.array([1, 1.2, 1.4, 1.6, 1.8, 2.0, 2.3, 3.2, 4.6, 6.0, 7.6])
    join_year = rng.choice(join_years, size=n, p=join_weights / join_weights.sum())
    joined_on = (join_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
        0, 365, n
    ) * draw.DAY
    order = np.argsort(joined_on, kind="stable")
    join_year, joined_on = join_year[order], joined_on[order]
    # business travellers join at a steady pace; the growth since 2007 is mostly leisure travellers
    business_share = np.where(join_year < 2007, 0.45, 0.45 * 1.5 / join_weights[join_year - 2000])
    business = rng.random(n) < business_share
    # business travellers recruited since 2007 fly less often than the early core: the club drifted
    # from the high-fare frequent flyers it was meant for, so few of them reach gold (case 3, gaps)
    business_trips = np.where(join_year < 2007, 15.0, 6.5)
    trips_per_year = np.where(
        business, rng.lognormal(np.log(business_trips), 0.6), rng.lognormal(np.log(1.6), 0.5, n)
    )
    member_ids = draw.ids("M", n, width=6)

    flights, flight_member, miles_2007 = _flights(
        rng, member_ids, joined_on, business, trips_per_year
    )
    tiers_by_year, changes = _tiers(flights, flight_member, member_ids, miles_2007)
    members = draw.frame(
        {
            "member_id": member_ids,
            "joined_on": joined_on.astype("datetime64[s]"),
            "tier": pd.Categorical.from_codes(
                tiers_by_year[:, -1], categories=pd.Index(TIERS), ordered=True
            ),
            "travel_purpose": pd.Categorical.from_codes(
                np.where(business, 0, 1), categories=pd.Index(PURPOSES)
            ),
            "home_city": draw.pick(rng, HOME_CITIES, n),
            "gender": draw.pick(rng, {"male": 0.62, "female": 0.38}, n),
            "birth_year": _birth_years(rng, join_year, business),
        }
    )
    ancillary = _ancillary(rng, member_ids, joined_on, flights, flight_member, business)
    surveys = _surveys(rng, member_ids, flights, flight_member)
    # Records pinned on a task's thresholds (issue 25) would be added to these frames here; a
    # table that gains rows is then sorted again and its ids renumbered (draw.ids).
    return {
        "members": members,
        "tier_changes": changes,
        "flights": flights,
        "ancillary": ancillary,
        "surveys": surveys,
    }


def _flights(
    rng, member_ids, joined_on, business, trips_per_year
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The flights of 2008–2010, for each the member's row number (for the tier review), and
    each member's miles of 2007 (flown before the data start; they set the tier members hold
    going in)."""
    distances = np.array(list(DESTINATIONS.values()))
    parts: dict[str, list[np.ndarray]] = {
        "member": [],
        "flown_on": [],
        "fare": [],
        "destination": [],
        "outbound": [],
    }
    # business travellers mostly fly their usual route; leisure travellers go anywhere
    usual_destination = rng.integers(0, len(DESTINATIONS), len(member_ids))
    on_usual_route = np.where(business, 0.7, 0.0)
    fare_weights = np.array([[0.06, 0.16, 0.48, 0.30], [0.00, 0.02, 0.13, 0.85]])
    miles_year_before: np.ndarray = np.zeros(len(member_ids))
    for year in [YEARS[0] - 1, *YEARS]:
        start = np.datetime64(f"{year}-01-01")
        end = np.datetime64(f"{year}-12-31")
        first_day = np.maximum(joined_on, start)
        share_of_year = np.clip(((end - first_day) // draw.DAY + 1) / 365, 0, 1)
        expected = trips_per_year * share_of_year
        # business travellers keep a regular schedule (half the year-to-year variation of chance)
        regular = rng.binomial(np.round(2 * expected).astype(np.int64), 0.5)
        counts = np.where(business, regular, rng.poisson(expected))
        member = draw.repeat_owners(counts)
        k = len(member)
        # business travellers buy full fares; leisure travellers mostly discounted economy
        fare = draw.codes_by_group(rng, np.where(business[member], 0, 1), fare_weights)
        usual = rng.random(k) < on_usual_route[member]
        destination = np.where(
            usual, usual_destination[member], rng.integers(0, len(DESTINATIONS), k)
        )
        # 2007 is not in the data: only its miles, for the tier members enter 2008 on
        if year < YEARS[0]:
            miles_year_before = np.bincount(
                member,
                weights=distances[destination] * 0.621 * MILES_FACTOR[fare],
                minlength=len(member_ids),
            )
            continue
        on_business = business[member]
        flown_on = np.empty(k, dtype="datetime64[D]")
        for days, rows in ((BUSINESS_DAYS, on_business), (LEISURE_DAYS, ~on_business)):
            flown_on[rows] = days.draw(rng, first_day[member[rows]], end, int(rows.sum()))
        parts["member"].append(member)
        parts["flown_on"].append(flown_on)
        parts["fare"].append(fare)
        parts["destination"].append(destination)
        parts["outbound"].append(rng.random(k) < 0.5)
    f = {name: np.concatenate(arrays) for name, arrays in parts.items()}
    order = draw.order_by_day(f["flown_on"])  # within a day, members stay in ascending order
    member, flown_on, fare = f["member"][order], f["flown_on"][order], f["fare"][order]
    outbound = f["outbound"][order]
    away = f["destination"][order] + 1  # city codes: 0 is Shenzhen, then DESTINATIONS in order
    distance = distances[away - 1]
    revenue = distance * FARE_PER_KM[fare] * rng.lognormal(0, 0.12, len(order))
    city_values = ["深圳", *DESTINATIONS]
    flights = draw.frame(
        {
            "flight_id": draw.ids("FL", len(order), width=6),
            "member_id": member_ids[member],
            "flown_on": flown_on.astype("datetime64[s]"),
            "origin": pd.Categorical.from_codes(
                np.where(outbound, 0, away), categories=pd.Index(city_values)
            ),
            "destination": pd.Categorical.from_codes(
                np.where(outbound, away, 0), categories=pd.Index(city_values)
            ),
            "fare_class": pd.Categorical.from_codes(fare, categories=pd.Index(FARE_CLASSES)),
            "revenue_yuan": draw.money(revenue, decimals=-1),
            "miles": np.round(distance * 0.621 * MILES_FACTOR[fare]).astype("int64"),
        }
    )
    return flights, member, miles_year_before


def _tiers(
    flights: pd.DataFrame, index: np.ndarray, member_ids: np.ndarray, miles_2007: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """Each member's tier after each year's review, and the changes the reviews made.

    The review on 31 December sets the tier from that year's miles. Members go into 2008 on the
    tier their 2007 miles earned (2007 flights are not in the data; members who joined later, or
    flew too little in 2007, start on the standard card), so the 2008 review moves members both
    up and down, as every later review does.
    """
    year = flights["flown_on"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    n, n_years = len(member_ids), len(YEARS)
    miles = np.bincount(
        index * n_years + (year - YEARS[0]),
        weights=flights["miles"].to_numpy(),
        minlength=n * n_years,
    )
    miles = miles.reshape(n, n_years)
    tier = (miles[:, :, None] >= TIER_MILES[None, None, :]).sum(axis=2) - 1
    tier_2007 = (miles_2007[:, None] >= TIER_MILES[None, :]).sum(axis=1) - 1
    previous = np.column_stack([tier_2007, tier[:, :-1]])
    member, review = np.nonzero(tier != previous)
    order = draw.order_by(review, member)
    member, review = member[order], review[order]
    changes = draw.frame(
        {
            "member_id": member_ids[member],
            "changed_on": np.array([f"{y}-12-31" for y in YEARS], dtype="datetime64[s]")[review],
            "from_tier": pd.Categorical.from_codes(
                previous[member, review], categories=pd.Index(TIERS), ordered=True
            ),
            "to_tier": pd.Categorical.from_codes(
                tier[member, review], categories=pd.Index(TIERS), ordered=True
            ),
        }
    )
    return tier, changes


def _birth_years(rng, join_year, business) -> np.ndarray:
    """Members are adults when they join, business travellers mostly 25–50, leisure travellers of
    every age."""
    n = len(join_year)
    age = 18 + np.where(business, rng.gamma(4.0, 4.75, n), rng.gamma(2.5, 6.4, n))
    return join_year - np.minimum(np.round(age), 70).astype("int64")


def _ancillary(rng, member_ids, joined_on, flights, flight_member, business) -> pd.DataFrame:
    """Ancillary products bought for a flight: on its day (baggage, upgrades, lounges) or in the
    days before (seats, insurance, hotels, cars); a share of flights that widens each year."""
    flown_on = flights["flown_on"].to_numpy().astype("datetime64[D]")
    year = flown_on.astype("datetime64[Y]").astype(int) + 1970
    bought = rng.random(len(flown_on)) < ANCILLARY_PER_FLIGHT[year - YEARS[0]]
    flight = np.flatnonzero(bought)
    member = flight_member[flight]
    k = len(flight)
    product = draw.codes_by_group(rng, np.where(business[member], 0, 1), ANCILLARY_MIX)
    # days ahead: exponential around each product's mean, at most six weeks
    mean = np.maximum(ANCILLARY_LEAD_DAYS[product], 1e-9)
    most = 1.0 - np.exp(-42.0 / mean)
    lead = np.floor(-mean * np.log1p(-rng.random(k) * most)).astype("int64")
    purchased_on = flown_on[flight] - lead * draw.DAY
    # bought before the data begin (for a flight in early 2008) or before joining: not in the data
    kept = (purchased_on >= np.datetime64(f"{YEARS[0]}-01-01")) & (
        purchased_on >= joined_on[member]
    )
    member, product, purchased_on = member[kept], product[kept], purchased_on[kept]
    order = draw.order_by(purchased_on, member)
    member, product, purchased_on = member[order], product[order], purchased_on[order]
    k = len(order)
    return draw.frame(
        {
            "purchase_id": draw.ids("A", k, width=6),
            "member_id": member_ids[member],
            "purchased_on": purchased_on.astype("datetime64[s]"),
            "product": pd.Categorical.from_codes(product, categories=pd.Index(ANCILLARY)),
            "revenue_yuan": draw.money(
                ANCILLARY_PRICE[product] * rng.lognormal(0, 0.2, k), decimals=0
            ),
        }
    )


def _surveys(rng, member_ids, flights, flight_member) -> pd.DataFrame:
    """Each November a questionnaire goes to a quarter of the members who flew that year."""
    flown_on = flights["flown_on"].to_numpy().astype("datetime64[D]")
    frames = []
    for i, year in enumerate(YEARS):
        survey_day = np.datetime64(f"{year}-11-15")
        flew = (flown_on >= np.datetime64(f"{year}-01-01")) & (flown_on < survey_day)
        eligible = np.flatnonzero(np.bincount(flight_member[flew], minlength=len(member_ids)))
        sampled = eligible[rng.random(len(eligible)) < 0.25]
        latent = rng.normal(3.5 + 0.28 * i, 0.8, len(sampled))
        satisfaction = np.clip(np.round(latent), 1, 5).astype("int64")
        recommend = np.clip(
            np.round(1.7 * latent + 1.6 + rng.normal(0, 1.2, len(sampled))), 0, 10
        ).astype("int64")
        frames.append(
            pd.DataFrame(
                {
                    "member_id": member_ids[sampled],
                    "surveyed_on": survey_day + rng.integers(0, 14, len(sampled)) * draw.DAY,
                    "satisfaction": satisfaction,
                    "recommend_score": recommend,
                }
            )
        )
    surveys = pd.concat(frames, ignore_index=True).sort_values(
        ["surveyed_on", "member_id"], kind="stable"
    )
    surveys["surveyed_on"] = surveys["surveyed_on"].to_numpy().astype("datetime64[s]")
    return surveys.reset_index(drop=True)


LESSONS = (
    Lesson(
        "top_tiers_are_business_travellers",
        "银卡以上几乎都是公商务旅客",
        "Silver and above are almost all business travellers",
        "notebook 03 §1.2",
        "at least 0.9 of silver, gold and platinum members at the end of 2010 travel on business",
    ),
    Lesson(
        "tier_pyramid",
        "会员等级是一座金字塔",
        "The tiers form a pyramid",
        "notebook 03 §1.1, §2.5",
        "at least 0.8 of members hold the standard card at the end of 2010, and each higher tier "
        "has fewer members",
    ),
    Lesson(
        "tiers_move_both_ways",
        "每年都有人升级，也有人降级",
        "Every year some members move up and some move down",
        "notebook 03 §2.2",
        "the 2008, 2009 and 2010 reviews each upgrade and downgrade members",
    ),
    Lesson(
        "nps_rises",
        "净推荐值随满意度上升",
        "NPS rises with satisfaction",
        "loyalty 3",
        "NPS of 2010 at least 5 points above that of 2008",
    ),
)


# how the data are generated, for the data dictionary: one line per Markdown paragraph, since a
# line break would show as a space between Chinese characters
GENERATION = """
**潜在特征。** 每位会员有入会年份（2007 年 CRM 项目后增长加快）、出行目的（公商务或休闲）、每年飞行次数（对数正态；2007 年前入会的公商务核心旅客飞得最多）、常飞航线和按目的不同的舱位。等级每年 12 月 31 日按当年里程评定；2007 年的里程（不在数据里）决定会员进入 2008 年时的等级。会员入会时已成年，公商务旅客多在 25–50 岁。

**规则和日历。** 公商务旅客在工作日出行，周一和周五最多，周六和节假日很少；休闲旅客在周末、节假日、春节前后（春运）和暑假出行；节假日来自 `chinesecalendar`。辅助产品是为某个航班买的：逾重行李、升舱和贵宾室在乘机当天，选座、保险、酒店和租车在出发前几天到几周（最多六周）；每年有辅助购买的航班比例上升（产品越来越多）。满意度调查每年 11 月发给当年乘过机的会员中的四分之一，满意度逐年上升。

**不模拟。** 具体航班号和时刻、票价随订票时间的变化、里程兑换、合作航空公司、退改签和延误。

**Latent traits.** Each member has a year of joining (faster growth after the CRM project of 2007), a purpose of travel (business or leisure), flights a year (lognormal; the business travellers of the early core, who joined before 2007, fly most), a usual route and fare classes that follow the purpose. Tiers are reviewed every 31 December on that year's miles; 2007's miles (not in the data) set the tier members enter 2008 on. Members are adults when they join, business travellers mostly 25–50.

**Rules and calendar.** Business travellers fly on working days, most on Mondays and Fridays, few on Saturdays and in the holidays; leisure travellers fly at weekends, in the holidays, around the Spring Festival (春运) and in the summer; holidays come from `chinesecalendar`. Ancillary products are bought for a flight: excess baggage, upgrades and lounges on the day, seats, insurance, hotels and cars in the days or weeks before (six at most); the share of flights with an ancillary purchase rises each year (more products on offer). Satisfaction surveys go out each November to a quarter of the members who flew that year, and satisfaction rises year by year.

**Not modelled.** Flight numbers and times, fares that change with the booking date, redeeming miles, partner airlines, cancellations and delays.
"""  # noqa: E501


CASE = Case(
    key="airline_frequent_flyer",
    zh="深圳航空：常旅客计划的客户关系管理",
    en="Shenzhen Airlines: CRM for a frequent-flyer programme",
    source="刘永坚. 案例研究: 深圳航空公司客户关系管理研究[D]. 广东: 华南理工大学, 2011: 20-64.",
    default_customers=3_000,
    customer_table="members",
    tables=(MEMBERS, TIER_CHANGES, FLIGHTS, ANCILLARY_TABLE, SURVEYS),
    figures=FIGURES,
    lessons=LESSONS,
    generate=generate,
    generation=GENERATION,
    notes=(
        "合成数据，按案例所述校准；会员自 2000 年起入会，航段、非航收入和调查为 2008–2010 年。"
        "等级每年 12 月 31 日按当年累计里程评定：银卡 10,000、金卡 18,000、白金卡 28,000 英里。 / "
        "Synthetic data calibrated to the case; members joined from 2000; flights, ancillary sales "
        "and surveys cover 2008–2010. Tiers are reviewed each 31 December on that year's miles: "
        "silver 10,000, gold 18,000, platinum 28,000."
    ),
)
