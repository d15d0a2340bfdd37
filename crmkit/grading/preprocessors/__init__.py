"""The kit's nbgrader preprocessors, one per file, and where they go in nbgrader's pipelines.

* :mod:`.answer_keys`: ``ClearAnswerKeys`` keeps widget answer keys out of the student version.
* :mod:`.allow_errors`: ``AllowErrorsInTaskCells`` lets Run All go past unsolved tasks.
* :mod:`.shorten_tracebacks`: ``ShortenTestTracebacks`` shows a failed test as its message.
* :mod:`.pending_grades`: ``MarkPendingGrades`` shows a written answer not graded yet as pending.

The functions below give nbgrader's own pipelines with those steps in place; the course's
``nbgrader_config.py`` uses the first two.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearSolutions, SaveCells

from .allow_errors import AllowErrorsInTaskCells
from .answer_keys import ClearAnswerKeys
from .pending_grades import MarkPendingGrades
from .shorten_tracebacks import ShortenTestTracebacks


def generate_preprocessors() -> list[type]:
    """nbgrader's own ``GenerateAssignment.preprocessors`` with the kit's two additions.

    :class:`ClearAnswerKeys` goes right after ``ClearSolutions``, before ``SaveCells``, so the
    gradebook never stores a key; :class:`AllowErrorsInTaskCells` goes last (tags are not part
    of nbgrader's checksums).
    """
    from nbgrader.converters import GenerateAssignment

    pipeline = list(GenerateAssignment.class_traits()["preprocessors"].default())
    at = pipeline.index(ClearSolutions) + 1
    pipeline.insert(at, ClearAnswerKeys)
    if pipeline.index(SaveCells) < at:
        raise RuntimeError(
            "nbgrader 的生成流程变了 / nbgrader's generate pipeline changed: "
            "SaveCells before ClearSolutions"
        )
    return [*pipeline, AllowErrorsInTaskCells]


def feedback_preprocessors() -> list[type]:
    """nbgrader's ``GenerateFeedback.preprocessors`` plus pending written answers, and removal of
    hidden tests and their tracebacks.

    nbgrader 0.9's feedback shows the autograded notebook as is, hidden tests included, and a
    written answer not graded yet as 0. :class:`MarkPendingGrades` words the scores for the kit's
    feedback page (``crmkit.grading.feedback_page``, set in the course's ``nbgrader_config.py``).
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    pipeline = list(GenerateFeedback.class_traits()["preprocessors"].default())
    at = pipeline.index(GetGrades) + 1  # grades are read first, from the full notebook
    pipeline[at:at] = [MarkPendingGrades, ClearHiddenTests, ShortenTestTracebacks]
    return pipeline


def sanitizing_preprocessors(config) -> list:
    """nbgrader's sanitizing steps of ``autograde`` (as configured): clear outputs, restore locked
    cells from the gradebook, check the metadata. The grader runs them on the submission."""
    from nbgrader.converters import Autograde

    return list(
        config.Autograde.get("sanitize_preprocessors")
        or Autograde.class_traits()["sanitize_preprocessors"].default()
    )


def saving_preprocessors(config) -> list:
    """nbgrader's saving steps of ``autograde`` (as configured), in its order: save the grades,
    the late penalty, check the metadata. The grader runs them on the executed notebook."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

    configured = (
        config.Autograde.get("autograde_preprocessors")
        or Autograde.class_traits()["autograde_preprocessors"].default()
    )
    saving = (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)
    return [p for p in configured if p in saving]
