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
from crmkit.datasets.registry import CASE_NOTEBOOKS
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


def test_a_missing_file_is_named_and_never_sends_the_user_to_build(tmp_path):
    with pytest.raises(CrmkitError, match="clients.csv") as caught:
        load("futures_broker", "clients", folder=tmp_path)
    message = str(caught.value)
    assert "data build" not in message
    assert f"crmkit data validate {tmp_path} --case futures_broker --tables clients" in message


def test_a_blank_required_boolean_is_refused_not_read_as_false(tmp_path):
    visits = load("retail_chain", "visits").head(20).astype({"purchased": "object"})
    visits.loc[4, "purchased"] = None
    write_raw(visits, tmp_path, "visits")
    with pytest.raises(CrmkitError) as caught:
        load("retail_chain", "visits", folder=tmp_path)
    message = str(caught.value)
    assert "'purchased' is required but blank in 1 row(s), the first in row 6" in message
    assert f"crmkit data validate {tmp_path} --case retail_chain --tables visits" in message


# --- crmkit data validate on an instructor's folder ---------------------------------------------


def validate(capsys, *args: str) -> tuple[int, list[str]]:
    """Run ``crmkit data validate ARGS``: its exit status and the lines it printed."""
    status = crmkit_main(["data", "validate", *args])
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    return status, printed.out.splitlines()


def lines_with(lines: list[str], *fragments: str) -> list[str]:
    return [line for line in lines if all(f in line for f in fragments)]


def test_case_notebooks_read_every_table_of_their_case():
    """What `crmkit data validate` calls the notebook at hand, and why every table is needed."""
    for case, notebook in CASE_NOTEBOOKS.items():
        nb = nbformat.read(ROOT / notebook, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert f'load("{case}", folder=DATA_FOLDER)' in code, notebook
        assert NOTEBOOK_CASES[Path(notebook).name] == case


def test_a_transaction_log_is_told_which_columns_to_rename_and_add(tmp_path, capsys):
    """An export as a shop's system writes it: customer, date and amount, nothing else."""
    folder = tmp_path / "shop_export"
    folder.mkdir()
    orders = load("online_shop", "orders").head(40)
    amounts = [f"{value:.2f}" for value in orders["amount_yuan"]]
    amounts[2], amounts[7] = "¥1,280.00", "1,234.50"
    log = pd.DataFrame(
        {
            "customer": orders["customer_id"],
            "date": orders["ordered_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "amount": amounts,
        }
    )
    log.to_csv(folder / "orders.csv", index=False, encoding="utf-8-sig")

    status, lines = validate(capsys, str(folder), "--case", "online_shop", "--tables", "orders")
    assert status == 1
    problems = [line for line in lines if line.startswith("  shop_export/")]
    assert lines_with(problems, "'customer_id'", "column missing", "'customer' looks like it")
    assert lines_with(problems, "'ordered_at'", "column missing", "'date' looks like it")
    assert lines_with(problems, "'amount_yuan'", "column missing", "'amount' looks like it")
    for column in ("order_id", "items", "status"):
        assert lines_with(problems, f"'{column}'", "column missing"), column
    assert lines_with(problems, "row 4", "'amount'", "'¥1,280.00'", "drop the currency sign")
    assert lines_with(problems, "row 9", "'amount'", "'1,234.50'", "thousands separator")
    assert len(problems) == 8, problems  # the 6 columns and the 2 amounts
    # the other tables are notes: the notebook at hand reads orders only
    notes = [line for line in lines if "note:" in line]
    assert len(lines_with(notes, "not in the folder")) == 4
    assert not any("data build" in line or "Errno" in line for line in lines)

    # renamed and completed as the lines say: valid, and load() reads it
    fixed = pd.DataFrame(
        {
            "order_id": [f"O{n:05d}" for n in range(len(log))],
            "customer_id": log["customer"],
            "ordered_at": log["date"] + ":00",
            "items": 1,
            "amount_yuan": [a.strip("¥").replace(",", "") for a in amounts],
            "status": "completed",
        }
    )
    fixed.to_csv(folder / "orders.csv", index=False, encoding="utf-8-sig")
    status, lines = validate(capsys, str(folder), "--case", "online_shop", "--tables", "orders")
    assert status == 0, lines
    assert (
        lines[0]
        == "✓ online_shop: 1 张表符合数据字典 / 1 table(s) fit the data dictionary (orders)"
    )
    assert load("online_shop", "orders", folder=folder)["amount_yuan"].iloc[2] == 1280.0


@pytest.fixture()
def partial_retail(tmp_path) -> Path:
    """Two of the five retail tables, the instructor's own, with a 'yes' and a blank where
    `purchased` needs true or false."""
    tables = instructor_data("retail_chain", keep=0.1)
    folder = tmp_path / "retail_chain"
    folder.mkdir()
    visits = tables["visits"].astype({"purchased": "object"})
    visits.loc[6, "purchased"] = "yes"  # file row 8
    visits.loc[11, "purchased"] = None  # file row 13
    visits.to_csv(folder / "visits.csv", index=False, encoding="utf-8-sig")
    csvio.write_table(tables["shoppers"], CASES["retail_chain"].table("shoppers"), folder)
    return folder


def test_a_partial_folder_names_each_wrong_value_and_notes_tables_not_needed(
    partial_retail, capsys
):
    status, lines = validate(
        capsys, str(partial_retail), "--tables", "visits", "shoppers"
    )  # the case from the folder's name
    assert status == 1
    assert lines[0].startswith("✗ retail_chain") and "2 个问题 / problem(s)" in lines[0]
    assert lines[1] == (
        "  retail_chain/visits.csv 第 8 行 row 8, 列 column 'purchased': 'yes' 不是 true/false / "
        "is not true or false; write true or false (or 1 and 0)"
    )
    assert lines[2].startswith("  retail_chain/visits.csv 第 13 行 row 13, 列 column 'purchased'")
    assert "required but blank" in lines[2]
    notes = [line for line in lines if "note:" in line]
    for table in ("stores", "promotions", "purchases"):
        assert lines_with(notes, f"{table}.csv", "not in the folder"), table
    assert lines_with(notes, "store_id not checked against stores.csv")


def test_a_partial_folder_for_the_case_notebook_lists_the_missing_tables_as_problems(
    partial_retail, capsys
):
    status, lines = validate(capsys, str(partial_retail))
    assert status == 1
    for table in ("stores", "promotions", "purchases"):
        [line] = lines_with(lines, f"retail_chain/{table}.csv", "file missing")
        assert "notebooks/04_retail_chain.ipynb reads every table" in line and "--tables" in line
    assert not any("data build" in line for line in lines)


def test_the_kits_own_folder_validates_as_a_parent_of_case_folders(futures_folder, capsys):
    folder, _ = futures_folder
    status, lines = validate(capsys, str(folder.parent))
    assert status == 0 and lines == [
        "✓ futures_broker: 5 张表符合数据字典 / 5 table(s) fit the data dictionary"
    ]


def test_broken_files_get_one_line_each(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    header = "visit_id,shopper_id,store_id,visited_on,promotion_id,purchased\n"
    (folder / "visits.csv").write_text(
        header + "V1,P1,S1,2024-01-01,,true\nV2,P1,S1,2024-01-02,,true,3.5\n", encoding="utf-8"
    )
    (folder / "stores.csv").write_bytes(b"\xef\xbb\xbf")
    (folder / "shoppers.csv").write_bytes(
        "shopper_id,gender,age,income_band,city,state\nP1,female,30,below_2500,广州,loyal\n".encode(
            "gbk"
        )
    )
    status, lines = validate(
        capsys, str(folder), "--case", "retail_chain", "--tables", "visits", "stores", "shoppers"
    )
    assert status == 1
    problems = [line for line in lines if line.startswith("  mine/")]
    assert problems == [
        "  mine/shoppers.csv 第 2 行 row 2: 文件是 GBK 编码（Excel 的“CSV”格式）/ is GBK-encoded "
        "(Excel's plain 'CSV')；在 Excel 里另存为“CSV UTF-8” / save it from Excel as 'CSV UTF-8'",
        "  mine/stores.csv: 文件是空的 / the file is empty; the first row names columns",
        "  mine/visits.csv 第 3 行 row 3: 有 7 个值，表头只有 6 列；含逗号的值要加引号 / "
        "has 7 values but the header names 6 columns; a value with a comma needs quotes",
    ]


def test_many_rows_with_one_problem_are_counted_not_listed(tmp_path, capsys):
    trades = load("futures_broker", "trades").head(200).astype({"lots": "object"})
    trades["lots"] = "两手"
    trades.to_csv(tmp_path / "trades.csv", index=False, encoding="utf-8-sig")
    status, lines = validate(
        capsys, str(tmp_path), "--case", "futures_broker", "--tables", "trades"
    )
    assert status == 1
    lots = lines_with(lines, "'lots'")
    assert len(lots) == 4 and lots[-1].endswith("197 more row(s) with the same problem")
    assert lines_with(lots, "row 2", "'两手' 不是整数 / is not a whole number")


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
