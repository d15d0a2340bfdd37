"""``crmkit course new-term | render | generate | autograde | feedback | export | report | demo |
student-pack`` over nbgrader's API.

``crmkit/cli.py`` calls :func:`add_course_commands` on its top-level subparsers.
Each command shows a progress bar (on a terminal) and ends with a summary table; it returns
the exit status (0 when every step worked). Errors a user can fix are raised as CrmkitError.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from . import steps
from .course_folder import check_course_dir, pick_assignments
from .export.lms_export import FORMATS as LMS_FORMATS
from .export.lms_export import MISSING_CHOICES
from .safe_output.inert import inert
from .scores import scores
from .settings import SETTINGS, Limits
from .tables import flags_table, results_table, score_table

if TYPE_CHECKING:
    from .release.term import NewTerm


def _progress(items: Iterable, desc: str, unit: str = "nb"):
    """A bar on a terminal; elsewhere a line per ten notebooks (or per assignment)."""
    from ..progress import progress

    return progress(list(items), desc, unit)


def _live_progress(items, desc: str, unit: str = "nb"):
    """Like :func:`_progress` for items that arrive as they finish (they know their count)."""
    from ..progress import progress

    return progress(items, desc, unit)


def _report(results: list[steps.StepResult]) -> int:
    failed = [r for r in results if not r.ok]
    if failed:
        print(results_table(failed))
        print(
            f"{len(failed)} 步失败；看上表的原因，或在课程目录里直接运行 nbgrader 查看完整日志 / "
            f"{len(failed)} step(s) failed; see the reasons above, or run nbgrader in the course "
            "folder for the full log"
        )
        return 1
    return 0


def cmd_new_term(args: argparse.Namespace) -> int:
    """Draw a term's task parameters and make its private course folder."""
    from .release.term import new_term

    kit = check_course_dir(args.course)
    out = Path(args.term_dir) if args.term_dir else Path.cwd() / f"crm-term-{args.name}"
    made = new_term(kit, out, args.name, seed=args.seed)
    _print_term_parameters(made)
    failed = [r for r in made.generated if not r.ok]
    if failed:
        print(results_table(failed))
        return 1
    print(
        f"新学期的课程目录 / the term's course folder: {made.folder}（种子 / seed {made.seed}）\n"
        "请保密：source/ 和 term.toml 里是本学期的答案 / keep it private: source/ and term.toml "
        "hold this term's answers\n"
        f"下一步 / next: export CRMKIT_COURSE_DIR={made.folder}; "
        "crmkit course student-pack --out pack --zip"
    )
    return 0


def _print_term_parameters(made: NewTerm) -> None:
    """Each task parameter the new term drew, beside its published default."""
    from .release.task_parameters import declared_parameters
    from .release.term import TEMPLATES_FOLDER

    rows = []
    for assignment, tasks in sorted(made.values.items()):
        declared = declared_parameters(made.folder / TEMPLATES_FOLDER, assignment)
        defaults = {(p.task, p.name): p.default for p in declared}
        for task, names in tasks.items():
            for name, value in names.items():
                rows.append((assignment, f"{task}.{name}", value, defaults[(task, name)]))
    width = max(len(r[1]) for r in rows) if rows else 0
    header = f"{'作业 assignment':<15}  {'参数 parameter':<{width}}"
    print(f"{header}  本学期 this term  (公开的 published)")
    for assignment, name, value, default in rows:
        print(f"{assignment:<15}  {name:<{width}}  {value!s:<16} ({default})")


def cmd_render(args: argparse.Namespace) -> int:
    """Write source/ again from the course's templates and its term."""
    from .release.term import render_course

    course = check_course_dir(args.course)
    written = render_course(course)
    if not written:
        print(
            f"{course} 没有 templates/，source/ 保持原样 / {course} has no templates/; "
            "source/ is left as it is"
        )
        return 0
    for path in written:
        print(f"✓ {path.relative_to(course)}")
    print(
        "已按模板重写 source/；再运行 crmkit course generate 更新学生版 / source/ rewritten "
        "from the templates; run crmkit course generate to update the student versions"
    )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate the student versions (``release/``) of the chosen assignments."""
    course = check_course_dir(args.course)
    assignments = pick_assignments(course, args.assignments)
    results = steps.generate_assignments(
        course, assignments, progress=lambda xs: _progress(xs, "generate", "assignment")
    )
    print(results_table(results))
    return _report(results)


def cmd_autograde(args: argparse.Namespace) -> int:
    """Autograde the submissions in ``submitted/`` and print everyone's scores."""
    course = check_course_dir(args.course)
    assignments = pick_assignments(course, args.assignments)
    from .run.autograde import autograde
    from .run.resume import KEPT

    limits = Limits(cell_timeout=args.cell_timeout, wall_seconds=args.wall_limit)
    report = autograde(
        course,
        assignments,
        student=args.student,
        jobs=args.jobs,
        limits=limits,
        progress=lambda xs: _live_progress(xs, "autograde"),
        force=args.force,
    )
    kept = sum(r.detail == KEPT for r in report.results)
    if kept:
        print(
            f"{kept} 份提交已评过且未改动，保留原成绩（--force 重新评分）/ "
            f"{kept} submission(s) graded before and unchanged: kept (--force regrades them)"
        )
    rows = [
        r for r in scores(course, assignments) if args.student is None or r.student == args.student
    ]
    print(score_table(rows) if rows else "还没有已评分的提交 / no graded submissions yet")
    if report.flags:
        print(flags_table(report.flags))
        print(
            f"{len(report.flags)} 份提交需要人工查看（可能作弊或破坏评分）/ "
            f"{len(report.flags)} submission(s) to check by hand (possible tampering)"
        )
    return _report(report.results)


def cmd_feedback(args: argparse.Namespace) -> int:
    """Write HTML feedback for the autograded submissions."""
    course = check_course_dir(args.course)
    assignments = pick_assignments(course, args.assignments)
    results = steps.write_feedback(
        course, assignments, student=args.student, progress=lambda xs: _progress(xs, "feedback")
    )
    if results:
        print(results_table(results))
        print(f"反馈在 / feedback is in {course / 'feedback'}")
    else:
        print(
            "没有可生成反馈的已评分提交；先运行 crmkit course autograde / "
            "No autograded submissions to give feedback on; run crmkit course autograde first"
        )
    return _report(results)


def cmd_export(args: argparse.Namespace) -> int:
    """Export every student's score per assignment: nbgrader's CSV, or an LMS's import file."""
    course = check_course_dir(args.course)
    if args.export_format == "generic":
        return _export_generic(args, course)
    return _export_for_lms(args, course)


def _export_generic(args: argparse.Namespace, course: Path) -> int:
    """nbgrader's CSV (the LMS options do not apply)."""
    if args.roster or args.excused or args.tasks or args.feedback or args.missing:
        raise UsageError(
            "--roster、--excused、--tasks、--missing、--feedback 用于 --format "
            "canvas|moodle|brightspace|excel / --roster, --excused, --tasks, --missing and "
            "--feedback go with --format canvas|moodle|brightspace|excel"
        )
    assignments = pick_assignments(course, args.assignments) if args.assignments else None
    destination = steps.export_grades(
        course, Path(args.export_to) if args.export_to else course / "grades.csv", assignments
    )
    print(score_table(scores(course)))
    print(f"成绩已导出到 / grades exported to {destination}")
    return 0


def _export_for_lms(args: argparse.Namespace, course: Path) -> int:
    """The import file of the LMS ``--format`` names."""
    assignments = pick_assignments(course, args.assignments) if args.assignments else None
    destination, result = steps.export_for_lms(
        course,
        Path(args.export_to) if args.export_to else course / f"grades_{args.export_format}.csv",
        args.export_format,
        roster_file=Path(args.roster) if args.roster else None,
        excused_file=Path(args.excused) if args.excused else None,
        assignments=assignments,
        per_task=args.tasks,
        missing=args.missing or "zero",
        feedback=args.feedback,
    )
    for warning in result.warnings:
        print(f"注意 / note: {inert(warning)}")  # it names students
    print(
        f"{len(result.students)} 名学生的成绩已导出到 / grades of {len(result.students)} "
        f"student(s) exported to {destination}"
    )
    print(result.hint)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Grade a made-up class over every assignment; print the scores, the tamper
    flags and the report."""
    from .demo.class_term import default_demo_dir, run_demo

    course = check_course_dir(args.course)
    out = Path(args.demo_dir) if args.demo_dir else default_demo_dir()
    run = run_demo(
        course,
        out,
        size=args.students,
        seed=args.seed,
        jobs=args.jobs,
        progress=lambda xs: _live_progress(xs, "autograde"),
        feedback_progress=lambda xs: _progress(xs, "feedback"),
        generate_progress=lambda xs: _progress(xs, "generate", "assignment"),
        integrity_progress=lambda xs: _live_progress(xs, "integrity", "variant"),
    )
    print(score_table(run.scores))
    if run.flags:
        print(flags_table(run.flags))
    print(f"演示课程在 / demo course in {run.folder}")
    print(f"反馈在 / feedback is in {run.folder / 'feedback'}")
    print(f"报告在 / report: {run.report_path}")
    print(run.summary)
    _print_next_steps(
        run.folder, sum(r.manual_score is None and r.manual_max > 0 for r in run.scores)
    )
    return _report(run.results)


def _print_next_steps(course: Path, pending: int) -> None:
    """The commands to run next on ``course``: grading by hand (``pending`` answers), exporting."""
    from .report.next_steps import next_steps_lines

    for line in next_steps_lines(course, pending):
        print(f"下一步 / next: {line}")


def cmd_report(args: argparse.Namespace) -> int:
    """Write the class report (HTML, CSV, PNG) from the gradebook and the autograded notebooks."""
    from .report import make_report
    from .run.autograde import default_jobs

    course = check_course_dir(args.course)
    assignments = pick_assignments(course, args.assignments)
    report, page = make_report(
        course,
        assignments,
        Path(args.report_dir) if args.report_dir else None,
        threshold=args.threshold,
        integrity=args.integrity,
        jobs=args.jobs or default_jobs(),
        progress=lambda xs: _live_progress(xs, "integrity", "variant"),
    )
    print(f"报告在 / report: {page}")
    print(report.summary_line())
    if args.integrity:
        print(
            f"诚信检查：{len(report.integrity)} 条线索，见报告第 4 节 / integrity: "
            f"{len(report.integrity)} item(s) to look at, in section 4 of the report"
        )
    _print_next_steps(course, sum(s.manual_pending for s in report.summaries))
    return 0


def cmd_try(args: argparse.Namespace) -> int:
    """Grade one notebook through the sandboxed grader and print each check."""
    from .try_notebook import result_lines, try_notebook

    course = check_course_dir(args.course)
    result = try_notebook(
        course,
        Path(args.notebook),
        student=args.student,
        assignment=args.assignment,
        limits=Limits(cell_timeout=args.cell_timeout),
    )
    print("\n".join(result_lines(result)))
    return 0 if result.ok else 1


def cmd_student_pack(args: argparse.Namespace) -> int:
    """Build what students get: case notebooks and texts, data dictionaries, the released
    assignments and a README; no solutions, hidden tests or answer keys."""
    from .release.student_pack import build_student_pack

    course = check_course_dir(args.course)
    result = build_student_pack(course, Path(args.pack_dir), make_zip=args.zip)
    for assignment in result.regenerated:
        print(
            f"release/{assignment} 已按 source/ 重新生成 / release/{assignment} was out of date "
            "and has been generated again from source/"
        )
    if result.kept:
        print(
            f"这些文件改过，保留原样（没有更新）/ changed since the last build, kept as they are "
            f"(not updated): {', '.join(result.kept)}"
        )
    for link in result.broken_links:
        print(f"注意：链接指向包外 / note: a link leads outside the pack: {link}")
    print(
        f"学生包 / student pack: {result.folder} — {len(result.files)} 个文件 files, "
        f"{result.size / 1e6:.1f} MB: {result.count('notebooks')} 个笔记本 notebooks, "
        f"{result.count('cases')} 篇案例和概念 case and concept texts, "
        f"{result.count('datasets', 'README.md')} 个数据字典 data dictionaries, "
        f"{len(result.assignments)} 个作业 assignments"
    )
    if result.archive is not None:
        print(f"压缩包 / zip: {result.archive} ({result.archive.stat().st_size / 1e6:.1f} MB)")
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"'{text}' 应是 0 到 1 之间的比例 / is not a share between 0 and 1"
        )
    return value


COURSE_ARGUMENT_HELP = (
    "课程目录 / course folder (default: $CRMKIT_COURSE_DIR or the kit's exercises/)"
)


def add_course_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``course`` and its subcommands on the top-level ``crmkit`` subparsers; returns it.

    Option destinations avoid ``out`` on purpose: ``crmkit.cli.main`` rewrites an ``out`` of None.
    """
    course = subparsers.add_parser(
        "course", help="nbgrader 练习课程 / the nbgrader exercise course"
    )
    commands = course.add_subparsers(
        dest="command",
        metavar="{new-term,render,generate,autograde,feedback,export,report,demo,student-pack,try}",
    )
    commands.required = True
    for add_parser in (
        _add_new_term,
        _add_render,
        _add_generate,
        _add_autograde,
        _add_feedback,
        _add_export,
        _add_report,
        _add_demo,
        _add_try,
        _add_student_pack,
    ):
        add_parser(commands)
    return course


def _command(
    commands: argparse._SubParsersAction, name: str, help_text: str, func
) -> argparse.ArgumentParser:
    """A ``crmkit course`` subcommand running ``func``, with the ``--course`` option they share."""
    parser = commands.add_parser(name, help=help_text)
    parser.add_argument("--course", default=None, help=COURSE_ARGUMENT_HELP)
    parser.set_defaults(func=func)
    return parser


def _add_assignments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "assignments", nargs="*", metavar="ASSIGNMENT", help="作业 / assignments (default: all)"
    )


def _add_jobs(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--jobs", type=int, default=None, help=help_text)


def _add_cell_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=SETTINGS.limits.cell_timeout,
        help="每格时间上限（秒）/ seconds one cell may run (default %(default)s)",
    )


GRADING_JOBS_HELP = "同时评分的提交数 / submissions graded at once (default: number of cores)"


def _add_new_term(commands: argparse._SubParsersAction) -> None:
    term = _command(
        commands,
        "new-term",
        "抽取新学期的题目参数，建立私有的课程目录 / draw a new term's task parameters and make "
        "its private course folder",
        cmd_new_term,
    )
    term.add_argument("name", help="学期名，例如 2025-spring / the term's name, e.g. 2025-spring")
    term.add_argument(
        "--seed",
        type=int,
        default=None,
        help="决定参数的随机种子（默认随机，记在 term.toml）/ seed drawing the parameters "
        "(default: random, recorded in term.toml)",
    )
    term.add_argument(
        "--dir",
        dest="term_dir",
        default=None,
        help="新的课程目录 / the new course folder (default: ./crm-term-NAME); keep it private",
    )


def _add_render(commands: argparse._SubParsersAction) -> None:
    _command(
        commands,
        "render",
        "按模板和本学期的参数重写 source/ / write source/ again from the templates and the term",
        cmd_render,
    )


def _add_generate(commands: argparse._SubParsersAction) -> None:
    generate = _command(
        commands, "generate", "生成学生版 release/ / generate the student versions", cmd_generate
    )
    _add_assignments(generate)


def _add_autograde(commands: argparse._SubParsersAction) -> None:
    autograde = _command(
        commands,
        "autograde",
        "自动评分 submitted/ 中的提交 / autograde the submissions",
        cmd_autograde,
    )
    _add_assignments(autograde)
    autograde.add_argument("--student", default=None, help="只评这位学生 / only this student")
    _add_jobs(autograde, GRADING_JOBS_HELP)
    _add_cell_timeout(autograde)
    autograde.add_argument(
        "--wall-limit",
        type=int,
        default=SETTINGS.limits.wall_seconds,
        help="每份提交时间上限（秒）/ seconds one submission may take (default %(default)s)",
    )
    autograde.add_argument(
        "--force",
        action="store_true",
        help="重新评分已评过且未改动的提交 / regrade submissions graded before and unchanged",
    )


def _add_feedback(commands: argparse._SubParsersAction) -> None:
    feedback = _command(commands, "feedback", "生成 HTML 反馈 / write HTML feedback", cmd_feedback)
    _add_assignments(feedback)
    feedback.add_argument("--student", default=None, help="只给这位学生 / only this student")


def _add_export(commands: argparse._SubParsersAction) -> None:
    export = _command(
        commands,
        "export",
        "导出成绩 CSV，或 LMS 的导入文件 / export grades to CSV, or to an LMS's import file",
        cmd_export,
    )
    _add_assignments(export)
    export.add_argument(
        "--to",
        dest="export_to",
        default=None,
        help="CSV 文件 / CSV file (default: <course>/grades.csv, or grades_<format>.csv)",
    )
    export.add_argument(
        "--format",
        dest="export_format",
        choices=("generic", *LMS_FORMATS),
        default="generic",
        help="generic = nbgrader 的 CSV（默认）；canvas、moodle、brightspace = 该平台的"
        "成绩导入文件；excel = 每题一列的表格，用于学习通、雨课堂等 / generic = nbgrader's CSV "
        "(default); canvas, moodle, brightspace = that LMS's grade import file; excel = a sheet "
        "with a column per task to paste into other platforms",
    )
    export.add_argument(
        "--roster",
        default=None,
        metavar="FILE",
        help="名单 CSV：student_id 加平台账号列 / roster CSV: student_id plus the LMS's id columns "
        "(canvas: canvas_id, sis_user_id, sis_login_id, section, name; moodle: username, "
        "idnumber or email; brightspace: org_defined_id and/or username; optional: excused)",
    )
    export.add_argument(
        "--excused",
        default=None,
        metavar="FILE",
        help="免做的作业 CSV（student_id, assignment）/ excused work CSV (student_id, assignment)",
    )
    export.add_argument(
        "--tasks",
        action="store_true",
        help="每题一列（代替每个作业一列）/ one column per task instead of per assignment",
    )
    export.add_argument(
        "--missing",
        choices=MISSING_CHOICES,
        default=None,
        help="缺交记 0 还是留空 / missing work as 0 or blank (default: zero)",
    )
    export.add_argument(
        "--feedback",
        action="store_true",
        help="Moodle：每个作业加一列 (Feedback) 说明丢分 / Moodle: a (Feedback) column per "
        "assignment saying where points were lost",
    )


def _add_report(commands: argparse._SubParsersAction) -> None:
    report = _command(
        commands,
        "report",
        "班级报告：分数分布、题目分析、需要关注的学生 / class report: scores, item analysis, "
        "students who need attention",
        cmd_report,
    )
    _add_assignments(report)
    report.add_argument(
        "--out",
        dest="report_dir",
        default=None,
        help="报告目录 / report folder (default: <course>/reports)",
    )
    report.add_argument(
        "--threshold",
        type=_share,
        default=SETTINGS.report_threshold,
        help=(
            "自动分低于满分的这个比例时需要关注 / "
            "flag auto scores below this share of the maximum (default %(default)s)"
        ),
    )
    report.add_argument(
        "--no-integrity",
        dest="integrity",
        action="store_false",
        help=(
            "不做诚信检查（别人数据上的答案、相似的代码和书面回答）/ leave out the integrity "
            "section (answers on other students' data, similar code and written answers)"
        ),
    )
    _add_jobs(
        report,
        "计算每份数据的期望答案时同时用的进程数 / "
        "processes computing each variant's expected answers (default: number of cores)",
    )


def _add_demo(commands: argparse._SubParsersAction) -> None:
    demo = _command(
        commands,
        "demo",
        "演示：一个班级的整个学期（提交、评分、反馈、报告）/ demo: a class's whole term "
        "(hand-in, grading, feedback, report)",
        cmd_demo,
    )
    demo.add_argument(
        "--dir",
        dest="demo_dir",
        default=None,
        help="演示目录 / demo folder (default: build/course-demo)",
    )
    demo.add_argument(
        "--students",
        type=int,
        default=SETTINGS.demo_class_size,
        help=f"班级人数 / class size ({SETTINGS.demo_min_class_size}-"
        f"{SETTINGS.demo_max_class_size}, default %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=SETTINGS.demo_seed,
        help="决定谁交什么的随机种子 / seed deciding who hands in what (default %(default)s)",
    )
    _add_jobs(demo, GRADING_JOBS_HELP)


def _add_try(commands: argparse._SubParsersAction) -> None:
    tryout = _command(
        commands,
        "try",
        "试评一份笔记本：和全班一样评分（沙箱），在终端里列出每项检查，不动课程 / grade one "
        "notebook as the class is graded (sandboxed) and print every check; the course is "
        "left as it is",
        cmd_try,
    )
    tryout.add_argument(
        "notebook",
        metavar="NOTEBOOK",
        help="要试评的 .ipynb（教师版、学生版或一份提交）/ the .ipynb to grade (the source, "
        "the release or a submission)",
    )
    tryout.add_argument(
        "--student",
        default=None,
        help="按谁的数据评分（默认：提交者、笔记本旁保存的学号，或 instructor）/ whose data to "
        "grade on (default: the submitter, the id saved beside the notebook, or instructor)",
    )
    tryout.add_argument(
        "--assignment",
        default=None,
        help="作业名（默认：笔记本所在文件夹的名字）/ the assignment (default: the notebook's "
        "folder name)",
    )
    _add_cell_timeout(tryout)


def _add_student_pack(commands: argparse._SubParsersAction) -> None:
    pack = _command(
        commands,
        "student-pack",
        "学生包：案例、笔记本、数据字典和作业，不含答案 / what students get: cases, notebooks, "
        "data dictionaries and the released assignments, with no answers",
        cmd_student_pack,
    )
    pack.add_argument(
        "--out",
        dest="pack_dir",
        required=True,
        metavar="DIR",
        help="学生包目录（新的、空的或以前的学生包）/ the pack's folder (new, empty or an "
        "earlier pack)",
    )
    pack.add_argument("--zip", action="store_true", help="另写一份 DIR.zip / also write DIR.zip")
