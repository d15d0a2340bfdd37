"""Grade a made-up class two ways and compare: plain ``nbgrader autograde`` vs \
``crmkit course autograde``.

    python benchmarks/autograde_class.py               # 60 students x 3 assignments
    python benchmarks/autograde_class.py --students 6  # quick

Students hand in, in turn, the solution, a blank notebook, a partly solved one (30/50/80 %) or
the solution with one of the kit's wrong answers (exercises/answers/wrong); each is graded
on their own data (their id). Both runs grade the same submissions from the same gradebook;
the script checks every score is identical and prints wall times, the ratio, the cost of a
notebook split into kernel start, student code and nbgrader's own work, and what a kernel start
costs in the grading sandbox instead.
"""

from __future__ import annotations

import argparse
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
from crmkit.grading.autograde import autograde, default_jobs  # noqa: E402
from crmkit.grading.demo import prepare_demo_course  # noqa: E402
from crmkit.grading.submissions import (  # noqa: E402
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
    submit,
)
from crmkit.grading.task_parameters import context, declared_parameters, term_values  # noqa: E402
from crmkit.grading.task_templates import render_text  # noqa: E402

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


def sequential(course: Path, assignments: list[str]) -> float:
    """Plain ``nbgrader autograde ASSIGNMENT`` for each assignment; returns the wall time."""
    course_folder.ensure_env_bin_on_path()
    started = time.perf_counter()
    for assignment in assignments:
        subprocess.run(
            ["nbgrader", "autograde", assignment, "--force", "--log-level=ERROR"],
            cwd=course,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


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
    return {"kernel start": start, "student code": sum(runs) / len(runs) - start}


def sandbox_kernel_start(rounds: int = 5) -> float:
    """Seconds from letting a prepared kernel go to its first reply, in the grading sandbox."""
    from crmkit.grading import sandbox

    root = Path(tempfile.mkdtemp(prefix="crmkit-bench-sandbox-"))
    folder = root / "worker"
    folder.mkdir(mode=0o700)
    (folder / "inbox").mkdir()
    (folder / "cache").mkdir()
    box = sandbox.Sandbox("student", 0, sandbox.Limits(), folder, root / "log.txt")
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
    args = parser.parse_args(argv)

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

        seq_seconds = sequential(base, assignments)
        print(
            f"plain nbgrader autograde (sequential): {seq_seconds:7.1f} s  "
            f"({seq_seconds / notebooks:.2f} s/notebook)",
            flush=True,
        )
        began = time.perf_counter()
        report = autograde(other, assignments, jobs=args.jobs)
        par_seconds = time.perf_counter() - began
        print(
            f"crmkit course autograde (parallel):    {par_seconds:7.1f} s  "
            f"({par_seconds / notebooks:.2f} s/notebook)"
        )
        print(f"speed-up: {seq_seconds / par_seconds:.2f}x")

        failed = [r for r in report.results if not r.ok]
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

        costs = notebook_costs(base, assignments, ids[0])
        costs["nbgrader overhead"] = (
            seq_seconds / notebooks - costs["kernel start"] - costs["student code"]
        )
        print("cost per notebook in the sequential run:")
        for name, seconds in costs.items():
            print(f"  {name:<18} {seconds:5.2f} s")
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
