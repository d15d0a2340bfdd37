"""Autograde a class in parallel: nbgrader's own autograde, sandboxed kernels, one gradebook writer.

How it stays equal to ``nbgrader autograde``, fast and safe:

* ``jobs`` worker processes (default: one per core). Each keeps a private scratch course
  (config, the non-notebook files of ``source/``, and a SQLite snapshot of the assignment
  definitions from the real gradebook, whatever its backend) and runs nbgrader's ``autograde``
  there, in process, one submission at a time: nbgrader is imported once per worker, not once
  per notebook.
* Kernels come from the worker's :class:`~crmkit.grading.sandbox.Sandbox`: bubblewrap, no
  network, the slot's own user id, resource limits, and a filesystem holding only the
  submission being graded. A kernel is forked from a warm factory in milliseconds, and a new
  one serves every notebook; between submissions everything the last one left running is
  killed. Per-cell timeout: nbgrader's ``Execute.timeout``; per submission: ``wall_seconds``.
* Only the parent writes the course's gradebook, one submission at a time, with nbgrader's own
  ``SaveAutoGrades`` and ``AssignLatePenalties`` on the executed notebook, so scores are
  computed exactly as nbgrader computes them.
* Resumable: once a submission's grades are saved, a marker in its ``autograded/`` folder
  records a digest of the submission and of the assignment's source. A later run (after a
  crash, or with new submissions) skips what is graded and unchanged, and regrades the rest;
  saving is nbgrader's update-or-create, so a regrade replaces and never duplicates.
* Every graded notebook is checked for signs of tampering (:func:`tamper_flags`); those are
  reported next to the result, for the instructor to look at.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrmkitError
from . import sandbox
from .course_folder import ensure_env_bin_on_path, in_course_folder, open_api, submitted_students
from .gradebook import connect_gradebook, gradebook_url
from .preprocessors import executing_preprocessors, saving_preprocessors
from .preprocessors.canary import tampered
from .resume import GRADED_MARKER, KEPT, is_graded, submission_digest
from .sandbox import Limits
from .steps import Progress, StepResult, known_to_gradebook, step_result
from .tamper import graded_cells, tamper_flags


@dataclass
class Outcome:
    """What a worker reports about one submission."""

    assignment: str
    student: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0
    result_dir: str = ""


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _copy_without_links(source: Path, target: Path) -> None:
    """Copy a folder of student files, leaving out symbolic links (one could point at the gradebook)
    and anything that is not a plain file or folder."""

    def links(folder: str, names: list[str]) -> list[str]:
        paths = [os.path.join(folder, n) for n in names]
        return [
            n
            for n, p in zip(names, paths, strict=True)
            if os.path.islink(p) or not (os.path.isfile(p) or os.path.isdir(p))
        ]

    shutil.copytree(source, target, ignore=links)


def definitions_snapshot(course: Path, target: Path) -> Path:
    """A SQLite copy of what defines the course's assignments, for workers to grade against."""
    from .gradebook import snapshot_definitions

    snapshot_definitions(gradebook_url(course), target)
    os.chmod(target, 0o600)
    return target


# ---------------------------------------------------------------- worker side


class _Worker:
    """One worker's scratch course and sandbox (lives as long as the worker process)."""

    def __init__(self, slot: int, course: Path, scratch_root: Path, snapshot: Path, limits: Limits):
        from traitlets.config import Config

        self.origin, self.limits = course, limits
        self.folder = scratch_root / f"worker{slot}"
        self.folder.mkdir(mode=0o700)
        self.course = self.folder / "course"
        self.course.mkdir()
        shutil.copy2(course / "nbgrader_config.py", self.course / "nbgrader_config.py")
        shutil.copy2(snapshot, self.course / "gradebook.db")
        shutil.copytree(
            course / "source",
            self.course / "source",
            ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
        )
        (self.course / "autograded").mkdir()
        self.done = self.folder / "done"
        self.done.mkdir()
        self.runtime = self.folder / "runtime"
        self.runtime.mkdir()
        extra = Config()
        extra.Execute.kernel_name = sandbox.KERNEL_NAME
        extra.Execute.timeout = limits.cell_timeout
        extra.Execute.startup_timeout = 60
        extra.Execute.shutdown_kernel = "immediate"  # the sandbox is reset right after anyway
        # grades are saved by the parent, into the real gradebook (see saving_preprocessors)
        extra.Autograde.autograde_preprocessors = executing_preprocessors(open_api(course).config)
        # the snapshot is this worker's own SQLite file, whatever the course's backend
        extra.CourseDirectory.db_url = f"sqlite:///{self.course / 'gradebook.db'}"
        self.api = open_api(self.course)
        self.api.config.merge(extra)
        self.api.coursedir.config.merge(extra)
        arguments = (
            "--HistoryManager.hist_file=:memory:",
            *self.api.config.Execute.get("extra_arguments", []),
        )
        self.sandbox = sandbox.Sandbox(
            sandbox.slot_uid(slot),
            limits,
            self.runtime,
            [self.course / "autograded"],
            log=self.folder / "sandbox.log",
            readable=(scratch_root / "mpl",),
            kernel_arguments=arguments,
        )
        sandbox.activate(self.sandbox)
        self.sandbox.next_connection_file()  # the first kernel starts warming up now
        self.graded = 0

    def grade(self, assignment: str, student: str) -> Outcome:
        """nbgrader's autograde of one submission, in the sandbox, within the wall limit."""
        import warnings

        started = time.perf_counter()
        submitted = self.course / "submitted"
        shutil.rmtree(submitted, ignore_errors=True)
        _copy_without_links(
            self.origin / "submitted" / student / assignment, submitted / student / assignment
        )
        timer = threading.Timer(self.limits.wall_seconds, self.sandbox.reset)
        timer.daemon = True
        timer.start()
        try:
            with in_course_folder(self.course), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome = self.api.autograde(assignment, student, force=True, create=True)
            result = step_result(assignment, student, outcome)
        except Exception as error:  # noqa: BLE001 - a submission must never stop the class
            result = StepResult(assignment, student, False, f"{type(error).__name__}: {error}")
        finally:
            timer.cancel()
            timed_out = time.perf_counter() - started >= self.limits.wall_seconds
        detail = result.detail
        if timed_out:
            detail = f"超过每份提交的时间上限 {self.limits.wall_seconds}s / wall limit of {self.limits.wall_seconds}s reached"
        elif not result.ok:
            detail = self._kernel_error() or detail
        self.sandbox.recycle()  # kill whatever the submission left running; warm up the next kernel
        graded = self.course / "autograded" / student / assignment
        result_dir = ""
        if graded.is_dir():
            self.graded += 1
            result_dir = str(self.done / f"{self.graded:05d}")
            graded.rename(result_dir)
        shutil.rmtree(self.course / "autograded" / student, ignore_errors=True)
        return Outcome(
            assignment,
            student,
            result.ok and not timed_out,
            detail,
            time.perf_counter() - started,
            result_dir,
        )

    def _kernel_error(self) -> str:
        """The last line a kernel wrote before dying, if one died."""
        for log in sorted(self.runtime.glob("*.log")):
            lines = [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
            if lines and "Error" in lines[-1]:
                return f"kernel: {lines[-1][:200]}"
        return ""


_worker: _Worker | None = None


def _init_worker(slots, course: str, scratch_root: str, snapshot: str, limits: Limits) -> None:
    global _worker
    ensure_env_bin_on_path()
    os.environ["JUPYTER_PATH"] = scratch_root
    os.environ["MPLCONFIGDIR"] = str(Path(scratch_root) / "mpl")
    _worker = _Worker(slots.get(), Path(course), Path(scratch_root), Path(snapshot), limits)


def grade_one(assignment: str, student: str) -> Outcome:
    """Grade one submission in this worker (see :class:`_Worker`)."""
    assert _worker is not None, "grade_one runs in a worker started by autograde()"
    return _worker.grade(assignment, student)


# ---------------------------------------------------------------- parent side


def _merge(api, course: Path, executed: Path, assignment: str, student: str) -> None:
    """Put the executed notebooks in ``course/autograded`` and record their grades as nbgrader does.

    The folder is swapped in whole; the marker is written last, after the gradebook has the
    grades, so a run killed at any point is resumed by grading this submission again.
    """
    import nbformat

    target = course / "autograded" / student / assignment
    staging = target.with_name(f".{assignment}.incoming")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    # links a kernel made in its folder are left out: feedback copies files to the student
    _copy_without_links(executed, staging)
    (staging / GRADED_MARKER).unlink(missing_ok=True)
    owner = course.stat()  # the formgrader's account, not the grading slot's user id
    for path in [staging, *staging.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    db_url = api.coursedir.db_url
    timestamp = api.coursedir.get_existing_timestamp(
        str(course / "submitted" / student / assignment)
    )
    with connect_gradebook(db_url, api.coursedir.course_id) as gradebook:
        gradebook.update_or_create_student(student)
        if timestamp:
            gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gradebook.update_or_create_submission(assignment, student)
        notebooks = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        for name in notebooks:
            if not (target / f"{name}.ipynb").is_file():
                for grade in gradebook.find_submission_notebook(name, assignment, student).grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                gradebook.db.commit()
    for name in notebooks:
        path = target / f"{name}.ipynb"
        if not path.is_file():
            continue
        notebook = nbformat.read(path, as_version=4)
        resources = {
            "nbgrader": {
                "notebook": name,
                "assignment": assignment,
                "student": student,
                "db_url": db_url,
            }
        }
        for preprocessor in saving_preprocessors(api.config):
            notebook, resources = preprocessor(parent=api).preprocess(notebook, resources)
        if tampered(notebook):
            _withhold_automatic_points(api, name, assignment, student)
    (target / GRADED_MARKER).write_text(submission_digest(course, assignment, student) + "\n")


def _withhold_automatic_points(api, notebook: str, assignment: str, student: str) -> None:
    """A kernel that lied cannot be trusted with any test: its points wait for the instructor."""
    with connect_gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        for grade in gradebook.find_submission_notebook(notebook, assignment, student).grades:
            if grade.auto_score is not None:
                grade.auto_score = 0
                grade.needs_manual_grade = True
        gradebook.db.commit()


@dataclass(frozen=True)
class GradingReport:
    """Each submission's result, its tamper flags, and what each worker reported."""

    results: list[StepResult]
    flags: dict[tuple[str, str], list[str]]
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
    """
    limits = limits or Limits()
    course = course.resolve()
    problem = sandbox.bwrap_problem()
    if problem:
        raise CrmkitError(problem)
    jobs = max(1, jobs or default_jobs())
    work = []
    for assignment in assignments:
        for who in submitted_students(course, assignment):
            if student is None or who == student:
                work.append((assignment, who))
    if student is not None and not work:
        raise CrmkitError(
            f"找不到学生 '{student}' 的提交（submitted/{student}/<作业>/）；先收取作业 / "
            f"No submission from '{student}' in submitted/{student}/<assignment>/; collect it first"
        )
    results: list[StepResult] = []
    api = open_api(course)
    with in_course_folder(course):
        for assignment in sorted({a for a, _ in work}):
            if not known_to_gradebook(api, assignment):
                generated = step_result(
                    assignment, None, api.generate_assignment(assignment, force=True, create=True)
                )
                if not generated.ok:
                    results.append(generated)
    graded: dict[tuple[str, str], StepResult] = {}
    flags: dict[tuple[str, str], list[str]] = {}
    expected: dict[str, dict[str, set[str]]] = {}
    todo = []
    for key in work:
        if not force and is_graded(course, *key):
            graded[key] = StepResult(*key, True, KEPT)
            if key[0] not in expected:
                expected[key[0]] = graded_cells(
                    api.coursedir.db_url, api.coursedir.course_id, key[0]
                )
            flags[key] = tamper_flags(course, *key, expected[key[0]])
        else:
            todo.append(key)
    outcomes: list[Outcome] = []
    _remove_stale_scratch()
    scratch_root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    try:
        if todo:
            sandbox.write_kernelspec(scratch_root)
            _warm_matplotlib_cache(scratch_root / "mpl")
            snapshot = definitions_snapshot(course, scratch_root / "definitions.db")
            context = multiprocessing.get_context("forkserver")
            slots = context.Queue()
            for slot in range(min(jobs, len(todo))):
                slots.put(slot)
            with ProcessPoolExecutor(
                min(jobs, len(todo)),
                mp_context=context,
                initializer=_init_worker,
                initargs=(slots, str(course), str(scratch_root), str(snapshot), limits),
            ) as pool:
                futures = {
                    pool.submit(grade_one, assignment, who): (assignment, who)
                    for assignment, who in todo
                }
                for future in progress(_completed(futures)):
                    assignment, who = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as error:  # noqa: BLE001 - e.g. a worker killed from outside
                        outcome = Outcome(
                            assignment, who, False, f"{type(error).__name__}: {error}"
                        )
                    outcomes.append(outcome)
                    step = StepResult(assignment, who, outcome.ok, outcome.detail)
                    if outcome.result_dir:
                        try:
                            with in_course_folder(course):
                                _merge(api, course, Path(outcome.result_dir), assignment, who)
                            if assignment not in expected:
                                expected[assignment] = graded_cells(
                                    f"sqlite:///{snapshot}", api.coursedir.course_id, assignment
                                )
                            flags[(assignment, who)] = tamper_flags(
                                course, assignment, who, expected[assignment]
                            )
                        except Exception as error:  # noqa: BLE001
                            step = StepResult(
                                assignment, who, False, f"merge: {type(error).__name__}: {error}"
                            )
                        shutil.rmtree(outcome.result_dir, ignore_errors=True)
                    graded[(assignment, who)] = step
        results += [graded[key] for key in work]
        return GradingReport(results, {k: v for k, v in flags.items() if v}, outcomes)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)


SCRATCH_PREFIX = "crmkit-grading-"


def _remove_stale_scratch() -> None:
    """Delete scratch folders of runs that were killed (their copies of submissions are private)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _completed(futures: dict) -> Iterable:
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
