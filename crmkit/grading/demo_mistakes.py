"""Wrong answers the demo class hands in: plausible mistakes that the hidden tests catch.

A few of the course's typical mistakes (the full set, with a test that each one loses points on
its own task and nowhere else, is in ``tests/fixtures/wrong_answers/``; the package does not read
``tests/``). A code mistake replaces the ``### BEGIN SOLUTION`` region of the task's answer cell
(``<task>_answer``); a widget mistake is an entry of the submission's ``widget_answers.json``.
Either way the task's test cell ``<task>_tests`` scores below its points: its failed checks say
why (or a failed requirement, an AssertionError).
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
#| expect: M 不对
rfm = visits.groupby("customer_id").agg(
    last_visit=("visited_on", "max"),
    frequency=("visited_on", "nunique"),
    monetary=("price_yuan", "mean"),
)
rfm["recency_days"] = (REFERENCE_DAY - rfm["last_visit"]).dt.days
rfm = rfm[["recency_days", "frequency", "monetary"]]
""",
        ),
        CodeMistake(
            "tiers",
            """\
# 错：照抄笔记本 05，已退款的订单也算 / Wrong: copied from notebook 05, refunded orders counted
#| expect: 的名单不对
customers, orders = shop["customers"], shop["orders"]
per_customer = orders.groupby("customer_id").agg(
    n_orders=("order_id", "size"),
    latest=("ordered_at", "max"),
    mean_amount=("amount_yuan", "mean"),
).reindex(customers["customer_id"])
n_orders = per_customer["n_orders"].fillna(0)
recent = per_customer["latest"] >= RECENT_FROM
inquired = customers["customer_id"].isin(shop["inquiries"]["customer_id"]).to_numpy()
tiers = pd.Series(
    np.select(
        [(n_orders == 0) & inquired, (n_orders > 0) & ~recent, n_orders == 1, n_orders >= 6,
         n_orders.between(2, 3) & (per_customer["mean_amount"] >= 1000), n_orders >= 2],
        ["potential", "sleeping", "new", "loyal", "big", "old"],
        "none",
    ),
    index=customers["customer_id"],
)
""",
        ),
        CodeMistake(
            "core",
            """\
# 错：没有记录的月份当作 0，除以 12 / Wrong: months without a row taken as 0, divided by 12
#| expect: 名单不对
yearly = (equity.groupby("client_id")["equity_yuan"].sum() / 12).sort_values(ascending=False)
core_count = math.ceil(0.2 * len(yearly))
equity_core = list(yearly.index[:core_count])
equity_core_share = yearly.iloc[:core_count].sum() / yearly.sum()
""",
        ),
    ),
    "complaints": (
        CodeMistake(
            "service",
            """\
# 错：.dt.seconds 丢掉了整天 / Wrong: .dt.seconds drops whole days
#| expect: response_met 不对
response_hours = (futures["first_response_at"] - futures["received_at"]).dt.seconds / 3600
close_hours = (futures["closed_at"] - futures["received_at"]).dt.total_seconds() / 3600
met = pd.DataFrame({"response_met": response_hours <= RESPONSE_TARGET_HOURS,
                    "closed_met": close_hours <= CLOSE_TARGET_HOURS})
met["both_met"] = met["response_met"] & met["closed_met"]
service_by_channel = met.groupby(futures["channel"], observed=True).mean()
service_by_channel.insert(0, "complaints", futures.groupby("channel", observed=True).size())
""",
        ),
        CodeMistake(
            "follow_up",
            """\
# 错：3 分也算满意 / Wrong: a score of 3 counted as satisfied
#| expect: satisfied 不对
scored = futures[futures["satisfaction"].notna()]
follow_up = pd.DataFrame({
    "surveyed": futures["satisfaction"].notna().groupby(futures["channel"], observed=True).mean(),
    "satisfied": (scored["satisfaction"] >= 3).groupby(scored["channel"], observed=True).mean(),
})
""",
        ),
        CodeMistake(
            "pareto",
            """\
# 错：cumulative_share 没有累加 / Wrong: cumulative_share not added up
#| expect: share 或 cumulative_share 不对
counts = car["category"].value_counts()
pareto = pd.DataFrame({"count": counts, "share": counts / counts.sum()})
pareto["cumulative_share"] = pareto["share"]
pareto.iloc[-1, pareto.columns.get_loc("cumulative_share")] = 1.0
running = pareto["share"].cumsum()
vital_few = [str(c) for c in pareto.index[: int((running < 0.8).sum()) + 1]]
""",
        ),
    ),
    "loyalty": (
        CodeMistake(
            "nps",
            """\
# 错：7–8 分也算推荐者 / Wrong: scores of 7–8 counted as promoters
#| expect: NPS 不对
rated = surveys.merge(members[["member_id", "tier"]], on="member_id")
tier = rated["tier"]
nps_by_tier = pd.DataFrame({
    "answers": rated.groupby("tier", observed=True).size(),
    "nps": 100 * ((rated["recommend_score"] >= 7).groupby(tier, observed=True).mean()
                  - (rated["recommend_score"] <= 6).groupby(tier, observed=True).mean()),
})
""",
        ),
        CodeMistake(
            "repeat",
            """\
# 错：退款订单也算 / Wrong: refunded orders counted too
#| expect: 重复购买率不对
orders_per_customer = orders.groupby("customer_id").size()
repeat_purchase_rate = (orders_per_customer >= 2).mean()
is_member = customers.set_index("customer_id")["is_member"].reindex(orders_per_customer.index)
repeat_by_member = (orders_per_customer >= 2).groupby(is_member).mean()
""",
        ),
        CodeMistake(
            "funnel",
            """\
# 错：bought 数了成交的到店次数，不是人数 / Wrong: bought counts buying visits, not people
#| expect: bought 或 bought_again 不对
buying_visits = visits[visits["purchased"]].groupby("shopper_id").size()
funnel = pd.Series({
    "shoppers": shoppers["shopper_id"].nunique(),
    "visited": visits["shopper_id"].nunique(),
    "bought": int(visits["purchased"].sum()),
    "bought_again": int((buying_visits >= 2).sum()),
})
stage_rates = pd.Series(funnel.to_numpy()[1:] / funnel.to_numpy()[:-1], index=funnel.index[1:])
""",
        ),
    ),
}

WIDGET_MISTAKES: dict[str, WidgetMistake] = {
    # 错：门槛太高，门槛以上客户的手续费不到 80%（正确的门槛约 2 万到 3 万元）
    # Wrong: too high, the clients above it bring less than 80% (right ones: about 20,000-30,000)
    "segmentation": WidgetMistake("cutoff", "core_cutoff", 45000.0),
    # The complaint tickets and the shoppers' stories are drawn per student, so a fixed wrong answer
    # would not fit them; the course's tests hand in per-student wrong answers to those tasks.
}

# A submission that silences every error, so failing tests would pass: what the tamper check is for.
SILENCE_ERRORS = """\
# 不想再看到报错 / no more error messages
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)
"""
