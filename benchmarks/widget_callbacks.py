"""How long each case's explorer widget takes to answer a control move, against the bare function.

    python benchmarks/widget_callbacks.py           # inside a real Jupyter kernel, as in JupyterLab
    python benchmarks/widget_callbacks.py --here    # in this process (no kernel, no messages sent)
    python benchmarks/widget_callbacks.py --moves 60

Each case is loaded at its default size (the committed data) and given the explorers its notebooks
build: every chart explorer of the notebooks (the start-here notebook's frequent-shopper slider on
the retail chain's data, car detailing's service-level slider, the airline's tier pyramid by year,
the retail chain's state drop-down, the online shop's recency-window slider) and three tables (the
futures broker's top-share slider, car detailing's channel drop-down, the retail chain's segment
age slider). A control is moved the way a slider move
reaches the kernel (a widget message setting its ``value``, handed to its comm), which runs the
whole callback: the notebook's function, capturing its output, turning a table into HTML (a
chart of crmkit.charts needs nothing more: its new numbers and texts go to the browser, which
draws it), and sending the widgets' new state to the front end. The browser's drawing afterwards
is not included (tests/test_browser.py times that). Then each chart explorer is measured again
drawing the same chart as a matplotlib PNG per move, as explorers did before crmkit.charts: for
comparison, not judged against the targets (``--no-png`` leaves this out).

The baseline, measured in the same run and interleaved with the moves, calls the same function
directly for the same values (the pandas computation and the chart's description, or the figure
object for a PNG; no widget plumbing).
The ratio says what the widget adds. Targets on the 2-core reference machine, quiet: p95 under
50 ms and worst under 150 ms for every explorer (issue 23). One warm-up move per widget is not
counted. The moves cycle through the control's values, so after the first round they come back to
values already shown, which an explorer keeps until the next cell runs (as a student going back
and forth does): the columns after the ratio show first visits (the function runs and the chart is
drawn) and returns (what was kept is sent again) apart, and the verdict is given for all moves and
for first visits alone. The last column counts Python's full garbage collections during the moves
(an occasional slow move is usually one). The figures vary with the machine's load (a laptop
running a browser, a CI runner sharing cores); compare ratios rather than milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_P95_MS = 50.0
TARGET_WORST_MS = 150.0
PACE_SECONDS = 0.3  # between moves in the paced run: a student pressing, reading, pressing again
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    """One explorer to measure: the function, its controls, and the values the
    moved control visits."""

    name: str
    show: object
    controls: dict
    moved: str
    values: list
    before: bool = False  # the same chart as a matplotlib PNG per move: compared, not judged


def futures_top_share() -> Case:
    import math

    import pandas as pd

    from crmkit.datasets import load
    from crmkit.widgets import dropdown, slider

    tables = load("futures_broker")
    clients, trades = tables["clients"], tables["trades"]
    ranked = trades.groupby("client_id", as_index=False)["commission_yuan"].sum()
    ranked = ranked.merge(clients[["client_id", "branch"]], on="client_id", how="left")
    all_branches = "全部营业部 / all branches"

    def top_clients_table(top_share: float, branch: str) -> pd.DataFrame:
        top_share = round(top_share, 2)
        pool = ranked if branch == all_branches else ranked[ranked["branch"] == branch]
        pool = pool.sort_values("commission_yuan", ascending=False)
        n_top = math.ceil(top_share * len(pool))
        top, rest = pool.head(n_top), pool.iloc[n_top:]
        table = pd.DataFrame(
            {
                "客户数 / clients": [len(top), len(rest)],
                "佣金（万元）/ commission (10k CNY)": [
                    top["commission_yuan"].sum() / 1e4,
                    rest["commission_yuan"].sum() / 1e4,
                ],
            },
            index=[f"前 {top_share:.0%} / top {top_share:.0%}", "其余 / the rest"],
        )
        commission = table["佣金（万元）/ commission (10k CNY)"]
        table["佣金占比 / share of commission"] = commission / commission.sum()
        table["人均佣金（元）/ per client (CNY)"] = commission * 1e4 / table["客户数 / clients"]
        return table.round(2)

    controls = {
        "top_share": slider("前 x% 的客户 / top share of clients", 0.05, 0.5, 0.05, 0.2),
        "branch": dropdown("营业部 / branch", [all_branches, *clients["branch"].cat.categories]),
    }
    values = [round(0.05 * i, 2) for i in range(1, 11)]
    return Case(
        "futures_broker: top share (slider → table)",
        top_clients_table,
        controls,
        "top_share",
        values,
    )


def car_detailing_channel() -> Case:
    import pandas as pd

    from crmkit.datasets import labels, load
    from crmkit.widgets import dropdown

    tables = load("car_detailing")
    customers, visits = tables["customers"].copy(), tables["visits"]
    per_customer = visits.groupby("customer_id").agg(
        visits=("visit_id", "size"), revenue_yuan=("price_yuan", "sum")
    )
    customers = customers.merge(per_customer, on="customer_id", how="left").fillna(
        {"visits": 0, "revenue_yuan": 0}
    )
    customers["is_repeat"] = customers["visits"] >= 2
    channel_zh = labels("car_detailing", "customers", "acquisition_channel")

    def channel_profile(channel: str) -> pd.DataFrame:
        chosen = customers[customers["acquisition_channel"] == channel]
        rows = [
            "客户数 / customers",
            "人均消费（元）/ spend per customer (CNY)",
            "人均到店次数 / visits per customer",
            "回头客占比 / repeat rate",
            "营业额占比 / share of turnover",
        ]
        table = pd.DataFrame(
            {
                channel_zh[channel]: [
                    len(chosen),
                    chosen["revenue_yuan"].mean(),
                    chosen["visits"].mean(),
                    chosen["is_repeat"].mean(),
                    chosen["revenue_yuan"].sum() / customers["revenue_yuan"].sum(),
                ],
                "全部客户 / all customers": [
                    len(customers),
                    customers["revenue_yuan"].mean(),
                    customers["visits"].mean(),
                    customers["is_repeat"].mean(),
                    1.0,
                ],
            },
            index=rows,
        )
        return table.round(2)

    options = [(f"{zh} / {code}", code) for code, zh in channel_zh.items()]
    controls = {"channel": dropdown("获客渠道 / channel", options)}
    return Case(
        "car_detailing: channel (drop-down → table)",
        channel_profile,
        controls,
        "channel",
        list(channel_zh),
    )


def airline_tier_year() -> Case:
    import pandas as pd

    from crmkit.charts import bar_chart
    from crmkit.datasets import labels, load
    from crmkit.widgets import dropdown

    tables = load("airline_frequent_flyer")
    members, changes = tables["members"], tables["tier_changes"].copy()
    changes["year"] = changes["changed_on"].dt.year
    tier_2010 = members.set_index("member_id")["tier"]
    tier_2009 = (
        changes[changes["year"] == 2010]
        .set_index("member_id")["from_tier"]
        .combine_first(tier_2010)
    )
    tier_2008 = (
        changes[changes["year"] == 2009]
        .set_index("member_id")["from_tier"]
        .combine_first(tier_2009)
    )
    joined_by = members.set_index("member_id")["joined_on"].dt.year
    years = [2008, 2009, 2010]
    has_joined = pd.DataFrame({year: joined_by <= year for year in years})
    year_end_tier = pd.DataFrame({2008: tier_2008, 2009: tier_2009, 2010: tier_2010}).where(
        has_joined
    )
    tier_label = {
        code: f"{zh} {code}"
        for code, zh in labels("airline_frequent_flyer", "members", "tier").items()
    }
    order = list(tier_label)

    def tier_pyramid(year):
        counts = year_end_tier[year].value_counts().reindex(order, fill_value=0)
        high = counts["gold"] + counts["platinum"]
        return bar_chart(
            counts.rename(index=tier_label),
            title=f"{year} 年底各等级有多少会员？（金卡+白金卡 {high} 人）/ "
            f"Members per tier, end of {year}",
            category_label="会员等级 / Tier",
            value_label="会员数（人）/ Members (people)",
            horizontal=True,
            first_on_top=False,
            value_format=".0f",
            value_range=(0, len(members) * 1.1),
            size=(7, 3.5),
        )

    controls = {"year": dropdown("年份 / year", years, value=2010)}
    return Case(
        "airline_frequent_flyer: year (drop-down → chart)", tier_pyramid, controls, "year", years
    )


def car_detailing_service_level() -> Case:
    from crmkit.charts import bar_chart
    from crmkit.datasets import load
    from crmkit.widgets import int_slider

    complaints = load("car_detailing", "complaints")
    complaints["response_hours"] = (
        complaints["first_response_at"] - complaints["received_at"]
    ).dt.total_seconds() / 3600

    def service_level_chart(target_hours: int):
        met = complaints["response_hours"] <= target_hours
        share_met = met.mean()
        by_met = complaints.groupby(met)["satisfaction_after"].mean()
        satisfaction = by_met.reindex([True, False]).dropna()
        names = {
            True: f"达标 / met\n≤ {target_hours} h",
            False: f"未达标 / missed\n> {target_hours} h",
        }
        colors = ["tab:green", "tab:red"][: len(satisfaction)]
        return bar_chart(
            satisfaction.rename(index=names),
            title=f"{target_hours} 小时内答复：{share_met:.0%} 的投诉达标\n"
            f"Answered within {target_hours} h: {share_met:.0%} of complaints",
            category_label="是否达到答复时限 / Target met?",
            value_label="处理后平均满意度（1–5）/ Mean satisfaction",
            color=colors,
            value_format=".2f",
            value_range=(0, 5),
            size=(6, 4),
        )

    controls = {"target_hours": int_slider("答复时限（小时）/ target (hours)", 1, 24, 2)}
    return Case(
        "car_detailing: service level (slider → chart)",
        service_level_chart,
        controls,
        "target_hours",
        list(range(1, 25)),
    )


def retail_tables():
    from crmkit.datasets import load

    return load("retail_chain")


def retail_state(tables) -> Case:
    from crmkit.charts import line_chart
    from crmkit.datasets import labels
    from crmkit.widgets import dropdown

    visits_state = tables["visits"].merge(
        tables["shoppers"][["shopper_id", "state"]], on="shopper_id"
    )
    state_label = {
        code: f"{zh} {code}" for code, zh in labels("retail_chain", "shoppers", "state").items()
    }
    case_rate = {"potential": 6, "first_time": 15, "repeat": 50, "loyal": 50}

    def monthly_conversion(state):
        chosen = visits_state[visits_state["state"] == state]
        by_month = chosen.groupby(chosen["visited_on"].dt.month)["purchased"].mean() * 100
        return line_chart(
            by_month,
            title=f"{state_label[state]}：每个月的成交率稳定吗？/ Is monthly conversion steady?",
            category_label="月份 / Month (2012)",
            value_label="成交率（%）/ Conversion (%)",
            label="数据 data",
            reference=case_rate[state],
            reference_label=f"案例 case {case_rate[state]}%",
            ticks=range(1, 13),
            value_range=(0, 70),
        )

    controls = {
        "state": dropdown(
            "客户状态 / state", [(label, code) for code, label in state_label.items()]
        )
    }
    return Case(
        "retail_chain: state (drop-down → chart)",
        monthly_conversion,
        controls,
        "state",
        list(state_label),
    )


def retail_frequent_shoppers(tables) -> Case:
    """The start-here notebook's chart explorer (on the retail chain's data)."""
    from crmkit.charts import bar_chart
    from crmkit.widgets import int_slider

    visits_per_shopper = tables["visits"].groupby("shopper_id").size()
    shoppers_by_visits = visits_per_shopper.value_counts().sort_index()

    def frequent_shoppers(min_visits):
        share = (visits_per_shopper >= min_visits).mean()
        n_visits = shoppers_by_visits.index
        colors = ["#dd8452" if n >= min_visits else "#b0b0b0" for n in n_visits]
        return bar_chart(
            shoppers_by_visits,
            title=f"至少来 {min_visits} 次的顾客占多少？{share:.0%}\n"
            f"What share of shoppers came {min_visits}+ times? {share:.0%}",
            category_label="2012 年到店次数 / Visits in 2012",
            value_label="顾客人数 / Shoppers",
            color=colors,
        )

    controls = {"min_visits": int_slider("至少到店次数 / at least n visits", 1, 20, 5)}
    return Case(
        "start_here (retail): regulars (slider → chart)",
        frequent_shoppers,
        controls,
        "min_visits",
        list(range(1, 21)),
    )


def retail_segment(tables) -> Case:
    import pandas as pd

    from crmkit.widgets import int_slider

    shoppers, visits, purchases = tables["shoppers"].copy(), tables["visits"], tables["purchases"]
    spend = (
        purchases.merge(visits[["visit_id", "shopper_id"]], on="visit_id")
        .groupby("shopper_id")["amount_yuan"]
        .sum()
    )
    shoppers["spend_yuan"] = shoppers["shopper_id"].map(spend).fillna(0)
    is_female = shoppers["gender"] == "female"
    earns_2500_plus = shoppers["income_band"] != "below_2500"

    def segment_by_age(youngest, oldest):
        segment = is_female & earns_2500_plus & shoppers["age"].between(youngest, oldest)
        if segment.sum() == 0:
            return "这个年龄范围里没有顾客 / No shoppers in this age range"
        return pd.Series(
            {
                "核心客户人数 shoppers in segment": segment.sum(),
                "核心客户人均消费 spend per shopper, segment (元)": shoppers.loc[
                    segment, "spend_yuan"
                ].mean(),
                "其他顾客人均消费 spend per shopper, others (元)": shoppers.loc[
                    ~segment, "spend_yuan"
                ].mean(),
                "核心客户收入占比 segment share of revenue (%)": shoppers.loc[
                    segment, "spend_yuan"
                ].sum()
                / shoppers["spend_yuan"].sum()
                * 100,
            }
        ).round(1)

    controls = {
        "youngest": int_slider("最小年龄 / youngest", 15, 40, 18),
        "oldest": int_slider("最大年龄 / oldest", 20, 80, 35),
    }
    return Case(
        "retail_chain: segment age (slider → table)",
        segment_by_age,
        controls,
        "oldest",
        list(range(25, 61, 5)),
    )


def online_shop_recency() -> Case:
    import numpy as np
    import pandas as pd

    from crmkit.charts import bar_chart
    from crmkit.datasets import load
    from crmkit.widgets import int_slider

    tables = load("online_shop")
    orders = tables["orders"]
    per_customer = orders.groupby("customer_id").agg(
        n_orders=("order_id", "size"),
        last_order=("ordered_at", "max"),
        avg_order_yuan=("amount_yuan", "mean"),
    )
    profile = tables["customers"].merge(per_customer, on="customer_id", how="left")
    profile["n_orders"] = profile["n_orders"].fillna(0).astype(int)
    profile["inquired"] = profile["customer_id"].isin(tables["inquiries"]["customer_id"])
    reference_date = pd.Timestamp("2024-12-31")
    tiers = ["potential", "sleeping", "new", "loyal", "big", "old"]
    tier_label = {
        "potential": "潜在顾客 potential",
        "sleeping": "沉睡顾客 sleeping",
        "new": "新顾客 new",
        "loyal": "忠诚顾客 loyal",
        "big": "大顾客 big",
        "old": "老顾客 old",
    }

    def tier_sizes_chart(window_days):
        recent = profile["last_order"] >= reference_date - pd.Timedelta(days=window_days - 1)
        has_orders = profile["n_orders"] > 0
        conditions = [
            ~has_orders & profile["inquired"],
            has_orders & ~recent,
            profile["n_orders"] == 1,
            profile["n_orders"] >= 6,
            profile["n_orders"].between(2, 3) & (profile["avg_order_yuan"] >= 1000),
            profile["n_orders"] >= 2,
        ]
        sizes = (
            pd.Series(np.select(conditions, tiers, default="none"))
            .value_counts()
            .reindex(tiers, fill_value=0)
        )
        return bar_chart(
            sizes.rename(index=tier_label),
            title=f"近期窗口 {window_days} 天时，各等级有多少人？/ "
            f"Customers per tier, {window_days}-day window",
            category_label="等级 / Tier",
            value_label="顾客数（人）/ Customers (people)",
            horizontal=True,
            value_format=".0f",
            value_range=(0, len(profile) * 0.6),
        )

    controls = {"window_days": int_slider("近期窗口（天）/ window (days)", 60, 365, 180, step=5)}
    return Case(
        "online_shop: recency days (slider → chart)",
        tier_sizes_chart,
        controls,
        "window_days",
        list(range(60, 366, 15)),
    )


def cases(png: bool = True) -> list[Case]:
    """The explorers as the notebooks build them; with ``png``, then each chart explorer again
    drawing its chart as a matplotlib PNG per move, as explorers did before crmkit.charts."""
    from crmkit.charts import Chart

    retail = retail_tables()
    measured = [
        futures_top_share(),
        car_detailing_channel(),
        retail_segment(retail),
        retail_frequent_shoppers(retail),
        car_detailing_service_level(),
        airline_tier_year(),
        retail_state(retail),
        online_shop_recency(),
    ]
    charts = [case for case in measured if isinstance(case.show(**_values(case)), Chart)]
    return measured + ([as_png(case) for case in charts] if png else [])


def as_png(case: Case) -> Case:
    """``case`` with its chart drawn by matplotlib (``Chart.figure``) and shown as PNG."""
    chart_of = case.show

    def show(**values):
        return chart_of(**values).figure()

    show.__name__ = getattr(chart_of, "__name__", "show")
    name = case.name.split(":")[0] + ": the same chart, matplotlib PNG"
    controls = {key: _same_control(control) for key, control in case.controls.items()}
    return Case(name, show, controls, case.moved, case.values, before=True)


def _values(case: Case) -> dict:
    return {key: control.value for key, control in case.controls.items()}


def _same_control(control):
    """A new control like ``control`` (a control drives one explorer)."""
    import ipywidgets as widgets

    if isinstance(control, widgets.Dropdown):
        return widgets.Dropdown(
            options=control.options, value=control.value, description=control.description
        )
    return type(control)(
        value=control.value,
        min=control.min,
        max=control.max,
        step=control.step,
        description=control.description,
    )


def visits(values: list, start, moves: int) -> list:
    """``moves`` values to set in turn, cycling through ``values``, never the current
    one twice in a row."""
    sequence, previous = [], start
    while len(sequence) < moves:
        for value in values:
            if value != previous and len(sequence) < moves:
                sequence.append(value)
                previous = value
    return sequence


def measure(case: Case, moves: int) -> dict:
    """Median, p90, p95 and worst callback, and the baseline, in milliseconds: moves one right
    after another, as a cell setting the value in a loop makes them."""
    run = _Run(case, moves)
    with run.counting_collections():
        for _pause in run.moves():
            pass
    return run.summary()


async def measure_paced(case: Case, moves: int, pace: float) -> dict:
    """The same moves ``pace`` seconds apart, the kernel's event loop running in between, as when
    a student presses a key, reads the chart and presses again. A move due while the kernel is
    still busy (drawing ahead, say) counts from when it was due, as a message from the browser
    would wait."""
    import asyncio

    loop = asyncio.get_running_loop()
    run = _Run(case, moves)
    due = {"at": None}
    run.late = lambda: max(0.0, loop.time() - due["at"])
    with run.counting_collections():
        for _pause in run.moves():
            due["at"] = loop.time() + pace
            await asyncio.sleep(pace)
    return run.summary()


class _Run:
    """One explorer moved through ``case.values``, with the figures each move adds to."""

    def __init__(self, case: Case, moves: int):
        from crmkit.widgets import explore

        self.case = case
        self.explorer = explore(case.show, **case.controls)
        self.control = self.explorer.controls[case.moved]
        self.sequence = visits(case.values, self.control.value, moves + 1)
        self.callback_ms, self.baseline_ms, self.cpu_ms, self.first_visit = [], [], [], []
        self.seen = {"inside": False, "full_collections": 0}
        self.late = lambda: 0.0  # how long a move waited for the kernel (paced runs)

    def counting_collections(self):
        from contextlib import contextmanager

        @contextmanager
        def counting():
            gc.collect()
            gc.callbacks.append(_count_full_collections(self.seen))
            try:
                yield
            finally:
                gc.callbacks.pop()

        return counting()

    def moves(self):
        """Move the control through the sequence; yields before each move (a paced run pauses
        there), after the baseline for it."""
        import matplotlib.pyplot as plt

        case, explorer, control = self.case, self.explorer, self.control
        shown = {control.value}  # values the explorer has shown (it may have kept them)
        for index, value in enumerate(self.sequence):
            values = {**explorer.values(), case.moved: value}
            started = time.perf_counter()
            result = case.show(**values)  # baseline: the same function, no widget
            plt.close("all")
            baseline = time.perf_counter() - started
            del result
            yield
            waited = self.late()
            self.seen["inside"] = True
            started, started_cpu = time.perf_counter(), time.process_time()
            _sent_from_the_browser(control, value)
            callback = time.perf_counter() - started + waited
            callback_cpu = time.process_time() - started_cpu
            self.seen["inside"] = False
            if explorer.last_error is not None:
                raise RuntimeError(
                    f"{case.name}: the function failed for {value!r}: {explorer.last_error}"
                )
            if not explorer.output.outputs and explorer.shown_chart() is None:
                raise RuntimeError(f"{case.name}: nothing shown for {value!r}")
            if index:  # the first move warms caches (fonts, pandas' first groupby): not counted
                self.callback_ms.append(callback * 1000)
                self.cpu_ms.append(callback_cpu * 1000)
                self.baseline_ms.append(baseline * 1000)
                self.first_visit.append(value not in shown)
            shown.add(value)

    def summary(self) -> dict:
        callback_ms, first_visit = self.callback_ms, self.first_visit
        firsts = [ms for ms, first in zip(callback_ms, first_visit, strict=True) if first]
        returns = [ms for ms, first in zip(callback_ms, first_visit, strict=True) if not first]
        return {
            "widget": self.case.name,
            "before": self.case.before,
            "control": type(self.control).__name__,
            "moves": len(callback_ms),
            "median_ms": statistics.median(callback_ms),
            "worst_ms": max(callback_ms),
            "p90_ms": _quantile(callback_ms, 10),
            "p95_ms": _quantile(callback_ms, 20),
            "cpu_p95_ms": _quantile(self.cpu_ms, 20),
            "baseline_median_ms": statistics.median(self.baseline_ms),
            "full_collections": self.seen["full_collections"],
            "first_visits": len(firsts),
            "first_p95_ms": _p95(firsts),
            "first_worst_ms": max(firsts, default=float("nan")),
            "return_median_ms": statistics.median(returns) if returns else float("nan"),
        }


def _sent_from_the_browser(control, value) -> None:
    """A move as the front end sends it: a widget message setting the control's value (a
    drop-down's chosen index), handled by the widget's comm (which tells IPython that code
    runs, as for every message)."""
    options = getattr(control, "_options_values", None)
    state = {"index": options.index(value)} if options is not None else {"value": value}
    message = {"method": "update", "state": state, "buffer_paths": []}
    control.comm.handle_msg({"content": {"data": message}, "buffers": []})
    if control.value != value:
        raise RuntimeError(f"the message did not move {control.description!r} to {value!r}")


def _p95(values: list) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return _quantile(values, 20)


def _quantile(values: list, n: int) -> float:
    """The last of ``n`` quantiles, between measured values: the default (exclusive) method
    reaches past the worst move for a few values, e.g. the first visits of a drop-down."""
    return statistics.quantiles(values, n=n, method="inclusive")[-1]


def _count_full_collections(seen: dict):
    """A gc callback counting full collections that start inside a callback (not a baseline)."""

    def callback(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2 and seen["inside"]:
            seen["full_collections"] += 1

    return callback


def report(rows: list[dict], where: str) -> None:
    print(
        f"Widget callbacks ({where}); baseline = the same function called directly; "
        f"target p95 < {TARGET_P95_MS:.0f} ms, worst < {TARGET_WORST_MS:.0f} ms"
    )
    header = (
        f"{'widget':<50} {'moves':>5} {'median':>9} {'p90':>9} {'p95':>9} {'worst':>9} "
        f"{'cpu p95':>9} {'baseline':>9} {'ratio':>6} {'first':>5} {'first p95':>9} "
        f"{'1st worst':>9} {'return':>9} {'full gc':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row["before"] and not any(other["before"] for other in rows[: rows.index(row)]):
            print(
                "for comparison, not judged: the chart explorers above drawing their chart as a "
                "matplotlib PNG per move (as before crmkit.charts)"
            )
        ratio = row["median_ms"] / row["baseline_median_ms"]
        over = not row["before"] and (
            row["p95_ms"] >= TARGET_P95_MS or row["worst_ms"] >= TARGET_WORST_MS
        )
        print(
            f"{row['widget']:<50} {row['moves']:>5} {row['median_ms']:>6.1f} ms "
            f"{row['p90_ms']:>6.1f} ms {row['p95_ms']:>6.1f} ms {row['worst_ms']:>6.1f} ms "
            f"{row['cpu_p95_ms']:>6.1f} ms {row['baseline_median_ms']:>6.1f} ms {ratio:>5.1f}× "
            f"{row['first_visits']:>5} {row['first_p95_ms']:>6.1f} ms "
            f"{row['first_worst_ms']:>6.1f} ms {row['return_median_ms']:>6.1f} ms "
            f"{row['full_collections']:>7}"
            f"{'  > target' if over else ''}"
        )
    judged = [row for row in rows if not row["before"]]
    for label, p95_key, worst_key in (
        ("all moves", "p95_ms", "worst_ms"),
        ("first visits", "first_p95_ms", "first_worst_ms"),
    ):
        worst_p95 = max(row[p95_key] for row in judged)
        worst = max(row[worst_key] for row in judged)
        verdict = (
            "all under target"
            if worst_p95 < TARGET_P95_MS and worst < TARGET_WORST_MS
            else "SOME OVER TARGET"
        )
        print(
            f"{label} (the notebooks' explorers): highest p95 {worst_p95:.1f} ms, "
            f"worst {worst:.1f} ms ({verdict})"
        )
    print(
        "ratio = median callback / median baseline. A chart's callback is the notebook's function "
        "(the baseline: pandas and the chart's description) plus sending the chart's new numbers "
        "and texts (the browser draws it); a PNG's, the function plus drawing, cropping and "
        "encoding the PNG. cpu p95 = the kernel's own "
        "CPU time per move, which a busy machine inflates less than the wall-clock figures; "
        "first = moves to a value not shown before (the function runs), with their p95 and "
        "worst; return = median move back to a value shown before (kept until a cell runs); "
        "full gc = full garbage collections during the moves."
    )


def prepare_here() -> None:
    from IPython import get_ipython

    if get_ipython() is None:  # plain Python: give tables their HTML form, as a kernel would
        import matplotlib

        matplotlib.use("Agg")
        from IPython.core.interactiveshell import InteractiveShell

        InteractiveShell.instance()
    from crmkit.plotting import use_cjk_font

    use_cjk_font()


def run_here(moves: int, where: str, png: bool = True) -> None:
    prepare_here()
    rows = [measure(case, moves) for case in cases(png)]
    report(rows, f"{where}, moves one after another")


async def run_paced_here(moves: int, pace: float, where: str, png: bool = True) -> None:
    prepare_here()
    rows = [await measure_paced(case, moves, pace) for case in cases(png)]
    report(rows, f"{where}, moves {pace:g} s apart")


def run_in_kernel(moves: int, pace: float, png: bool = True) -> None:
    """Run this file with ``--here`` inside a fresh ipykernel, the process JupyterLab talks to;
    then, in a second cell that awaits between moves (the kernel's event loop runs meanwhile,
    as between a student's key presses), the paced moves."""
    import nbformat
    from nbclient import NotebookClient

    here = Path(__file__).resolve()
    no_png = "" if png else " --no-png"
    cells = [f"%run {here} --here --moves {moves}{no_png} --where 'in a Jupyter kernel'"]
    if pace:
        cells.append(
            f"import sys\nsys.path.insert(0, {str(here.parent)!r})\nimport {here.stem}\n"
            f"await {here.stem}.run_paced_here({moves}, {pace}, 'in a Jupyter kernel', {png})"
        )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        nb, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    for cell in nb.cells:
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                print(
                    output["text"],
                    end="",
                    file=sys.stdout if output["name"] == "stdout" else sys.stderr,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--here", action="store_true", help="measure in this process instead of a kernel"
    )
    parser.add_argument(
        "--moves", type=int, default=30, help="control moves per widget (default 30)"
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=PACE_SECONDS,
        help=f"seconds between moves in the paced run (default {PACE_SECONDS}; 0: none)",
    )
    parser.add_argument(
        "--no-png",
        dest="png",
        action="store_false",
        help="leave out the comparison with matplotlib PNGs (the chart explorers again)",
    )
    parser.add_argument("--where", default="in this process, no kernel", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.here:
        run_here(args.moves, args.where, args.png)
        if args.pace and args.where.startswith("in this process"):
            import asyncio

            asyncio.run(run_paced_here(args.moves, args.pace, args.where, args.png))
    else:
        run_in_kernel(args.moves, args.pace, args.png)


if __name__ == "__main__":
    main()
