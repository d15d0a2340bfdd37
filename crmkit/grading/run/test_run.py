"""A hidden test as the grader's test kernel runs it: the answers bound, the test cell's code run,
and an error's message passed on only when the instructor wrote it.

A test cell's error reaches the student's feedback as its name and message. The message of an
error raised inside pandas, numpy or Python itself while a test looks at an answer can quote what
the hidden test computed: ``assert_series_equal``'s ``[right]: [...]``, a ``KeyError`` naming a
hidden key, "Length mismatch: Expected axis has 37 elements". Such a message is withheld (the
error's name still shows); inside a :meth:`~crmkit.course.checks.Checks.that` callable no
message ever shows, only the check's own. Shown as written: a failed
:meth:`~crmkit.course.checks.Checks.require` and an ``assert`` of the test cell's own code (the
instructor's words), and a ``NameError`` (the answer is not there: the task was not answered).
"""

from __future__ import annotations

import ast
import json
from typing import Any

from ...course.checks import Checks
from .plain_data_decode import bind_sent

CELL = "<hidden test>"
WITHHELD = (
    "隐藏测试检查你的答案时出错；看看答案的类型、索引和列名 / the hidden tests hit an error "
    "looking at your answer; check its type, index and column names"
)


def run(namespace: dict[str, Any], path: str) -> Any:
    """Bind the answers the grader wrote to ``path`` (``{"answers", "widgets", "code"}``), run
    the test cell's code in ``namespace`` and return its last expression's value (the score).

    Raises the test's error, its message withheld unless it is the instructor's (module doc).
    """
    with open(path, encoding="utf-8") as handle:
        sent = json.load(handle)
    bind_sent(namespace, sent["answers"], sent["widgets"])
    try:
        return _execute(sent["code"], namespace)
    except NameError:
        raise  # not answered
    except Exception as error:  # noqa: BLE001 - each is passed on, its message checked
        if _instructors_words(error):
            raise
        raise _withheld(error) from None


def _execute(code: str, namespace: dict[str, Any]) -> Any:
    """``code`` run as IPython runs a cell: every statement, the last expression's value back."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - the test kernel is an IPython kernel
        shell = None
    if shell is not None:
        code = shell.transform_cell(code)  # IPython syntax (magics), as in a notebook
    tree = ast.parse(code, CELL)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, CELL, "exec"), namespace)  # noqa: S102 - the instructor's test cell
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), CELL, "eval"), namespace)  # noqa: S307


def _instructors_words(error: Exception) -> bool:
    """Whether ``error``'s message is the instructor's: a failed ``Checks.require``, or an
    ``AssertionError`` raised by the test cell's own code (its last frame is the cell's)."""
    if not isinstance(error, AssertionError):
        return False
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return False
    code = frame.tb_frame.f_code
    return code is Checks.require.__code__ or code.co_filename == CELL


def _withheld(error: Exception) -> Exception:
    """An error of the same name as ``error`` whose message says nothing of the hidden test."""
    kind = type(error.__class__.__name__, (Exception,), {"__module__": __name__})
    return kind(WITHHELD)
