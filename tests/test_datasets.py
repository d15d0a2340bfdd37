"""The committed datasets: reproducible from the seed, valid against their data dictionary,
readable by Excel and pandas, and loaded with the right dtypes."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crmkit.datasets import CASES, build, data_dir, generate, labels, load
from crmkit.datasets.validation import Problem, case_folders, check_folder
from crmkit.errors import CrmkitError, UsageError

ROOT = Path(__file__).resolve().parents[1]
CASE_KEYS = list(CASES)


def validate_folder(folder: Path) -> list[Problem]:
    """Every problem in one case folder, as ``crmkit data validate`` checks it."""
    problems = []
    for spec, where in case_folders(folder):
        problems += check_folder(where, spec).problems
    return problems


def test_datasets_live_in_the_kit():
    assert data_dir() == ROOT / "datasets"
    assert sorted(p.name for p in data_dir().iterdir() if p.is_dir()) == sorted(CASE_KEYS)


@pytest.mark.parametrize("case", CASE_KEYS)
def test_committed_files_are_exactly_what_the_generator_makes(case, tmp_path):
    folder = build(case, tmp_path)
    committed = data_dir() / case
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in committed.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(folder, committed, names, shallow=False)
    assert not mismatch and not errors, (
        f"rebuild differs: {mismatch or errors}; run `crmkit data build`"
    )


def test_whole_dataset_folder_stays_small():
    size = sum(p.stat().st_size for p in data_dir().rglob("*") if p.is_file())
    assert size < 10.5e6, f"datasets/ is {size / 1e6:.1f} MB"


@pytest.mark.parametrize("case", CASE_KEYS)
def test_committed_csvs_are_valid_against_their_data_dictionary(case):
    assert validate_folder(data_dir() / case) == []


@pytest.mark.parametrize("case", CASE_KEYS)
def test_the_data_package_is_a_valid_frictionless_descriptor(case):
    """datapackage.json is for other tools (the kit checks CSVs against its own dictionary):
    Frictionless, the standard's reference implementation, must accept it."""
    from frictionless import Package

    descriptor = json.loads((data_dir() / case / "datapackage.json").read_text(encoding="utf-8"))
    report = Package.validate_descriptor(descriptor)
    assert report.valid, [error.message for error in report.errors]


@pytest.mark.parametrize("case", CASE_KEYS)
def test_every_field_is_documented_in_both_languages(case):
    package = json.loads((data_dir() / case / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        assert resource["encoding"] == "utf-8-sig"
        for field in resource["schema"]["fields"]:
            chinese, english = field["description"].split(" / ", 1)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), field["name"]
            assert english.isascii() or any(ch.isascii() and ch.isalpha() for ch in english), field[
                "name"
            ]
            assert field["type"] in {"string", "integer", "number", "boolean", "date", "datetime"}
    assert package["calibration"], "each case states at least one figure"


def test_csv_opens_in_excel_and_pandas_with_chinese_intact():
    raw = (data_dir() / "futures_broker" / "clients.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark to read Chinese"
    assert b"\r\n" not in raw
    text = raw.decode("utf-8-sig")
    assert "营业部" in text
    plain = pd.read_csv(data_dir() / "futures_broker" / "clients.csv", encoding="utf-8-sig")
    assert plain.columns[0] == "client_id"  # no stray BOM in the first column name
    assert plain["branch"].str.endswith("营业部").all()


@pytest.mark.parametrize("bad", ["李,雷", 'say "hi"', "two\nlines", "two\r\nlines"])
def test_text_that_would_need_quotes_is_refused_not_written_unquoted(bad, tmp_path):
    """The CSVs are written unquoted, so a comma, quote or line break in any text would shift
    columns in Excel: the writer stops before it writes, however far down the row is."""
    from crmkit.datasets import csvio

    table = CASES["retail_chain"].table("promotions")
    promotions = load("retail_chain", "promotions")
    rows = pd.concat([promotions] * 20_000, ignore_index=True)
    rows.loc[len(rows) - 1, "name"] = bad
    with pytest.raises(ValueError, match="promotions.name has a comma, quote or line break"):
        csvio.write_table(rows, table, tmp_path)
    assert not (tmp_path / "promotions.csv").exists()
    csvio.write_table(rows.iloc[:-1], table, tmp_path)  # the same rows but that one are fine
    assert (tmp_path / "promotions.csv").exists()


@pytest.mark.parametrize("case", CASE_KEYS)
def test_load_gives_the_dtypes_of_the_data_dictionary(case):
    tables = load(case)
    spec = CASES[case]
    assert list(tables) == spec.table_names
    for table in spec.tables:
        df = tables[table.name]
        assert list(df.columns) == table.field_names
        for field in table.fields:
            dtype = df[field.name].dtype
            if field.enum:
                assert isinstance(dtype, pd.CategoricalDtype), field.name
                assert list(dtype.categories) == list(field.enum)
            elif field.type in ("date", "datetime"):
                assert pd.api.types.is_datetime64_dtype(dtype), field.name
            elif field.type == "string":
                assert pd.api.types.is_string_dtype(dtype), field.name
            elif field.type == "number":
                assert pd.api.types.is_float_dtype(dtype), field.name


@pytest.mark.parametrize("case", CASE_KEYS)
def test_loaded_csvs_equal_the_generated_tables(case):
    """Nothing is lost between generating and reading back the CSV."""
    from_csv, generated = load(case), generate(case)
    for name in from_csv:
        pd.testing.assert_frame_equal(
            from_csv[name], generated[name], check_exact=False, rtol=1e-12
        )


def test_one_table_is_a_dataframe():
    visits = load("retail_chain", "visits")
    assert isinstance(visits, pd.DataFrame) and len(visits) > 10_000
    assert visits["purchased"].dtype == bool


@pytest.mark.parametrize("case", CASE_KEYS)
def test_student_variants_differ_but_keep_the_schema(case):
    spec = CASES[case]
    customers = spec.customer_table
    mine = load(case, customers, student="s001")
    again = load(case, customers, student=" S001 ")  # ids are trimmed and case-folded
    other = load(case, customers, student="s002")
    default = load(case, customers)
    pd.testing.assert_frame_equal(mine, again)
    assert not mine.equals(other) and not mine.equals(default)
    assert list(mine.dtypes) == list(default.dtypes)
    assert len(mine) == len(default) == spec.default_customers


def test_size_and_seed_select_other_draws():
    small = load("online_shop", "customers", n_customers=250)
    assert len(small) == 250
    assert not load("online_shop", "orders", seed=7).equals(load("online_shop", "orders"))


def test_labels_give_chinese_names_of_codes():
    assert labels("futures_broker", "clients", "status")["existing"] == "现有客户"


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: load("retial_chain"), "retail_chain"),
        (lambda: load("retail_chain", "visit"), "visits"),
        (lambda: load("retail_chain", n_customers=0), "positive"),
        (lambda: load("retail_chain", n_customers=-5), "positive"),
        (lambda: labels("retail_chain", "visits", "purchase"), "purchased"),
    ],
)
def test_mistakes_get_a_message_that_lists_what_is_valid(call, fragment):
    with pytest.raises(UsageError) as raised:
        call()
    message = str(raised.value)
    assert fragment in message and "\n" not in message


def test_validate_names_file_row_column_and_reason(tmp_path):
    folder = tmp_path / "retail_chain"
    shutil.copytree(data_dir() / "retail_chain", folder)
    path = folder / "shoppers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[3].split(",")  # file row 4: the third shopper
    cells[1] = "femal"  # gender outside its enum
    lines[3] = ",".join(cells)
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_folder(folder)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == ("retail_chain/shoppers.csv", 4, "gender")
    assert "femal" in problem.reason


def test_own_csv_with_missing_column_is_named(tmp_path):
    shutil.copytree(data_dir() / "retail_chain", tmp_path / "mine")
    visits = pd.read_csv(tmp_path / "mine" / "visits.csv", encoding="utf-8-sig").drop(
        columns=["purchased"]
    )
    visits.to_csv(tmp_path / "mine" / "visits.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(CrmkitError, match="purchased"):
        load("retail_chain", "visits", folder=tmp_path / "mine")


def test_own_csv_with_a_wrong_value_names_the_column(tmp_path):
    shutil.copytree(data_dir() / "retail_chain", tmp_path / "mine")
    shoppers = pd.read_csv(tmp_path / "mine" / "shoppers.csv", encoding="utf-8-sig")
    shoppers.loc[5, "state"] = "vip"
    shoppers.to_csv(tmp_path / "mine" / "shoppers.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(CrmkitError, match="state.*vip"):
        load("retail_chain", "shoppers", folder=tmp_path / "mine")


# --- tables kept in memory between calls (crmkit.datasets.memory) ----------------------------


@pytest.fixture
def reads(monkeypatch):
    """Every CSV read from disk and every dataset generated, by file name or case."""
    from crmkit import datasets
    from crmkit.datasets import csvio, memory

    memory.clear()
    seen = []
    read_table, generate_tables = csvio.read_table, datasets.build_tables
    monkeypatch.setattr(
        csvio,
        "read_table",
        lambda path, table, *check: seen.append(Path(path).name) or read_table(path, table, *check),
    )
    monkeypatch.setattr(
        datasets,
        "build_tables",
        lambda case, *rest: seen.append(case) or generate_tables(case, *rest),
    )
    yield seen
    memory.clear()


def test_a_second_load_is_served_from_memory(reads):
    first = load("retail_chain")
    assert sorted(reads) == sorted(f"{name}.csv" for name in first)
    reads.clear()
    again, visits = load("retail_chain"), load("retail_chain", "visits")
    assert reads == []
    for name, table in first.items():
        pd.testing.assert_frame_equal(again[name], table)
    pd.testing.assert_frame_equal(visits, first["visits"])
    assert again["visits"] is not first["visits"]


def test_what_one_caller_changes_never_reaches_the_next(reads):
    from crmkit.datasets import csvio

    table = CASES["retail_chain"].table("shoppers")
    as_read = csvio.read_table(data_dir() / "retail_chain" / "shoppers.csv", table)
    shoppers = load("retail_chain", "shoppers")
    shoppers.loc[0, "age"] = -1
    shoppers["city"] = shoppers["city"].cat.add_categories(["拉萨"])
    shoppers.iloc[1, shoppers.columns.get_loc("shopper_id")] = "X"
    # writes straight into the arrays, past pandas' copy-on-write
    shoppers["age"].array[2] = -2
    shoppers["state"].array[3] = "loyal" if as_read.loc[3, "state"] != "loyal" else "potential"
    shoppers.sort_values("age", inplace=True)
    shoppers.drop(columns=["gender"], inplace=True)
    shoppers.attrs["note"] = "mine"
    shoppers.index.name = "row"
    pd.testing.assert_frame_equal(load("retail_chain", "shoppers"), as_read)
    assert load("retail_chain", "shoppers").attrs == {}
    mine = load("retail_chain", "shoppers", student="s01")
    mine["age"].array[0] = -3
    assert load("retail_chain", "shoppers", student="s01")["age"].iloc[0] != -3


def test_student_variants_are_generated_once(reads):
    load("retail_chain", "visits", student="2023012345")
    load("retail_chain", "shoppers", student="2023012345")
    generate("retail_chain", student="2023012345")
    load("retail_chain", "visits", student="2023012346")
    assert reads == ["retail_chain", "retail_chain"]


def test_a_changed_file_is_read_again(reads, tmp_path):
    import os
    import time

    folder = tmp_path / "mine"
    shutil.copytree(data_dir() / "retail_chain", folder)  # copies keep their old times
    assert load("retail_chain", "shoppers", folder=folder)["age"].iloc[0] != 99
    load("retail_chain", "shoppers", folder=folder)
    assert reads == ["shoppers.csv"]
    path = folder / "shoppers.csv"
    shoppers = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    shoppers.loc[0, "age"] = "99"
    shoppers.to_csv(path, index=False, encoding="utf-8-sig")
    # just written: read on every call, since a second quick write may keep size and time
    assert load("retail_chain", "shoppers", folder=folder)["age"].iloc[0] == 99
    assert load("retail_chain", "shoppers", folder=folder)["age"].iloc[0] == 99
    assert reads.count("shoppers.csv") == 3
    settled = time.time() - 60
    os.utime(path, (settled, settled))
    load("retail_chain", "shoppers", folder=folder)
    load("retail_chain", "shoppers", folder=folder)
    assert reads.count("shoppers.csv") == 4
    # the same file under another folder, or as another case's data dir, is its own entry
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    load("retail_chain", "shoppers", folder=other)
    assert reads.count("shoppers.csv") == 5


def test_kept_tables_are_bounded_least_recently_used_first(reads, monkeypatch):
    from crmkit.datasets import memory

    one_case = sum(memory._nbytes(frame) for frame in load("retail_chain").values())
    monkeypatch.setattr(memory, "MAX_BYTES", one_case + one_case // 2)
    load("online_shop")
    assert memory._kept_bytes <= memory.MAX_BYTES
    reads.clear()
    load("online_shop")
    assert reads == []  # the latest is kept
    load("retail_chain", "visits")
    assert "visits.csv" in reads  # the oldest was dropped
