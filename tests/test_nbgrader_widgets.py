"""Widget answers survive saving, a kernel restart and nbgrader's headless re-run, graded by value.

The kernel test drives a real IPython kernel the way JupyterLab does: it runs the student
version's cells, changes the widgets with the same ``comm_msg`` "update" messages the browser
sends, restarts the kernel, rebuilds the widgets, and then hands the folder in to
``nbgrader autograde``. The other tests check :mod:`crmkit.course.answers` directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from answer_fixtures import (
    ACCEPTED,
    COURSE,
    STEP_OF,
    right_cutoff,
    right_tier,
    term_context,
    tier_service_answers,
)

from crmkit.course import answers, scenarios, tickets
from crmkit.course.answers import (
    ANSWERS_FILE,
    ChoiceAnswer,
    ChoiceTableAnswer,
    NumberAnswer,
    read_answers,
)
from crmkit.errors import CrmkitError
from crmkit.grading import course_folder
from crmkit.grading import scores as grades
from crmkit.grading.run.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = term_context(COURSE, "segmentation")  # the published term's rules
COURSE = REPO / "exercises"
OPTIONS = [("甲 / A", "a"), ("乙 / B", "b"), ("丙 / C", "c")]


# --- the module on its own -------------------------------------------------------------------


def test_a_choice_is_saved_the_moment_it_changes_and_read_back(tmp_path):
    first = ChoiceAnswer("q1", OPTIONS, "1.1", folder=tmp_path)
    assert first.value is None and not (tmp_path / ANSWERS_FILE).exists()
    first.dropdown.value = "b"  # what a click in the browser ends in
    assert read_answers(tmp_path) == {"q1": "b"}
    again = ChoiceAnswer("q1", OPTIONS, "1.1", folder=tmp_path)  # after a kernel restart
    assert again.value == "b" and again.dropdown.value == "b"


def test_a_choice_table_keeps_answered_rows_only(tmp_path):
    table = ChoiceTableAnswer("t", [("一", "one"), ("二", "two")], OPTIONS, folder=tmp_path)
    table.dropdowns["two"].value = "c"
    assert table.value == {"two": "c"}
    table.dropdowns["one"].value = "a"
    assert ChoiceTableAnswer(
        "t", [("一", "one"), ("二", "two")], OPTIONS, folder=tmp_path
    ).value == {"one": "a", "two": "c"}


def test_where_a_widget_cannot_be_drawn_its_text_is_the_answer(tmp_path):
    """Feedback pages and nbconvert show a widget's text/plain: the student sees their answer."""
    table = ChoiceTableAnswer("tiers", [("一", "one"), ("二", "two")], OPTIONS, folder=tmp_path)
    assert table._repr_mimebundle_()["text/plain"] == "tiers: 未作答 / not answered"
    table.dropdowns["two"].value = "c"
    assert table._repr_mimebundle_()["text/plain"] == "tiers: two: c"
    cutoff = NumberAnswer(
        "core_cutoff", minimum=0, maximum=50000, step=100, description="x", folder=tmp_path
    )
    cutoff.set(27700)
    assert cutoff._repr_mimebundle_()["text/plain"] == "core_cutoff: 27,700"


def test_a_saved_code_that_is_no_option_is_dropped(tmp_path):
    answers.save_answer("t", {"one": "zzz", "two": "b", "three": "a"}, tmp_path)
    table = ChoiceTableAnswer("t", [("一", "one"), ("二", "two")], OPTIONS, folder=tmp_path)
    assert table.value == {"two": "b"}


def test_a_slider_is_unanswered_until_moved_then_saved(tmp_path):
    readouts = []
    slider = NumberAnswer(
        "cut",
        minimum=0,
        maximum=1000,
        step=100,
        description="x",
        readout=lambda v: readouts.append(v) or f"{v:.0f}",
        folder=tmp_path,
    )
    assert slider.value is None
    slider.slider.value = 300
    assert slider.value == 300.0 and read_answers(tmp_path) == {"cut": 300.0}
    assert readouts[-1] == 300 and slider.readout_label.value == "300"
    assert (
        NumberAnswer(
            "cut", minimum=0, maximum=1000, step=100, description="x", folder=tmp_path
        ).value
        == 300.0
    )


def test_set_answers_in_code_and_saves_like_a_click(tmp_path):
    choice = ChoiceAnswer("q", OPTIONS, "q", folder=tmp_path)
    choice.set("c")
    assert choice.value == "c" and read_answers(tmp_path) == {"q": "c"}


def test_preset_fills_only_an_unanswered_widget_and_never_saves(tmp_path):
    fresh = ChoiceAnswer("q", OPTIONS, "q", folder=tmp_path)
    fresh.preset("a")
    assert fresh.value == "a" and not (tmp_path / ANSWERS_FILE).exists()
    answers.save_answer("q", "b", tmp_path)
    answered = ChoiceAnswer("q", OPTIONS, "q", folder=tmp_path)
    answered.preset("a")
    assert answered.value == "b"


def test_answers_of_different_tasks_share_one_file(tmp_path):
    ChoiceAnswer("q1", OPTIONS, "1", folder=tmp_path).set("a")
    ChoiceAnswer("q2", OPTIONS, "2", folder=tmp_path).set("b")
    ChoiceAnswer("q1", OPTIONS, "1", folder=tmp_path).set(None)
    assert read_answers(tmp_path) == {"q2": "b"}
    assert not list(tmp_path.glob(".widget_answers.*"))  # no temporary file left behind


def test_a_damaged_answers_file_is_reported_not_ignored(tmp_path):
    (tmp_path / ANSWERS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(CrmkitError, match="delete it and answer again"):
        ChoiceAnswer("q", OPTIONS, "q", folder=tmp_path)


# --- a real kernel, restarted, then nbgrader ---------------------------------------------------


class Kernel:
    """A kernel started in a folder, run like JupyterLab runs it."""

    def __init__(self, folder: Path):
        from jupyter_client.manager import KernelManager

        course_folder.ensure_env_bin_on_path()
        self.folder = folder
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(
            cwd=str(folder), extra_arguments=["--IPKernelApp.log_level=ERROR"]
        )
        self._connect()

    def _connect(self):
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        """Run ``code``; return what it printed. Raises if the cell raised."""
        msg_id = self.client.execute(code)
        printed = []
        while True:
            msg = self.client.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                raise AssertionError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(printed)

    def browser_sets(self, widget_expression: str, state: dict) -> None:
        """Change a widget as the browser does: a comm 'update' message for its model."""
        model_id = self.run(f"print({widget_expression}.model_id, end='')")
        message = self.client.session.msg(
            "comm_msg",
            {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}},
        )
        self.client.shell_channel.send(message)
        self.run("pass")  # the kernel handles messages in order: the update is done after this

    def restart(self) -> None:
        self.client.stop_channels()
        self.manager.restart_kernel(now=True)
        self._connect()

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def cells_a_student_runs_without_code(folder: Path, assignment: str) -> list[str]:
    """Every code cell of the student version except the code answers (which still raise)."""
    notebook = read_notebook(folder / f"{assignment}.ipynb")
    return [
        c.source
        for c in notebook.cells
        if c.cell_type == "code"
        and not c.metadata.get("nbgrader", {}).get("solution")
        and not c.metadata.get("nbgrader", {}).get("grade")
    ]


@pytest.mark.slow
def test_widget_answers_survive_restart_and_are_graded_by_value(tmp_path, course):
    student = "wendy"
    home = tmp_path / "home" / "segmentation"  # the student's copy of the released assignment
    shutil.copytree(course / "release" / "segmentation", home)
    cells = cells_a_student_runs_without_code(home, "segmentation")

    kernel = Kernel(home)
    try:
        kernel.run(f"from crmkit import course; course.set_student_id({student!r})")
        for source in cells:
            kernel.run(source)
        assert kernel.run("print(core_cutoff.value, tier_service.value)") == "None None\n"
        # the student finds the cutoff with the slider (the instructor's check computes it here)
        cutoff = right_cutoff(student, PUBLISHED)
        kernel.browser_sets("core_cutoff.slider", {"value": cutoff})
        chosen = tier_service_answers(
            student, PUBLISHED
        )  # tiers and actions for the customers drawn
        for key, answers in chosen.items():
            codes = json.loads(kernel.run(f"import json; print(json.dumps({key}.codes))"))
            for customer, code in answers.items():  # a drop-down sends the chosen option's index
                kernel.browser_sets(f"{key}.dropdowns[{customer!r}]", {"index": codes.index(code)})
        assert read_answers(home) == {"core_cutoff": cutoff, **chosen}

        kernel.restart()
        for source in cells:
            kernel.run(source)
        rebuilt = json.loads(
            kernel.run(
                "import json; print(json.dumps([core_cutoff.value, customer_tiers.value, "
                "tier_service.value, core_cutoff.slider.value]))"
            )
        )
        assert rebuilt == [cutoff, chosen["customer_tiers"], chosen["tier_service"], cutoff]
    finally:
        kernel.stop()

    # hand it in as is (the notebook itself was never edited) and let nbgrader re-run it headless
    submitted = course / "submitted" / student / "segmentation"
    shutil.copytree(home, submitted)
    assert all(r.ok for r in autograde(course, ["segmentation"], student=student).results)
    scores = grades.cell_scores(course, "segmentation", student)
    assert scores["cutoff_tests"] == 1 and scores["tier_service_tests"] == 3
    assert all(
        points == 0
        for cell, points in scores.items()
        if cell not in ("cutoff_tests", "tier_service_tests")
    )


@pytest.mark.slow
def test_the_grade_follows_the_saved_widget_value(tmp_path, course):
    """Only the value decides: the right cutoff earns the point, one step higher loses it."""
    from crmkit.grading.submissions import submit

    release = read_notebook(notebook_path(course, "release", "segmentation"))
    submit(
        course, "vera", "segmentation", release, {"core_cutoff": right_cutoff("vera", PUBLISHED)}
    )
    submit(
        course,
        "vern",
        "segmentation",
        release,
        {"core_cutoff": right_cutoff("vern", PUBLISHED) + 100},
    )
    assert all(r.ok for r in autograde(course, ["segmentation"]).results)
    assert grades.cell_scores(course, "segmentation", "vera")["cutoff_tests"] == 1
    assert grades.cell_scores(course, "segmentation", "vern")["cutoff_tests"] == 0


# --- the items drawn per student ----------------------------------------------------------------

DRAWS = {
    "tickets": (tickets.tickets_for, "ticket_id"),
    "customers": (scenarios.shop_customers_for, "customer"),
    "stories": (scenarios.shopper_stories_for, "story"),
}


@pytest.mark.parametrize("kind", DRAWS)
def test_items_are_fixed_per_student_and_differ_between_students(kind):
    draw, id_column = DRAWS[kind]
    alice = draw("alice")
    assert alice.equals(draw(" Alice "))  # the same normalisation as the data
    assert alice[id_column].is_unique and len(alice) >= 5
    drawn = {tuple(draw(f"s{i:03d}")[id_column]) for i in range(40)}
    assert len(drawn) == 40


def test_ids_are_random_and_say_nothing_about_the_answer():
    """Sorted by their ids, a student's tickets are in no particular order of steps."""
    order = ["gather_information", "offer_solution", "ask_what_they_want", "follow_up"]
    in_step_order = 0
    for i in range(100):
        drawn = tickets.tickets_for(f"s{i:03d}").sort_values("ticket_id")
        steps = [order.index(STEP_OF[tickets.ticket_key(text)]) for text in drawn["text_zh"]]
        in_step_order += steps == sorted(steps)
        assert drawn["ticket_id"].str.fullmatch(r"T-\d{4}").all()
        assert list(drawn.columns) == ["ticket_id", "text_zh", "text_en"]  # no key, no step
    assert in_step_order < 5, in_step_order


def test_options_come_in_each_students_own_order():
    for options in (tickets.step_options, scenarios.tier_options, scenarios.service_options,
                    scenarios.measure_options):  # fmt: skip
        orders = {tuple(code for _, code in options(f"s{i:03d}")) for i in range(30)}
        assert len(orders) > 10 and len({frozenset(o) for o in orders}) == 1, options.__name__


def test_every_student_meets_the_cases_the_tier_rules_turn_on():
    """A large single order (new, not big), a long silence (sleeping) and a loyal customer."""
    for i in range(40):
        records = scenarios.shop_customers_for(f"s{i:03d}")
        found = [right_tier(r, PUBLISHED["tiers"]) for r in records.itertuples()]
        assert {"sleeping", "loyal", "new"} <= set(found), found
        assert any(
            r.completed_orders == 1 and r.avg_order_yuan >= 3000 for r in records.itertuples()
        )
        assert "none" not in found


def test_the_answer_keys_cover_every_item_of_the_pools():
    assert set(STEP_OF) == set(tickets.TICKETS)
    assert set(ACCEPTED) == set(scenarios.STORIES)
    for accepted in ACCEPTED.values():
        assert accepted <= {code for _, code in scenarios.LOYALTY_MEASURES}
