"""Autograde a class in parallel: each notebook in two sandboxed kernels, one gradebook writer.

How it stays equal to ``nbgrader autograde`` on honest work, fast, and safe against hostile work:

* ``jobs`` worker processes (default: one per core). Each keeps a private scratch course
  (config, ``source/``, and a SQLite snapshot of the assignment definitions from the real
  gradebook, whatever its backend) and two sandboxes (:mod:`crmkit.grading.sandbox`): one for
  the students' kernels, one for the test kernels.
* Per submission, a worker reads the submitted files itself (regular files only, never through a
  link, sizes capped: :mod:`crmkit.grading.run.submission_files`), applies nbgrader's own sanitizing
  steps (locked cells restored from the gradebook, metadata checked) and grades each notebook
  with two kernels (:mod:`crmkit.grading.run.notebook_grading`): the student's cells in one, the
  hidden tests in another that never ran student code and gets the answers as plain data.
  Per-cell timeout: ``cell_timeout``; per submission: ``wall_seconds``.
* Only the parent writes the course: ``autograded/<student>/<assignment>/`` from the submitted
  files and the executed notebooks, and the gradebook with nbgrader's own ``SaveAutoGrades``,
  ``AssignLatePenalties`` and ``CheckCellMetadata``, so scores are computed exactly as nbgrader
  computes them. No process of the grader touches a file a kernel wrote: kernels work in private
  tmpfs folders that vanish with them. The parent opens the gradebook once per run and passes it
  from step to step (plan, define, resume, pool, merge), a fresh session for each piece of work.
* Resumable: once a submission's grades are saved, a marker in its ``autograded/`` folder
  records a digest of the submission and of the assignment's source. A later run (after a
  crash, or with new submissions) skips what is graded and unchanged, and regrades the rest;
  saving is nbgrader's update-or-create, so a regrade replaces and never duplicates.
* What the instructor should look at (deleted test cells, files left out, output cut off, a
  kernel that died) is reported next to the result (:func:`crmkit.grading.run.tamper.tamper_flags`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ...errors import CrmkitError
from ..course_folder import ensure_env_bin_on_path, in_course_folder, open_api, submitted_students
from ..gradebook import connect_gradebook, fresh_session, snapshot_definitions
from ..preprocessors import sanitizing_preprocessors, saving_preprocessors
from ..sandbox.bubblewrap import Sandbox, SandboxError, bwrap_problem
from ..settings import Limits
from ..steps import Countable, Progress, StepResult, known_to_gradebook, step_result
from . import answer_store, nbgrader_speedups, plain_data_decode, student_data, test_cells
from .notebook_grading import SetupFailed, grade_notebook, widget_answers
from .resume import GRADED_MARKER, KEPT, is_graded, submission_digest
from .submission_files import read_submission, submission_timestamp, write_files
from .tamper import NOTES_KEY, graded_cells_in, tamper_flags
from .timings import PHASES, Timings

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI


@dataclass
class Outcome:
    """What a worker reports about one submission: the executed notebooks (nbformat JSON, by
    name), and notes for the instructor."""

    assignment: str
    student: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0
    notebooks: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # notebook -> what its tests saw, packed for the answer store
    answers: dict[str, answer_store.PackedAnswers] = field(default_factory=dict)
    timings: Timings = field(default_factory=Timings)  # seconds per phase (timings.PHASES)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def definitions_snapshot(url: str, target: Path) -> Path:
    """A SQLite copy of what defines the assignments in the gradebook at ``url``, for workers to
    grade against."""
    snapshot_definitions(url, target)
    os.chmod(target, 0o600)
    return target


def _empty(folder: Path) -> None:
    """Empty a folder of the grader's (nothing in it was made by a kernel;
    links are not followed)."""
    for entry in os.scandir(folder):
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path)
        else:
            path.unlink()


class Unreadable(Exception):
    """A submitted notebook that is not a notebook (its reason, in one line)."""


# ---------------------------------------------------------------- worker side


class _Worker:
    """One worker's scratch course and its two sandboxes (lives as long as the worker process)."""

    def __init__(self, slot: int, course: Path, scratch_root: Path, snapshot: Path, limits: Limits):
        self.origin, self.limits = course, limits
        self.folder = scratch_root / f"worker{slot}"
        self.folder.mkdir(mode=0o700)
        self.course = self.folder / "course"
        self._copy_course(snapshot)
        self.api, self.db_url = self._open_api()
        self.sanitizing = sanitizing_preprocessors(self.api.config)
        self._read_sources()
        self.variants = student_data.VariantStore(scratch_root / "variants")
        self.inbox, self.cache = self.folder / "inbox", self.folder / "cache"
        self.inbox.mkdir(mode=0o700)
        self.cache.mkdir(mode=0o755)  # the grader's: read-only in both sandboxes
        self.students, self.tests = self._sandboxes(slot, scratch_root)
        self.students.prepare()  # the first kernels start warming up now
        self.tests.prepare()
        self.time_up = False
        self._processor: dict[str, float] = {}

    def _copy_course(self, snapshot: Path) -> None:
        """The scratch course: the real one's config and ``source/``, the snapshot as gradebook."""
        self.course.mkdir()
        shutil.copy2(self.origin / "nbgrader_config.py", self.course / "nbgrader_config.py")
        shutil.copy2(snapshot, self.course / "gradebook.db")
        shutil.copytree(
            self.origin / "source",
            self.course / "source",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )

    def _open_api(self) -> tuple[NbGraderAPI, str]:
        """nbgrader's API on the scratch course, and the URL of its gradebook."""
        from traitlets.config import Config

        extra = Config()
        # the snapshot is this worker's own SQLite file, whatever the course's backend
        extra.CourseDirectory.db_url = f"sqlite:///{self.course / 'gradebook.db'}"
        api = open_api(self.course)
        api.config.merge(extra)
        api.coursedir.config.merge(extra)
        return api, extra.CourseDirectory.db_url

    def _read_sources(self) -> None:
        """Each source notebook, and per assignment the widgets its tests declare and the cases
        its notebooks load for the graded student."""
        import nbformat

        self.sources: dict[tuple[str, str], Any] = {}
        self.widgets: dict[str, set[str]] = {}
        for path in (self.course / "source").glob("*/*.ipynb"):
            source = nbformat.read(path, as_version=4)
            self.sources[(path.parent.name, path.stem)] = source
            self.widgets.setdefault(path.parent.name, set()).update(
                name for test in test_cells.test_cells(source) for name in test.widgets
            )
        self.cases: dict[str, list[str]] = {}
        for (assignment, _), source in sorted(self.sources.items()):
            known = self.cases.setdefault(assignment, [])
            known += [c for c in student_data.cases_loaded(source) if c not in known]

    def _sandboxes(self, slot: int, scratch_root: Path) -> tuple[Sandbox, Sandbox]:
        """The sandbox of the students' kernels and the sandbox of the test kernels."""
        arguments = (
            "--HistoryManager.hist_file=:memory:",
            *self.api.config.Execute.get("extra_arguments", []),
        )
        readable = (scratch_root / "mpl",)
        students, tests = (
            Sandbox(
                name,
                slot,
                self.limits,
                self.folder,
                self.folder / f"{name}-sandbox.log",
                readable,
                arguments,
            )
            for name in ("student", "tests")
        )
        return students, tests

    def notebooks(self, assignment: str) -> list[str]:
        """The notebook names of ``assignment``, as the assignment's source has them."""
        return sorted(name for (a, name) in self.sources if a == assignment)

    def sanitize(self, notebook, assignment: str, name: str, student: str):
        """nbgrader's sanitizing steps on a submitted notebook (in memory)."""
        resources = {
            "nbgrader": {
                "notebook": name,
                "assignment": assignment,
                "student": student,
                "db_url": self.db_url,
            }
        }
        for step in self.sanitizing:
            notebook, resources = step(parent=self.api).preprocess(notebook, resources)
        return notebook

    def grade(self, assignment: str, student: str) -> Outcome:
        """Grade one submission in the two sandboxes, within the wall limit."""
        started = time.perf_counter()
        clock = Timings()
        submission = read_submission(self.origin / "submitted" / student / assignment)
        outcome = Outcome(assignment, student, True, notes=list(submission.notes))
        names = [n for n in self.notebooks(assignment) if f"{n}.ipynb" in submission.files]
        if not names:
            expected = ", ".join(f"{n}.ipynb" for n in self.notebooks(assignment))
            outcome.ok = False
            outcome.detail = (
                f"提交里没有这份作业的笔记本（应有 {expected}）/ none of the assignment's "
                f"notebooks is in the submission (expected {expected})"
            )
            return outcome
        self._fill_inbox(assignment, submission.files)
        _empty(self.cache)
        with clock.phase("worker: the student's data"):
            self.variants.hand_over(student, self.cases.get(assignment, []), self.cache)
        widgets, widget_notes = widget_answers(
            submission.files, self.widgets.get(assignment, set())
        )
        outcome.notes += widget_notes
        self.time_up = False
        timer = threading.Timer(self.limits.wall_seconds, self._stop)
        timer.daemon = True
        timer.start()
        try:
            self._grade_notebooks(outcome, names, submission.files, widgets, clock)
        except (Unreadable, SetupFailed, SandboxError) as error:
            outcome.ok, outcome.detail = False, str(error)
        except Exception as error:  # noqa: BLE001 - a submission must never stop the class
            first_line = str(error).splitlines()[0] if str(error) else ""
            outcome.ok, outcome.detail = False, f"{type(error).__name__}: {first_line}"
        finally:
            timer.cancel()
            with clock.phase("worker: read, sanitize, recycle"):
                self._recycle()
            clock.merge(self._processor_used())
        if self.time_up:
            outcome.ok = False
            outcome.detail = (
                f"超过每份提交的时间上限 {self.limits.wall_seconds}s / "
                f"wall limit of {self.limits.wall_seconds}s reached"
            )
        outcome.seconds = time.perf_counter() - started
        # the rest of the worker's time: reading the submission, nbgrader's sanitizing, recycling
        clock.add(
            "worker: read, sanitize, recycle",
            outcome.seconds - sum(clock.get(n, 0.0) for n in PHASES),
        )
        outcome.timings = clock
        return outcome

    def _fill_inbox(self, assignment: str, submitted: dict[str, bytes]) -> None:
        """The submitted files in the inbox, with the source's other files over them."""
        _empty(self.inbox)
        source_files = {}
        for path in (self.course / "source" / assignment).rglob("*"):
            if path.is_file() and path.suffix != ".ipynb":
                source_files[str(path.relative_to(self.course / "source" / assignment))] = (
                    path.read_bytes()
                )
        # nbgrader's rule: the source's files win
        write_files({**submitted, **source_files}, self.inbox)

    def _grade_notebooks(
        self,
        outcome: Outcome,
        names: list[str],
        submitted: dict[str, bytes],
        widgets: dict,
        clock: Timings,
    ) -> None:
        """Grade the notebooks ``names`` of a submission into ``outcome``, one after another
        (what was graded before an error stays in it)."""
        import warnings

        assignment, student = outcome.assignment, outcome.student
        store_budget = [answer_store.MAX_STORED_BYTES]  # what this submission may store
        with in_course_folder(self.course), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in names:
                with clock.phase("worker: read, sanitize, recycle"):
                    notebook = self.sanitize(
                        _read_notebook(submitted[f"{name}.ipynb"]), assignment, name, student
                    )
                graded = grade_notebook(
                    self.students,
                    self.tests,
                    notebook,
                    self.sources[(assignment, name)],
                    student,
                    widgets,
                    self.limits,
                )
                clock.merge(graded.timings)
                outcome.notes += graded.notes
                outcome.answers[name], store_notes = answer_store.pack(graded.answers, store_budget)
                outcome.notes += store_notes
                graded.notebook.metadata[NOTES_KEY] = {"notes": outcome.notes}
                outcome.notebooks[name] = _write_notebook(graded.notebook)

    def _processor_used(self) -> dict[str, float]:
        """Processor seconds used since the last call (the first: since the worker started),
        by each sandbox (its factory and the kernels it reaped) and by this worker."""
        now = {"processor: worker": time.process_time()}
        for name, box in (("student", self.students), ("tests", self.tests)):
            try:
                now[f"processor: {name} sandbox"] = box.processor_seconds()
            except SandboxError:
                pass
        used = {key: value - self._processor.get(key, 0.0) for key, value in now.items()}
        self._processor.update(now)
        return used

    def _stop(self) -> None:
        """The wall limit: kill both sandboxes' kernels (the run sees them die and ends)."""
        self.time_up = True
        for box in (self.students, self.tests):
            try:
                box.reset()
            except SandboxError:
                pass

    def close(self) -> None:
        """When the worker ends: its sandboxes stop and are waited for (their kernels with them)."""
        for box in (self.students, self.tests):
            try:
                box.close()
            except (OSError, SandboxError):
                pass

    def _recycle(self) -> None:
        """Between submissions: kill what is left, empty the inbox and cache,
        prepare new kernels."""
        self.students.recycle()
        self.tests.recycle()
        _empty(self.inbox)
        _empty(self.cache)


def _read_notebook(data: bytes):
    """A submitted notebook, parsed only once its text is counted (as answers are: parsing a
    few megabytes of ``[{}, {}, …]`` would take gigabytes of the grader's memory)."""
    import nbformat

    try:
        plain_data_decode.count_before_parse(data)
    except plain_data_decode.PlainDataError as error:
        raise Unreadable(
            f"笔记本里的值、列表和记录太多，请清除输出后重交 / the notebook holds too many values, "
            f"lists and records ({error}); clear its outputs and hand it in again"
        ) from None
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise Unreadable("笔记本不是 UTF-8 文本 / the notebook is not UTF-8 text") from None
    except Exception as error:  # noqa: BLE001 - any parse or schema error
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise Unreadable(f"笔记本无法读取 / the notebook cannot be read: {reason}") from None


def _write_notebook(notebook) -> str:
    """The executed notebook as nbformat JSON (it was read and sanitized by
    nbgrader: no validation)."""
    import json

    return json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


_worker: _Worker | None = None
_worker_engines = contextlib.ExitStack()


def _init_worker(slots, course: str, scratch_root: str, snapshot: str, limits: Limits) -> None:
    global _worker
    ensure_env_bin_on_path()
    os.environ["MPLCONFIGDIR"] = str(Path(scratch_root) / "mpl")
    nbgrader_speedups.check_schemas_once()
    # the worker's own gradebook snapshot, for as long as the worker lives
    _worker_engines.enter_context(nbgrader_speedups.shared_engines())
    _worker = _Worker(slots.get(), Path(course), Path(scratch_root), Path(snapshot), limits)
    multiprocessing.util.Finalize(_worker, _worker.close, exitpriority=10)


def grade_one(assignment: str, student: str) -> Outcome:
    """Grade one submission in this worker (see :class:`_Worker`)."""
    assert _worker is not None, "grade_one runs in a worker started by autograde()"
    return _worker.grade(assignment, student)


# ---------------------------------------------------------------- parent side


class Submission(NamedTuple):
    """One student's hand-in of one assignment: ``submitted/<student>/<assignment>/``."""

    assignment: str
    student: str


@dataclass(frozen=True)
class GradingReport:
    """Each submission's result, its tamper flags, and what each worker reported."""

    results: list[StepResult]
    flags: dict[tuple[str, str], list[str]]  # keyed by Submission
    outcomes: list[Outcome]


def autograde(
    course: Path,
    assignments: Iterable[str],
    student: str | None = None,
    jobs: int | None = None,
    limits: Limits | None = None,
    progress: Progress = iter,
    force: bool = False,
) -> GradingReport:
    """Autograde every submission (or ``student``'s) with ``jobs`` workers; see the module doc.

    Submissions graded by an earlier run and unchanged since are skipped unless ``force``.
    The steps: plan the work, define the assignments the gradebook lacks, keep what an earlier
    run graded (resume), grade the rest in the pool, merging each result as it comes.
    """
    limits = limits or Limits()
    course = course.resolve()
    problem = bwrap_problem()
    if problem:
        raise CrmkitError(problem)
    jobs = max(1, jobs or default_jobs())
    work = plan(course, assignments, student)
    api = open_api(course)
    with _run_gradebook(course, api, opened=bool(work)) as gradebook:
        run = _ParentRun(course, api, gradebook)
        failed = run.define_assignments(work)
        todo = run.resume(work, force)
        outcomes = run.grade_in_pool(todo, jobs, limits, progress)
    results = failed + [run.results[key] for key in work]
    return GradingReport(results, {k: v for k, v in run.flags.items() if v}, outcomes)


def plan(course: Path, assignments: Iterable[str], student: str | None) -> list[Submission]:
    """The submissions to look at: each assignment's, or only ``student``'s (who must have one)."""
    work = [
        Submission(assignment, who)
        for assignment in assignments
        for who in submitted_students(course, assignment)
        if student is None or who == student
    ]
    if student is not None and not work:
        raise CrmkitError(
            f"找不到学生 '{student}' 的提交（submitted/{student}/<作业>/）；先收取作业 / "
            f"No submission from '{student}' in submitted/{student}/<assignment>/; collect it first"
        )
    return work


@contextlib.contextmanager
def _run_gradebook(course: Path, api: NbGraderAPI, opened: bool) -> Iterator[Gradebook | None]:
    """The course's gradebook for the parent's steps, opened once for the run (None when there is
    no work: nothing is read or written then)."""
    with contextlib.ExitStack() as stack:
        gradebook = None
        if opened:
            with in_course_folder(course):
                gradebook = stack.enter_context(
                    connect_gradebook(api.coursedir.db_url, api.coursedir.course_id)
                )
        yield gradebook


class _ParentRun:
    """The parent's side of one run: the steps after planning, and what they found so far."""

    def __init__(self, course: Path, api: NbGraderAPI, gradebook: Gradebook | None) -> None:
        self.course, self.api, self._gradebook = course, api, gradebook
        self.results: dict[Submission, StepResult] = {}
        self.flags: dict[Submission, list[str]] = {}
        self._graded_cells: dict[str, dict[str, set[str]]] = {}  # per assignment

    @property
    def gradebook(self) -> Gradebook:
        assert self._gradebook is not None, "the run's gradebook is opened when there is work"
        return self._gradebook

    def define_assignments(self, work: list[Submission]) -> list[StepResult]:
        """Generate the assignments the gradebook does not define yet (nbgrader grades against
        its definitions); returns the results of those that failed."""
        failed = []
        with in_course_folder(self.course):
            for assignment in sorted({key.assignment for key in work}):
                with fresh_session(self.gradebook) as gradebook:
                    known = known_to_gradebook(gradebook, assignment)
                if not known:
                    generated = step_result(
                        assignment,
                        None,
                        self.api.generate_assignment(assignment, force=True, create=True),
                    )
                    if not generated.ok:
                        failed.append(generated)
        return failed

    def resume(self, work: list[Submission], force: bool) -> list[Submission]:
        """Keep what an earlier run graded and what is unchanged since (unless ``force``), with its
        flags; returns the rest, to grade."""
        todo = []
        for key in work:
            if not force and is_graded(self.course, *key):
                self.results[key] = StepResult(*key, True, KEPT)
                self.flags[key] = tamper_flags(self.course, *key, self.cells(key.assignment))
            else:
                todo.append(key)
        # student by student: a student's data, made once, serves their submissions one after
        # another (student_data.VariantStore keeps only the latest students')
        todo.sort(key=lambda key: key.student)
        return todo

    def cells(self, assignment: str) -> dict[str, set[str]]:
        """The grade ids of each notebook of ``assignment`` in the gradebook (read once)."""
        if assignment not in self._graded_cells:
            with fresh_session(self.gradebook) as gradebook:
                self._graded_cells[assignment] = graded_cells_in(gradebook, assignment)
        return self._graded_cells[assignment]

    def grade_in_pool(
        self, todo: list[Submission], jobs: int, limits: Limits, progress: Progress
    ) -> list[Outcome]:
        """Grade ``todo`` in ``jobs`` worker processes, merging each outcome as it comes."""
        outcomes: list[Outcome] = []
        _remove_stale_scratch()
        nbgrader_speedups.check_schemas_once()
        scratch_root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        try:
            if not todo:
                return outcomes
            (scratch_root / "variants").mkdir(mode=0o700)
            _warm_matplotlib_cache(scratch_root / "mpl")
            snapshot = definitions_snapshot(
                self.api.coursedir.db_url, scratch_root / "definitions.db"
            )
            workers = min(jobs, len(todo))
            with (
                _worker_pool(workers, self.course, scratch_root, snapshot, limits) as pool,
                nbgrader_speedups.shared_engines(),
            ):
                futures = {pool.submit(grade_one, *key): key for key in todo}
                for future in progress(_completed(futures)):
                    outcome = _outcome_of(future, futures[future])
                    outcomes.append(outcome)
                    self.merge(outcome)
            return outcomes
        finally:
            shutil.rmtree(scratch_root, ignore_errors=True)

    def merge(self, outcome: Outcome) -> None:
        """Save a worker's outcome (files, gradebook) and find its tamper flags."""
        key = Submission(outcome.assignment, outcome.student)
        step = StepResult(*key, outcome.ok, outcome.detail)
        if outcome.notebooks:
            try:
                used = time.process_time()
                with in_course_folder(self.course), outcome.timings.phase("gradebook and files"):
                    _merge(self.api, self.gradebook, self.course, outcome)
                self.flags[key] = tamper_flags(self.course, *key, self.cells(key.assignment))
                outcome.timings.add("processor: gradebook and files", time.process_time() - used)
            except Exception as error:  # noqa: BLE001
                step = StepResult(*key, False, f"merge: {type(error).__name__}: {error}")
        elif outcome.notes:
            self.flags[key] = sorted(set(outcome.notes))
        self.results[key] = step


@contextlib.contextmanager
def _worker_pool(
    workers: int, course: Path, scratch_root: Path, snapshot: Path, limits: Limits
) -> Iterator[ProcessPoolExecutor]:
    """``workers`` grading processes, forked from a server that imported what they need."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_IMPORTS)
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(slots, str(course), str(scratch_root), str(snapshot), limits),
    ) as pool:
        yield pool


def _outcome_of(future: Future, key: Submission) -> Outcome:
    """A worker's outcome, or a failed one when the worker itself failed."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - e.g. a worker killed from outside
        return Outcome(*key, False, f"{type(error).__name__}: {error}")


def _merge(api: NbGraderAPI, gradebook: Gradebook, course: Path, outcome: Outcome) -> None:
    """Write ``autograded/<student>/<assignment>/`` and record the grades as nbgrader does.

    The folder is made fresh from the submitted files (read again, safely) and the executed
    notebooks, then swapped in whole; the marker is written last, after the gradebook has the
    grades, so a run killed at any point is resumed by grading this submission again.
    """
    _write_autograded(course, outcome)
    notebooks = _record_submission(gradebook, course, outcome)
    _save_grades(api, outcome, notebooks)
    answer_store.store_answers(course, outcome.assignment, outcome.student, outcome.answers)
    target = course / "autograded" / outcome.student / outcome.assignment
    (target / GRADED_MARKER).write_text(
        submission_digest(course, outcome.assignment, outcome.student) + "\n"
    )


def _write_autograded(course: Path, outcome: Outcome) -> None:
    """``autograded/<student>/<assignment>/``: the submitted files and the executed notebooks,
    staged beside it and swapped in whole, owned as the course folder is (the formgrader's)."""
    assignment, student = outcome.assignment, outcome.student
    target = course / "autograded" / student / assignment
    staging = target.with_name(f".{assignment}.incoming")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    submitted = read_submission(course / "submitted" / student / assignment)
    graded = {f"{name}.ipynb" for name in outcome.notebooks}
    write_files({k: v for k, v in submitted.files.items() if k not in graded}, staging)
    for name, text in outcome.notebooks.items():
        (staging / f"{name}.ipynb").write_text(text, encoding="utf-8")
    owner = course.stat()  # the formgrader's account
    for path in [staging, *staging.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def _record_submission(gradebook: Gradebook, course: Path, outcome: Outcome) -> list[str]:
    """The student and the submission in the gradebook (with its time), a missing notebook's
    grades at zero; returns the assignment's notebooks."""
    assignment, student = outcome.assignment, outcome.student
    timestamp = submission_timestamp(course / "submitted" / student / assignment)
    with fresh_session(gradebook):
        gradebook.update_or_create_student(student)
        if timestamp:
            gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gradebook.update_or_create_submission(assignment, student)
        notebooks = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        for name in notebooks:
            if name not in outcome.notebooks:  # nbgrader's rule: a missing notebook scores zero
                for grade in gradebook.find_submission_notebook(name, assignment, student).grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                gradebook.db.commit()
    return notebooks


def _save_grades(api: NbGraderAPI, outcome: Outcome, notebooks: list[str]) -> None:
    """nbgrader's saving preprocessors on each executed notebook: its grades in the gradebook."""
    import json

    import nbformat

    for name in notebooks:
        if name not in outcome.notebooks:
            continue
        # made by the worker: valid
        notebook = nbformat.from_dict(json.loads(outcome.notebooks[name]))
        resources = {
            "nbgrader": {
                "notebook": name,
                "assignment": outcome.assignment,
                "student": outcome.student,
                "db_url": api.coursedir.db_url,
            }
        }
        for preprocessor in saving_preprocessors(api.config):
            notebook, resources = preprocessor(parent=api).preprocess(notebook, resources)


SCRATCH_PREFIX = "crmkit-grading-"
# Imported once by the fork server the workers are forked from, so each worker starts with them
# (each imported them for itself: 2-4 s of a core per worker). Python 3.11's fork server does not
# preload ``__main__`` as it means to (it never receives its path), so the grader names its own.
WORKER_IMPORTS = [
    "__main__",
    "crmkit.grading.run.autograde",
    "crmkit.grading.gradebook",
    "crmkit.grading.preprocessors",
    "crmkit.grading.run.student_data",
    "nbgrader.apps.api",
    "nbgrader.converters",
    "nbgrader.preprocessors",
    "sqlalchemy",
    "sqlite3",
    "pyarrow.pandas_compat",
]


def _remove_stale_scratch() -> None:
    """Delete scratch folders of runs that were killed (their copies of submissions are private)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _completed(futures: dict) -> Countable:
    """``as_completed`` that a progress bar can wrap (it knows the total)."""

    class Completed:
        def __len__(self) -> int:
            return len(futures)

        def __iter__(self):
            return as_completed(futures)

    return Completed()


def _warm_matplotlib_cache(folder: Path) -> None:
    """Build matplotlib's font cache once, for every kernel to copy."""
    import subprocess
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": str(folder)},
        check=False,
        capture_output=True,
        timeout=300,
    )
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
