"""Every lesson a notebook or exercise teaches is there to be found, in every student's data.

Each case's data dictionary lists its lessons (``Lesson`` in the case module, the table
"Lessons the data let students discover" in ``datasets/<case>/README.md``). Here each one is
measured the way a student would, with pandas, on the default data and on more than 30 students'
variants, and held to a threshold that makes it visible: the 80/20 of commission is still about
80/20, the top complaint categories still dominate, every funnel stage still loses shoppers.

The measurements live here, not in crmkit, because several are exercise answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest

from crmkit.datasets import CASES, load

# thirty student ids in the form a registrar gives them, and a few as students type them
STUDENTS = [f"2024{n:04d}" for n in range(1, 31)] + ["alice", "Zhang.Wei", "s07-li"]
VARIANTS = [None, *STUDENTS]


def data(case: str, student: str | None) -> dict[str, pd.DataFrame]:
    return load(case) if student is None else load(case, student=student)


def pareto(categories: pd.Series) -> pd.Series:
    """Cumulative share of the categories, largest first."""
    counts = categories.astype(str).value_counts()
    return counts.cumsum() / counts.sum()


def categories_to_reach(cumulative: pd.Series, share: float) -> int:
    return int((cumulative < share).sum()) + 1


def hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600


# --- futures broker -------------------------------------------------------------------------


def measure_futures_broker(t: dict[str, pd.DataFrame]) -> dict:
    clients, trades, contacts, complaints = (
        t["clients"],
        t["trades"],
        t["service_contacts"],
        t["complaints"],
    )
    m: dict = {}
    per_client = trades.groupby("client_id")["commission_yuan"].sum().sort_values(ascending=False)
    top = math.ceil(0.2 * len(per_client))
    m["top20_share"] = per_client.iloc[:top].sum() / per_client.sum()
    status = clients.set_index("client_id")["status"].astype(str)
    m["core_lost_share"] = (status.reindex(per_client.index[:top]) == "lost").mean()

    accounts = clients[clients["opened_on"].notna()]
    still_open = accounts["closed_on"].isna() | (accounts["closed_on"] > "2013-12-31")
    m["retention_by_cohort"] = still_open.groupby(accounts["opened_on"].dt.year).mean()
    start = pd.Timestamp("2013-01-01")
    open_at_start = (accounts["opened_on"] < start) & (
        accounts["closed_on"].isna() | (accounts["closed_on"] >= start)
    )
    m["churn_2013"] = accounts.loc[open_at_start, "closed_on"].between(start, "2013-12-31").mean()

    called = clients["client_id"].isin(
        contacts.loc[contacts["contact_type"] == "callback", "client_id"]
    )
    educated = clients["client_id"].isin(
        contacts.loc[contacts["contact_type"] == "investor_education", "client_id"]
    )
    new_account = clients["opened_on"].dt.year == 2013
    older_open = (clients["status"] == "existing") & ~new_account
    m["callback_new"] = called[new_account].mean()
    m["callback_older"] = called[older_open].mean()
    core = clients["client_id"].isin(per_client.index[:top])
    m["callback_core_older"] = called[core & (clients["opened_on"].dt.year <= 2012)].mean()
    m["education_existing"] = educated[clients["status"] == "existing"].mean()
    m["education_potential"] = educated[clients["status"] == "potential"].mean()

    response = hours(complaints["first_response_at"], complaints["received_at"])
    by_department = response.groupby(complaints["handled_by"].astype(str))
    m["response_median_by_department"] = by_department.median()
    m["over_24h_by_department"] = (
        (response > 24).groupby(complaints["handled_by"].astype(str)).mean()
    )
    m["response_median_by_channel"] = response.groupby(complaints["channel"].astype(str)).median()
    m["complaint_pareto"] = pareto(complaints["category"])
    scored = complaints["satisfaction"].notna()
    m["satisfaction_fast"] = (
        complaints.loc[scored & (response <= 4), "satisfaction"].astype(float).mean()
    )
    m["satisfaction_slow"] = (
        complaints.loc[scored & (response > 24), "satisfaction"].astype(float).mean()
    )
    m["satisfaction_by_resolution"] = (
        complaints.loc[scored]
        .groupby(complaints.loc[scored, "resolution"].astype(str))["satisfaction"]
        .mean()
        .astype(float)
    )
    return m


def futures_checks() -> dict[str, Callable[[dict], bool]]:
    return {
        "commission_80_20": lambda m: 0.75 <= m["top20_share"] <= 0.85,
        "core_clients_lost": lambda m: m["core_lost_share"] >= 0.04,
        "older_cohorts_keep_fewer": lambda m: (
            all(
                m["retention_by_cohort"][year] < m["retention_by_cohort"][year + 3]
                for year in range(2004, 2011)
            )
            and m["retention_by_cohort"][2004] <= m["retention_by_cohort"][2012] - 0.3
        ),
        "yearly_churn": lambda m: 0.08 <= m["churn_2013"] <= 0.20,
        "callbacks_only_new_accounts": lambda m: (
            m["callback_new"] >= 0.75
            and m["callback_older"] <= 0.10
            and m["callback_core_older"] <= 0.15
        ),
        "education_misses_prospects": lambda m: (
            m["education_existing"] >= 5 * m["education_potential"]
        ),
        "compliance_answers_slowest": lambda m: (
            m["response_median_by_department"]["compliance"]
            >= 3 * m["response_median_by_department"]["branch"]
            and m["over_24h_by_department"].idxmax() == "compliance"
        ),
        "letters_answered_slowest": lambda m: m["response_median_by_channel"].idxmax() == "letter",
        "futures_complaints_vital_few": lambda m: (
            m["complaint_pareto"].iloc[1] >= 0.60
            and categories_to_reach(m["complaint_pareto"], 0.8) <= 3
        ),
        "slow_answers_less_satisfied": lambda m: (
            m["satisfaction_fast"] >= m["satisfaction_slow"] + 0.2
        ),
        "unresolved_least_satisfied": lambda m: (
            m["satisfaction_by_resolution"].idxmin() == "unresolved"
        ),
    }


# --- car detailing --------------------------------------------------------------------------


def measure_car_detailing(t: dict[str, pd.DataFrame]) -> dict:
    customers, visits, complaints = t["customers"], t["visits"], t["complaints"]
    referrals, wholesale = t["referrals"], t["wholesale_orders"]
    m: dict = {}
    shop = visits["price_yuan"].sum()
    whole = wholesale["amount_yuan"].sum()
    vehicles = visits["vehicle_id"].nunique()
    m["wholesale_share"] = whole / (shop + whole)
    m["per_car_overstated"] = ((shop + whole) / vehicles) / (shop / vehicles)
    earlier = customers[customers["acquired_on"] < "2013-01-01"]
    m["lapsed_share"] = (~earlier["customer_id"].isin(visits["customer_id"])).mean()

    spend = (
        visits.groupby("customer_id")["price_yuan"]
        .sum()
        .reindex(customers["customer_id"], fill_value=0)
    )
    days = (
        visits.drop_duplicates(["vehicle_id", "visited_on"])
        .groupby("customer_id")["visited_on"]
        .nunique()
    )
    n_visits = days.reindex(customers["customer_id"], fill_value=0)
    channel = customers.set_index("customer_id")["acquisition_channel"].astype(str)
    m["spend_by_channel"] = spend.groupby(channel).mean()
    referred = channel == "referral"
    repeat = n_visits >= 2
    m["referred_vs_other"] = pd.DataFrame(
        {
            "spend": spend.groupby(referred).mean(),
            "visits": n_visits.groupby(referred).mean(),
            "repeat": repeat.groupby(referred).mean(),
        }
    )
    is_referrer = customers["customer_id"].isin(referrals["referrer_id"])
    m["referrers_by_year"] = is_referrer.groupby(customers["acquired_on"].dt.year).mean()
    per_vehicle = visits.drop_duplicates(["vehicle_id", "visited_on"]).groupby("vehicle_id").size()
    m["vehicles_back"] = (per_vehicle >= 2).mean()

    response = hours(complaints["first_response_at"], complaints["received_at"])
    satisfaction = complaints["satisfaction_after"].astype(float)
    m["satisfaction_within_1h"] = satisfaction[response <= 1].mean()
    m["satisfaction_over_4h"] = satisfaction[response > 4].mean()
    m["satisfaction_by_resolution"] = satisfaction.groupby(
        complaints["resolution"].astype(str)
    ).mean()
    m["complaint_pareto"] = pareto(complaints["category"])
    return m


def car_checks() -> dict[str, Callable[[dict], bool]]:
    return {
        "wholesale_in_turnover": lambda m: 0.22 <= m["wholesale_share"] <= 0.38,
        "turnover_per_car_overstates": lambda m: m["per_car_overstated"] >= 1.25,
        "some_customers_lapse": lambda m: 0.04 <= m["lapsed_share"] <= 0.16,
        "channels_differ_in_spend": lambda m: (
            m["spend_by_channel"].idxmax() == "auto_show"
            and m["spend_by_channel"].max() >= 1.5 * m["spend_by_channel"].min()
        ),
        "referred_customers_worth_more": lambda m: bool(
            (m["referred_vs_other"].loc[True] > m["referred_vs_other"].loc[False]).all()
        ),
        "longer_customers_refer_more": lambda m: m["referrers_by_year"].is_monotonic_decreasing,
        "many_cars_come_back": lambda m: 0.5 <= m["vehicles_back"] <= 0.8,
        "calmed_sooner_more_satisfied": lambda m: (
            m["satisfaction_within_1h"] >= m["satisfaction_over_4h"] + 0.3
        ),
        "explanation_least_satisfied": lambda m: (
            m["satisfaction_by_resolution"].idxmin() == "explanation"
        ),
        "car_complaints_vital_few": lambda m: (
            m["complaint_pareto"].iloc[1] >= 0.60
            and categories_to_reach(m["complaint_pareto"], 0.8) <= 3
        ),
    }


# --- airline --------------------------------------------------------------------------------


def measure_airline(t: dict[str, pd.DataFrame]) -> dict:
    members, changes, surveys = t["members"], t["tier_changes"], t["surveys"]
    m: dict = {}
    silver_up = members["tier"].astype(str).isin(["silver", "gold", "platinum"])
    m["silver_up_business"] = (members.loc[silver_up, "travel_purpose"] == "business").mean()
    m["standard_share"] = (members["tier"] == "standard").mean()
    m["tier_counts"] = members["tier"].value_counts(sort=False)
    year = changes["changed_on"].dt.year
    up = changes["to_tier"] > changes["from_tier"]
    m["moves"] = pd.crosstab(year, up)
    survey_year = surveys["surveyed_on"].dt.year
    promoters = (surveys["recommend_score"] >= 9).groupby(survey_year).mean()
    detractors = (surveys["recommend_score"] <= 6).groupby(survey_year).mean()
    m["nps"] = 100 * (promoters - detractors)
    return m


def airline_checks() -> dict[str, Callable[[dict], bool]]:
    return {
        "top_tiers_are_business_travellers": lambda m: m["silver_up_business"] >= 0.9,
        "tier_pyramid": lambda m: (
            m["standard_share"] >= 0.8 and m["tier_counts"].is_monotonic_decreasing
        ),
        "tiers_move_both_ways": lambda m: bool(
            (m["moves"].loc[[2008, 2009, 2010]] > 0).all().all()
        ),
        "nps_rises": lambda m: m["nps"][2010] > m["nps"][2008] + 5,
    }


# --- retail chain ---------------------------------------------------------------------------


def measure_retail(t: dict[str, pd.DataFrame]) -> dict:
    shoppers, visits, purchases = t["shoppers"], t["visits"], t["purchases"]
    m: dict = {}
    state = visits["shopper_id"].map(shoppers.set_index("shopper_id")["state"].astype(str))
    m["conversion"] = visits["purchased"].groupby(state).mean()
    m["visits_per_shopper"] = visits.groupby(state)["shopper_id"].agg(
        lambda ids: len(ids) / ids.nunique()
    )
    buys = visits[visits["purchased"]].groupby("shopper_id").size()
    m["funnel"] = pd.Series(
        {
            "shoppers": shoppers["shopper_id"].nunique(),
            "visited": visits["shopper_id"].nunique(),
            "bought": int((buys >= 1).sum()),
            "bought_again": int((buys >= 2).sum()),
        }
    )
    spend = (
        purchases.merge(visits[["visit_id", "shopper_id"]], on="visit_id")
        .groupby("shopper_id")["amount_yuan"]
        .sum()
    )
    spend = spend.reindex(shoppers["shopper_id"], fill_value=0).to_numpy()
    core = (
        (shoppers["gender"] == "female")
        & shoppers["age"].between(18, 35)
        & (shoppers["income_band"] != "below_2500")
    ).to_numpy()
    m["core_share_of_shoppers"] = core.mean()
    m["core_share_of_revenue"] = spend[core].sum() / spend.sum()
    on_promotion = visits["promotion_id"].notna()
    m["promotion_lift"] = visits["purchased"].groupby([state, on_promotion]).mean().unstack()
    basket = purchases.groupby("visit_id")["amount_yuan"].sum()
    m["basket"] = visits["visit_id"].map(basket).groupby(on_promotion).mean()
    return m


def retail_checks() -> dict[str, Callable[[dict], bool]]:
    return {
        "familiar_shoppers_convert_more": lambda m: (
            m["conversion"]["potential"]
            < m["conversion"]["first_time"]
            < min(m["conversion"]["repeat"], m["conversion"]["loyal"])
        ),
        "regulars_come_more_often": lambda m: (
            m["visits_per_shopper"]
            .reindex(["potential", "first_time", "repeat", "loyal"])
            .is_monotonic_increasing
        ),
        "funnel_loses_at_every_stage": lambda m: bool(
            (m["funnel"].iloc[1:].to_numpy() <= 0.95 * m["funnel"].iloc[:-1].to_numpy()).all()
        ),
        "core_segment_brings_more_than_its_size": lambda m: (
            m["core_share_of_revenue"] >= m["core_share_of_shoppers"] + 0.10
        ),
        "promotions_lift_conversion": lambda m: bool(
            (m["promotion_lift"][True] > m["promotion_lift"][False]).all()
        ),
        "promotion_baskets_smaller": lambda m: m["basket"][True] < m["basket"][False],
    }


# --- online shop ----------------------------------------------------------------------------


def online_tiers(t: dict[str, pd.DataFrame], window_days: int = 180) -> pd.Series:
    customers, orders = t["customers"], t["orders"]
    per = (
        orders.groupby("customer_id")
        .agg(n=("order_id", "size"), last=("ordered_at", "max"), aov=("amount_yuan", "mean"))
        .reindex(customers["customer_id"])
    )
    n = per["n"].fillna(0)
    recent = per["last"] >= pd.Timestamp("2024-12-31") - pd.Timedelta(days=window_days - 1)
    asked = customers["customer_id"].isin(t["inquiries"]["customer_id"]).to_numpy()
    return pd.Series(
        np.select(
            [
                (n == 0) & asked,
                (n > 0) & ~recent,
                n == 1,
                n >= 6,
                n.between(2, 3) & (per["aov"] >= 1000),
                n >= 2,
            ],
            ["potential", "sleeping", "new", "loyal", "big", "old"],
            "none",
        ),
        index=customers["customer_id"],
    )


def measure_online(t: dict[str, pd.DataFrame]) -> dict:
    customers, orders, reviews = t["customers"], t["orders"], t["reviews"]
    m: dict = {}
    tiers = online_tiers(t)
    per_customer = orders.groupby("customer_id").agg(
        n=("order_id", "size"), top=("amount_yuan", "max")
    )
    single = per_customer[per_customer["n"] == 1]
    m["single_order_customers"] = len(single)
    m["big_one_off"] = int((single["top"] >= 3000).sum())
    completed = orders[orders["status"] == "completed"]
    tier_of_order = completed["customer_id"].map(tiers)
    m["aov_by_tier"] = completed["amount_yuan"].groupby(tier_of_order).mean()
    revenue_share = (
        completed["amount_yuan"].groupby(tier_of_order).sum() / completed["amount_yuan"].sum()
    )
    customer_share = tiers.value_counts(normalize=True)
    m["revenue_minus_head_share"] = (revenue_share - customer_share).fillna(-customer_share)
    review_tier = reviews["customer_id"].map(tiers)
    m["photo_share"] = reviews["has_photo"].groupby(review_tier).mean()
    m["rating"] = reviews["rating"].groupby(review_tier).mean()
    m["sleeping_by_window"] = pd.Series(
        {days: int((online_tiers(t, days) == "sleeping").sum()) for days in (90, 180, 365)}
    )
    member = customers.set_index("customer_id")["is_member"].reindex(tiers.index)
    m["member_share"] = member.groupby(tiers).mean()
    return m


def online_checks() -> dict[str, Callable[[dict], bool]]:
    return {
        "big_one_off_buyers_exist": lambda m: (
            3 <= m["big_one_off"] <= 0.06 * m["single_order_customers"]
        ),
        "big_tier_spends_most_per_order": lambda m: (
            m["aov_by_tier"].idxmax() == "big" and m["aov_by_tier"]["big"] >= 1000
        ),
        "big_and_loyal_bring_more_than_their_size": lambda m: bool(
            (m["revenue_minus_head_share"][["big", "loyal"]] > 0.05).all()
        ),
        "loyal_post_photos_and_rate_high": lambda m: (
            m["photo_share"].idxmax() == "loyal" and m["rating"].idxmax() == "loyal"
        ),
        "window_decides_who_sleeps": lambda m: (
            m["sleeping_by_window"].is_monotonic_decreasing and m["sleeping_by_window"].is_unique
        ),
        "loyal_customers_are_members": lambda m: (
            m["member_share"]["loyal"] >= 0.8 and m["member_share"]["potential"] <= 0.15
        ),
    }


MEASURES = {
    "futures_broker": (measure_futures_broker, futures_checks()),
    "car_detailing": (measure_car_detailing, car_checks()),
    "airline_frequent_flyer": (measure_airline, airline_checks()),
    "retail_chain": (measure_retail, retail_checks()),
    "online_shop": (measure_online, online_checks()),
}
LESSON_CASE = {lesson: case for case, (_, checks) in MEASURES.items() for lesson in checks}


@cache
def measured(case: str, student: str | None) -> dict:
    """The case's lesson measurements on one variant (small, so all variants stay cached)."""
    return MEASURES[case][0](data(case, student))


def test_every_declared_lesson_has_a_check_and_every_check_is_declared():
    for key, case in CASES.items():
        declared = {lesson.key for lesson in case.lessons}
        checked = set(MEASURES[key][1])
        assert declared == checked, (key, declared ^ checked)


def test_lesson_keys_are_unique():
    keys = [lesson.key for case in CASES.values() for lesson in case.lessons]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("student", VARIANTS)
@pytest.mark.parametrize("lesson", list(LESSON_CASE))
def test_lesson_shows_in_the_data(lesson, student):
    case = LESSON_CASE[lesson]
    m = measured(case, student)
    assert MEASURES[case][1][lesson](m), {k: v for k, v in m.items()}
