"""Where a course's gradebook lives: SQLite by default, any SQLAlchemy URL (PostgreSQL) by config.

A department sets ``c.CourseDirectory.db_url = "postgresql://..."`` in the course's
``nbgrader_config.py``, as for nbgrader itself; everything in :mod:`crmkit.course` opens the
gradebook through :func:`gradebook_url`, so the formgrader and the CLI see the same grades.
"""

from __future__ import annotations

from pathlib import Path


def gradebook_url(course: Path) -> str:
    """The gradebook URL nbgrader uses for ``course`` (``CourseDirectory.db_url``)."""
    from .grading import open_api

    return open_api(Path(course)).coursedir.db_url
