"""Resumable grading: a marker records that a submission, as it is now, was graded and saved.

After a submission's grades are in the gradebook,
``autograded/<student>/<assignment>/.crmkit-graded`` holds a digest of the submission's files and of
the assignment's source. A later run keeps what is graded and unchanged and grades the rest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

GRADED_MARKER = ".crmkit-graded"
KEPT = "unchanged, kept"  # the detail of a submission an earlier run graded


def submission_digest(course: Path, assignment: str, student: str) -> str:
    """A digest of a submission's files and of the assignment's source: grading depends on both.

    Files are read as the grader reads them (regular files only, no links); what it leaves out
    counts too, so a change there is a change.
    """
    from .submission_files import read_submission

    digest = hashlib.sha256()
    for root in (course / "submitted" / student / assignment, course / "source" / assignment):
        found = read_submission(root)
        for relative in sorted(found.files):
            digest.update(relative.encode() + b"\0" + found.files[relative] + b"\0")
        for note in found.notes:
            digest.update(note.encode("utf-8", "backslashreplace") + b"\0")
    return digest.hexdigest()


def is_graded(course: Path, assignment: str, student: str) -> bool:
    """Whether this submission, as it is now, was graded and saved by an earlier run."""
    marker = course / "autograded" / student / assignment / GRADED_MARKER
    return marker.is_file() and marker.read_text().strip() == submission_digest(
        course, assignment, student
    )
