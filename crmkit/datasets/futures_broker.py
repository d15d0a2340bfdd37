"""天富期货 futures broker: clients, monthly equity, trades, service contacts, complaints.

The story the data tell (seed 000, case 1): a few clients bring most of the commission; about
half the accounts opened five years ago are gone; callbacks reach almost only new accounts and
investor education almost only existing clients; complaints wait long when they go round the
customer-service department, and a vital few categories (trading system, fees) bring most of them.

A student's variant draws its own top-20% share, five-year retention and complaint mix around
the case's (see ``FIGURES`` and ``LESSONS``), so each student finds the pattern in their own
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import china_calendar, draw, pinned_records
from .schema import Case, Field, Figure, ForeignKey, Lesson, Spread, Table

YEAR_START, YEAR_END = "2013-01-01", "2013-12-31"
FIRST_OPENING_YEAR = 2004
# seed 001: a typical firm loses half its customers in five years (the default data show a
# firm's own figure near it, not the round one)
FIVE_YEAR_RETENTION = Spread(0.50, 0.05, default=0.493, margin=0.005)
# seed 000: about 20% of clients bring about 80% (Pareto's 80/20)
TOP20_SHARE = Spread(0.80, 0.04, default=0.803, margin=0.001)
# the firm's fees as a multiple of the kit's list (LIST_FEE): each student's firm charges its own
FEE_LEVEL = Spread(1.0, 0.35)

BRANCHES = {
    "长春营业部": 0.30,
    "吉林营业部": 0.18,
    "沈阳营业部": 0.16,
    "大连营业部": 0.14,
    "哈尔滨营业部": 0.12,
    "北京营业部": 0.10,
}
BROKERS_PER_BRANCH = 5
STATUS = {
    "existing": "现有客户",
    "potential": "潜在客户",
    "lost": "流失客户",
    "non_company": "非公司客户",
}
RISK = {
    "conservative": "保守型",
    "cautious": "稳健型",
    "balanced": "平衡型",
    "growth": "成长型",
    "aggressive": "进取型",
}
PRODUCTS = {
    "沪铜": 0.16,
    "螺纹钢": 0.18,
    "豆粕": 0.14,
    "玉米": 0.10,
    "白糖": 0.10,
    "棉花": 0.08,
    "股指期货": 0.16,
    "天然橡胶": 0.08,
}
CONTACT_TYPES = {"callback": "回访", "investor_education": "投资者教育"}
CONTACT_CHANNELS = {"phone": "电话", "onsite": "现场", "online": "网络"}
DEPARTMENTS = {"customer_service": "客服部", "branch": "营业部", "compliance": "合规部"}
COMPLAINT_CHANNELS = {
    "phone": "电话",
    "branch": "营业部柜台",
    "online": "网站/邮件",
    "letter": "信函",
}
COMPLAINT_CATEGORIES = {
    "trading_system": "交易系统",
    "settlement": "结算",
    "fees": "手续费",
    "service_attitude": "服务态度",
    "research_info": "研究资讯",
    "account": "开户与账户",
}
# the vital few: trading-system faults and fees bring most complaints
# (shares in COMPLAINT_CATEGORIES order)
COMPLAINT_SHARES = [0.42, 0.15, 0.30, 0.06, 0.03, 0.04]
RESOLUTIONS = {
    "on_the_spot": "当场解决",
    "later": "事后解决",
    "compensated": "补偿",
    "unresolved": "未解决",
}

CLIENTS = Table(
    "clients",
    "客户：每行一位客户（含潜在、流失和非公司客户）",
    "Clients: one row per client, including potential, lost and non-company ones",
    (
        Field("client_id", "string", "客户编号", "Client id", unique=True),
        Field(
            "branch",
            "string",
            "所属营业部",
            "Branch (sales office) the client belongs to",
            enum={b: b for b in BRANCHES},
        ),
        Field(
            "broker_id",
            "string",
            "负责的经纪人编号；非公司客户为空",
            "Id of the broker in charge; empty for non-company clients",
            required=False,
        ),
        Field("status", "string", "客户状态", "Client status", enum=STATUS),
        Field(
            "opened_on",
            "date",
            "开户日期；未开户为空",
            "Account opening date; empty if never opened",
            required=False,
        ),
        Field(
            "closed_on",
            "date",
            "销户（流失）日期；仍在的客户为空",
            "Date the account was closed (client lost); empty if still open",
            required=False,
        ),
        Field("birthday", "date", "生日", "Birthday"),
        Field(
            "risk_profile",
            "string",
            "风险承受类型",
            "Risk profile from the suitability questionnaire",
            enum=RISK,
            ordered=True,
        ),
    ),
    primary_key=("client_id",),
)
EQUITY = Table(
    "monthly_equity",
    "月末客户权益：每行一个客户一个月（2013 年在册账户）",
    "Month-end account equity: one row per client and month (accounts open in 2013)",
    (
        Field("client_id", "string", "客户编号", "Client id"),
        Field("month", "date", "月份（当月第一天）", "Month (its first day)"),
        Field(
            "equity_yuan",
            "number",
            "月末账户权益",
            "Account equity at the end of the month",
            unit="CNY",
            minimum=0,
        ),
    ),
    primary_key=("client_id", "month"),
    foreign_keys=(ForeignKey("client_id", "clients", "client_id"),),
)
TRADES = Table(
    "trades",
    "成交：每行一笔成交（2013 年）",
    "Trades: one row per trade (2013)",
    (
        Field("trade_id", "string", "成交编号", "Trade id", unique=True),
        Field("client_id", "string", "客户编号", "Client id"),
        Field("traded_on", "date", "成交日期", "Trade date"),
        Field("product", "string", "期货品种", "Futures product", enum={p: p for p in PRODUCTS}),
        Field("lots", "integer", "成交手数", "Number of contracts (lots)", unit="lot", minimum=1),
        Field(
            "commission_yuan",
            "number",
            "公司收取的手续费",
            "Commission the firm earned on the trade",
            unit="CNY",
            minimum=0,
        ),
    ),
    primary_key=("trade_id",),
    foreign_keys=(ForeignKey("client_id", "clients", "client_id"),),
)
CONTACTS = Table(
    "service_contacts",
    "服务接触：每行一次回访或一次投资者教育活动参与（2013 年）",
    "Service contacts: one row per callback or investor-education attendance (2013)",
    (
        Field("contact_id", "string", "接触编号", "Contact id", unique=True),
        Field("client_id", "string", "客户编号", "Client id"),
        Field("contact_type", "string", "接触类型", "Kind of contact", enum=CONTACT_TYPES),
        Field("contacted_on", "date", "日期", "Date"),
        Field("channel", "string", "方式", "Channel", enum=CONTACT_CHANNELS),
        Field(
            "department", "string", "执行部门", "Department that made the contact", enum=DEPARTMENTS
        ),
    ),
    primary_key=("contact_id",),
    foreign_keys=(ForeignKey("client_id", "clients", "client_id"),),
)
COMPLAINTS = Table(
    "complaints",
    "投诉：每行一件客户投诉（2013 年）",
    "Complaints: one row per client complaint (2013)",
    (
        Field("complaint_id", "string", "投诉编号", "Complaint id", unique=True),
        Field("client_id", "string", "客户编号", "Client id"),
        Field(
            "channel",
            "string",
            "投诉渠道",
            "Channel the complaint came in by",
            enum=COMPLAINT_CHANNELS,
        ),
        Field("category", "string", "投诉类别", "Complaint category", enum=COMPLAINT_CATEGORIES),
        Field("handled_by", "string", "处理部门", "Department that handled it", enum=DEPARTMENTS),
        Field("received_at", "datetime", "收到时间", "Time received"),
        Field(
            "first_response_at",
            "datetime",
            "首次答复时间",
            "Time of the first response to the client",
        ),
        Field(
            "closed_at",
            "datetime",
            "结案时间；未结案为空",
            "Time closed; empty while still open",
            required=False,
        ),
        Field(
            "resolution",
            "string",
            "处理结果；未结案为空",
            "Outcome; empty while still open",
            enum=RESOLUTIONS,
            required=False,
        ),
        Field(
            "satisfaction",
            "integer",
            "回访满意度 1–5；未回访为空",
            "Satisfaction score 1–5 at the follow-up; empty if not surveyed",
            required=False,
            minimum=1,
            maximum=5,
        ),
    ),
    primary_key=("complaint_id",),
    foreign_keys=(ForeignKey("client_id", "clients", "client_id"),),
)

FIGURES = (
    Figure(
        "commission_top20_share",
        "前 20% 客户贡献的手续费占比",
        "Share of commission from the top 20% of clients",
        "0.80",
        "± 0.03",
        "seed 000, case 1, remedy 2(4) (Pareto's 80/20 rule)",
        "2013 commission summed per client over trades; clients ranked; share of the top 20% "
        "(rounded up) of clients who traded",
        f"{TOP20_SHARE.low:.2f}–{TOP20_SHARE.high:.2f}: each student's own "
        "share, at random in this range",
    ),
    Figure(
        "five_year_retention",
        "开户五年后仍在的客户比例",
        "Share of accounts still open five years after opening",
        "0.50",
        "± 0.05",
        "seed 001, customer retention: a typical firm loses 50% of its customers in 5 years",
        "clients opened 2004–2008; share whose closed_on is empty or "
        "later than opened_on + 5 years",
        f"{FIVE_YEAR_RETENTION.low:.2f}–{FIVE_YEAR_RETENTION.high:.2f}: each student's own "
        "retention, at random in this range (yearly churn about 11%–15%)",
    ),
    Figure(
        "callback_gap",
        "回访集中于新开户客户",
        "Callbacks reach almost only newly opened accounts",
        "callback rate of accounts opened in 2013 ≥ 0.75; of older open accounts ≤ 0.10",
        "as stated",
        "seed 000, case 1, problems: coverage narrow and undifferentiated (callbacks)",
        "share of clients with at least one callback in 2013, by opening year",
        "as stated in every variant; the rates vary from student to student by chance",
    ),
    Figure(
        "education_gap",
        "投资者教育覆盖不到潜在客户",
        "Investor education misses potential clients",
        "attendance of existing clients ≥ 5 × that of potential clients",
        "as stated",
        "seed 000, case 1, problems: coverage narrow and undifferentiated (investor education)",
        "share of clients with at least one investor-education contact in 2013, by status",
        "as stated in every variant; the rates vary from student to student by chance",
    ),
)


# trading and office days: openings from 2004; closures after 2013 only decide who is still open
TRADING = china_calendar.trading_days(FIRST_OPENING_YEAR, 2014)
OFFICE = china_calendar.office_days(FIRST_OPENING_YEAR, 2014)
# the departments answer and settle complaints in office hours
OFFICE_HOURS = china_calendar.OfficeHours(OFFICE, 8.5, 17.5)
# the complaints log is taken at this moment
COMPLAINTS_YEAR_END = np.datetime64("2013-12-31T23:59:59")
# 2013 contract terms (approximate): value of one lot, the exchange's margin on it, and the fee the
# firm charges a client per lot at its list rate (exchange fee included), in PRODUCTS order
LOT_VALUE = np.array([275_000, 37_000, 33_000, 23_500, 52_000, 97_500, 735_000, 200_000])
MARGIN_RATE = np.array([0.10, 0.09, 0.08, 0.08, 0.08, 0.08, 0.15, 0.10])
LIST_FEE = np.array([36.0, 6.5, 5.0, 4.0, 9.0, 15.0, 75.0, 23.0])
INDEX_FUTURES = list(PRODUCTS).index("股指期货")
# CFFEX suitability rule (2010): an account needs 500,000 yuan to trade index futures
INDEX_FUTURES_MINIMUM = 500_000
# hours a complaint comes in, by channel (PHONE, BRANCH, ONLINE, LETTER rows; midnight first):
# phone and the counter in office hours, letters when the post is opened, the web at any time
COMPLAINT_HOURS = np.array(
    [
        [0] * 8 + [2, 6, 7, 6, 3, 5, 6, 6, 5, 0.5] + [0] * 6,
        [0] * 9 + [6, 7, 6, 3, 5, 6, 6, 3] + [0] * 7,
        [0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 2, 3, 4, 4, 3, 3, 4, 4, 4, 4, 4, 5, 6, 6, 4, 2],
        [0] * 9 + [8, 6, 3, 0, 3, 3, 2, 1] + [0] * 7,
    ],
    dtype=float,
)
# the web takes complaints every day, holidays too
EVERY_DAY = china_calendar.Days(TRADING.first, np.ones(len(TRADING.weight)))


def generate(
    rng: np.random.Generator, n_customers: int, variant: bool = False
) -> dict[str, pd.DataFrame]:
    """All tables of the futures-broker case for ``n_customers`` client records.

    ``variant``: a student's data, whose top-20% share, retention, fee level and complaint mix
    are drawn around the case's; otherwise the case's own values.
    """
    own = rng if variant else None
    top20_share = TOP20_SHARE.draw(own)
    retention = FIVE_YEAR_RETENTION.draw(own)
    fee_level = FEE_LEVEL.draw(own)
    complaint_shares = draw.vital_few_shares(own, COMPLAINT_SHARES)
    clients, traits = _clients(rng, n_customers, retention)
    # accounts closing on a retention year's last day, and a closure or two put off a month so no
    # core-client count is whole (issue 25), before anything follows from them
    clients = pinned_records.year_end_closures(clients, TRADING)
    clients = pinned_records.core_counts_not_whole(clients, TRADING)
    in_2013 = _open_in_2013(clients)
    paths = _equity_paths(rng, clients, traits, in_2013)
    equity = _monthly_equity(clients, in_2013, paths)
    trades = _trades(rng, clients, traits, in_2013, paths, top20_share, fee_level)
    contacts = _service_contacts(rng, clients)
    complaints = _complaints(rng, clients, traits, in_2013, complaint_shares)
    # complaints on the periods' first days and the service targets (issue 25)
    complaints = pinned_records.futures_complaints(complaints, clients, OFFICE)
    return {
        "clients": clients,
        "monthly_equity": equity,
        "trades": trades,
        "service_contacts": contacts,
        "complaints": complaints,
    }


def _clients(rng: np.random.Generator, n: int, retention: float) -> tuple[pd.DataFrame, dict]:
    kind = draw.codes(rng, [0.75, 0.19, 0.06], n)  # opened an account, potential, non-company
    opened = kind == 0
    # openings grow year on year, 2004..2013, on trading days (accounts open at the branch)
    years = np.arange(FIRST_OPENING_YEAR, 2014)
    year_weights = np.linspace(1.0, 2.2, len(years))
    opening_year = rng.choice(years, size=n, p=year_weights / year_weights.sum())
    year_start = (opening_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    opened_on = TRADING.draw(rng, year_start, year_start + 364 * draw.DAY, n)
    risk = draw.pick(
        rng,
        {
            "conservative": 0.12,
            "cautious": 0.25,
            "balanced": 0.30,
            "growth": 0.22,
            "aggressive": 0.11,
        },
        n,
    )
    traits = _traits(rng, n, risk.codes)
    # exact share per cohort of accounts; within a cohort, clients who trade little tend to
    # close sooner (they lose interest), the busy ones stay longer
    cohort = opening_year * 2 + opened
    survival = draw.stratified_uniform(rng, cohort)
    leaves_early = rng.normal(0.0, 1.0, n) + 0.5 * np.log(traits["trades_per_year"])
    by_score = np.lexsort((leaves_early, cohort))
    survival[by_score] = survival[np.lexsort((survival, cohort))]
    # exponential lifetimes with P(still open after 5 years) = retention, exactly so in each
    # cohort, counted in trading days: an account is closed on a trading day, any weekday alike
    lifetime_days = np.log(survival) * 5.0 / np.log(retention) * 365.25
    trading_days_per_day = TRADING.weight.mean()
    closed_on = TRADING.day_at(
        TRADING.position(opened_on) + 0.5 + lifetime_days * trading_days_per_day
    )
    lost = opened & (closed_on <= np.datetime64(YEAR_END))

    status = np.select([lost, opened, kind == 1], [2, 0, 1], 3)  # codes in STATUS order
    branch = draw.pick(rng, BRANCHES, n)
    # brokers B101..B105 work at the first branch, B201..B205 at the second, …
    brokers = np.array(
        [f"B{b + 1}{k + 1:02d}" for b in range(len(BRANCHES)) for k in range(BROKERS_PER_BRANCH)],
        dtype="S",
    )
    broker_id = brokers[branch.codes * BROKERS_PER_BRANCH + rng.integers(0, BROKERS_PER_BRANCH, n)]
    # adults: an account holder is 20–75 when the account is opened (most in their thirties and
    # forties); others are that age at the end of 2013
    age_years = np.minimum(20 + rng.gamma(4.0, 4.5, n), 75)
    as_of = np.where(opened, opened_on, np.datetime64(YEAR_END))
    birthday = as_of - np.round(age_years * 365.25).astype("int64") * draw.DAY

    clients = draw.frame(
        {
            "client_id": draw.ids("C", n),
            "branch": branch,
            "broker_id": draw.text(broker_id, present=status != 3),
            "status": pd.Categorical.from_codes(status, categories=pd.Index(STATUS)),
            "opened_on": pd.Series(opened_on).where(opened),
            "closed_on": pd.Series(closed_on).where(lost),
            "birthday": birthday,
            "risk_profile": pd.Categorical.from_codes(
                risk.codes, categories=pd.Index(RISK), ordered=True
            ),
        }
    )
    return clients, traits


def _traits(rng: np.random.Generator, n: int, risk: np.ndarray) -> dict[str, np.ndarray]:
    """Each client's latent traits: how much money the account holds, how often they trade, which
    products, at which negotiated fee rate, and whether the account lies dormant."""
    equity = rng.lognormal(np.log(100_000), 1.2, n)
    relative = equity / 100_000
    # trades a year: risk-seekers trade more, large accounts (often hedgers) less for their size
    trades_per_year = rng.lognormal(np.log(10.0), 1.5, n) * (1 + 0.15 * risk) * relative**-0.2
    # a client's products: a sparse mix around the firm's; a product needs margin the account can
    # carry, and index futures need 500,000 yuan
    mix = rng.gamma(1.2 * np.array(list(PRODUCTS.values())), 1.0, (n, len(PRODUCTS)))
    affordable = 0.8 * equity[:, None] >= (LOT_VALUE * MARGIN_RATE)[None, :]
    affordable[:, INDEX_FUTURES] &= equity >= INDEX_FUTURES_MINIMUM
    mix = np.where(affordable, mix, 0.0)
    nothing = mix.sum(axis=1) == 0
    mix[nothing, np.argmin(LOT_VALUE * MARGIN_RATE)] = 1.0  # (too small to trade: dormant below)
    # fee rates are negotiated: large accounts pay less per lot
    fee_rate = np.clip(rng.lognormal(0.0, 0.25, n) * relative**-0.1, 0.3, 3.0)
    # an account too small for one lot of any product cannot trade
    cheapest = (LOT_VALUE * MARGIN_RATE).min()
    dormant = (rng.random(n) < 0.12 + 0.08 * (risk == 0)) | (equity < 2 * cheapest)
    return {
        "equity": equity,
        "trades_per_year": trades_per_year,
        "mix": np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1),
        "fee_rate": fee_rate,
        "dormant": dormant,
    }


def _open_in_2013(clients: pd.DataFrame) -> pd.DataFrame:
    """Each client whose account was open at some time in 2013: the first and last day open in
    2013, and the first and last month (0..11) at whose end it was open."""
    opened = clients["opened_on"].to_numpy("datetime64[D]")
    closed = clients["closed_on"].to_numpy("datetime64[D]")
    start, end = np.datetime64(YEAR_START), np.datetime64(YEAR_END)
    active = ~np.isnat(opened) & (opened <= end) & (np.isnat(closed) | (closed >= start))
    index = np.flatnonzero(active)
    opened, closed = opened[index], closed[index]
    still_open = np.isnat(closed)
    first_day = np.maximum(opened, start)
    last_day = np.where(still_open, end, np.minimum(closed, end))
    first_month = np.where(opened < start, 0, opened.astype("datetime64[M]").astype(int) % 12)
    # a month counts when the account was still open at its end
    closing_month = np.where(still_open, 12, closed.astype("datetime64[M]").astype(int) % 12)
    last_month = np.where(still_open, 11, closing_month - 1)
    return pd.DataFrame(
        {
            "client": index,
            "first_day": first_day,
            "last_day": last_day,
            "first": first_month,
            "last": last_month,
            "open_share": ((last_day - first_day) // draw.DAY + 1) / 365,
        }
    )


def _equity_paths(rng, clients, traits, in_2013) -> np.ndarray:
    """Each account's equity at the end of each month of 2013 (rows as ``in_2013``).

    Equity wanders: gains, losses, deposits and withdrawals (about 15% a month); a dormant
    account keeps a small balance, and a client about to leave takes half out in the last month.
    """
    client = in_2013["client"].to_numpy()
    walk = np.cumsum(rng.normal(0.0, 0.15, (len(client), 12)), axis=1)
    first = in_2013["first"].to_numpy()
    walk -= np.take_along_axis(walk, np.minimum(first, 11)[:, None], axis=1)
    level = traits["equity"][client] * np.where(traits["dormant"][client], 0.3, 1.0)
    closing = ~np.isnat(clients["closed_on"].to_numpy("datetime64[D]")[client])
    months_left = in_2013["last"].to_numpy()[:, None] - np.arange(12)[None, :]
    leaving = np.where(closing[:, None] & (months_left <= 0), 0.5, 1.0)
    return level[:, None] * np.exp(walk) * leaving


def _monthly_equity(clients, in_2013, paths) -> pd.DataFrame:
    """The month-ends at which each account was open."""
    months = np.maximum(in_2013["last"] - in_2013["first"] + 1, 0).to_numpy()
    owner = draw.repeat_owners(months)
    month = in_2013["first"].to_numpy()[owner] + draw.rank_within(owner)
    return draw.frame(
        {
            "client_id": draw.ids("C", len(clients))[in_2013["client"].to_numpy()[owner]],
            "month": np.datetime64("2013-01", "M") + month.astype("timedelta64[M]"),
            "equity_yuan": draw.money(paths[owner, month]),
        }
    ).astype({"month": "datetime64[s]"})


def _trades(rng, clients, traits, in_2013, paths, top20_share, fee_level) -> pd.DataFrame:
    """Each trade: a day the exchange traded while the account was open, one of the client's
    products, a size the margin the account then held allows, the commission of its lots at the
    client's fee rate."""
    client = in_2013["client"].to_numpy()
    rate = traits["trades_per_year"][client] * in_2013["open_share"].to_numpy()
    counts = np.where(traits["dormant"][client], 0, rng.poisson(rate))
    counts = np.where(~traits["dormant"][client] & (counts == 0), 1, counts)  # an active one trades
    owner = draw.repeat_owners(counts)
    owner_client = client[owner]
    k = len(owner)
    # TRADING.draw, with each account's span placed on the trading clock once, not once a trade
    traded_on = TRADING.at(
        TRADING.position(in_2013["first_day"].to_numpy())[owner],
        TRADING.position(in_2013["last_day"].to_numpy(), after=True)[owner],
        rng.random(k),
    )
    # a product of the client's mix: one search in all clients' running mixes laid end to end
    # (client c's in c..c+1), instead of a row of comparisons per trade
    width = len(PRODUCTS)
    laid_out = (traits["mix"] + np.arange(len(traits["mix"]))[:, None]).ravel()
    # (numpy's own search: the keys come in client order, so its bisection stays in cache)
    chosen = np.searchsorted(laid_out, owner_client + rng.random(k), side="left")
    product = np.minimum(chosen - owner_client * width, width - 1)
    # a trade uses a part of what the account could carry (beta: three-fifths on average)
    # (each day's month looked up in the calendar: numpy's month of a date is calendar arithmetic
    # per row, a second on millions of rows)
    calendar_days = TRADING.first + np.arange(len(TRADING.weight)) * draw.DAY
    month = (calendar_days.astype("datetime64[M]").astype(int) % 12)[TRADING.index_of(traded_on)]
    held = np.maximum(paths[owner, month], traits["equity"][owner_client] * 0.3)
    most = np.floor(0.8 * held / (LOT_VALUE * MARGIN_RATE)[product])
    lots = np.maximum(1, np.round(rng.beta(3.0, 2.0, k) * most)).astype("int64")
    at_list_rate = lots * LIST_FEE[product] * fee_level
    fee_rate = _calibrated_fee_rates(traits["fee_rate"], owner_client, at_list_rate, top20_share)
    commission = at_list_rate * fee_rate[owner_client]
    # each client's trades in date order
    order = draw.order_by(owner, traded_on)
    return draw.frame(
        {
            "trade_id": draw.ids("T", k, width=6),
            "client_id": draw.ids("C", len(clients))[owner_client[order]],
            "traded_on": traded_on[order].astype("datetime64[s]"),
            "product": pd.Categorical.from_codes(product[order], categories=pd.Index(PRODUCTS)),
            "lots": lots[order],
            "commission_yuan": draw.money(commission)[order],
        }
    )


def _calibrated_fee_rates(fee_rate, owner_client, at_list_rate, top20_share) -> np.ndarray:
    """The clients' negotiated fee rates, nudged so that the top 20% of clients bring the
    student's share of commission.

    The trades already concentrate commission about as the case says; a power of each client's
    commission closes the last gap (the exponent stays near 1), so the 80/20 figure holds in every
    variant while who trades what, when and how much is left alone.
    """
    per_client = np.bincount(
        owner_client, weights=at_list_rate * fee_rate[owner_client], minlength=len(fee_rate)
    )
    traders = per_client > 0
    concentrated = draw.concentrate(per_client[traders], 0.2, top20_share)
    factor = np.ones(len(fee_rate))
    factor[traders] = concentrated / per_client[traders]
    # the firm's commission income stays what the trades at the clients' own rates bring
    factor[traders] *= per_client[traders].sum() / concentrated.sum()
    return fee_rate * factor


def _service_contacts(rng, clients) -> pd.DataFrame:
    n = len(clients)
    status = clients[
        "status"
    ].cat.codes.to_numpy()  # STATUS order: existing, potential, lost, non_company
    existing, potential = status == 0, status == 1
    opened = clients["opened_on"].to_numpy("datetime64[D]")
    closed = clients["closed_on"].to_numpy("datetime64[D]")
    new_account = ~np.isnat(opened) & (opened >= np.datetime64(YEAR_START))
    callback_rate = np.select(
        [new_account, existing & ~new_account, potential], [0.86, 0.03, 0.04], 0.0
    )
    has_callback = rng.random(n) < callback_rate
    # a new account is called back one to ten working days after opening (two weeks at most);
    # other calls fall on any working day of the year
    after_opening = OFFICE.day_at(OFFICE.position(opened) + 0.5 + rng.integers(1, 11, n))
    callback_day = np.where(new_account, after_opening, OFFICE.draw(rng, YEAR_START, YEAR_END, n))
    # a call that would come after the year ends or after the account closed is not in the log
    in_time = (callback_day <= np.datetime64(YEAR_END)) & (
        np.isnat(closed) | (callback_day <= closed)
    )
    called = np.flatnonzero(has_callback & in_time)
    # investor education: eight sessions a year, attended by existing clients, rarely by prospects
    sessions = OFFICE.next_open(np.datetime64(YEAR_START) + (np.arange(8) * 45 + 20) * draw.DAY)
    attend_rate = np.select([existing, potential], [0.09, 0.006], 0.0)
    attended, session = np.nonzero(rng.random((n, len(sessions))) < attend_rate[:, None])

    # codes follow CONTACT_TYPES, CONTACT_CHANNELS and DEPARTMENTS
    client = np.concatenate([called, attended])
    day = np.concatenate([callback_day[called], sessions[session]])
    kind = np.repeat([0, 1], [len(called), len(attended)])
    channel = np.concatenate(
        [np.zeros(len(called), dtype=int), 1 + draw.codes(rng, [0.7, 0.3], len(attended))]
    )
    department = np.concatenate(
        [np.where(potential[called], 1, 0), np.zeros(len(attended), dtype=int)]
    )
    order = draw.order_by(day, client)
    return draw.frame(
        {
            "contact_id": draw.ids("S", len(order)),
            "client_id": draw.ids("C", n)[client[order]],
            "contact_type": pd.Categorical.from_codes(
                kind[order], categories=pd.Index(CONTACT_TYPES)
            ),
            "contacted_on": day[order].astype("datetime64[s]"),
            "channel": pd.Categorical.from_codes(
                channel[order], categories=pd.Index(CONTACT_CHANNELS)
            ),
            "department": pd.Categorical.from_codes(
                department[order], categories=pd.Index(DEPARTMENTS)
            ),
        }
    )


def _complaints(rng, clients, traits, in_2013, category_shares) -> pd.DataFrame:
    """The complaints log at the year end: one row per complaint answered by then, oldest first."""
    owner = _complaining_accounts(rng, traits, in_2013)
    n = len(owner)
    channel, category, handled_by = _how_complaints_came_in(rng, category_shares, n)
    received = _complaints_received_at(rng, in_2013, owner, channel)
    handling = _ComplaintHandling.answer(rng, channel, handled_by, received)
    client = in_2013["client"].to_numpy()[owner]
    return _complaints_log(clients, client, channel, category, handled_by, received, handling)


def _complaining_accounts(rng, traits, in_2013) -> np.ndarray:
    """The row of ``in_2013`` behind each complaint (an account complains zero or more times)."""
    pool = in_2013["client"].to_numpy()
    # clients complain while their account is open, the busier traders more often
    activity = np.where(traits["dormant"][pool], 0.3, traits["trades_per_year"][pool] / 10.0)
    complaints_count = rng.poisson(0.2 * in_2013["open_share"].to_numpy() * activity**0.3)
    return draw.repeat_owners(complaints_count)


def _how_complaints_came_in(rng, category_shares, n: int):
    """Each complaint's channel, category and the department that handles it."""
    channel = draw.pick(rng, {"phone": 0.45, "branch": 0.30, "online": 0.18, "letter": 0.07}, n)
    category = pd.Categorical.from_codes(
        draw.codes_in_shares(rng, category_shares, n), categories=pd.Index(COMPLAINT_CATEGORIES)
    )
    # who handles it depends on how it came in: the counter's complaints stay at the branch, letters
    # reach head office and mostly compliance
    # (rows: channel as above; columns: branch, compliance, customer_service)
    handled_by = pd.Categorical.from_codes(
        draw.codes_by_group(
            rng,
            channel.codes,
            np.array(
                [
                    [0.45, 0.30, 0.25],
                    [0.70, 0.20, 0.10],
                    [0.20, 0.45, 0.35],
                    [0.10, 0.65, 0.25],
                ]
            ),
        ),
        categories=pd.Index(["branch", "compliance", "customer_service"]),
    )
    return channel, category, handled_by


def _complaints_received_at(rng, in_2013, owner, channel) -> np.ndarray:
    """When each complaint came in: a day its account was open, at an hour of its channel."""
    n = len(owner)
    # a day the account was open: the web any day, the others on office days
    first_day = in_2013["first_day"].to_numpy()[owner]
    last_day = in_2013["last_day"].to_numpy()[owner]
    web = channel.codes == 2
    day = np.where(
        web,
        EVERY_DAY.draw(rng, first_day, last_day, n),
        OFFICE.draw(rng, first_day, last_day, n),
    )
    seconds = np.empty(n, dtype=np.int64)
    for code in range(len(COMPLAINT_HOURS)):
        rows = channel.codes == code
        seconds[rows] = china_calendar.seconds_of_day(rng, COMPLAINT_HOURS[code], int(rows.sum()))
    return day.astype("datetime64[s]") + seconds * draw.SECOND


@dataclass(frozen=True)
class _ComplaintHandling:
    """How each complaint was answered and closed, as the firm knew it at the year end."""

    first_response: np.ndarray
    closed: np.ndarray
    still_open: np.ndarray
    resolution: pd.Categorical[str]
    satisfaction: np.ndarray
    surveyed: np.ndarray

    @classmethod
    def answer(cls, rng, channel, handled_by, received) -> _ComplaintHandling:
        """Draw the answers, closes, resolutions and survey scores of the complaints received."""
        n = len(received)
        response_hours, resolve_hours, spot = _handling_hours(rng, channel, handled_by)
        # on the spot means at once, whatever the hour; other answers come in office hours
        first_response = np.where(
            spot,
            draw.hours_after(received, response_hours),
            OFFICE_HOURS.after(received, response_hours),
        )
        closed = np.where(
            spot,
            draw.hours_after(received, resolve_hours),
            OFFICE_HOURS.after(received, resolve_hours),
        )
        still_open = closed > COMPLAINTS_YEAR_END
        resolution_codes = np.where(spot, 0, draw.codes(rng, [0.0, 0.7, 0.15, 0.15], n))
        resolution = pd.Categorical.from_codes(resolution_codes, categories=pd.Index(RESOLUTIONS))
        waited = (first_response - received) / np.timedelta64(1, "h")
        score = (
            4.7 - 0.7 * np.log10(1 + waited) - 1.6 * (resolution_codes == 3) + rng.normal(0, 0.6, n)
        )
        surveyed = (rng.random(n) < 0.7) & ~still_open
        satisfaction = np.clip(np.round(score), 1, 5).astype("int64")
        return cls(first_response, closed, still_open, resolution, satisfaction, surveyed)


def _handling_hours(rng, channel, handled_by):
    """Working hours to the first answer and to the close, and which were fixed on the spot."""
    n = len(channel)
    # working hours to the first answer: branches answer fast but keep no record; compliance, the
    # formal owner, is slowest; letters wait for the post
    department = pd.Categorical(handled_by, categories=["branch", "compliance", "customer_service"])
    median_hours = np.array([1.5, 14.0, 4.0])[department.codes]
    letter = np.asarray(channel) == "letter"
    median_hours = median_hours * np.where(letter, 5.0, 1.0)
    response_hours = rng.lognormal(np.log(median_hours), np.where(letter, 0.6, 0.8))
    resolve_hours = response_hours + rng.lognormal(np.log(12), 1.1, n)
    # a few turn into disputes that take one to four months:
    # those of the autumn are still open at year end
    resolve_hours += np.where(rng.random(n) < 0.04, rng.uniform(30, 120, n) * 9, 0.0)
    # a branch fixes some complaints made by phone or at its counter on the spot, within the hour
    spot = (
        (np.asarray(handled_by) == "branch")
        & np.isin(np.asarray(channel), ["phone", "branch"])
        & (rng.random(n) < 0.4)
    )
    response_hours = np.where(spot, rng.lognormal(np.log(0.3), 0.5, n), response_hours)
    resolve_hours = np.where(
        spot, response_hours + rng.lognormal(np.log(0.4), 0.5, n), resolve_hours
    )
    return response_hours, resolve_hours, spot


def _complaints_log(clients, client, channel, category, handled_by, received, handling):
    """The log as taken at the year end: it lists the complaints answered by then, oldest first."""
    answered = handling.first_response <= COMPLAINTS_YEAR_END
    order = np.flatnonzero(answered)[np.argsort(received[answered], kind="stable")]
    still_open = handling.still_open
    complaints = (
        draw.frame(
            {
                "client_id": draw.ids("C", len(clients))[client],
                "channel": channel,
                "category": category,
                "handled_by": pd.Categorical(
                    np.asarray(handled_by), categories=pd.Index(DEPARTMENTS)
                ),
                "received_at": received,
                "first_response_at": handling.first_response,
                "closed_at": pd.Series(handling.closed).where(~still_open),
                "resolution": pd.Series(handling.resolution).where(~still_open),
                "satisfaction": pd.Series(handling.satisfaction)
                .where(handling.surveyed)
                .astype("Int64"),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )
    complaints.insert(0, "complaint_id", draw.ids("K", len(complaints)))
    return complaints


LESSONS = (
    Lesson(
        "commission_80_20",
        "约两成客户带来约八成佣金",
        "About a fifth of clients bring about four-fifths of commission",
        "notebook 01 §2.4–2.6, §2.8; segmentation 2.1–2.2",
        "the top 20% of clients who traded hold 0.75–0.85 of 2013 commission (each student's own "
        f"share, {TOP20_SHARE.low:.2f}–{TOP20_SHARE.high:.2f})",
    ),
    Lesson(
        "core_clients_lost",
        "有的核心客户已经流失",
        "Some core clients are already lost",
        "notebook 01 §2.7, §5 question 5",
        "at least 4% of the top-20% clients have status lost",
    ),
    Lesson(
        "older_cohorts_keep_fewer",
        "开户越早，留下的账户越少",
        "The older the cohort, the fewer accounts remain",
        "loyalty 2 (retention_by_cohort)",
        "share still open at 2013-12-31 is lower for each opening year than for the year three "
        "later, and at least 0.3 lower for 2004 than for 2012",
    ),
    Lesson(
        "yearly_churn",
        "每年约有一成多的账户流失",
        "Roughly one account in eight closes each year",
        "loyalty 2 (churn_2013) and 8",
        "of the accounts open on 2013-01-01, 0.08–0.20 closed during 2013",
    ),
    Lesson(
        "callbacks_only_new_accounts",
        "回访几乎只给新开户客户",
        "Callbacks reach almost only new accounts",
        "notebook 01 §3.5, §3.8, §5 question 4",
        "callback reach ≥ 0.75 for accounts opened in 2013, ≤ 0.10 for older open accounts and ≤ "
        "0.15 for core clients whose accounts date from 2012 or earlier",
    ),
    Lesson(
        "education_misses_prospects",
        "投资者教育漏掉了潜在客户",
        "Investor education misses prospects",
        "notebook 01 §3.3",
        "existing clients attend at least 5 × as often as potential clients",
    ),
    Lesson(
        "compliance_answers_slowest",
        "合规部答复最慢，营业部最快",
        "Compliance answers slowest, branches fastest",
        "notebook 01 §4.3, §4.5, §5 question 1",
        "median hours to first response at compliance ≥ 3 × at branches; compliance has the "
        "largest share over 24 h",
    ),
    Lesson(
        "letters_answered_slowest",
        "信函投诉等得最久",
        "Letters wait longest for an answer",
        "notebook 01 §4.4; complaints 1.1 and 5",
        "letter has the highest median hours to first response of the four channels",
    ),
    Lesson(
        "futures_complaints_vital_few",
        "投诉集中在少数几类",
        "A vital few categories bring most complaints",
        "case §3.3 (record and analyse each complaint's cause); the method of complaints 2.1",
        "the two largest of the six categories hold ≥ 0.60 of complaints and at most three reach "
        "0.80 (trading system and fees usually lead; their order and the shares vary by student)",
    ),
    Lesson(
        "slow_answers_less_satisfied",
        "答复越慢越不满意",
        "Slower answers, lower satisfaction",
        "notebook 01 §4.8; complaints 4.1 and 5",
        "mean follow-up satisfaction of complaints answered within 4 h is at least 0.2 above those "
        "answered after 24 h",
    ),
    Lesson(
        "unresolved_least_satisfied",
        "未解决的投诉满意度最低",
        "Unresolved complaints are scored lowest",
        "notebook 01 §4.7",
        "unresolved has the lowest mean satisfaction of the outcomes",
    ),
)


# how the data are generated, for the data dictionary: one line per Markdown paragraph, since a
# line break would show as a space between Chinese characters
GENERATION = """
**潜在特征。** 每位客户有自己的资金水平（对数正态，中位数约 10 万元）、交易频率（对数正态，差异很大；风险偏好高的交易更多，大账户相对其资金交易较少）、常做的少数几个品种和协商的手续费率（大账户更低）；约一成半的账户全年不交易。手续费由交易决定：手数 × 品种每手费用 × 客户费率，所以手续费和权益相关，但远不是一条直线；每位学生的公司收费水平不同（本套件价目的 0.65–1.35 倍）。

**规则。** 开户、销户和成交都在期货交易所的交易日（法定节假日和调休来自 `chinesecalendar`：周末、节假日和调休上班的周末都不交易）；成交只在账户存续期间，每笔手数不超过账户当时权益能承担的保证金；只有 50 万元以上的账户做股指期货。开户人开户时已成年（20 岁以上，多为三四十岁）。五年留存率按开户年份分层抽取，所以每位学生的留存率都落在所说范围；前 20% 客户的手续费占比由交易本身形成，再对客户费率做一次很小的幂次调整，落到该学生自己的值。回访和投资者教育在工作日；电话、柜台和信函投诉在工作日办公时间收到，网上投诉随时；各部门在办公时间（8:30–17:30）答复和结案，当场解决的除外。记录在年底截取：年底前还没有首次答复的投诉不在表里。

**不模拟。** 行情、盈亏、出入金流水、夜盘、追加保证金和强行平仓；经纪人的业绩；成交表每行是一笔成交，而不是交易所的逐笔回报；权益只记录月末值。

**Latent traits.** Each client has their own level of funds (lognormal, median about 100,000 yuan), how often they trade (lognormal and very uneven; risk-seekers trade more, large accounts less for their size), a few favourite products and a negotiated fee rate (lower for large accounts); about one account in seven does not trade all year. Commission follows from the trades: lots × the product's fee per lot × the client's rate, so commission and equity are related but far from a straight line; each student's firm charges its own fee level (0.65–1.35 × the kit's list).

**Rules.** Accounts open and close, and trades fall, on the futures exchanges' trading days (public holidays and the weekend days worked in lieu come from `chinesecalendar`: no trading at weekends, on holidays or on those worked weekends); trades happen only while the account is open, each no larger than the margin the account then holds allows; only accounts of 500,000 yuan trade index futures. Account holders are adults when they open (20 and over, most in their thirties and forties). Five-year retention is drawn within each opening year, so every student's falls within the stated range; the top 20%'s share of commission comes from the trades themselves, and a small power adjustment of the clients' rates moves it onto the student's own value. Callbacks and investor education fall on working days; complaints by phone, at the counter or by letter come in on working days in office hours, online ones at any time; departments answer and close them in office hours (8:30–17:30), except what is settled on the spot. The records are taken at the year end: complaints not yet answered by then are not in the table.

**Not modelled.** Prices, profits and losses, deposits and withdrawals, night trading, margin calls and forced liquidation; brokers' own performance; each trade row is one trade, not the exchange's fill-by-fill record; equity is known at month ends only.
"""  # noqa: E501


CASE = Case(
    key="futures_broker",
    zh="天富期货：期货公司的客户关系管理",
    en="Tianfu Futures: CRM at a futures broker",
    source="刘大伟. 天富期货有限公司客户关系管理研究[D]. 吉林: 吉林大学, 2013: 24-54.",
    default_customers=3_000,
    customer_table="clients",
    tables=(CLIENTS, EQUITY, TRADES, CONTACTS, COMPLAINTS),
    figures=FIGURES,
    lessons=LESSONS,
    generate=generate,
    generation=GENERATION,
    notes=(
        "合成数据，按案例所述校准；观察期 2013 年，开户记录回溯到 2004 年。 / "
        "Synthetic data calibrated to the case; observation year 2013, "
        "account openings back to 2004."
    ),
)
