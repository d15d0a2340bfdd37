"""Same code, same grade: an off-by-one on a boundary a task's text pins costs the same points in
every student's data (issue 25).

Each wrong answer that names a boundary (``#| boundary: <task>.<parameter>`` in
``exercises/answers/wrong/<assignment>/``) flips one comparison of the published solution (``>``
for ``>=``, ``<`` for ``<=``, a window a day early or late). For every value a term may give that
parameter (its default and its choices; the other parameters at their defaults), the task's
solution and the wrong answer are run on the default data and on 30 students' variants, and the
task's real test cell (its hidden tests included) scores each. The wrong answer must lose points
in every variant, and the same number of points in all of them.

To keep it fast, the cells run in this process (the grader's student id in the environment, as
autograding sets it), not through nbgrader: the cells are those of the assignment's template
rendered for the term, the same text ``exercises/source`` and a new term's notebooks hold.
``tests/test_nbgrader_wrong_answers.py`` grades the same wrong answers through real nbgrader.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from functools import cache

import matplotlib
import nbformat
import pytest
from answer_fixtures import ASSIGNMENTS, COURSE, Answer, file_answers

from crmkit.course.identity import GRADER_ID_ENV
from crmkit.datasets import load, pinned_records
from crmkit.grading.release.task_parameters import context, declared_parameters, default_values
from crmkit.grading.release.term import render_assignment

matplotlib.use("Agg")

TEMPLATES = COURSE / "templates"
# the default data (None) and 30 students' variants
VARIANTS = [None] + [f"2025{n:04d}" for n in range(1, 31)]
BOUNDARY = re.compile(r"^#\| boundary: (\w+)\.(\w+)$", re.M)


def boundary_answers() -> list[tuple[Answer, str, str]]:
    """Each wrong answer that names a boundary, with the task and parameter it names."""
    found = []
    for assignment in ASSIGNMENTS:
        for answer in file_answers("wrong", assignment):
            named = BOUNDARY.search(answer.path.read_text(encoding="utf-8"))
            if named:
                found.append((answer, named.group(1), named.group(2)))
    return found


BOUNDARY_ANSWERS = boundary_answers()


def term_values(assignment: str, task: str, name: str) -> list[tuple[object, dict, dict]]:
    """(value, values, template context) for each value a term may give ``task.name``."""
    parameters = declared_parameters(TEMPLATES, assignment)
    declared = next(p for p in parameters if p.task == task and p.name == name)
    terms = []
    for value in [declared.default, *declared.choices]:
        values = default_values(parameters)
        values[task][name] = value
        terms.append((value, values, context(parameters, values)))
    return terms


@cache
def data(case: str, table: str | None, student: str | None):
    return load(case, table) if student is None else load(case, table, student=student)


def cached_load(case: str, table: str | None = None, student: str | None = None, **options):
    """``load`` with the tables kept in memory; a copy each time, since cells may change them."""
    assert not options, options
    tables = data(case, table, student)
    if isinstance(tables, dict):
        return {name: frame.copy() for name, frame in tables.items()}
    return tables.copy()


def default_data_load(case: str, table: str | None = None, student: str | None = None):
    """The default data (the committed CSVs), whatever student the cell asks for."""
    return cached_load(case, table, None)


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _setup_code(notebook) -> str:
    code = next(c.source for c in notebook.cells if _grade_id(c) == "setup")
    return code.replace("course.student_id_box()", "")


def cells_before(notebook, task: str) -> list[str]:
    """The code the notebook runs before ``task``'s answer: setup and data (no id box), the
    read-only constants and every earlier code task's answer; widget cells and other tasks' tests
    are left out (nothing after them depends on them)."""
    code = [_setup_code(notebook)]
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if grade_id == f"{task}_answer":
            return code
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not grade_id or grade_id == "setup":
            continue
        if nbgrader.get("grade") or not (nbgrader.get("solution") or nbgrader.get("locked")):
            continue
        code.append(cell.source)
    raise KeyError(task)


def _cell(notebook, grade_id: str) -> str:
    return next(c.source for c in notebook.cells if _grade_id(c) == grade_id)


class Runner:
    """Runs one assignment's cells for one student in this process, the earlier tasks' answers
    once for all the answers tried on a task."""

    def __init__(self, student: str | None):
        self.student = student
        self.before: dict[tuple[str, ...], dict] = {}

    @contextlib.contextmanager
    def _graded(self):
        saved = {k: os.environ.get(k) for k in (GRADER_ID_ENV, "NBGRADER_EXECUTION")}
        os.environ[GRADER_ID_ENV] = self.student or "instructor"
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _namespace(self, code: list[str]) -> dict:
        key = tuple(code)
        if key not in self.before:
            namespace: dict = {}
            with self._graded():
                exec(code[0], namespace)  # setup: imports
                namespace["load"] = cached_load if self.student else default_data_load
                for source in code[1:]:
                    exec(source, namespace)
            self.before[key] = namespace
        return dict(self.before[key])

    def score(self, notebook, task: str) -> float:
        """The points ``task``'s test cell gives the answer in ``notebook`` (0 when a requirement
        fails, as under the grader)."""
        namespace = self._namespace(cells_before(notebook, task))
        with self._graded():
            exec(_cell(notebook, f"{task}_answer"), namespace)
            try:
                exec(_cell(notebook, f"{task}_tests"), namespace)
            except AssertionError:
                return 0.0
            return float(namespace["check"].score().points)


@pytest.fixture(scope="module")
def costs() -> dict[tuple[str, object], dict[str | None, tuple[float, float]]]:
    return measure_costs(VARIANTS)


ANSWERS_LINE = re.compile(r"^#\| answers: (.+)$", re.M)


def tasks_building_on(notebook, task: str) -> list[str]:
    """The later tasks whose tests read a variable ``task`` produces (its ``#| answers:`` line):
    an off-by-one in ``task`` must cost nothing there (one mistake costs one task)."""
    tests = {
        _grade_id(c).removesuffix("_tests"): c.source
        for c in notebook.cells
        if _grade_id(c).endswith("_tests")
    }
    order = list(tests)
    produced = set(ANSWERS_LINE.search(tests[task]).group(1).replace(" ", "").split(","))
    later = order[order.index(task) + 1 :]
    return [
        t
        for t in later
        if (line := ANSWERS_LINE.search(tests[t]))
        and produced & set(line.group(1).replace(" ", "").split(","))
    ]


def measure_costs(variants) -> dict[tuple[str, object], dict[str | None, tuple]]:
    """(right, wrong, {later task: wrong answer's points there}) per boundary answer and term
    value, per variant: student by student, so that only one student's tables are held at a
    time."""
    plans = []
    for answer, task, name in BOUNDARY_ANSWERS:
        for value, values, term in term_values(answer.assignment, task, name):
            right = nbformat.from_dict(render_assignment(TEMPLATES, answer.assignment, values))
            wrong = answer.hand_in(right, {}, "anyone", term)
            plans.append((answer, value, right, wrong, tasks_building_on(right, task)))
    found: dict = {}
    for student in variants:
        runner = Runner(student)
        right_scores: dict = {}
        for answer, value, right, wrong, later in plans:
            key = (answer.assignment, answer.task, value)
            if key not in right_scores:
                right_scores[key] = runner.score(right, answer.task)
            found.setdefault((answer.name, value), {})[student] = (
                right_scores[key],
                runner.score(wrong, answer.task),
                {t: runner.score(wrong, t) for t in later},
            )
        data.cache_clear()
    return found


def task_points(assignment: str, task: str) -> float:
    return next(
        c.metadata["nbgrader"]["points"]
        for c in nbformat.from_dict(render_assignment(TEMPLATES, assignment)).cells
        if _grade_id(c) == f"{task}_tests"
    )


@pytest.mark.slow  # every boundary answer and term value, on 31 variants: minutes
@pytest.mark.parametrize("answer", [a for a, _, _ in BOUNDARY_ANSWERS], ids=lambda a: a.name)
def test_an_off_by_one_costs_the_same_points_in_every_variant(costs, answer):
    full = task_points(answer.assignment, answer.task)
    for (name, value), by_student in costs.items():
        if name != answer.name:
            continue
        rights = {s: r for s, (r, _, _) in by_student.items()}
        assert set(rights.values()) == {full}, (name, value, rights)
        lost = {s: round(r - w, 4) for s, (r, w, _) in by_student.items()}
        assert len(set(lost.values())) == 1, (name, value, lost)
        assert next(iter(lost.values())) > 0, (name, value, "the off-by-one costs nothing")
        # one mistake costs one task: the tasks built on this answer keep their points
        for student, (_, _, later) in by_student.items():
            for task, points in later.items():
                assert points == task_points(answer.assignment, task), (name, value, student, task)


def test_every_pinned_value_is_one_a_term_can_draw():
    """The generators place records on these values (crmkit.datasets.pinned_records): they must be
    exactly the default and choices of the parameters, or a term would ask about a boundary no
    record sits on."""

    def values(assignment, task, name):
        return {v for v, _, _ in term_values(assignment, task, name)}

    assert values("segmentation", "tiers", "recent_days") == set(pinned_records.SHOP_RECENT_DAYS)
    assert values("segmentation", "tiers", "big_from") == set(pinned_records.SHOP_BIG_FROM)
    assert values("segmentation", "one_off", "min_yuan") == set(pinned_records.SHOP_ONE_OFF_FROM)
    assert values("complaints", "service", "since") | values(
        "complaints", "follow_up", "since"
    ) == set(pinned_records.COMPLAINTS_SINCE)
    assert values("complaints", "service", "response_hours") == set(pinned_records.RESPONSE_HOURS)
    assert values("complaints", "service", "close_hours") == set(pinned_records.CLOSE_HOURS)
    assert values("loyalty", "retention", "year") == set(pinned_records.RETENTION_YEARS)
    assert values("segmentation", "core", "top_share") == set(pinned_records.CORE_TOP_SHARES)
    assert values("segmentation", "core", "from_month") == set(pinned_records.CORE_FROM_MONTHS)
    assert {f"2012-{m:02d}-01" for m in values("loyalty", "funnel", "from_month")} == set(
        pinned_records.FUNNEL_SINCE
    )
    assert values("loyalty", "funnel", "again_from") == set(pinned_records.FUNNEL_AGAIN_FROM)


def test_every_boundary_answer_is_a_wrong_answer_of_its_task():
    """A boundary answer names a parameter of its own task, and the course grades it."""
    assert len(BOUNDARY_ANSWERS) >= 10
    for answer, task, name in BOUNDARY_ANSWERS:
        assert task == answer.task, answer.name
        term_values(answer.assignment, task, name)  # the parameter is declared
