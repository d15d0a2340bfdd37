"""The cases the kit has data for, looked up by their key."""

from __future__ import annotations

from ..errors import UsageError, unknown_name
from . import airline_frequent_flyer, car_detailing, futures_broker, online_shop, retail_chain
from .schema import Case, Table

CASES: dict[str, Case] = {
    module.CASE.key: module.CASE
    for module in (futures_broker, car_detailing, airline_frequent_flyer, retail_chain, online_shop)
}

# Each case's notebook, which reads every table of its case from one folder with
# ``load(case, folder=DATA_FOLDER)`` (or from ``$CRMKIT_DATA_DIR/<case>/``): the tables
# ``crmkit data validate`` treats as needed unless told which ones the notebook at hand reads.
# tests/test_own_data.py checks this against the notebooks.
CASE_NOTEBOOKS: dict[str, str] = {
    "futures_broker": "notebooks/01_futures_broker.ipynb",
    "car_detailing": "notebooks/02_car_detailing.ipynb",
    "airline_frequent_flyer": "notebooks/03_airline_frequent_flyer.ipynb",
    "retail_chain": "notebooks/04_retail_chain.ipynb",
    "online_shop": "notebooks/05_online_shop.ipynb",
}


def get_case(key: str) -> Case:
    """The case called ``key``; a mistyped key gets a message listing the valid ones."""
    try:
        return CASES[key]
    except (KeyError, TypeError):
        raise unknown_name("案例", "case", key, CASES) from None


def get_table(case: Case, name: str) -> Table:
    """The table ``name`` of ``case``; a mistyped name gets a message listing the valid ones."""
    if name not in case.table_names:
        raise unknown_name(f"数据表（案例 {case.key}）", "table", name, case.table_names)
    return case.table(name)


def check_size(n_customers: object) -> int:
    """``n_customers`` as a positive whole number, or a message saying what to give instead."""
    if isinstance(n_customers, bool) or not isinstance(n_customers, int) or n_customers <= 0:
        raise UsageError(
            f"客户数必须是正整数，收到 {n_customers!r} / "
            f"The number of customers must be a positive whole number, got {n_customers!r}"
        )
    return n_customers
