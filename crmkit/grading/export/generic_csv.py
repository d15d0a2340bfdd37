"""nbgrader's generic CSV export (its ``CsvExportPlugin``), every text cell made safe.

nbgrader writes each row as ``",".join(values)``: a student id, a name or an email starting with
``= + - @`` is run as a formula by the spreadsheet the instructor opens the file in, and a comma
in a name shifts the columns after it. The rows stay nbgrader's (it decides the scores: zero for
missing work, the late penalty taken off); the gradebook it reads is wrapped so that each text
value it writes is a safe CSV cell already: inert, guarded
(:mod:`crmkit.grading.safe_output.spreadsheet`), quoted where CSV needs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from types import SimpleNamespace

from ..safe_output.spreadsheet import sheet_cell


def _field(value: object) -> object:
    """``value`` as one finished CSV field (None stays None: nbgrader writes it as blank)."""
    if value is None:
        return None
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([sheet_cell(value)])
    return buffer.getvalue()


class SafeGradebook:
    """What ``CsvExportPlugin.export`` reads of a gradebook, its text as safe CSV fields.

    ``assignments`` limits the export to those (nbgrader's own filter would compare names with
    the fields made here). The plugin asks for the submission of the assignment and student it
    is at, so the real ones are looked up, whatever the fields look like.
    """

    def __init__(self, gradebook, assignments: Collection[str] = ()) -> None:
        self._gradebook = gradebook
        self._wanted = set(assignments)
        self._at: tuple = (None, None, None, None)

    @property
    def assignments(self) -> Iterator[SimpleNamespace]:
        for assignment in self._gradebook.assignments:
            if self._wanted and assignment.name not in self._wanted:
                continue
            shown = SimpleNamespace(
                name=_field(assignment.name),
                duedate=assignment.duedate,
                max_score=assignment.max_score,
            )
            self._at = (assignment, shown, None, None)
            yield shown

    @property
    def students(self) -> Iterator[SimpleNamespace]:
        for student in self._gradebook.students:
            shown = SimpleNamespace(
                id=_field(student.id),
                first_name=_field(student.first_name),
                last_name=_field(student.last_name),
                email=_field(student.email),
            )
            self._at = (*self._at[:2], student, shown)
            yield shown

    def find_submission(self, assignment: str, student: str):
        real_assignment, shown_assignment, real_student, shown_student = self._at
        if assignment is not shown_assignment.name or student is not shown_student.id:
            raise RuntimeError("nbgrader's CsvExportPlugin no longer reads the gradebook in order")
        return self._gradebook.find_submission(real_assignment.name, real_student.id)
