"""Grade a made-up class two ways and compare: plain ``nbgrader autograde`` vs \
``crmkit course autograde``.

    python benchmarks/autograde_class.py               # 60 students x 3 assignments
    python benchmarks/autograde_class.py --students 6  # quick

Students hand in, in turn, the solution, a blank notebook, a partly solved one (30/50/80 %) or
the solution with one of the kit's wrong answers (exercises/answers/wrong); each is graded
on their own data (their id). Both runs grade the same submissions from the same gradebook;
the script checks every score is identical cell by cell and prints wall times, the ratio, the
processor time each took (all their processes, kernels included: on a busy machine the wall
times say more about the other jobs than about grading), and where a notebook's time goes:
plain nbgrader's split into kernel start, student code (hidden tests included) and nbgrader's own
work, beside the kit's phases (crmkit.grading.run.timings), and what a kernel start costs in the
grading sandbox.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crmkit.grading import course_folder, steps  # noqa: E402
from crmkit.grading import scores as grades  # noqa: E402
from crmkit.grading.demo.class_term import prepare_demo_course  # noqa: E402
from crmkit.grading.release.task_parameters import context, declared_parameters, term_values  # noqa: E402
from crmkit.grading.release.task_templates import render_text  # noqa: E402
from crmkit.grading.run.autograde import autograde, default_jobs  # noqa: E402
from crmkit.grading.run.timings import PHASES, PROCESSOR, total  # noqa: E402
from crmkit.grading.submissions import (  # noqa: E402
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
    submit,
)

EXERCISES = REPO / "exercises"
WRONG = EXERCISES / "answers" / "wrong"
KINDS = ["solution", "blank", "partial-0.3", "partial-0.5", "partial-0.8", "wrong"]


def hand_in_class(course: Path, students: int) -> list[str]:
    """Submit a spread of notebooks for ``students`` students of every
    assignment; returns the ids."""
    ids = [f"s{n:03d}" for n in range(1, students + 1)]
    for assignment in course_folder.source_assignments(course):
        solution = read_notebook(notebook_path(course, "source", assignment))
        release = read_notebook(notebook_path(course, "release", assignment))
        wrong = sorted((WRONG / assignment).glob("*__*.py"))
        # the answers are templates: render them for the published term the course is copied from
        parameters = declared_parameters(EXERCISES / "templates", assignment)
        term = context(parameters, term_values(EXERCISES, assignment, parameters))
        for number, student in enumerate(ids):
            kind = KINDS[number % len(KINDS)]
            if kind == "solution":
                notebook = solution
            elif kind == "blank":
                notebook = release
            elif kind.startswith("partial"):
                notebook = partly_solved(solution, release, float(kind.split("-")[1]))
            else:
                fixture = wrong[number % len(wrong)]
                notebook = replace_solution(
                    solution,
                    fixture.stem.split("__")[0] + "_answer",
                    render_text(fixture.read_text(encoding="utf-8"), term, fixture.name),
                )
            submit(course, student, assignment, notebook)
    return ids


def children_cpu() -> float:
    """Processor seconds (user and system) of this process's finished children and theirs."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def sequential(course: Path, assignments: list[str]) -> tuple[float, float]:
    """Plain ``nbgrader autograde ASSIGNMENT`` for each assignment; returns the wall time and
    the processor time of everything it ran."""
    course_folder.ensure_env_bin_on_path()
    cpu = children_cpu()
    started = time.perf_counter()
    for assignment in assignments:
        subprocess.run(
            ["nbgrader", "autograde", assignment, "--force", "--log-level=ERROR"],
            cwd=course,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started, children_cpu() - cpu


def with_kit(course: Path, jobs: int | None) -> tuple[float, float, dict]:
    """``crmkit course autograde`` of every assignment, in a child process (so that the
    processor time of its workers can be counted once they have all ended); returns its wall
    time, the processor time of it all, and what it reported."""
    cpu = children_cpu()
    command = [sys.executable, __file__, "--grade-with-kit", str(course)]
    if jobs:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    reported = json.loads(done.stdout.strip().splitlines()[-1])
    # a sandbox's processes are in a pid namespace of their own, not counted to the child: each
    # sandbox counts its own (crmkit.grading.run.timings.PROCESSOR)
    sandboxes = total(reported["timings"])
    inside = sum(sandboxes.get(n, 0.0) for n in PROCESSOR if "sandbox" in n)
    return reported["seconds"], children_cpu() - cpu + inside, reported


def grade_with_kit(course: Path, jobs: int | None) -> None:
    """The child's side of :func:`with_kit`: grade, print the wall time, failures and phases."""
    assignments = course_folder.source_assignments(course)
    began = time.perf_counter()
    report = autograde(course, assignments, jobs=jobs)
    seconds = time.perf_counter() - began
    failed = [f"{r.assignment}/{r.student}: {r.detail}" for r in report.results if not r.ok]
    timings = [dict(o.timings) for o in report.outcomes]
    # the workers' processor time reaches this process once the process that forked them ends
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()
    print(json.dumps({"seconds": seconds, "failed": failed, "timings": timings}))


def notebook_costs(course: Path, assignments: list[str], student: str) -> dict[str, float]:
    """Seconds to start a kernel and to run the student's autograded notebook in it
    (mean per notebook)."""
    import nbformat
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    starts = []
    for _ in range(3):
        began = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        starts.append(time.perf_counter() - began)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    runs = []
    for assignment in assignments:
        folder = course / "autograded" / student / assignment
        notebook = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
        began = time.perf_counter()
        NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=120,
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        runs.append(time.perf_counter() - began)
    start = sum(starts) / len(starts)
    return {"kernel start": start, "student code and tests": sum(runs) / len(runs) - start}


# The kit's phases (crmkit.grading.run.timings.PHASES) under the part of plain nbgrader's notebook
# they do the work of: the student's data, made once by the grader, stands for the data each of
# plain nbgrader's notebooks generates in its cells.
SPLIT = {
    "kernel start": ("student kernel: fork", "tests kernel: fork"),
    "student code and tests": (
        "student kernel: setup",
        "student kernel: student cells",
        "tests kernel: data",
        "tests kernel: binding",
        "tests kernel: hidden tests",
        "probes",
        "worker: the student's data",
    ),
    "nbgrader's own work": ("worker: read, sanitize, recycle", "gradebook and files"),
}


def split_table(
    plain: dict[str, float], phases: dict[str, float], notebooks: int, jobs: int
) -> list[str]:
    """Plain nbgrader's seconds per notebook beside the kit's, phase by phase."""
    assert sorted(n for group in SPLIT.values() for n in group) == sorted(PHASES)
    lines = [
        "where a notebook's time goes, seconds per notebook:",
        f"  {'':<36} {'plain nbgrader':>14} {'the kit':>9}",
    ]
    for part, names in SPLIT.items():
        kit = sum(phases.get(n, 0.0) for n in names) / notebooks
        lines.append(f"  {part:<36} {plain[part]:14.2f} {kit:9.2f}")
        lines += [f"    {n:<34} {'':14} {phases.get(n, 0.0) / notebooks:9.2f}" for n in names]
    kit_total = sum(phases.get(n, 0.0) for n in PHASES) / notebooks
    lines.append(f"  {'total':<36} {sum(plain.values()):14.2f} {kit_total:9.2f}")
    lines.append(
        "  (plain nbgrader: one notebook at a time, its split measured again after the runs, so"
        f" under another moment's load; the kit: seconds in a worker, {jobs} workers at once,"
        " and the gradebook and files in the parent meanwhile)"
    )
    return lines


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def sandbox_kernel_start(rounds: int = 5) -> float:
    """Seconds from letting a prepared kernel go to its first reply, in the grading sandbox."""
    from crmkit.grading.sandbox import bubblewrap as sandbox
    from crmkit.grading.settings import Limits

    root = Path(tempfile.mkdtemp(prefix="crmkit-bench-sandbox-"))
    folder = root / "worker"
    folder.mkdir(mode=0o700)
    (folder / "inbox").mkdir()
    (folder / "cache").mkdir()
    box = sandbox.Sandbox("student", 0, Limits(), folder, root / "log.txt")
    times = []
    try:
        for _ in range(rounds):
            box.prepare()
            time.sleep(1)  # prepared while the previous submission is saved
            began = time.perf_counter()
            kernel = box.start("s001", inbox=True)
            times.append(time.perf_counter() - began)
            kernel.close()
            box.recycle()
        return sorted(times)[rounds // 2]
    finally:
        box.close()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument(
        "--jobs", type=int, default=None, help="workers of the parallel run (default: cores)"
    )
    parser.add_argument(
        "--dir", default=None, help="work folder (default: a temporary one, removed after)"
    )
    parser.add_argument("--grade-with-kit", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.grade_with_kit:
        grade_with_kit(Path(args.grade_with_kit), args.jobs)
        return 0

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="crmkit-bench-"))
    try:
        base = prepare_demo_course(REPO / "exercises", work / "sequential")
        assignments = course_folder.source_assignments(base)
        assert all(r.ok for r in steps.generate_assignments(base, assignments))
        ids = hand_in_class(base, args.students)
        shutil.copytree(base, work / "parallel")
        other = work / "parallel"
        notebooks = len(ids) * len(assignments)
        print(
            f"{len(ids)} students x {len(assignments)} assignments = {notebooks} notebooks, "
            f"{default_jobs()} cores",
            flush=True,
        )

        print(f"load average before: {load()}", flush=True)
        seq_seconds, seq_cpu = sequential(base, assignments)
        print(
            f"plain nbgrader autograde (sequential): {seq_seconds:7.1f} s  "
            f"({seq_seconds / notebooks:.2f} s/notebook, processor {seq_cpu / notebooks:.2f} "
            f"s/notebook)   load average: {load()}",
            flush=True,
        )
        par_seconds, par_cpu, reported = with_kit(other, args.jobs)
        print(
            f"crmkit course autograde (parallel):    {par_seconds:7.1f} s  "
            f"({par_seconds / notebooks:.2f} s/notebook, processor {par_cpu / notebooks:.2f} "
            f"s/notebook)   load average: {load()}"
        )
        print(
            f"speed-up: {seq_seconds / par_seconds:.2f}x   "
            f"(processor time per notebook: {seq_cpu / par_cpu:.2f}x less)"
        )

        failed = reported["failed"]
        ours = {
            (s.student, s.assignment): (s.auto_score, s.manual_score) for s in grades.scores(other)
        }
        theirs = {
            (s.student, s.assignment): (s.auto_score, s.manual_score) for s in grades.scores(base)
        }
        cells_differ = [
            (a, s)
            for a in assignments
            for s in ids
            if grades.cell_scores(base, a, s) != grades.cell_scores(other, a, s)
        ]
        identical = ours == theirs and not cells_differ and not failed
        print(
            f"scores identical: {identical}  ({len(ours)} submissions, {len(failed)} failed, "
            f"{len(cells_differ)} with different cell scores)"
        )

        for line in failed[:10]:
            print(f"  failed: {line}")
        costs = notebook_costs(base, assignments, ids[0])
        costs["nbgrader's own work"] = (
            seq_seconds / notebooks - costs["kernel start"] - costs["student code and tests"]
        )
        jobs = args.jobs or default_jobs()
        phases = total(reported["timings"])
        for line in split_table(costs, phases, notebooks, jobs):
            print(line)
        print("the kit's processor time per notebook (what the wall times above waited for):")
        for name in PROCESSOR:
            print(f"  {name:<34} {phases.get(name, 0.0) / notebooks:5.2f} s")
        print(f"  {'total':<34} {sum(phases.get(n, 0.0) for n in PROCESSOR) / notebooks:5.2f} s")
        print(
            "kernel start in the grading sandbox (forked, prepared ahead; median): "
            f"{sandbox_kernel_start():.3f} s"
        )
        return 0 if identical else 1
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
