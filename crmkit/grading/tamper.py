"""Signs in a graded submission that it tried to cheat or break the grader, for the instructor.

Found after grading: graded cells the student deleted or renamed (nbgrader leaves their points
to be graded by hand), a kernel caught lying by the canary cell, and code a CRM exercise never
needs but a submission cheating the grader would. Each flag names the notebook, the cell and the
task it sits in.
"""

from __future__ import annotations

from pathlib import Path

from .course_folder import open_api
from .gradebook import connect_gradebook
from .preprocessors.canary import tampered


def graded_cells(db_url: str, course_id: str, assignment: str) -> dict[str, set[str]]:
    """The grade ids of each notebook of ``assignment``, as the gradebook defines them."""
    with connect_gradebook(db_url, course_id) as gradebook:
        return {
            n.name: {c.name for c in n.grade_cells}
            for n in gradebook.find_assignment(assignment).notebooks
        }


def tamper_flags(
    course: Path, assignment: str, student: str, expected: dict[str, set[str]] | None = None
) -> list[str]:
    """Signs in an autograded submission that it tried to cheat or break the grader.

    ``expected`` (default: read from the gradebook) are the grade ids each notebook must have;
    a graded cell deleted or renamed by the student is flagged, and nbgrader leaves its points
    to be graded by hand.
    """
    import nbformat

    if expected is None:
        api = open_api(course)
        expected = graded_cells(api.coursedir.db_url, api.coursedir.course_id, assignment)

    flags = []
    for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001
            return [f"{path.name}: 无法读取 / unreadable"]
        present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
        missing = sorted(expected.get(path.stem, set()) - present)
        if missing:
            flags.append(
                f"{path.stem}: 评分格被删除或改名 / graded cells deleted or renamed: {', '.join(missing)}"
            )
        how = tampered(notebook)
        if how:
            flags.append(
                f"{path.stem}: 内核运行时被篡改，自动分已扣留，请人工评分 / kernel tampered with at run time "
                f"({how}): automatic points withheld, grade by hand"
            )
        for number, cell in enumerate(notebook.cells, start=1):
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("locked"):
                continue  # locked cells were restored from the gradebook
            for pattern, why in SUSPICIOUS:
                if pattern in cell.source:
                    flags.append(f"{path.stem} {cell_name(notebook, number)}: {why}")
    return sorted(set(flags))


def cell_name(notebook, number: int) -> str:
    """Where cell ``number`` (from 1) is, for an instructor: its task id, or the task it follows."""
    cells = notebook.cells[:number]
    own = cells[-1].metadata.get("nbgrader", {}).get("grade_id")
    if own:
        return f"第 {number} 格 {own} / cell {number} ({own})"
    before = next(
        (
            c.metadata["nbgrader"]["grade_id"]
            for c in reversed(cells[:-1])
            if c.metadata.get("nbgrader", {}).get("grade_id")
        ),
        None,
    )
    where = f"在 {before} 之后 / after {before}" if before else "开头 / at the top"
    return f"第 {number} 格（{where}）/ cell {number}"


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
    ("input_transformers", "改写之后运行的代码 / rewrites the cells that run later"),
    ("events.register", "挂接代码执行事件 / hooks into cell execution"),
    ("_ih", "读取输入历史（可见隐藏测试）/ reads the input history (hidden tests)"),
    ("In[", "读取输入历史（可见隐藏测试）/ reads the input history (hidden tests)"),
]
