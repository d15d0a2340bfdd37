"""The `crmkit data` command as a user runs it: clear one-line errors, the right exit status."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from crmkit.datasets import data_dir


def crmkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *args], capture_output=True, text=True, timeout=300
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess, status: int, *fragments: str
) -> None:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    for fragment in fragments:
        assert fragment in message


def test_unknown_case_lists_the_valid_ones():
    result = crmkit("data", "build", "retial_chain", "--out", "/nonexistent/never-written")
    assert_one_line_error(
        result, 2, "retial_chain", "retail_chain", "futures_broker", "online_shop"
    )


@pytest.mark.parametrize("size", ["0", "-3"])
def test_non_positive_size_is_refused(size, tmp_path):
    result = crmkit("data", "build", "online_shop", "--customers", size, "--out", str(tmp_path))
    assert_one_line_error(result, 2, "positive")
    assert not any(tmp_path.iterdir()), "nothing is written after a refused command"


def test_size_that_is_not_a_number_is_refused(tmp_path):
    result = crmkit("data", "build", "online_shop", "--customers", "many", "--out", str(tmp_path))
    assert result.returncode == 2 and "many" in result.stderr and "Traceback" not in result.stderr


def test_build_then_validate_a_small_dataset(tmp_path):
    built = crmkit(
        "data",
        "build",
        "car_detailing",
        "retail_chain",
        "--customers",
        "300",
        "--seed",
        "5",
        "--out",
        str(tmp_path),
    )
    assert built.returncode == 0, built.stderr
    assert "car_detailing" in built.stdout and "retail_chain" in built.stdout
    assert (tmp_path / "retail_chain" / "visits.csv").exists()
    checked = crmkit("data", "validate", str(tmp_path))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count("✓") == 2


def test_validate_names_the_broken_row_and_exits_non_zero(tmp_path):
    folder = tmp_path / "futures_broker"
    shutil.copytree(data_dir() / "futures_broker", folder)
    trades = folder / "trades.csv"
    lines = trades.read_text(encoding="utf-8-sig").splitlines()
    lines[10] = lines[10].rsplit(",", 1)[0] + ",-12.5"  # a negative commission breaks `minimum: 0`
    trades.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    result = crmkit("data", "validate", str(folder))
    assert result.returncode == 1
    assert "futures_broker/trades.csv" in result.stdout
    assert (
        "row 11" in result.stdout
        and "commission_yuan" in result.stdout
        and "-12.5" in result.stdout
    )


def test_validate_a_folder_that_does_not_exist(tmp_path):
    assert_one_line_error(crmkit("data", "validate", str(tmp_path / "missing")), 1, "missing")


def test_validate_a_folder_without_data_says_what_to_put_there(tmp_path):
    result = crmkit("data", "validate", str(tmp_path))
    assert_one_line_error(result, 1, "No CSV files", "--case", "orders.csv")
    assert "data build" not in result.stderr  # building makes the kit's data, not the user's


def test_validate_needs_no_data_package(tmp_path):
    """The kit's own data dictionary is the reference: a datapackage.json is neither needed nor
    read (a broken one changes nothing)."""
    folder = tmp_path / "online_shop"
    shutil.copytree(data_dir() / "online_shop", folder)
    (folder / "datapackage.json").unlink()
    result = crmkit("data", "validate", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ online_shop: 5" in result.stdout
    (folder / "datapackage.json").write_text("{ not json", encoding="utf-8")
    assert crmkit("data", "validate", str(folder)).returncode == 0


def test_validate_help_says_what_the_notebook_at_hand_needs():
    result = crmkit("data", "validate", "--help")
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert "--case" in text and "--tables" in text
    assert "reads every table of its case" in text and "load(case, table, folder=...)" in text


# A student's plain `pip install crmkit` has no grading extra (tests/test_wheel.py installs one
# for real); here the grading packages are hidden from this process.


def test_course_commands_without_the_grading_extra_say_what_to_install(monkeypatch, capsys):
    from crmkit.cli import main

    monkeypatch.setitem(sys.modules, "nbgrader", None)  # find_spec and import now fail
    for args in (["course", "autograde"], ["course", "--help"], ["course"]):
        assert main(args) == 1, args
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and 'pip install "crmkit[grading]"' in err, err
        assert "评分" in err and "grading tools" in err


def test_a_missing_package_of_the_extra_is_named_not_a_traceback(monkeypatch, capsys):
    import crmkit.grading.cli
    from crmkit.cli import main

    def report_without_copydetect(args):
        import copydetect  # noqa: F401

    monkeypatch.setitem(sys.modules, "copydetect", None)
    monkeypatch.setattr(crmkit.grading.cli, "cmd_generate", report_without_copydetect)
    assert main(["course", "generate"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert 'pip install "crmkit[grading]"' in err and "missing: copydetect" in err


def test_other_missing_modules_stay_internal_errors(monkeypatch, capsys):
    """Only the extra's packages get the install advice: anything else is our bug."""
    import crmkit.grading.cli
    from crmkit.cli import main

    def needs_something_else(args):
        import no_such_module_of_crmkit  # noqa: F401

    monkeypatch.setattr(crmkit.grading.cli, "cmd_generate", needs_something_else)
    monkeypatch.delenv("CRMKIT_DEBUG", raising=False)
    assert main(["course", "generate"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "crmkit[grading]" not in err
