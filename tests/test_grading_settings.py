"""The grader's limits and defaults have one source (crmkit.grading.settings): the CLI's
options and the cell runner read them from there, so changing a value there changes them all."""

from __future__ import annotations

import dataclasses

import pytest

from crmkit.cli import parser
from crmkit.grading import report
from crmkit.grading.demo import class_term as demo
from crmkit.grading.sandbox.executor import CellRunner
from crmkit.grading.settings import SETTINGS, Limits


def test_the_clis_defaults_are_the_settings():
    limits = SETTINGS.limits
    args = parser().parse_args(["course", "autograde"])
    assert (args.cell_timeout, args.wall_limit) == (limits.cell_timeout, limits.wall_seconds)
    args = parser().parse_args(["course", "try", "notebook.ipynb"])
    assert args.cell_timeout == limits.cell_timeout
    args = parser().parse_args(["course", "report"])
    assert args.threshold == SETTINGS.report_threshold == report.DEFAULT_THRESHOLD
    args = parser().parse_args(["course", "demo"])
    assert (args.students, args.seed) == (SETTINGS.demo_class_size, SETTINGS.demo_seed)
    assert (demo.CLASS_SIZE, demo.DEMO_SEED) == (args.students, args.seed)


def test_the_clis_help_shows_the_settings_values(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["course", "autograde", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"seconds one cell may run (default {SETTINGS.limits.cell_timeout})" in shown
    assert f"seconds one submission may take (default {SETTINGS.limits.wall_seconds})" in shown
    with pytest.raises(SystemExit):
        parser().parse_args(["course", "demo", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    sizes = f"{SETTINGS.demo_min_class_size}-{SETTINGS.demo_max_class_size}"
    assert f"class size ({sizes}, default {SETTINGS.demo_class_size})" in shown
    assert f"(default {SETTINGS.demo_seed})" in shown


def test_a_cell_runner_keeps_what_the_submissions_limits_allow():
    limits = Limits(cell_output_bytes=1000, notebook_output_bytes=3000, interrupt_grace_seconds=1.5)
    assert limits != Limits()
    runner = CellRunner.for_limits(None, lambda: True, lambda: None, limits)
    assert (runner.max_cell_bytes, runner.budget, runner.grace_seconds) == (1000, [3000], 1.5)


def test_a_cell_runner_without_limits_uses_the_settings():
    runner = CellRunner(None, lambda: True, lambda: None)
    limits = SETTINGS.limits
    assert runner.max_cell_bytes == limits.cell_output_bytes
    assert runner.budget == [limits.notebook_output_bytes]
    assert runner.grace_seconds == limits.interrupt_grace_seconds


def test_settings_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.limits.cell_timeout = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SETTINGS.report_threshold = 0.9  # type: ignore[misc]
