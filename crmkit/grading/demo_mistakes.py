"""Wrong answers the demo class hands in: plausible mistakes that the hidden tests catch.

A few of the course's typical mistakes (the full set, with a test that each one loses its
task's points, is in ``tests/fixtures/wrong_answers/``; the package does not read ``tests/``).
A code mistake replaces the ``### BEGIN SOLUTION`` region of the task's answer cell
(``<task>_answer``); a widget mistake is an entry of the submission's ``widget_answers.json``.
Either way the task's test cell ``<task>_tests`` scores 0 with an AssertionError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CodeMistake:
    """The code a student wrote instead of the solution of ``task``."""

    task: str
    code: str


@dataclass(frozen=True)
class WidgetMistake:
    """A widget answer (``key`` in ``widget_answers.json``) that is wrong for task ``task``."""

    task: str
    key: str
    value: Any


CODE_MISTAKES: dict[str, tuple[CodeMistake, ...]] = {
    "segmentation": (
        CodeMistake(
            "rfm",
            """\
# 错：M 用了每次的平均金额，而不是总额 / Wrong: monetary is the average per visit, not the total
rfm = visits.groupby("customer_id").agg(
    last_visit=("visited_on", "max"),
    frequency=("visit_id", "size"),
    monetary=("price_yuan", "mean"),
)
rfm["recency_days"] = (REFERENCE_DAY - rfm["last_visit"]).dt.days
rfm = rfm[["recency_days", "frequency", "monetary"]]
""",
        ),
        CodeMistake(
            "core",
            """\
# 错：按成交手数排名，而不是手续费 / Wrong: ranked by lots traded, not by commission
lots_by_client = trades.groupby("client_id")["lots"].sum().sort_values(ascending=False)
commission_by_client = trades.groupby("client_id")["commission_yuan"].sum()
core_count = math.ceil(0.2 * len(lots_by_client))
core_clients = list(lots_by_client.index[:core_count])
core_share = commission_by_client[core_clients].sum() / commission_by_client.sum()
""",
        ),
    ),
    "complaints": (
        CodeMistake(
            "response",
            """\
# 错：用了平均数而不是中位数 / Wrong: the mean instead of the median
response_hours = (futures["first_response_at"] - futures["received_at"]).dt.total_seconds() / 3600
response_by_channel = pd.DataFrame({
    "median_hours": response_hours.groupby(futures["channel"]).mean(),
    "met_target": (response_hours <= RESPONSE_TARGET_HOURS).groupby(futures["channel"]).mean(),
})
""",
        ),
        CodeMistake(
            "satisfaction",
            """\
# 错：3 分也算满意 / Wrong: a score of 3 counted as satisfied
surveyed = futures.dropna(subset=["satisfaction"])
satisfied_share = (surveyed["satisfaction"] >= 3).groupby(surveyed["channel"]).mean()
""",
        ),
    ),
    "loyalty": (
        CodeMistake(
            "nps",
            """\
# 错：7–8 分也算推荐者 / Wrong: scores of 7–8 counted as promoters
year = surveys["surveyed_on"].dt.year
promoters = (surveys["recommend_score"] >= 7).groupby(year).mean()
detractors = (surveys["recommend_score"] <= 6).groupby(year).mean()
nps_by_year = 100 * (promoters - detractors)
""",
        ),
        CodeMistake(
            "repeat",
            """\
# 错：退款订单也算 / Wrong: refunded orders counted too
orders_per_customer = orders.groupby("customer_id").size()
repeat_purchase_rate = (orders_per_customer >= 2).mean()
""",
        ),
    ),
}

WIDGET_MISTAKES: dict[str, WidgetMistake] = {
    # 错：门槛太高，核心客户的手续费不到 80% / Wrong: too high, the clients above it bring less than 80%
    "segmentation": WidgetMistake("cutoff", "core_cutoff", 30000.0),
    # 错：每张工单都选了第一项 / Wrong: the first option chosen for every ticket
    "complaints": WidgetMistake(
        "tickets",
        "ticket_steps",
        {
            ticket: "gather_information"
            for ticket in (
                "car-K",
                "car-M",
                "car-P",
                "car-R",
                "futures-B",
                "futures-D",
                "futures-G",
                "futures-H",
                "shop-A",
                "shop-C",
                "shop-E",
                "shop-F",
            )
        },
    ),
    # 错：把净推荐值当成了情感指标 / Wrong: NPS taken as emotional attachment
    "loyalty": WidgetMistake(
        "measures",
        "loyalty_measures",
        {
            "repeat_purchase_rate": "repeat_buying",
            "retention_by_cohort": "relationship_length",
            "nps_by_year": "emotion",
            "skin_care_wallet_share": "share_of_wallet",
        },
    ),
}

# A submission that silences every error, so failing tests would pass: what the tamper check is for.
SILENCE_ERRORS = """\
# 不想再看到报错 / no more error messages
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)
"""
