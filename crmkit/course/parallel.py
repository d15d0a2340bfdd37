"""Autograde a class in parallel, each submission in its own scratch course and sandboxed kernel.

How it stays equal to ``nbgrader autograde`` and safe:

* Each (student, assignment) is graded by nbgrader's own ``autograde`` in a **scratch copy** of
  the course (config, a snapshot of the gradebook, the non-notebook files of ``source/``, the
  one submission), by one of ``jobs`` worker processes. Kernels of different students share
  nothing; at most ``jobs`` run at once, and one worker starts its kernel while another runs.
* The kernel is :mod:`crmkit.course.sandbox`: resource limits, a user id per worker slot,
  a per-cell timeout (``Execute.timeout``) and a wall limit per submission (the worker kills
  everything of the slot's user id when it is reached).
* Only the parent writes the course's gradebook, one submission at a time, with nbgrader's own
  ``SaveAutoGrades`` and ``AssignLatePenalties`` run on the executed notebook, so scores are
  computed exactly as nbgrader computes them, and nothing a kernel does to its scratch
  gradebook reaches the real one.
* Every graded notebook is checked for signs of tampering (:func:`tamper_flags`); those are
  reported next to the result, for the instructor to look at.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CrmkitError
from . import grading, sandbox
from .sandbox import Limits

# Slot user ids: far above real accounts, one per worker process.
FIRST_SLOT_UID = 61000
CANARY_GRADE_ID = "crmkit_canary"


@dataclass
class Outcome:
    """What a worker reports about one submission."""

    assignment: str
    student: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _copy_scratch(course: Path, scratch: Path, assignment: str, student: str, gradebook: Path) -> None:
    """A course folder with just what grading one submission needs."""
    scratch.mkdir(parents=True)
    shutil.copy2(course / "nbgrader_config.py", scratch / "nbgrader_config.py")
    shutil.copy2(gradebook, scratch / "gradebook.db")
    os.chmod(scratch / "gradebook.db", 0o600)
    shutil.copytree(course / "source" / assignment, scratch / "source" / assignment,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copytree(course / "submitted" / student / assignment, scratch / "submitted" / student / assignment,
                    symlinks=True)
    for private in ("source", "submitted"):
        os.chmod(scratch / private, 0o700)


# ---------------------------------------------------------------- worker side

_slot_uid: int | None = None


def _init_worker(slots, scratch_root: str) -> None:
    global _slot_uid
    grading.ensure_env_bin_on_path()
    os.environ["JUPYTER_PATH"] = scratch_root
    os.environ["MPLCONFIGDIR"] = str(Path(scratch_root) / "mpl")
    slot = slots.get()
    _slot_uid = slot if sandbox.can_drop_privileges() else None


_pidfile: Path | None = None


def _kill_slot() -> None:
    if _slot_uid is not None:
        sandbox.kill_uid(_slot_uid)
    elif _pidfile is not None:
        sandbox.kill_group_of(_pidfile)


def grade_in_scratch(scratch: str, assignment: str, student: str, limits: Limits) -> Outcome:
    """Run nbgrader's autograde on one submission in ``scratch`` (in a worker process)."""
    import warnings

    from traitlets.config import Config

    started = time.perf_counter()
    folder = Path(scratch)
    global _pidfile
    _pidfile = folder / "kernel.pid"
    os.environ[sandbox.ENV_VAR] = sandbox.limits_json(limits, _slot_uid, _pidfile)
    extra = Config()
    extra.Execute.kernel_name = sandbox.KERNEL_NAME
    extra.Execute.timeout = limits.cell_timeout
    extra.Execute.startup_timeout = 120
    api = grading.open_api(folder)
    api.config.merge(extra)
    api.coursedir.config.merge(extra)
    timer = threading.Timer(limits.wall_seconds, _kill_slot)
    timer.daemon = True
    timer.start()
    try:
        with grading._in_folder(folder), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = grading._result(assignment, student, api.autograde(assignment, student, force=True, create=True))
    except Exception as error:  # noqa: BLE001 - a submission must never stop the class
        result = grading.StepResult(assignment, student, False, f"{type(error).__name__}: {error}")
    finally:
        timed_out = not timer.is_alive() and time.perf_counter() - started >= limits.wall_seconds
        timer.cancel()
        _kill_slot()  # whatever the submission left running
    detail = result.detail
    if timed_out:
        detail = f"超过每份提交的时间上限 {limits.wall_seconds}s / wall limit of {limits.wall_seconds}s reached"
    return Outcome(assignment, student, result.ok and not timed_out, detail, time.perf_counter() - started)


# ---------------------------------------------------------------- parent side

def _merge(course: Path, scratch: Path, assignment: str, student: str) -> None:
    """Copy the executed notebooks into ``course/autograded`` and record their grades as nbgrader does."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    api = grading.open_api(course)
    coursedir = api.coursedir
    source = scratch / "autograded" / student / assignment
    target = course / "autograded" / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".sandbox-home-*"), symlinks=True)
    for path in [target, *target.rglob("*")]:
        os.chown(path, os.getuid(), os.getgid(), follow_symlinks=False)
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    timestamp = coursedir.get_existing_timestamp(str(course / "submitted" / student / assignment))
    with Gradebook(db_url, coursedir.course_id) as gradebook:
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
        resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student, "db_url": db_url}}
        for preprocessor in (SaveAutoGrades(parent=api), AssignLatePenalties(parent=api)):
            notebook, resources = preprocessor.preprocess(notebook, resources)


def tamper_flags(course: Path, assignment: str, student: str) -> list[str]:
    """Signs in an autograded submission that it tried to cheat or break the grader."""
    import nbformat

    flags = []
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001
            return [f"{path.name}: 无法读取 / unreadable"]
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("locked"):
                continue  # locked cells were restored from the gradebook
            for pattern, why in SUSPICIOUS:
                if pattern in cell.source:
                    flags.append(f"{meta.get('grade_id', 'cell')}: {why}")
    return sorted(set(flags))


# Code a CRM exercise never needs, but a submission cheating the grader would.
SUSPICIOUS = [
    ("set_custom_exc", "替换异常处理 / replaces exception handling"),
    ("showtraceback", "替换异常显示 / replaces traceback display"),
    ("builtins", "修改内置函数 / touches builtins"),
    ("gradebook", "访问成绩库 / touches the gradebook"),
    ("source/", "读取教师源文件 / reads the instructor's source"),
    ("os.fork", "创建进程 / forks processes"),
    ("os.kill", "发送信号 / sends signals"),
    ("sys.exit", "退出内核 / exits the kernel"),
    ("os._exit", "退出内核 / exits the kernel"),
    ("assert_frame_equal =", "替换测试函数 / replaces a test helper"),
    ("isclose =", "替换测试函数 / replaces a test helper"),
]


@dataclass(frozen=True)
class GradingReport:
    """Each submission's result, its tamper flags, and the worker timings."""

    results: list[grading.StepResult]
    flags: dict[tuple[str, str], list[str]]
    outcomes: list[Outcome]


def autograde(
    course: Path,
    assignments: Iterable[str],
    student: str | None = None,
    jobs: int | None = None,
    limits: Limits = Limits(),
    progress: grading.Progress = iter,
) -> GradingReport:
    """Autograde every submission (or ``student``'s) with ``jobs`` workers; see the module doc."""
    from nbgrader.api import MissingEntry  # noqa: F401  (fail early if nbgrader is missing)

    course = course.resolve()
    jobs = max(1, jobs or default_jobs())
    work = []
    for assignment in assignments:
        for who in grading.submitted_students(course, assignment):
            if student is None or who == student:
                work.append((assignment, who))
    if student is not None and not work:
        raise CrmkitError(
            f"找不到学生 '{student}' 的提交（submitted/{student}/<作业>/）；先收取作业 / "
            f"No submission from '{student}' in submitted/{student}/<assignment>/; collect it first"
        )
    results: list[grading.StepResult] = []
    api = grading.open_api(course)
    with grading._in_folder(course):
        for assignment in sorted({a for a, _ in work}):
            if not grading._known_to_gradebook(api, assignment):
                generated = grading._result(assignment, None, api.generate_assignment(assignment, force=True, create=True))
                if not generated.ok:
                    results.append(generated)
    scratch_root = Path(tempfile.mkdtemp(prefix="crmkit-grading-"))
    os.chmod(scratch_root, 0o711)  # kernels may pass through to their own folder, not list others
    try:
        sandbox.write_kernelspec(scratch_root)
        for folder in (scratch_root / "kernels", scratch_root / "kernels" / sandbox.KERNEL_NAME):
            os.chmod(folder, 0o755)
        _warm_matplotlib_cache(scratch_root / "mpl")
        snapshot = scratch_root / "gradebook-snapshot.db"
        shutil.copy2(course / "gradebook.db", snapshot)
        os.chmod(snapshot, 0o600)
        context = multiprocessing.get_context("forkserver")
        slots = context.Queue()
        for slot in range(jobs):
            slots.put(FIRST_SLOT_UID + slot)
        flags: dict[tuple[str, str], list[str]] = {}
        outcomes: list[Outcome] = []
        graded: dict[tuple[str, str], grading.StepResult] = {}
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(slots, str(scratch_root))) as pool:
            futures = {}
            for number, (assignment, who) in enumerate(work):
                scratch = scratch_root / f"{number:05d}"
                _copy_scratch(course, scratch, assignment, who, snapshot)
                futures[pool.submit(grade_in_scratch, str(scratch), assignment, who, limits)] = (scratch, assignment, who)
            for future in progress(_completed(futures)):
                scratch, assignment, who = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - e.g. a worker killed from outside
                    outcome = Outcome(assignment, who, False, f"{type(error).__name__}: {error}")
                outcomes.append(outcome)
                step = grading.StepResult(assignment, who, outcome.ok, outcome.detail)
                if (scratch / "autograded" / who / assignment).is_dir():
                    try:
                        with grading._in_folder(course):
                            _merge(course, scratch, assignment, who)
                        flags[(assignment, who)] = tamper_flags(course, assignment, who)
                    except Exception as error:  # noqa: BLE001
                        step = grading.StepResult(assignment, who, False, f"merge: {type(error).__name__}: {error}")
                graded[(assignment, who)] = step
                shutil.rmtree(scratch, ignore_errors=True)
        results += [graded[key] for key in work]
        return GradingReport(results, {k: v for k, v in flags.items() if v}, outcomes)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)


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
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env={**os.environ, "MPLCONFIGDIR": str(folder)},
                   check=False, capture_output=True, timeout=300)
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def flags_table(flags: dict[tuple[str, str], list[str]]) -> str:
    """Tamper flags as a table for the instructor."""
    return grading.format_table(
        ["作业 assignment", "学生 student", "需要查看 check"],
        [(a, s, "; ".join(f)) for (a, s), f in sorted(flags.items())],
    )


def outcome_json(outcomes: list[Outcome]) -> str:
    """Worker timings as JSON (for the benchmark)."""
    return json.dumps([o.__dict__ for o in outcomes])
