"""车佰汇 car-detailing shop: customers, vehicles, visits, complaints, referrals.

The story (seed 000, case 2): over 10,000 vehicles a year and 10 million yuan of turnover;
customers come from five kinds of advertising, auto shows and 4S events, referrals and walk-ins,
and the channels differ in what their customers spend; complaints are calmed, answered fast,
recorded and followed up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import draw
from .schema import Case, Field, Figure, ForeignKey, Table

YEAR_START, YEAR_END = "2013-01-01", "2013-12-31"

CHANNELS = {
    "tv": "电视广告", "radio": "电台广播", "car_magazine": "汽车杂志", "newspaper": "地方报纸",
    "billboard": "路牌广告", "auto_show": "车展/4S店活动", "referral": "老客户推荐", "walk_in": "自然到店",
}
CHANNEL_WEIGHTS = np.array([0.10, 0.08, 0.06, 0.08, 0.07, 0.15, 0.20, 0.26])
# how much a channel's customers spend and how often they come back, relative to average
CHANNEL_SPEND = np.array([1.00, 0.95, 1.30, 0.90, 0.95, 1.35, 1.15, 0.75])
CHANNEL_RETURN = np.array([1.00, 1.00, 1.10, 0.95, 0.95, 0.90, 1.30, 0.85])
RETURN_VISITS_PER_YEAR = 1.6  # visits beyond the first, for a customer active all year
RETURNING_WHO_STOP = 0.25  # share of earlier customers who stop coming during the year
GENDERS = {"male": "男", "female": "女"}
AGE_BANDS = {"18_25": "18–25 岁", "26_35": "26–35 岁", "36_45": "36–45 岁", "46_55": "46–55 岁", "56_plus": "56 岁以上"}
BRANDS = {"大众": 0.22, "丰田": 0.13, "本田": 0.10, "别克": 0.09, "日产": 0.08, "现代": 0.08, "奥迪": 0.08, "宝马": 0.05, "福特": 0.07, "其他": 0.10}
PRICE_BANDS = {"economy": "经济型", "mid": "中级", "premium": "豪华"}
SERVICES = {
    "wash_wax": "洗车打蜡", "interior_cleaning": "内饰清洗", "polishing": "抛光", "coating": "镀膜/镀晶",
    "window_film": "贴膜", "seat_covers": "座套脚垫", "audio": "音响改装", "accessories": "装饰用品",
}
SERVICE_WEIGHTS = np.array([0.40, 0.13, 0.10, 0.08, 0.07, 0.08, 0.03, 0.11])
SERVICE_MEDIAN_PRICE = np.array([70, 190, 300, 880, 1_550, 420, 1_800, 130])
COMPLAINT_CATEGORIES = {
    "workmanship": "施工质量", "damage": "车辆损伤", "waiting_time": "等待时间",
    "price": "价格", "staff_attitude": "服务态度", "product_quality": "用品质量",
}
RESOLUTIONS = {"redo": "返工", "refund": "退款", "compensation": "补偿", "explanation": "解释说明"}

CUSTOMERS = Table(
    "customers", "客户：每行一位车主", "Customers: one row per car owner",
    (
        Field("customer_id", "string", "客户编号", "Customer id", unique=True),
        Field("acquired_on", "date", "首次到店日期", "Date of the first visit ever (when the shop won the customer)"),
        Field("acquisition_channel", "string", "获客渠道：客户如何知道本店", "Acquisition channel: how the customer found the shop", enum=CHANNELS),
        Field("gender", "string", "性别", "Gender", enum=GENDERS),
        Field("age_band", "string", "年龄段", "Age band", enum=AGE_BANDS, ordered=True),
    ),
    primary_key=("customer_id",),
)
VEHICLES = Table(
    "vehicles", "车辆：每行一辆车", "Vehicles: one row per vehicle",
    (
        Field("vehicle_id", "string", "车辆编号", "Vehicle id", unique=True),
        Field("customer_id", "string", "车主客户编号", "Owner's customer id"),
        Field("brand", "string", "品牌", "Make", enum={b: b for b in BRANDS}),
        Field("price_band", "string", "车价档次", "Price band of the car", enum=PRICE_BANDS, ordered=True),
        Field("purchase_year", "integer", "购车年份", "Year the car was bought", minimum=2000, maximum=2013),
    ),
    primary_key=("vehicle_id",),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)
VISITS = Table(
    "visits", "到店服务：每行一次服务（2013 年）", "Visits: one row per service performed (2013)",
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
    "complaints", "投诉：每行一件投诉（2013 年）", "Complaints: one row per complaint (2013)",
    (
        Field("complaint_id", "string", "投诉编号", "Complaint id", unique=True),
        Field("visit_id", "string", "被投诉的服务单号", "Service ticket the complaint is about"),
        Field("customer_id", "string", "客户编号", "Customer id"),
        Field("category", "string", "投诉类别", "Complaint category", enum=COMPLAINT_CATEGORIES),
        Field("received_at", "datetime", "收到时间", "Time received"),
        Field("first_response_at", "datetime", "首次答复（安抚）时间", "Time of the first response (calming the customer)"),
        Field("closed_at", "datetime", "处理完毕时间", "Time the complaint was settled"),
        Field("resolution", "string", "处理方式", "How it was settled", enum=RESOLUTIONS),
        Field("satisfaction_after", "integer", "处理后满意度 1–5", "Satisfaction 1–5 after the complaint was settled", minimum=1, maximum=5),
    ),
    primary_key=("complaint_id",),
    foreign_keys=(
        ForeignKey("visit_id", "visits", "visit_id"),
        ForeignKey("customer_id", "customers", "customer_id"),
    ),
)
REFERRALS = Table(
    "referrals", "推荐：每行一位老客户推荐来的新客户", "Referrals: one row per new customer that an existing customer brought in",
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

FIGURES = (
    Figure(
        "vehicles_per_year", "年服务车辆数", "Vehicles serviced in a year",
        "10,000 以上 / over 10,000", "10,000–11,000", "seed 000, case 2, company profile (年装饰车辆1万台以上)",
        "distinct vehicle_id in visits of 2013",
    ),
    Figure(
        "turnover_per_year", "年营业额", "Turnover in a year",
        "10,000,000 CNY", "± 5%", "seed 000, case 2, company profile (年营业额1000万)",
        "sum of visits.price_yuan in 2013",
    ),
)


def generate(rng: np.random.Generator, n_customers: int) -> dict[str, pd.DataFrame]:
    """All tables of the car-detailing case for ``n_customers`` customers."""
    n = n_customers
    channel = draw.codes(rng, CHANNEL_WEIGHTS, n)
    # a third are new this year; the others first came in 2010-2012
    acquired_on = np.where(
        rng.random(n) < 0.35,
        draw.days_between(rng, YEAR_START, "2013-12-15", n),
        draw.days_between(rng, "2010-01-01", "2012-12-31", n),
    )
    order = np.argsort(acquired_on, kind="stable")  # ids follow the order customers came
    channel, acquired_on = channel[order], acquired_on[order]
    customer_ids = draw.ids("U", n)
    customers = draw.frame({
        "customer_id": customer_ids,
        "acquired_on": acquired_on.astype("datetime64[s]"),
        "acquisition_channel": pd.Categorical.from_codes(channel, categories=list(CHANNELS)),
        "gender": draw.pick(rng, {"male": 0.74, "female": 0.26}, n),
        "age_band": pd.Categorical.from_codes(
            draw.codes(rng, [0.10, 0.38, 0.30, 0.15, 0.07], n), categories=list(AGE_BANDS), ordered=True
        ),
    })

    vehicles_per_customer = 1 + (rng.random(n) < 0.18)
    owner = draw.repeat_owners(vehicles_per_customer)
    n_vehicles = len(owner)
    price_band = draw.codes(rng, [0.45, 0.40, 0.15], n_vehicles)
    vehicles = draw.frame({
        "vehicle_id": draw.ids("V", n_vehicles),
        "customer_id": customer_ids[owner],
        "brand": draw.pick(rng, BRANDS, n_vehicles),
        "price_band": pd.Categorical.from_codes(price_band, categories=list(PRICE_BANDS), ordered=True),
        "purchase_year": np.clip(2013 - rng.geometric(0.25, n_vehicles) + 1, 2000, 2013),
    })

    visits = _visits(rng, vehicles, owner, acquired_on, channel, price_band)
    complaints = _complaints(rng, visits)
    referrals = _referrals(rng, customers, channel)
    return {"customers": customers, "vehicles": vehicles, "visits": visits, "complaints": complaints, "referrals": referrals}


def _visits(rng, vehicles, owner, acquired_on, channel, price_band) -> pd.DataFrame:
    n_vehicles, n_customers = len(vehicles), len(acquired_on)
    # each customer's active window in 2013: new ones from their first visit; about a third of
    # the returning ones stop coming during the year, which keeps monthly volume steady
    window_start = np.maximum(acquired_on, np.datetime64(YEAR_START))
    stops = (acquired_on < np.datetime64(YEAR_START)) & (rng.random(n_customers) < RETURNING_WHO_STOP)
    window_end = np.where(stops, draw.days_between(rng, YEAR_START, YEAR_END, n_customers), np.datetime64(YEAR_END))
    window_days = (window_end - window_start) // draw.DAY + 1
    counts = 1 + rng.poisson(RETURN_VISITS_PER_YEAR * CHANNEL_RETURN[channel[owner]] * window_days[owner] / 365)
    vehicle = draw.repeat_owners(counts)
    n = len(vehicle)
    customer = owner[vehicle]
    day = window_start[customer] + (rng.random(n) * window_days[customer]).astype("int64") * draw.DAY
    by_vehicle = np.lexsort((day, vehicle))  # each vehicle's visits in date order
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
    order = draw.order_by_day(day)  # within a day, vehicles stay in ascending order
    return draw.frame({
        "visit_id": draw.ids("R", n, width=6),
        "vehicle_id": draw.ids("V", n_vehicles)[vehicle[order]],
        "customer_id": draw.ids("U", n_customers)[customer[order]],
        "visited_on": day[order].astype("datetime64[s]"),
        "service_type": pd.Categorical.from_codes(service[order], categories=list(SERVICES)),
        "price_yuan": draw.money(price[order], decimals=-1),
    })


def _complaints(rng, visits) -> pd.DataFrame:
    complained = rng.random(len(visits)) < 0.03
    source = visits[complained].reset_index(drop=True)
    n = len(source)
    received = draw.times_on(rng, source["visited_on"].to_numpy("datetime64[D]") + rng.integers(0, 8, n) * draw.DAY, 9, 20)
    response_hours = rng.lognormal(np.log(1.5), 0.9, n)
    close_hours = response_hours + rng.lognormal(np.log(36), 0.8, n)
    resolution = draw.codes(rng, [0.35, 0.10, 0.20, 0.35], n)
    score = 4.7 - 0.45 * np.log1p(response_hours) - 0.25 * np.log1p(close_hours / 24) - 0.5 * (resolution == 3) + rng.normal(0, 0.5, n)
    complaints = draw.frame({
        "visit_id": source["visit_id"].to_numpy(),
        "customer_id": source["customer_id"].to_numpy(),
        "category": draw.pick(rng, {"workmanship": 0.30, "damage": 0.12, "waiting_time": 0.22, "price": 0.14, "staff_attitude": 0.12, "product_quality": 0.10}, n),
        "received_at": received,
        "first_response_at": draw.hours_after(received, response_hours),
        "closed_at": draw.hours_after(received, close_hours),
        "resolution": pd.Categorical.from_codes(resolution, categories=list(RESOLUTIONS)),
        "satisfaction_after": np.clip(np.round(score), 1, 5).astype("int64"),
    }).sort_values("received_at", kind="stable").reset_index(drop=True)
    complaints.insert(0, "complaint_id", draw.ids("Q", len(complaints)))
    return complaints


def _referrals(rng, customers, channel) -> pd.DataFrame:
    # customers are sorted by acquired_on, so any earlier row can be the referrer
    referred = np.flatnonzero(channel == 6)
    referred = referred[referred > 0]
    referrer = np.floor(rng.random(len(referred)) * referred).astype("int64")
    ids = draw.ids("U", len(customers))
    return draw.frame({
        "referral_id": draw.ids("F", len(referred)),
        "referrer_id": ids[referrer],
        "referred_id": ids[referred],
        "referred_on": customers["acquired_on"].to_numpy()[referred],
    })


CASE = Case(
    key="car_detailing",
    zh="车佰汇：汽车美容装饰店的客户关系管理",
    en="Chebaihui: CRM at a car-detailing shop",
    source="李映月. 车佰汇汽车美容装饰公司客户关系管理案例研究[D]. 辽宁: 辽宁科技大学, 2014: 14-49.",
    default_customers=8_800,
    customer_table="customers",
    tables=(CUSTOMERS, VEHICLES, VISITS, COMPLAINTS, REFERRALS),
    figures=FIGURES,
    generate=generate,
    notes=(
        "合成数据，按案例所述校准；服务记录为 2013 年全年，只含门店服务（不含批发业务）。 / "
        "Synthetic data calibrated to the case; service records cover 2013 and the shop's retail "
        "service only (not its wholesale business)."
    ),
)
