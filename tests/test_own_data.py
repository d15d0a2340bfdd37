"""An instructor's own CSVs: the notebooks run on them, and CSVs that do not fit are named.

The instructor's data are made here from the kit's: fewer customers (with every row that refers
to a dropped customer dropped too, following the data dictionary's foreign keys) and different
money amounts, written the way the data dictionary describes. The notebooks then read them with
``load(case, folder=...)`` or, for every notebook at once, with ``CRMKIT_DATA_DIR``.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from crmkit.cli import main as crmkit_main
from crmkit.datasets import CASES, csvio, data_dir, load
from crmkit.errors import CrmkitError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_CASES = {  # which case each notebook loads
    "00_start_here.ipynb": "retail_chain",
    "01_futures_broker.ipynb": "futures_broker",
    "02_car_detailing.ipynb": "car_detailing",
    "03_airline_frequent_flyer.ipynb": "airline_frequent_flyer",
    "04_retail_chain.ipynb": "retail_chain",
    "05_online_shop.ipynb": "online_shop",
}
NOTEBOOKS = [name for name in NOTEBOOK_CASES if (ROOT / "notebooks" / name).exists()]


def instructor_data(
    case: str, keep: float = 0.6, money_factor: float = 1.5
) -> dict[str, pd.DataFrame]:
    """The kit's default tables of ``case`` with ``keep`` of its customers and money
    × ``money_factor``."""
    spec = CASES[case]
    tables = load(case)
    customers = tables[spec.customer_table]
    # spread over the whole table, not its start
    spread = (pd.RangeIndex(len(customers)) % 10) < round(keep * 10)
    tables[spec.customer_table] = customers[spread]
    changed = True
    while changed:  # drop rows whose foreign key points at a dropped row, until nothing changes
        changed = False
        for table in spec.tables:
            frame = tables[table.name]
            for fk in table.foreign_keys:
                fields = [fk.fields] if isinstance(fk.fields, str) else list(fk.fields)
                reference = [fk.reference] if isinstance(fk.reference, str) else list(fk.reference)
                kept = tables[fk.table][reference[0]]
                ok = frame[fields[0]].isna() | frame[fields[0]].isin(kept)
                if not ok.all():
                    frame = frame[ok]
                    changed = True
            tables[table.name] = frame.reset_index(drop=True)
    for table in spec.tables:  # other amounts than the kit's
        for field in table.fields:
            if field.type == "number" and field.unit == "CNY":
                tables[table.name][field.name] = (
                    tables[table.name][field.name] * money_factor
                ).round(2)
    return tables


def write_case(tables: dict[str, pd.DataFrame], case: str, folder: Path) -> Path:
    """Write the tables as the kit writes CSVs, with the case's datapackage.json beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in CASES[case].tables:
        csvio.write_table(tables[table.name], table, folder)
    shutil.copy(data_dir() / case / "datapackage.json", folder / "datapackage.json")
    return folder


@pytest.fixture(scope="module")
def futures_folder(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    tables = instructor_data("futures_broker")
    return write_case(
        tables, "futures_broker", tmp_path_factory.mktemp("own") / "futures_broker"
    ), tables


def top20_commission_share(trades: pd.DataFrame) -> float:
    """The analysis path of the futures notebook (2.1–2.4): commission of the top 20% of clients."""
    per_client = trades.groupby("client_id")["commission_yuan"].sum().sort_values(ascending=False)
    return per_client.head(math.ceil(0.2 * len(per_client))).sum() / per_client.sum()


def test_load_reads_the_instructors_folder(futures_folder):
    folder, written = futures_folder
    mine = load("futures_broker", folder=folder)
    default = load("futures_broker")
    assert len(mine["clients"]) == len(written["clients"]) < len(default["clients"])
    assert mine["trades"]["commission_yuan"].sum() == pytest.approx(
        written["trades"]["commission_yuan"].sum()
    )
    assert mine["trades"]["commission_yuan"].sum() != pytest.approx(
        default["trades"]["commission_yuan"].sum()
    )
    for name, frame in mine.items():  # the same dtypes as the kit's data: categoricals, dates …
        assert dict(frame.dtypes) == dict(default[name].dtypes), name


def test_the_case_analysis_runs_on_the_instructors_data(futures_folder):
    folder, written = futures_folder
    trades = load("futures_broker", "trades", folder=folder)
    assert top20_commission_share(trades) == pytest.approx(
        top20_commission_share(written["trades"])
    )
    assert 0 < top20_commission_share(trades) < 1


def test_the_instructors_folder_validates(futures_folder, capsys):
    folder, _ = futures_folder
    assert crmkit_main(["data", "validate", str(folder)]) == 0
    assert "✓ futures_broker" in capsys.readouterr().out


def test_crmkit_data_dir_points_every_load_at_the_instructors_data(futures_folder, monkeypatch):
    folder, written = futures_folder
    monkeypatch.setenv("CRMKIT_DATA_DIR", str(folder.parent))
    assert len(load("futures_broker", "clients")) == len(written["clients"])
    assert len(load("retail_chain", "visits")) > 0  # a case the instructor left out: the kit's data


# --- CSVs that do not fit ---------------------------------------------------------------------


@pytest.fixture()
def trades_csv(tmp_path) -> tuple[Path, pd.DataFrame]:
    trades = load("futures_broker", "trades").head(50)
    return tmp_path, trades


def write_raw(frame: pd.DataFrame, folder: Path, name: str = "trades") -> None:
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")


def test_a_missing_column_is_named(trades_csv):
    folder, trades = trades_csv
    write_raw(trades.drop(columns=["commission_yuan", "lots"]), folder)
    with pytest.raises(CrmkitError) as caught:
        load("futures_broker", "trades", folder=folder)
    message = str(caught.value)
    assert "trades.csv" in message
    assert "missing columns: lots, commission_yuan" in message
    assert (
        "table trades needs: trade_id, client_id, traded_on, product, lots, commission_yuan"
        in message
    )


def test_a_misnamed_column_is_named(trades_csv):
    folder, trades = trades_csv
    write_raw(trades.rename(columns={"commission_yuan": "commission"}), folder)
    with pytest.raises(CrmkitError, match="missing columns: commission_yuan"):
        load("futures_broker", "trades", folder=folder)


def test_a_value_outside_the_dictionary_is_named_with_its_column(trades_csv):
    folder, trades = trades_csv
    wrong = trades.astype({"product": "string"})
    wrong.loc[0, "product"] = "比特币"
    write_raw(wrong, folder)
    with pytest.raises(CrmkitError) as caught:
        load("futures_broker", "trades", folder=folder)
    message = str(caught.value)
    # the allowed values
    assert "'product'" in message and "比特币" in message and "沪铜" in message


def test_text_in_a_number_column_is_named_with_its_column(trades_csv):
    folder, trades = trades_csv
    wrong = trades.astype({"commission_yuan": "string"})
    wrong.loc[3, "commission_yuan"] = "十二元"
    write_raw(wrong, folder)
    with pytest.raises(CrmkitError, match="commission_yuan"):
        load("futures_broker", "trades", folder=folder)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CrmkitError, match="clients.csv"):
        load("futures_broker", "clients", folder=tmp_path)


# --- notebooks on the instructor's data ---------------------------------------------------------


def execute_with_data(notebook: Path, data_root: Path, workdir: Path) -> nbformat.NotebookNode:
    """Run a copy of ``notebook`` in a kernel whose CRMKIT_DATA_DIR is ``data_root``."""
    (workdir / "notebooks").mkdir(parents=True)
    for folder in ("cases", "datasets"):  # relative paths in the notebook resolve as in the repo
        (workdir / folder).symlink_to(ROOT / folder, target_is_directory=True)
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(workdir / "notebooks")}},
    )
    previous = os.environ.get("CRMKIT_DATA_DIR")
    os.environ["CRMKIT_DATA_DIR"] = str(data_root)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        if previous is None:
            os.environ.pop("CRMKIT_DATA_DIR")
        else:
            os.environ["CRMKIT_DATA_DIR"] = previous
    return nb


def all_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
def test_start_here_reads_the_instructors_data_through_crmkit_data_dir(tmp_path):
    tables = instructor_data("retail_chain", keep=0.5)
    write_case(tables, "retail_chain", tmp_path / "my_data" / "retail_chain")
    nb = execute_with_data(
        ROOT / "notebooks" / "00_start_here.ipynb", tmp_path / "my_data", tmp_path / "run"
    )
    text = all_text(nb)
    assert f"\n{len(tables['visits'])}" in "\n" + text  # the `len(visits)` cell
    assert f"{len(tables['visits']):,} 次到店 / visits" in text
    assert str(len(load("retail_chain", "visits"))) not in text.split("默认数据")[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_an_instructors_data(name, tmp_path):
    """Every notebook runs top to bottom on data that follow the dictionary
    but are not the kit's."""
    case = NOTEBOOK_CASES[name]
    write_case(instructor_data(case), case, tmp_path / "my_data" / case)
    nb = execute_with_data(ROOT / "notebooks" / name, tmp_path / "my_data", tmp_path / "run")
    errors = [
        o for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    assert "出错了 / Something went wrong" not in all_text(nb)
