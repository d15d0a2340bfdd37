"""Where a course's gradebook lives: SQLite by default, any SQLAlchemy URL (PostgreSQL) by config.

A department sets ``c.CourseDirectory.db_url = "postgresql://..."`` in the course's
``nbgrader_config.py``, as for nbgrader itself; everything in :mod:`crmkit.grading` opens the
gradebook through :func:`open_gradebook` (or reads :func:`gradebook_url`), so the formgrader
and the CLI see the same grades.

:func:`snapshot_definitions` copies what defines the assignments (no students, submissions or
grades) from any gradebook into a private SQLite file, so a grading worker can run nbgrader's
``autograde`` against its own copy whatever the main backend is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CrmkitError
from ..files import atomic_write

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

# nbgrader's tables that define assignments, parents before children (foreign keys)
DEFINITION_TABLES = (
    "course",
    "assignment",
    "notebook",
    "base_cell",
    "source_cell",
    "grade_cells",
    "solution_cells",
    "task_cells",
)
# nbgrader writes its alembic revision here; a gradebook without it cannot be upgraded later
ALEMBIC_TABLE = "alembic_version"


class GradebookUnreachable(CrmkitError):
    """The gradebook database cannot be opened (server down, wrong URL, password or driver)."""


def _course_settings(course: Path | str) -> tuple[str, str]:
    from .course_folder import open_api

    coursedir = open_api(Path(course)).coursedir
    return coursedir.db_url, coursedir.course_id


def gradebook_url(course: Path | str) -> str:
    """The gradebook URL nbgrader uses for ``course`` (``CourseDirectory.db_url``)."""
    return _course_settings(course)[0]


def safe_url(url: str) -> str:
    """``url`` without its password, fit to print (``postgresql://crmkit@host:5432/db``)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        # URL.set() ignores None; URL is a named tuple
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except (ArgumentError, ValueError, TypeError):
        # not a URL SQLAlchemy understands: still drop anything between "user:" and "@"
        return re.sub(r"(//[^/:@]*):[^@/]*@", r"\1@", str(url))


def _reason(error: BaseException, url: str) -> str:
    """The driver's own first line (e.g. "Connection refused"), with the password blanked out."""
    from sqlalchemy.engine import make_url

    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - only for scrubbing
        password = None
    if password:
        reason = reason.replace(str(password), "***")
    return reason


def unreachable(url: str, error: BaseException) -> GradebookUnreachable:
    """The one-line bilingual error for a gradebook that cannot be opened (no password in it)."""
    from sqlalchemy.exc import ArgumentError

    shown = safe_url(url)
    if isinstance(error, ImportError):
        return GradebookUnreachable(
            f'无法打开成绩库 {shown}：缺少数据库驱动（{error}）；运行 pip install "psycopg>=3.2" '
            f"并安装 libpq5 / Cannot open the gradebook at {shown}: its database driver is missing "
            f'({error}); pip install "psycopg>=3.2" and install libpq5'
        )
    if isinstance(error, ArgumentError):
        return GradebookUnreachable(
            f"成绩库地址无效 {shown}；检查 nbgrader_config.py 的 CourseDirectory.db_url / "
            f"Invalid gradebook URL {shown}; check CourseDirectory.db_url in "
            f"nbgrader_config.py ({error})"
        )
    return GradebookUnreachable(
        f"无法连接成绩库 {shown}；检查 nbgrader_config.py 的 CourseDirectory.db_url 和数据库服务器 "
        f"/ Cannot reach the gradebook at {shown}; check CourseDirectory.db_url in "
        f"nbgrader_config.py and that the database server is running ({_reason(error, url)})"
    )


def _opening_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

    return (OperationalError, InterfaceError, ArgumentError, ImportError)


@contextmanager
def connect_gradebook(url: str, course_id: str = "default_course") -> Iterator[Gradebook]:
    """nbgrader's ``Gradebook(url, course_id)``, closed afterwards;
    :class:`GradebookUnreachable` if it cannot open."""
    from nbgrader.api import Gradebook

    from .course_folder import ensure_env_bin_on_path

    ensure_env_bin_on_path()  # nbgrader runs `alembic` by name when it sets up a new database
    try:
        gradebook = Gradebook(url, course_id)
    except _opening_errors() as error:
        raise unreachable(url, error) from None
    try:
        yield gradebook
    finally:
        gradebook.close()


@contextmanager
def fresh_session(gradebook: Gradebook) -> Iterator[Gradebook]:
    """``gradebook`` for one piece of work, its session ended afterwards as closing the gradebook
    would end it (no transaction left open, nothing read kept), while its engine stays open."""
    try:
        yield gradebook
    finally:
        gradebook.db.remove()


@contextmanager
def open_gradebook(course: Path | str) -> Iterator[Gradebook]:
    """The gradebook of ``course`` (its ``db_url`` and ``course_id``), as
    nbgrader's formgrader opens it.

    Raises :class:`GradebookUnreachable` (a one-line CrmkitError, without the password) when the
    database cannot be reached. An empty database gets nbgrader's tables, as with nbgrader itself.
    """
    url, course_id = _course_settings(course)
    with connect_gradebook(url, course_id) as gradebook:
        yield gradebook


def check_gradebook(course: Path | str) -> str:
    """Open and close ``course``'s gradebook once (fail early, in one line); returns its URL."""
    url, course_id = _course_settings(course)
    with connect_gradebook(url, course_id):
        pass
    return url


def snapshot_definitions(url: str, target: Path | str) -> Path:
    """Copy what defines the assignments in the gradebook at ``url`` into a new
    SQLite file ``target``.

    Copied: nbgrader's course, assignment, notebook and cell tables (base, grade, solution, task
    and source cells, with their checksums) and ``alembic_version``, so nbgrader neither
    recreates nor migrates it. Not copied: students, submissions, grades, comments. The file is
    written beside ``target`` and then moved over it (an existing ``target`` is replaced), with
    mode 0600: source cells hold the hidden tests. Returns ``target`` as an absolute path.

    ``nbgrader.api.Gradebook(f"sqlite:///{target}")`` opens the result as it is; a worker's
    ``autograde`` with ``create=True`` adds the student and submission there.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, insert, inspect, select, text

    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tables = [t for t in Base.metadata.sorted_tables if t.name in DEFINITION_TABLES]
    # the empty file atomic_write makes is an empty database
    with atomic_write(target, permissions=0o600) as partial:
        try:
            source = create_engine(url, future=True)
            connection = source.connect()
        except _opening_errors() as error:
            raise unreachable(url, error) from None
        destination = create_engine(f"sqlite:///{partial}", future=True)
        try:
            if source.dialect.name == "postgresql":
                # one consistent view, even while someone generates an assignment
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                present = set(inspect(connection).get_table_names())
                if "assignment" not in present:
                    raise CrmkitError(
                        f"{safe_url(url)} 还不是 nbgrader 成绩库；先运行 crmkit course generate / "
                        f"{safe_url(url)} is not an nbgrader gradebook yet; run crmkit course "
                        "generate first"
                    )
                Base.metadata.create_all(destination)
                with destination.begin() as out:
                    for table in tables:
                        rows = [dict(row._mapping) for row in connection.execute(select(table))]
                        if rows:
                            out.execute(insert(table), rows)
                    if ALEMBIC_TABLE in present:
                        versions = (
                            connection.execute(text(f"SELECT version_num FROM {ALEMBIC_TABLE}"))
                            .scalars()
                            .all()
                        )
                        # the table as nbgrader's Gradebook creates it
                        out.execute(
                            text(f"CREATE TABLE {ALEMBIC_TABLE} (version_num VARCHAR(32) NOT NULL)")
                        )
                        for version in versions:
                            out.execute(
                                text(f"INSERT INTO {ALEMBIC_TABLE} (version_num) VALUES (:v)"),
                                {"v": version},
                            )
        finally:
            connection.close()
            source.dispose()
            destination.dispose()
    return target
