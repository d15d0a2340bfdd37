"""The answers the instructor's solution gives on every student's data, computed once and kept.

To say "this wrong answer is what s07-chen's data give", the report needs the right answer of
every variant. The source notebook (the instructor's solution, answer keys included) is run once
per variant, as that student, in a plain IPython shell (it is the instructor's code, so no
sandbox), and at each test cell the answers that test declares are taken as plain data, exactly
as the grader takes a student's (:mod:`crmkit.course.plain_data`). The variant
:data:`~.model.DEFAULT_DATA` runs on the kit's default data instead.

Results are kept in ``<course>/.crmkit/expected/<assignment>/`` with a digest of the source and
of the kit's data generators: a rerun of the report computes only what is new.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ...course import plain_data
from ...files import atomic_write
from ..run import test_cells
from .model import DEFAULT_DATA

FOLDER = Path(".crmkit") / "expected"
# wraps the variants' results as they arrive (a progress bar); they know their count (len)
Progress = Callable[[Iterable[Any]], Iterable[Any]]
# Makes the solution's ``load(..., student=...)`` read the default data (the DEFAULT_DATA variant).
DEFAULT_DATA_PREAMBLE = """\
import crmkit.datasets as _crmkit_datasets
_crmkit_load = _crmkit_datasets.load
def _crmkit_default_load(case, table=None, **options):
    options.pop("student", None)
    return _crmkit_load(case, table, **options)
_crmkit_datasets.load = _crmkit_default_load
"""


def source_digest(course: Path, assignment: str) -> str:
    """What the expected answers depend on: the assignment's source notebooks and
    the data generators."""
    import crmkit.datasets

    digest = hashlib.sha256()
    for path in sorted((course / "source" / assignment).glob("*.ipynb")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted(Path(crmkit.datasets.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cache_path(course: Path, assignment: str, variant: str) -> Path:
    name = hashlib.sha256(variant.encode("utf-8")).hexdigest()[:20]
    return course / FOLDER / assignment / f"{name}.json"


def _cached(course: Path, assignment: str, variant: str, digest: str) -> dict | None:
    try:
        kept = json.loads(_cache_path(course, assignment, variant).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if kept.get("digest") == digest and kept.get("variant") == variant:
        return kept["answers"]
    return None


def _keep(course: Path, assignment: str, variant: str, digest: str, answers: dict) -> None:
    path = _cache_path(course, assignment, variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, permissions=0o600) as partial:
        partial.write_text(
            json.dumps(
                {"digest": digest, "variant": variant, "answers": answers}, separators=(",", ":")
            ),
            encoding="utf-8",
        )


def expected_answers(
    course: Path,
    assignment: str,
    variants: Sequence[str],
    jobs: int = 1,
    progress: Progress = iter,
) -> dict[str, dict]:
    """``{variant: {notebook: {grade_id: {"answers": ..., "widgets": ...}}}}`` for every variant."""
    digest = source_digest(course, assignment)
    found: dict[str, dict] = {}
    todo = []
    for variant in variants:
        kept = _cached(course, assignment, variant, digest)
        if kept is None:
            todo.append(variant)
        else:
            found[variant] = kept
    if todo:
        notebooks = {
            p.stem: p.read_text(encoding="utf-8")
            for p in sorted((course / "source" / assignment).glob("*.ipynb"))
        }
        context = multiprocessing.get_context("forkserver")
        with context.Pool(max(1, min(jobs, len(todo))), initializer=_start_shell) as pool:
            work = pool.imap_unordered(_solve, [(variant, notebooks) for variant in todo])
            for variant, answers in progress(_Sized(work, len(todo))):
                _keep(course, assignment, variant, digest, answers)
                found[variant] = answers
    return found


class _Sized:
    """An iterator a progress bar can wrap (it knows the total)."""

    def __init__(self, items, total: int) -> None:
        self.items, self.total = items, total

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self.items)


_shell = None


def _start_shell() -> None:
    global _shell
    os.environ["MPLBACKEND"] = "Agg"
    from IPython.core.interactiveshell import InteractiveShell

    _shell = InteractiveShell.instance()


def _solve(job: tuple[str, dict[str, str]]) -> tuple[str, dict]:
    """Run the solution as ``variant`` and take each test's declared answers (in a pool worker)."""
    import nbformat

    variant, notebooks = job
    answers: dict[str, dict] = {}
    for name, text in notebooks.items():
        notebook = nbformat.reads(text, as_version=4)
        answers[name] = run_solution(notebook, variant)
    return variant, answers


def run_solution(notebook, variant: str) -> dict[str, dict]:
    """The declared answers at each test cell when ``notebook``'s solution runs as ``variant``."""
    assert _shell is not None, "run in a process started by expected_answers()"
    _shell.reset(new_session=False)
    student = "expected-default" if variant == DEFAULT_DATA else variant
    os.environ.update(CRMKIT_STUDENT_ID=student, NBGRADER_EXECUTION="autograde")
    tests = {t.grade_id: t for t in test_cells.test_cells(notebook)}
    found: dict[str, dict] = {}
    before = Path.cwd()
    with (
        tempfile.TemporaryDirectory(prefix="crmkit-expected-") as folder,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        os.chdir(folder)  # widget answers would be saved here: none, so answer keys apply
        try:
            if variant == DEFAULT_DATA:
                _shell.run_cell(DEFAULT_DATA_PREAMBLE, store_history=False)
            for cell in notebook.cells:
                if cell.cell_type != "code":
                    continue
                if test_cells.is_test_cell(cell):
                    test = tests.get(cell.metadata["nbgrader"].get("grade_id"))
                    if test is not None:
                        found[test.grade_id] = _taken(_shell.user_ns, test)
                    continue
                _shell.run_cell(cell.source, store_history=False)
        finally:
            os.chdir(before)
    return found


def _taken(namespace: dict, test: test_cells.TestCell) -> dict:
    answers = {n: plain_data.encode(namespace[n]) for n in test.answers if n in namespace}
    widgets = {
        n: plain_data.encode(getattr(namespace[n], "value", None))
        for n in test.widgets
        if n in namespace
    }
    return {"answers": answers, "widgets": widgets}
