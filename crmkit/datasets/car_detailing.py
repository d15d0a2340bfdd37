"""车佰汇 car-detailing shop: customers, vehicles, visits, complaints, referrals, wholesale orders.

The story (seed 000, case 2): over 10,000 vehicles a year and 10 million yuan of turnover, of
which the wholesale business brings a part, so turnover ÷ vehicles overstates what a car spends
in the shop; customers come from five kinds of advertising, auto shows and 4S events, referrals
and walk-ins, the channels differ in what their customers spend, and some earlier customers no
longer come; complaints (mostly about workmanship and waiting) are calmed, answered fast,
recorded and followed up.

A student's variant draws its own vehicle count, turnover, wholesale share, share of lapsed
customers and complaint mix around the case's (see ``FIGURES`` and ``LESSONS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import china_calendar, draw
from .schema import Case, Field, Figure, ForeignKey, Lesson, Spread, Table

YEAR_START, YEAR_END = "2013-01-01", "2013-12-31"

CHANNELS = {
    "tv": "电视广告",
    "radio": "电台广播",
    "car_magazine": "汽车杂志",
    "newspaper": "地方报纸",
    "billboard": "路牌广告",
    "auto_show": "车展/4S店活动",
    "referral": "老客户推荐",
    "walk_in": "自然到店",
}
CHANNEL_WEIGHTS = np.array([0.10, 0.08, 0.06, 0.08, 0.07, 0.15, 0.20, 0.26])
# how much a channel's customers spend and how often they come back, relative to average
CHANNEL_SPEND = np.array([1.00, 0.95, 1.30, 0.90, 0.95, 1.35, 1.15, 0.75])
CHANNEL_RETURN = np.array([1.00, 1.00, 1.10, 0.95, 0.95, 0.90, 1.30, 0.85])
RETURN_VISITS_PER_YEAR = 1.6  # visits beyond the first, for a customer active all year
RETURNING_WHO_STOP = 0.25  # share of earlier customers who stop coming during the year
DEFAULT_CUSTOMERS = 9_400
# the case's figures and the kit's assumptions, each with the spread of students' variants
# seed 000: over 10,000 vehicles a year (per 9,400 customers)
VEHICLES_SERVICED = Spread(10_450, 350, default=10_418)
# seed 000: about 10 million yuan, wholesale included
TURNOVER = Spread(10_000_000, 400_000, default=10_086_000, margin=5_000)
# kit assumption: the case says turnover includes wholesale
WHOLESALE_SHARE = Spread(0.30, 0.05, default=0.296, margin=0.002)
# kit assumption: earlier customers who did not come back in 2013
LAPSED = Spread(0.10, 0.04, margin=0.002)
GENDERS = {"male": "男", "female": "女"}
AGE_BANDS = {
    "18_25": "18–25 岁",
    "26_35": "26–35 岁",
    "36_45": "36–45 岁",
    "46_55": "46–55 岁",
    "56_plus": "56 岁以上",
}
BRANDS = {
    "大众": 0.22,
    "丰田": 0.13,
    "本田": 0.10,
    "别克": 0.09,
    "日产": 0.08,
    "现代": 0.08,
    "奥迪": 0.08,
    "宝马": 0.05,
    "福特": 0.07,
    "其他": 0.10,
}
PRICE_BANDS = {"economy": "经济型", "mid": "中级", "premium": "豪华"}
SERVICES = {
    "wash_wax": "洗车打蜡",
    "interior_cleaning": "内饰清洗",
    "polishing": "抛光",
    "coating": "镀膜/镀晶",
    "window_film": "贴膜",
    "seat_covers": "座套脚垫",
    "audio": "音响改装",
    "accessories": "装饰用品",
}
SERVICE_WEIGHTS = np.array([0.40, 0.13, 0.10, 0.08, 0.07, 0.08, 0.03, 0.11])
# before scaling to the turnover
SERVICE_MEDIAN_PRICE = np.array([50, 130, 210, 620, 1_100, 290, 1_250, 90])
COMPLAINT_CATEGORIES = {
    "workmanship": "施工质量",
    "damage": "车辆损伤",
    "waiting_time": "等待时间",
    "price": "价格",
    "staff_attitude": "服务态度",
    "product_quality": "用品质量",
}
# the vital few: workmanship and waiting time bring most complaints
# (shares in COMPLAINT_CATEGORIES order)
COMPLAINT_SHARES = [0.42, 0.15, 0.30, 0.06, 0.04, 0.03]
RESOLUTIONS = {"redo": "返工", "refund": "退款", "compensation": "补偿", "explanation": "解释说明"}
BUYER_TYPES = {
    "detailing_shop": "汽车美容店",
    "dealer": "4S店/汽贸公司",
    "car_wash": "洗车店",
    "fleet": "单位车队",
}
PRODUCT_LINES = {
    "coating_supplies": "镀膜/镀晶用品",
    "window_film": "汽车贴膜",
    "seat_covers": "座套脚垫",
    "care_products": "清洗养护用品",
    "accessories": "装饰用品",
}
WHOLESALE_BUYERS = 40  # trade buyers per DEFAULT_CUSTOMERS shop customers
# wholesale buyers order on working days
OFFICE = china_calendar.office_days(2013, 2013)
# cars bought in China each year 2000–2013 (passenger cars, millions, rounded): the fleet a
# detailing shop sees in 2013 is young, most of it bought since 2009
CAR_SALES = np.array([0.6, 0.7, 1.1, 2.0, 2.3, 3.1, 4.2, 5.0, 5.0, 7.5, 9.5, 10.1, 10.8, 12.0])
# and older cars come in less often for detailing
DETAILING_BY_AGE = 0.88
# hours complaints come in (midnight first): the shop's hours, 9:00–20:00, busiest after work
COMPLAINT_HOURS = np.array([0] * 9 + [3, 5, 6, 5, 4, 5, 6, 6, 7, 8, 6] + [0] * 4, dtype=float)


def shop_days(rng: np.random.Generator) -> china_calendar.Days:
    """How busy the shop is each day of 2010–2014 (complaints of late 2013 are settled in 2014):
    weekends busiest, a rush to have the car cleaned before the Spring Festival, quiet during it,
    and day-to-day chance (weather)."""
    return china_calendar.business_days(
        2010,
        2014,
        (0.85, 0.80, 0.85, 0.90, 1.05, 1.50, 1.35),
        holiday=1.25,
        festival=0.25,
        before_festival=(10, 1.8),
        noise=0.2,
        rng=rng,
    )


CUSTOMERS = Table(
    "customers",
    "客户：每行一位车主",
    "Customers: one row per car owner",
    (
        Field("customer_id", "string", "客户编号", "Customer id", unique=True),
        Field(
            "acquired_on",
            "date",
            "首次到店日期",
            "Date of the first visit ever (when the shop won the customer)",
        ),
        Field(
            "acquisition_channel",
            "string",
            "获客渠道：客户如何知道本店",
            "Acquisition channel: how the customer found the shop",
            enum=CHANNELS,
        ),
        Field("gender", "string", "性别", "Gender", enum=GENDERS),
        Field("age_band", "string", "年龄段", "Age band", enum=AGE_BANDS, ordered=True),
    ),
    primary_key=("customer_id",),
)
VEHICLES = Table(
    "vehicles",
    "车辆：每行一辆车",
    "Vehicles: one row per vehicle",
    (
        Field("vehicle_id", "string", "车辆编号", "Vehicle id", unique=True),
        Field("customer_id", "string", "车主客户编号", "Owner's customer id"),
        Field("brand", "string", "品牌", "Make", enum={b: b for b in BRANDS}),
        Field(
            "price_band",
            "string",
            "车价档次",
            "Price band of the car",
            enum=PRICE_BANDS,
            ordered=True,
        ),
        Field(
            "purchase_year",
            "integer",
            "购车年份",
            "Year the car was bought",
            minimum=2000,
            maximum=2013,
        ),
    ),
    primary_key=("vehicle_id",),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)
VISITS = Table(
    "visits",
    "到店服务：每行一次服务（2013 年）",
    "Visits: one row per service performed (2013)",
    (
        Field("visit_id", "string", "服务单号", "Service ticket id", unique=True),
        Field("vehicle_id", "string", "车辆编号", "Vehicle id"),
        Field("customer_id", "string", "客户编号", "Customer id"),
        Field("visited_on", "date", "服务日期", "Date of the service"),
        Field("service_type", "string", "服务项目", "Service performed", enum=SERVICES),
        Field("price_yuan", "number", "实收金额", "Amount paid", unit="CNY", minimum=0),
    ),
    primary_key=("visit_id",),
    foreign_keys=(
        ForeignKey("vehicle_id", "vehicles", "vehicle_id"),
        ForeignKey("customer_id", "customers", "customer_id"),
    ),
)
COMPLAINTS = Table(
    "complaints",
    "投诉：每行一件投诉（2013 年）",
    "Complaints: one row per complaint (2013)",
    (
        Field("complaint_id", "string", "投诉编号", "Complaint id", unique=True),
        Field("visit_id", "string", "被投诉的服务单号", "Service ticket the complaint is about"),
        Field("customer_id", "string", "客户编号", "Customer id"),
        Field("category", "string", "投诉类别", "Complaint category", enum=COMPLAINT_CATEGORIES),
        Field("received_at", "datetime", "收到时间", "Time received"),
        Field(
            "first_response_at",
            "datetime",
            "首次答复（安抚）时间",
            "Time of the first response (calming the customer)",
        ),
        Field("closed_at", "datetime", "处理完毕时间", "Time the complaint was settled"),
        Field("resolution", "string", "处理方式", "How it was settled", enum=RESOLUTIONS),
        Field(
            "satisfaction_after",
            "integer",
            "处理后满意度 1–5",
            "Satisfaction 1–5 after the complaint was settled",
            minimum=1,
            maximum=5,
        ),
    ),
    primary_key=("complaint_id",),
    foreign_keys=(
        ForeignKey("visit_id", "visits", "visit_id"),
        ForeignKey("customer_id", "customers", "customer_id"),
    ),
)
REFERRALS = Table(
    "referrals",
    "推荐：每行一位老客户推荐来的新客户",
    "Referrals: one row per new customer that an existing customer brought in",
    (
        Field("referral_id", "string", "推荐编号", "Referral id", unique=True),
        Field("referrer_id", "string", "推荐人（老客户）编号", "Customer id of the referrer"),
        Field("referred_id", "string", "被推荐的新客户编号", "Customer id of the new customer"),
        Field("referred_on", "date", "新客户首次到店日期", "Date the new customer first came"),
    ),
    primary_key=("referral_id",),
    foreign_keys=(
        ForeignKey("referrer_id", "customers", "customer_id"),
        ForeignKey("referred_id", "customers", "customer_id"),
    ),
)

WHOLESALE = Table(
    "wholesale_orders",
    "批发订单：每行一笔卖给同行和经销商的美容装饰用品订单（2013 年）",
    "Wholesale orders: one row per order of detailing products sold to other businesses (2013)",
    (
        Field("wholesale_order_id", "string", "批发订单编号", "Wholesale order id", unique=True),
        Field("buyer_id", "string", "批发客户（企业）编号", "Id of the business that bought"),
        Field(
            "buyer_type", "string", "批发客户类型", "Kind of business that bought", enum=BUYER_TYPES
        ),
        Field("ordered_on", "date", "下单日期", "Date ordered"),
        Field("product_line", "string", "产品线", "Product line", enum=PRODUCT_LINES),
        Field("amount_yuan", "number", "订单金额", "Amount of the order", unit="CNY", minimum=0),
    ),
    primary_key=("wholesale_order_id",),
)

FIGURES = (
    Figure(
        "vehicles_per_year",
        "年服务车辆数",
        "Vehicles serviced in a year",
        "10,000 以上 / over 10,000",
        "10,000–11,000",
        "seed 000, case 2, company profile (年装饰车辆1万台以上)",
        "distinct vehicle_id in visits of 2013",
        f"{VEHICLES_SERVICED.low:,.0f}–{VEHICLES_SERVICED.high:,.0f}: each student's own count, at "
        "random in this range",
    ),
    Figure(
        "turnover_per_year",
        "年营业额",
        "Turnover in a year",
        "10,000,000 CNY",
        "± 5%",
        "seed 000, case 2, company profile (年营业额1000万, 批发业务在内 wholesale included)",
        "sum of visits.price_yuan in 2013 plus sum of wholesale_orders.amount_yuan in 2013",
        f"{TURNOVER.low / 1e6:.1f}–{TURNOVER.high / 1e6:.1f} million CNY: each student's own "
        "turnover, at random in this range; wholesale "
        f"{WHOLESALE_SHARE.low:.0%}–{WHOLESALE_SHARE.high:.0%} of it",
    ),
)


def generate(
    rng: np.random.Generator, n_customers: int, variant: bool = False
) -> dict[str, pd.DataFrame]:
    """All tables of the car-detailing case for ``n_customers`` customers.

    ``variant``: a student's data, whose vehicle count, turnover, wholesale share, lapsed customers
    and complaint mix are drawn around the case's; otherwise the case's own values. Counts and
    money scale with ``n_customers`` (the figures hold for the default 9,400 customers).
    """
    own = rng if variant else None
    scale = n_customers / DEFAULT_CUSTOMERS
    vehicles_target = VEHICLES_SERVICED.draw(own) * scale
    turnover = TURNOVER.draw(own) * scale
    wholesale_share = WHOLESALE_SHARE.draw(own)
    lapsed_share = LAPSED.draw(own)
    complaint_shares = draw.vital_few_shares(own, COMPLAINT_SHARES)

    days = shop_days(rng)
    customers = _customers(rng, days, n_customers)
    lapsed = _lapsed_customers(rng, customers, lapsed_share)
    vehicles, owner, price_band = _vehicles(rng, customers, lapsed, vehicles_target)
    visits = _visits(
        rng,
        days,
        vehicles,
        owner,
        customers.acquired_on,
        customers.channel,
        price_band,
        lapsed,
        turnover * (1 - wholesale_share),
    )
    complaints = _complaints(rng, days, visits, complaint_shares)
    referrals = _referrals(rng, customers.frame, customers.channel)
    wholesale = _wholesale(
        rng, max(3, int(round(WHOLESALE_BUYERS * scale))), turnover * wholesale_share
    )
    # Records pinned on a task's thresholds (issue 25) would be added to these frames here; a
    # table that gains rows is then sorted again and its ids renumbered (draw.ids).
    return {
        "customers": customers.frame,
        "vehicles": vehicles,
        "visits": visits,
        "complaints": complaints,
        "referrals": referrals,
        "wholesale_orders": wholesale,
    }


@dataclass(frozen=True)
class _Customers:
    """The customers table with the arrays the other tables are drawn from, in customer order."""

    frame: pd.DataFrame
    ids: np.ndarray
    channel: np.ndarray  # codes into CHANNELS
    acquired_on: np.ndarray


def _customers(rng: np.random.Generator, days: china_calendar.Days, n: int) -> _Customers:
    """Who came to the shop and when they first came, in the order they came."""
    channel = draw.codes(rng, CHANNEL_WEIGHTS, n)
    # a third are new this year; the others first came in 2010-2012; all on days the shop was busy
    acquired_on = np.where(
        rng.random(n) < 0.35,
        days.draw(rng, YEAR_START, YEAR_END, n),
        days.draw(rng, "2010-01-01", "2012-12-31", n),
    )
    order = np.argsort(acquired_on, kind="stable")  # ids follow the order customers came
    channel, acquired_on = channel[order], acquired_on[order]
    customer_ids = draw.ids("U", n)
    frame = draw.frame(
        {
            "customer_id": customer_ids,
            "acquired_on": acquired_on.astype("datetime64[s]"),
            "acquisition_channel": pd.Categorical.from_codes(
                channel, categories=pd.Index(CHANNELS)
            ),
            "gender": draw.pick(rng, {"male": 0.74, "female": 0.26}, n),
            "age_band": pd.Categorical.from_codes(
                draw.codes(rng, [0.10, 0.38, 0.30, 0.15, 0.07], n),
                categories=pd.Index(AGE_BANDS),
                ordered=True,
            ),
        }
    )
    return _Customers(frame, customer_ids, channel, acquired_on)


def _lapsed_customers(rng, customers: _Customers, lapsed_share: float) -> np.ndarray:
    """Which customers did not come back at all in 2013 (a boolean per customer)."""
    # some earlier customers did not come back at all in 2013 (walk-ins most, referrals least)
    earlier = customers.acquired_on < np.datetime64(YEAR_START)
    lapse_weight = np.where(earlier, 1.0 / CHANNEL_RETURN[customers.channel] ** 2, 0.0)
    lapsed = draw.exactly_k(
        rng, np.maximum(lapse_weight, 1e-12), int(round(lapsed_share * earlier.sum()))
    )
    return lapsed & earlier


def _vehicles(rng, customers: _Customers, lapsed, vehicles_target: float):
    """The vehicles table, each vehicle's row in the customers table and its price band code."""
    n = len(customers.ids)
    # second cars: exactly as many among active customers as make the vehicles serviced in 2013
    # come to the drawn count; lapsed customers have second cars at the same rate
    active = ~lapsed
    second_cars = int(np.clip(round(vehicles_target) - active.sum(), 0, active.sum()))
    second = np.zeros(n, dtype=bool)
    second[active] = draw.exactly_k(rng, np.ones(int(active.sum())), second_cars)
    second[lapsed] = rng.random(int(lapsed.sum())) < second_cars / max(int(active.sum()), 1)
    vehicles_per_customer = 1 + second
    owner = draw.repeat_owners(vehicles_per_customer)
    n_vehicles = len(owner)
    price_band = draw.codes(rng, [0.45, 0.40, 0.15], n_vehicles)
    vehicles = draw.frame(
        {
            "vehicle_id": draw.ids("V", n_vehicles),
            "customer_id": customers.ids[owner],
            "brand": draw.pick(rng, BRANDS, n_vehicles),
            "price_band": pd.Categorical.from_codes(
                price_band, categories=pd.Index(PRICE_BANDS), ordered=True
            ),
            "purchase_year": _purchase_years(rng, owner, customers.acquired_on, customers.channel),
        }
    )
    return vehicles, owner, price_band


def _purchase_years(rng, owner, acquired_on, channel) -> np.ndarray:
    """The year each car was bought: as many as China's car sales of that year, fewer the older
    they are; a customer won at an auto show or a 4S event came with the car just bought."""
    years = np.arange(2000, 2014)
    weights = CAR_SALES * DETAILING_BY_AGE ** (2013 - years)
    year = years[draw.codes(rng, weights, len(owner))]
    first_car = draw.rank_within(owner) == 0
    new_car = first_car & (channel[owner] == 5)
    won = acquired_on[owner].astype("datetime64[Y]").astype(int) + 1970
    return np.where(new_car, won, year)


def _visits(
    rng, days, vehicles, owner, acquired_on, channel, price_band, lapsed, shop_turnover
) -> pd.DataFrame:
    n_vehicles, n_customers = len(vehicles), len(acquired_on)
    # each customer's active window in 2013: new ones from their first visit; about a third of
    # the returning ones stop coming during the year, which keeps monthly volume steady
    window_start = np.maximum(acquired_on, np.datetime64(YEAR_START))
    stops = (acquired_on < np.datetime64(YEAR_START)) & (
        rng.random(n_customers) < RETURNING_WHO_STOP
    )
    window_end = np.where(
        stops, days.draw(rng, YEAR_START, YEAR_END, n_customers), np.datetime64(YEAR_END)
    )
    window_end = np.maximum(window_end, window_start)
    window_days = (window_end - window_start) // draw.DAY + 1
    counts = 1 + rng.poisson(
        RETURN_VISITS_PER_YEAR * CHANNEL_RETURN[channel[owner]] * window_days[owner] / 365
    )
    counts = np.where(lapsed[owner], 0, counts)  # lapsed customers' cars do not come in 2013
    vehicle = draw.repeat_owners(counts)
    n = len(vehicle)
    customer = owner[vehicle]
    day = days.draw(rng, window_start[customer], window_end[customer], n)
    by_vehicle = draw.order_by(vehicle, day)  # each vehicle's visits in date order
    vehicle, customer, day = vehicle[by_vehicle], customer[by_vehicle], day[by_vehicle]
    is_first = draw.rank_within(vehicle) == 0
    # a customer won this year came in with their first car on the day they were won
    first_car = (draw.rank_within(owner) == 0)[vehicle]
    won_this_year = acquired_on[customer] >= np.datetime64(YEAR_START)
    day = np.where(is_first & first_car & won_this_year, acquired_on[customer], day)
    service = draw.codes(rng, SERVICE_WEIGHTS, n)
    # new cars from auto shows and 4S events come in for window film first
    film_first = is_first & (channel[customer] == 5) & (rng.random(n) < 0.5)
    service = np.where(film_first, 4, service)
    spend = CHANNEL_SPEND[channel[customer]] * np.array([0.85, 1.0, 1.4])[price_band[vehicle]]
    price = SERVICE_MEDIAN_PRICE[service] * spend * rng.lognormal(0.0, 0.25, n)
    price *= shop_turnover / price.sum()  # the shop's part of the turnover
    order = draw.order_by_day(day)  # within a day, vehicles stay in ascending order
    return draw.frame(
        {
            "visit_id": draw.ids("R", n, width=6),
            "vehicle_id": draw.ids("V", n_vehicles)[vehicle[order]],
            "customer_id": draw.ids("U", n_customers)[customer[order]],
            "visited_on": day[order].astype("datetime64[s]"),
            "service_type": pd.Categorical.from_codes(
                service[order], categories=pd.Index(SERVICES)
            ),
            "price_yuan": draw.money(price[order], decimals=-1),
        }
    )


def _complaints(rng, days, visits, category_shares) -> pd.DataFrame:
    complained = rng.random(len(visits)) < 0.03
    source = visits[complained].reset_index(drop=True)
    n = len(source)
    # a complaint comes in during the shop's hours, on the day of the service or within a week
    visited = source["visited_on"].to_numpy("datetime64[D]")
    day = days.draw(rng, visited, visited + 7 * draw.DAY, n)
    received = (
        day.astype("datetime64[s]")
        + china_calendar.seconds_of_day(rng, COMPLAINT_HOURS, n) * draw.SECOND
    )
    # staff calm and settle complaints in the shop's hours (working hours here)
    shop_hours = china_calendar.OfficeHours(days, 9.0, 20.0)
    calm_hours = rng.lognormal(np.log(1.2), 0.9, n)
    settle_hours = calm_hours + rng.lognormal(np.log(14), 0.8, n)
    first_response = shop_hours.after(received, calm_hours)
    closed = shop_hours.after(received, settle_hours)
    response_hours = (first_response - received) / np.timedelta64(1, "h")
    close_hours = (closed - received) / np.timedelta64(1, "h")
    resolution = draw.codes(rng, [0.35, 0.10, 0.20, 0.35], n)
    score = (
        4.7
        - 0.45 * np.log1p(response_hours)
        - 0.25 * np.log1p(close_hours / 24)
        - 0.5 * (resolution == 3)
        + rng.normal(0, 0.5, n)
    )
    complaints = (
        draw.frame(
            {
                "visit_id": source["visit_id"].to_numpy(),
                "customer_id": source["customer_id"].to_numpy(),
                "category": pd.Categorical.from_codes(
                    draw.codes_in_shares(rng, category_shares, n),
                    categories=pd.Index(COMPLAINT_CATEGORIES),
                ),
                "received_at": received,
                "first_response_at": first_response,
                "closed_at": closed,
                "resolution": pd.Categorical.from_codes(
                    resolution, categories=pd.Index(RESOLUTIONS)
                ),
                "satisfaction_after": np.clip(np.round(score), 1, 5).astype("int64"),
            }
        )
        .sort_values("received_at", kind="stable")
        .reset_index(drop=True)
    )
    complaints.insert(0, "complaint_id", draw.ids("Q", len(complaints)))
    return complaints


def _referrals(rng, customers, channel) -> pd.DataFrame:
    # customers are sorted by acquired_on, so any earlier row can be the referrer
    referred = np.flatnonzero(channel == 6)
    referred = referred[referred > 0]
    referrer = np.floor(rng.random(len(referred)) * referred).astype("int64")
    ids = draw.ids("U", len(customers))
    return draw.frame(
        {
            "referral_id": draw.ids("F", len(referred)),
            "referrer_id": ids[referrer],
            "referred_id": ids[referred],
            "referred_on": customers["acquired_on"].to_numpy()[referred],
        }
    )


def _wholesale(rng, n_buyers: int, wholesale_turnover: float) -> pd.DataFrame:
    """Orders from trade buyers through 2013, adding up to the wholesale part of the turnover."""
    buyer_type = draw.codes(rng, [0.45, 0.25, 0.20, 0.10], n_buyers)  # BUYER_TYPES order
    size = rng.lognormal(0.0, 0.7, n_buyers) * np.array([1.0, 2.0, 0.6, 1.2])[buyer_type]
    counts = 1 + rng.poisson(np.array([11.0, 8.0, 14.0, 5.0])[buyer_type])
    buyer = draw.repeat_owners(counts)
    k = len(buyer)
    ordered_on = OFFICE.draw(rng, YEAR_START, YEAR_END, k)
    product = draw.codes_by_group(
        rng,
        buyer_type[buyer],
        np.array(
            [
                [0.35, 0.20, 0.10, 0.25, 0.10],
                [0.20, 0.35, 0.25, 0.05, 0.15],
                [0.15, 0.05, 0.10, 0.60, 0.10],
                [0.10, 0.25, 0.40, 0.10, 0.15],
            ]
        ),
    )
    amount = size[buyer] * rng.lognormal(0.0, 0.45, k)
    amount = draw.money(amount * wholesale_turnover / amount.sum(), decimals=0)
    order = draw.order_by(ordered_on, buyer)
    return draw.frame(
        {
            "wholesale_order_id": draw.ids("WS", k, width=4),
            "buyer_id": draw.ids("B", n_buyers, width=3)[buyer[order]],
            "buyer_type": pd.Categorical.from_codes(
                buyer_type[buyer[order]], categories=pd.Index(BUYER_TYPES)
            ),
            "ordered_on": ordered_on[order].astype("datetime64[s]"),
            "product_line": pd.Categorical.from_codes(
                product[order], categories=pd.Index(PRODUCT_LINES)
            ),
            "amount_yuan": amount[order],
        }
    )


LESSONS = (
    Lesson(
        "wholesale_in_turnover",
        "营业额里包括批发",
        "Wholesale is part of the turnover",
        "notebook 02 §1.2, §6 question 4; case §4",
        f"wholesale_orders bring 0.22–0.38 of 2013 turnover (each student's own share, "
        f"{WHOLESALE_SHARE.low:.2f}–{WHOLESALE_SHARE.high:.2f}); shop services alone fall well "
        "short of 10 million yuan",
    ),
    Lesson(
        "turnover_per_car_overstates",
        "营业额 ÷ 车辆数高估了每台车的消费",
        "Turnover ÷ vehicles overstates what a car spends",
        "notebook 02 §1.3, §6 question 4; case discussion 4",
        "(shop services + wholesale) ÷ vehicles is at least 1.25 × shop services ÷ vehicles",
    ),
    Lesson(
        "some_customers_lapse",
        "有的老客户 2013 年没有再来",
        "Some earlier customers did not come back in 2013",
        "notebook 02 §2.5; segmentation 1.1 (RFM has a row only for customers who came)",
        f"0.04–0.16 of the customers won before 2013 have no 2013 visit (each student's own share, "
        f"{LAPSED.low:.2f}–{LAPSED.high:.2f})",
    ),
    Lesson(
        "channels_differ_in_spend",
        "渠道不同，客户的消费不同",
        "Channels bring customers who spend differently",
        "notebook 02 §2.6–2.7, §3.6, §6 question 2",
        "auto-show/4S customers spend the most per customer, at least 1.5 × the channel whose "
        "customers spend least",
    ),
    Lesson(
        "referred_customers_worth_more",
        "推荐来的客户更有价值",
        "Referred customers are worth more",
        "notebook 02 §5.4",
        "referred customers beat all others on spend, visits and repeat rate per customer",
    ),
    Lesson(
        "longer_customers_refer_more",
        "成为客户越久，推荐得越多",
        "Longer-standing customers refer more",
        "notebook 02 §5.2, §6 question 6",
        "the share of customers who referred someone falls with each later year won (2010 > 2011 > "
        "2012 > 2013)",
    ),
    Lesson(
        "many_cars_come_back",
        "多数车会回来",
        "Most cars come back",
        "notebook 02 §3.1–3.2",
        "0.5–0.8 of the vehicles serviced came on two or more days in 2013",
    ),
    Lesson(
        "calmed_sooner_more_satisfied",
        "安抚得越快，处理后越满意",
        "Calmed sooner, more satisfied afterwards",
        "notebook 02 §4.5, §4.7, §6 question 3",
        "mean satisfaction after complaints first answered within 1 h is at least 0.3 above those "
        "answered after 4 h",
    ),
    Lesson(
        "explanation_least_satisfied",
        "只做解释的满意度最低",
        "An explanation alone satisfies least",
        "notebook 02 §4.4",
        "explanation has the lowest mean satisfaction of the four resolutions",
    ),
    Lesson(
        "car_complaints_vital_few",
        "投诉集中在少数几类（关键少数）",
        "A vital few categories bring most complaints",
        "complaints 2.1; notebook 02 §4.3",
        "the two largest of the six categories hold ≥ 0.60 of complaints and at most three reach "
        "0.80 (workmanship and waiting time usually lead; their order and "
        "the shares vary by student)",
    ),
)


# how the data are generated, for the data dictionary: one line per Markdown paragraph, since a
# line break would show as a space between Chinese characters
GENERATION = """
**潜在特征。** 每位客户的获客渠道决定他的消费水平和回头频率（车展/4S 店和老客户推荐来的花得多，推荐来的回来得勤）；车的价位影响每次服务的价格；每辆车在活跃期内按泊松过程来店。2013 年没有再来的老客户按学生自己的比例抽取（自然到店的最容易流失）；第二辆车的数量使 2013 年服务的车辆数落到学生自己的值；服务价格按比例缩放，使门店加批发的营业额落到学生自己的值。

**规则和日历。** 门店每天营业：周末最忙（约为平日的 1.5 倍），节假日较忙，春节前十天洗车高峰，春节期间冷清，天天还有天气等带来的随机起伏；节假日来自 `chinesecalendar`。批发客户在工作日下单。投诉在营业时间（9:00–20:00）收到，员工在营业时间内安抚和处理。购车年份按 2000–2013 年中国的乘用车销量，越新的车越常来做美容；车展/4S 店活动来的客户开着当年买的新车来。

**不模拟。** 员工、预约和排队、天气本身、价目表和库存、同一次到店一起做了哪些项目。

**Latent traits.** A customer's acquisition channel sets how much they spend and how often they come back (auto-show/4S and referred customers spend more, referred ones come back more often); the car's price band sets the price of each service; each car comes in as a Poisson process over its active months. Earlier customers who did not come back in 2013 are drawn at the student's own share (walk-ins lapse most); second cars bring the vehicles serviced in 2013 to the student's own count; service prices are scaled so that shop plus wholesale turnover comes to the student's own figure.

**Rules and calendar.** The shop opens every day: weekends are busiest (about 1.5 × a weekday), public holidays busy, the ten days before the Spring Festival a rush to have the car cleaned, the festival itself quiet, and every day has its own chance ups and downs (weather); holidays come from `chinesecalendar`. Trade buyers order on working days. Complaints come in during opening hours (9:00–20:00), and staff calm and settle them within opening hours. Purchase years follow China's car sales of 2000–2013, newer cars coming in more often; customers won at auto shows and 4S events come with a car bought that year.

**Not modelled.** Staff, appointments and queues, the weather itself, price lists and stock, which services are bought together on one visit.
"""  # noqa: E501


CASE = Case(
    key="car_detailing",
    zh="车佰汇：汽车美容装饰店的客户关系管理",
    en="Chebaihui: CRM at a car-detailing shop",
    source=(
        "李映月. 车佰汇汽车美容装饰公司客户关系管理案例研究[D]. 辽宁: 辽宁科技大学, 2014: 14-49."
    ),
    default_customers=DEFAULT_CUSTOMERS,
    customer_table="customers",
    tables=(CUSTOMERS, VEHICLES, VISITS, COMPLAINTS, REFERRALS, WHOLESALE),
    figures=FIGURES,
    lessons=LESSONS,
    generate=generate,
    generation=GENERATION,
    notes=(
        "合成数据，按案例所述校准；记录为 2013 年全年。门店服务在 visits 表，批发业务在 "
        "wholesale_orders 表，两者合起来才是案例所说约 1000 万元的营业额（批发约占三成，"
        "为本套件的设定）。 / Synthetic data calibrated to the case; records cover 2013. Shop "
        "services are in visits and the wholesale business in wholesale_orders; together they make "
        "the case's turnover of about 10 million yuan (wholesale about 30%, the kit's assumption)."
    ),
)
