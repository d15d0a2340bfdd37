"""The student-id box at the top of each assignment notebook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from ..errors import CrmkitError
from .identity import find_student_id, saved_student_id, set_student_id

ORIGIN_LABELS = {
    "autograde": "nbgrader 自动评分 / nbgrader autograde",
    "jupyterhub": "JupyterHub 登录名 / JupyterHub login",
    "file": "已保存 / saved",
    "source": "教师预览 / instructor preview",
}


class IdBox(widgets.VBox):
    """The id box; where it cannot be drawn (a feedback page, nbconvert) it reads as its text."""

    def __init__(self, children: list[widgets.Widget], text: Callable[[], str]) -> None:
        super().__init__(children)
        self._text = text

    def _repr_mimebundle_(self, **kwargs) -> dict | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = self._text()
        return bundle


def student_id_box(folder: Path | None = None) -> widgets.Box:
    """A box that shows the student id in use, or lets the student type and save theirs.

    Where the id is fixed (autograding, JupyterHub, the instructor's source folder) it only
    shows it; while autograding it also flags a saved id that differs, so feedback explains
    why the data changed.
    """
    folder = Path.cwd() if folder is None else Path(folder)
    found = find_student_id(folder)
    if found is not None and found.origin != "file":
        lines = [f"学号 / Student id: {found.student}（{ORIGIN_LABELS[found.origin]}）"]
        saved = saved_student_id(folder)
        if found.origin == "autograde" and saved and saved.lower() != found.student.lower():
            lines.append(
                f"注意：提交中保存的学号是 '{saved}'，评分用的是 '{found.student}' 的数据 / "
                f"Note: the submission saved id '{saved}'; grading uses the "
                f"data of '{found.student}'"
            )
        return IdBox([widgets.Label(line) for line in lines], text=lambda: "\n".join(lines))

    text = widgets.Text(
        value=found.student if found else "",
        placeholder="例如 / e.g. 2023012345",
        description="学号 / Student id",
        style={"description_width": "initial"},
    )
    button = widgets.Button(description="保存 / Save", button_style="primary")
    message = widgets.Label(
        "已保存；要改就重新填写 / saved; type again to change it"
        if found
        else "填写学号后点“保存” / type your id, then click Save"
    )

    def save(_button: widgets.Button) -> None:
        try:
            student = set_student_id(text.value, folder)
        except CrmkitError as error:
            message.value = str(error)
        else:
            message.value = (
                f"已保存 '{student}'。请重启内核并从头运行 / Saved '{student}'. "
                "Now restart the kernel and run all cells"
            )

    button.on_click(save)
    return IdBox(
        [widgets.HBox([text, button]), message],
        text=lambda: f"学号 / Student id: {text.value or '—'}\n{message.value}",
    )
