"""Grade one notebook with two kernels: the student's cells in one, the hidden tests in another.

1. The **test kernel** starts first, as the graded student (the id comes from the grader, never
   from the submission), and runs the notebook's leading read-only cells: imports and the
   student's own data (which both kernels find in memory when the grader made it,
   :mod:`crmkit.grading.sandbox.variant_cache`).
2. The **student's kernel** runs the submission: every code cell except the test cells. Where a
   test cell sits, it runs a probe instead, which sends the answers that test declares
   (``#| answers: ...``) as plain data (:mod:`crmkit.course.plain_data`). The probe runs in the
   student's kernel, so what it sends is checked and rebuilt as base types, never trusted
   (:mod:`crmkit.grading.run.plain_data_decode`).
3. The **test kernel** runs each test cell, with that test's answers (and widget answers, from
   the submitted ``widget_answers.json``) bound to their names. It never ran student code: no
   patched ``numpy``, no rebound names, no IPython hooks, no ``chdir`` reach it.
4. The notebook that nbgrader scores is the submission as sanitized by nbgrader (locked cells
   restored from the gradebook), with the student's cells' outputs from step 2 and each test
   cell's outcome from step 3: its error (its name, and its message when the instructor wrote
   it: :mod:`crmkit.grading.run.test_run`) or its partial-credit score with the failed checks'
   messages. Nothing else the test kernel printed is kept.
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection
from dataclasses import dataclass, field

from nbformat import NotebookNode, from_dict

from ...course import plain_data
from ...course.checks import CHECKS_MIMETYPE
from ..sandbox.bubblewrap import Kernel, Sandbox, without_control
from ..sandbox.executor import CellRun, CellRunner, CellStatus
from ..settings import Limits
from . import plain_data_decode, test_cells
from .test_cells import SentAnswers, no_answers
from .timings import Timings

PROBE = (
    "__import__('crmkit.course.plain_data', fromlist=['export'])"
    ".export(globals(), {names!r}, {widgets!r})"
)
# Binds a test's answers and runs its code (in one request: a round trip less per task), passing
# an error's message on only when the instructor wrote it (crmkit/grading/run/test_run.py).
RUN = "__import__('crmkit.grading.run.test_run', fromlist=['run']).run(globals(), {path!r})"
MAX_MESSAGE = 1000
# An honest widget_answers.json takes a few kilobytes.
MAX_WIDGET_BYTES = 1024**2
# What a probe's output may take: the largest plain data, JSON-escaped once more in the message.
PROBE_BYTES = 2 * plain_data_decode.MAX_BYTES + 1024**2


class SetupFailed(Exception):
    """The test kernel could not run the notebook's read-only cells (the instructor's code)."""


@dataclass
class NotebookGrade:
    """The executed notebook for nbgrader to score, the answers each test saw, and notes for the
    instructor (what was cut off or left out, where the student's kernel died)."""

    notebook: NotebookNode
    answers: dict[str, SentAnswers] = field(default_factory=dict)  # by grade id
    notes: list[str] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)  # seconds per phase (timings.PHASES)


def clean(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` (an error's message, say) without terminal control sequences, at most ``limit``
    characters."""
    text = without_control(str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def checks_markdown(checks: object) -> str | None:
    """A partial-credit test's checks as a short markdown list (escaped), or None: each failed
    check with its message, the passed ones counted (their messages say what would be wrong)."""
    if not isinstance(checks, dict) or not isinstance(checks.get("checks"), list):
        return None
    found = [c for c in checks["checks"] if isinstance(c, dict)]
    failed = [c for c in found if not c.get("passed") and isinstance(c.get("message"), str)]
    passed = sum(bool(c.get("passed")) for c in found)
    lines = [f"- ✗ {html.escape(clean(c['message'], 300))}" for c in failed[:50]]
    if passed and not failed:
        lines.append("- ✓ 全部通过 / every check passed")
    elif passed:
        lines.append(f"- ✓ 其余 {passed} 项检查通过 / the other {passed} checks passed")
    return "\n".join(lines) if lines else None


def outcome_outputs(run: CellRun) -> list[dict]:
    """A test cell's outcome as the outputs nbgrader scores: an error, a score, or nothing."""
    errors = [o for o in run.outputs if o["output_type"] == "error"]
    if errors or run.status in (CellStatus.TIMEOUT, CellStatus.DIED):
        error = (
            errors[-1]
            if errors
            else {"ename": "DeadKernelError", "evalue": "测试内核退出 / the test kernel died"}
        )
        ename, evalue = clean(error.get("ename", "Error"), 100), clean(error.get("evalue", ""))
        return [
            {
                "output_type": "error",
                "ename": ename,
                "evalue": evalue,
                "traceback": [f"{ename}: {evalue}"],
            }
        ]
    results = [o for o in run.outputs if o["output_type"] == "execute_result"]
    if not results:
        return []
    data = results[-1].get("data", {})
    shown = {"text/plain": clean(data.get("text/plain", ""), 100)}
    checks = data.get(CHECKS_MIMETYPE)
    summary = checks_markdown(checks)
    if summary:
        total = html.escape(_two_decimals(shown["text/plain"]))
        most = checks.get("max_points")
        if isinstance(most, (int, float)) and not isinstance(most, bool):
            total += f" / {most:g}"
        shown["text/markdown"] = f"**{total}**\n\n{summary}"
    return [
        {"output_type": "execute_result", "execution_count": None, "metadata": {}, "data": shown}
    ]


def _two_decimals(points: str) -> str:
    """Points as a person reads them (``0.67``); nbgrader keeps reading text/plain (``0.6667``)."""
    try:
        return f"{round(float(points), 2):g}"
    except ValueError:
        return points


def widget_answers(files: dict[str, bytes], declared: Collection[str]) -> tuple[dict, list[str]]:
    """The submitted ``widget_answers.json`` as plain data (only the ``declared`` widgets), and a
    note if it could not be used.

    The grader (root, outside the sandbox) reads this file, so it is held to what answers from a
    kernel are held to, before it is parsed: a size cap, then its values, lists and records
    counted in the text (:func:`~crmkit.grading.run.plain_data_decode.count_before_parse`).
    """
    raw = files.get("widget_answers.json")
    if raw is None:
        return {}, []
    try:
        plain_data_decode.count_before_parse(raw, MAX_WIDGET_BYTES)
        payload = json.loads(raw.decode("utf-8"))
        answers = payload.get("answers", {}) if isinstance(payload, dict) else {}
        kept = {k: v for k, v in answers.items() if k in declared}
        plain_data_decode.check({"format": plain_data.FORMAT, "answers": kept})
    except (UnicodeDecodeError, ValueError, AttributeError, RecursionError) as error:
        return {}, [f"widget_answers.json 无法使用 / could not be used: {clean(error, 200)}"]
    return {k: plain_data.encode(v) for k, v in kept.items()}, []


def grade_notebook(
    student_box: Sandbox,
    tests_box: Sandbox,
    submitted: NotebookNode,
    source: NotebookNode,
    student: str,
    widgets: dict,
    limits: Limits,
) -> NotebookGrade:
    """Run ``submitted`` (sanitized by nbgrader) and the tests of ``source``; see the module doc."""
    program = test_cells.test_program(source)
    first_test = next(
        (i for i, step in enumerate(program) if isinstance(step, test_cells.TestCell)),
        len(program),
    )
    tests = {step.grade_id: step for step in program if isinstance(step, test_cells.TestCell)}
    result = NotebookGrade(submitted)
    clock = result.timings

    with clock.phase("tests kernel: fork"):
        tests_kernel = tests_box.start(student)
    tests_runner = _runner(tests_kernel, limits)
    try:
        with clock.phase("tests kernel: data"):
            for step in program[:first_test]:
                _run_setup(tests_runner, step.source, limits)
        _run_student_cells(student_box, submitted, student, tests, limits, result)
        outcomes = _run_tests(
            tests_box, tests_runner, program[first_test:], widgets, limits, result
        )
    finally:
        tests_kernel.close()

    for cell in submitted.cells:
        if cell.cell_type == "code" and test_cells.is_test_cell(cell):
            grade_id = cell.metadata["nbgrader"].get("grade_id")
            cell.outputs = from_dict(outcomes.get(grade_id, []))
            cell.execution_count = None
    return result


def _run_student_cells(
    student_box: Sandbox,
    submitted: NotebookNode,
    student: str,
    tests: dict[str, test_cells.TestCell],
    limits: Limits,
    result: NotebookGrade,
) -> None:
    """Step 2: the submission's cells in a student kernel, their outputs kept in ``submitted``;
    at each test cell, that test's answers taken into ``result``."""
    clock = result.timings
    with clock.phase("student kernel: fork"):
        student_kernel = student_box.start(student, inbox=True)
    student_runner = _runner(student_kernel, limits)
    try:
        for number, cell in enumerate(submitted.cells, start=1):
            if cell.cell_type != "code":
                continue
            if test_cells.is_test_cell(cell):
                test = tests.get(cell.metadata["nbgrader"].get("grade_id"))
                if test is not None and (test.answers or test.widgets):
                    with clock.phase("probes"):
                        result.answers[test.grade_id] = _probe(
                            student_kernel, student_runner, test, limits, result.notes
                        )
                continue
            phase = (
                "student kernel: setup"
                if test_cells.is_context_cell(cell)
                else "student kernel: student cells"
            )
            with clock.phase(phase):
                run = student_runner.run(cell.source, limits.cell_timeout)
            cell.outputs, cell.execution_count = from_dict(run.outputs), run.execution_count
            if run.truncated:
                result.notes.append(
                    f"第 {number} 格输出过长，已截断 / cell {number}: output cut off"
                )
            if run.status == CellStatus.DIED and not any("died" in n for n in result.notes):
                logged = student_kernel.last_error()
                result.notes.append(
                    f"学生内核在第 {number} 格退出 / the student's kernel died in cell {number}"
                    # the kernel's log is the student's code's to write: quoted, never trusted
                    + (f"（其日志 / its log: “{clean(logged, 200)}”）" if logged else "")
                )
    finally:
        with clock.phase("student kernel: fork"):
            student_kernel.close()
            student_box.reset()  # its processes go now; the tests need the core


def _run_tests(
    tests_box: Sandbox,
    tests_runner: CellRunner,
    program: list[test_cells.ContextCell | test_cells.TestCell],
    widgets: dict,
    limits: Limits,
    result: NotebookGrade,
) -> dict[str, list[dict]]:
    """Step 3: the rest of the test kernel's ``program``, each test with the answers its probe
    took; each test's outcome as outputs, by grade id."""
    clock = result.timings
    outcomes: dict[str, list[dict]] = {}
    for step in program:
        if isinstance(step, test_cells.ContextCell):
            with clock.phase("tests kernel: data"):
                _run_setup(tests_runner, step.source, limits)
            continue
        sent = result.answers.get(step.grade_id, no_answers())
        bound = {name: sent["answers"][name] for name in step.answers if name in sent["answers"]}
        # a widget's value as the student's kernel had it;
        # if that kernel never got there, the saved file's
        given = {name: sent["widgets"].get(name, widgets.get(name)) for name in step.widgets}
        with clock.phase("tests kernel: binding"):
            handed = tests_box.hand_over(
                f"{step.grade_id}.json", {"answers": bound, "widgets": given, "code": step.source}
            )
        # the answers were checked as plain data above, so binding them does not fail alone
        with clock.phase("tests kernel: hidden tests"):
            run = tests_runner.run(RUN.format(path=handed), limits.cell_timeout)
        outcomes[step.grade_id] = outcome_outputs(run)
    return outcomes


def _runner(kernel: Kernel, limits: Limits) -> CellRunner:
    return CellRunner.for_limits(kernel.client, kernel.alive, kernel.interrupt, limits)


def _first_error(run: CellRun) -> str:
    errors = [o for o in run.outputs if o["output_type"] == "error"]
    return clean(f"{errors[-1]['ename']}: {errors[-1]['evalue']}", 300) if errors else run.status


def _run_setup(runner: CellRunner, code: str, limits: Limits) -> None:
    run = runner.run(code, limits.cell_timeout)
    if run.status != CellStatus.OK:
        raise SetupFailed(
            f"隐藏测试的准备格失败 / the hidden tests' setup cell failed: {_first_error(run)}"
        )


def _probe(
    kernel: Kernel, cells: CellRunner, test: test_cells.TestCell, limits: Limits, notes: list[str]
) -> SentAnswers:
    """The answers ``test`` declares, as the student's ``kernel`` has them now (checked plain
    data). The probe has a byte budget of its own (what the answers may take), not what is left
    of the notebook's output budget (``cells``'): printing a lot must not cost a valid answer."""
    if cells.dead:
        return no_answers()
    runner = CellRunner(
        kernel.client,
        kernel.alive,
        kernel.interrupt,
        max_cell_bytes=PROBE_BYTES,
        max_notebook_bytes=PROBE_BYTES,
        grace_seconds=limits.interrupt_grace_seconds,
    )
    run = runner.run(
        PROBE.format(names=list(test.answers), widgets=list(test.widgets)),
        limits.cell_timeout,
        store_history=False,
    )
    cells.dead = runner.dead
    sent = run.data_of(plain_data.MIMETYPE)
    if not sent:
        return no_answers()
    try:
        checked = plain_data_decode.check(sent[-1] if isinstance(sent[-1], str) else "")
        # only what the test declared is kept: anything else sent along is dropped here
        return {
            "answers": {k: v for k, v in checked["answers"].items() if k in test.answers},
            "widgets": {k: v for k, v in checked["widgets"].items() if k in test.widgets},
        }
    except plain_data_decode.PlainDataError as error:
        notes.append(
            f"{test.grade_id}: 答案无法评分 / the answers could not be graded ({clean(error, 200)})"
        )
        return no_answers()
