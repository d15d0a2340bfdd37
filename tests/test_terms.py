"""Terms: each task's parameters are drawn per term, so the published answer key does not pay.

The kit is open source: its default solutions and hidden tests (``exercises/source``) are public.
``crmkit course new-term`` draws every task's parameters (thresholds, windows, shares, dates,
which table) from the ranges the task declares and renders the term's text, hidden tests and
solution from one template. Proven here with real nbgrader grading, for every assignment and
three seeded terms: the term's own solution earns full marks, the published (default) solution
handed in unchanged earns at most 30% of the automatic points, a blank notebook earns nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crmkit.errors import CrmkitError, UsageError
from crmkit.grading.release.task_parameters import (
    declared_parameters,
    default_values,
    draw_values,
    read_term,
    term_values,
    write_term,
)
from crmkit.grading.release.task_templates import render_text
from crmkit.grading.release.term import (
    course_id_of,
    new_term,
    published_notebook,
    render_assignment,
    template_assignments,
)

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
TEMPLATES = EXERCISES / "templates"
ASSIGNMENTS = ["complaints", "loyalty", "segmentation"]
SEEDS = (11, 23, 47)
PUBLISHED_KEEPS_AT_MOST = 0.30
PLACEHOLDER = re.compile(r"{{.*?}}|{%.*?%}", re.S)


# ---------------------------------------------------------------- declarations and rendering


def test_every_assignment_has_a_template_and_declares_its_parameters():
    assert template_assignments(EXERCISES) == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        declared = declared_parameters(TEMPLATES, assignment)
        assert declared, assignment
        for p in declared:
            assert p.derive or (p.choices and p.default not in p.choices), p


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_published_source_is_the_template_rendered_with_the_defaults(assignment):
    """exercises/source is generated: edit the template, then run `crmkit course render`."""
    committed = json.loads(
        (EXERCISES / "source" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    )
    assert render_assignment(TEMPLATES, assignment) == committed, (
        f"exercises/source/{assignment} differs from its template: run `crmkit course render`"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_declared_parameter_is_used_and_only_in_answer_test_or_widget_cells(assignment):
    """A parameter that no cell uses would change nothing; one in a read-only setup cell would be
    a variable the student's code reads, so the published solution would follow it."""
    notebook = json.loads(
        (TEMPLATES / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    )
    used = set()
    for cell in notebook["cells"]:
        found = PLACEHOLDER.findall(cell["source"])
        used |= set(re.findall(r"\b([a-z_]+)\.([a-z_]+)\b", " ".join(found)))
        meta = cell["metadata"].get("nbgrader", {})
        if found and cell["cell_type"] == "code" and meta.get("locked") and not meta.get("grade"):
            pytest.fail(f"{assignment}: read-only cell {meta.get('grade_id')} holds {found}")
    for p in declared_parameters(TEMPLATES, assignment):
        assert (p.task, p.name) in used or any((p.task, f"{p.name}_zh") == pair for pair in used), (
            f"{assignment}: {p.task}.{p.name} is declared but no cell uses it"
        )


def test_drawing_depends_only_on_the_seed_and_never_gives_the_default():
    for assignment in ASSIGNMENTS:
        declared = declared_parameters(TEMPLATES, assignment)
        defaults = default_values(declared)
        first, again = (draw_values(declared, assignment, 5) for _ in range(2))
        assert first == again
        assert draw_values(declared, assignment, 6) != first or len(declared) < 3
        for task, names in first.items():
            for name, value in names.items():
                assert value != defaults[task][name], (assignment, task, name)


def test_a_misspelt_placeholder_names_the_cell_and_fails():
    with pytest.raises(CrmkitError, match="segmentation.ipynb:rfm_answer"):
        render_text(
            "{{ rfm.snce }}", {"rfm": {"since": "2013-01-01"}}, "segmentation.ipynb:rfm_answer"
        )
    assert render_text("{{ a.x | pct }} {{ a.y | thousands }}", {"a": {"x": 0.15, "y": 3000}}) == (
        "15% 3,000"
    )


def test_a_declaration_that_would_publish_the_default_is_refused(tmp_path):
    folder = tmp_path / "templates" / "a"
    folder.mkdir(parents=True)
    (folder / "parameters.toml").write_text(
        "[t.cut]\ndefault = 0.8\nchoices = [0.7, 0.8]\n", encoding="utf-8"
    )
    with pytest.raises(CrmkitError, match="must differ from the default"):
        declared_parameters(tmp_path / "templates", "a")
    (folder / "parameters.toml").write_text("[t.cut]\ndefault = 0.8\n", encoding="utf-8")
    with pytest.raises(CrmkitError, match="needs a default and non-empty choices"):
        declared_parameters(tmp_path / "templates", "a")


def test_a_term_file_round_trips_and_unknown_names_are_ignored(tmp_path):
    values = {"segmentation": {"one_off": {"min_yuan": 4000}, "nps": {"years": [2009, 2010]}}}
    write_term(tmp_path, 'spring "25"', 9, values)
    assert read_term(tmp_path)["parameters"] == values and read_term(tmp_path)["seed"] == 9
    declared = declared_parameters(TEMPLATES, "segmentation")
    chosen = term_values(tmp_path, "segmentation", declared)
    assert chosen["one_off"]["min_yuan"] == 4000 and "nps" not in chosen


def test_term_names_become_course_ids_and_empty_ones_are_refused():
    assert course_id_of("2025 spring") == "crm-2025-spring"
    with pytest.raises(UsageError):
        course_id_of("！！")


def test_new_term_refuses_a_folder_with_work_in_it(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        new_term(EXERCISES, tmp_path, "t", seed=1)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# ---------------------------------------------------------------- terms graded for real


@pytest.fixture(scope="module")
def graded_terms(tmp_path_factory):
    """Three drawn terms; in each, the term's solution, the published one and a blank notebook
    handed in by three students, autograded by the kit's grader."""
    from crmkit.grading import scores as grades
    from crmkit.grading.run.autograde import autograde
    from crmkit.grading.submissions import handed_in, notebook_path, read_notebook, submit

    found = {}
    for seed in SEEDS:
        made = new_term(EXERCISES, tmp_path_factory.mktemp(f"term{seed}") / "course", "t", seed)
        assert all(r.ok for r in made.generated), made.generated
        course = made.folder
        for assignment in ASSIGNMENTS:
            release = read_notebook(notebook_path(course, "release", assignment))
            own = read_notebook(notebook_path(course, "source", assignment))
            published = read_notebook(published_notebook(course, assignment))
            assert published_notebook(course, assignment).parent.parent.name == "published"
            submit(course, "own", assignment, handed_in(own, release))
            submit(course, "published", assignment, handed_in(published, release))
            submit(course, "blank", assignment, release)
        report = autograde(course, ASSIGNMENTS)
        assert all(r.ok for r in report.results), [r for r in report.results if not r.ok]
        for score in grades.scores(course, ASSIGNMENTS):
            found[(seed, score.assignment, score.student)] = (score.auto_score, score.auto_max)
        found[(seed, "values")] = made.values
    return found


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_terms_own_solution_earns_full_marks(graded_terms, seed, assignment):
    got, most = graded_terms[(seed, assignment, "own")]
    assert got == most, (seed, assignment, got, most)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_published_solution_keeps_at_most_30_percent(graded_terms, seed, assignment):
    got, most = graded_terms[(seed, assignment, "published")]
    assert got <= PUBLISHED_KEEPS_AT_MOST * most, (seed, assignment, got, most)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_blank_notebook_earns_nothing(graded_terms, seed, assignment):
    assert graded_terms[(seed, assignment, "blank")][0] == 0
