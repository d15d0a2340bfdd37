"""The course's gradebook on a real PostgreSQL server, as a department would run it.

``make test`` starts a local PostgreSQL and passes its URL in ``CRMKIT_TEST_POSTGRES_URL``
(the role may create databases); each test that needs the server makes its own database with
a random name and drops it afterwards. The course is a copy of ``exercises/`` (config and
``source/``) whose ``nbgrader_config.py`` sets ``c.CourseDirectory.db_url`` to that database,
exactly as an instructor would. Tests that need no server (the Makefile wiring, the one-line
error for an unreachable gradebook, the SQLite snapshot) always run.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from crmkit.grading import course_folder, steps
from crmkit.grading import scores as grades
from crmkit.grading.gradebook import (
    DEFINITION_TABLES,
    GradebookUnreachable,
    open_gradebook,
    safe_url,
    snapshot_definitions,
)
from crmkit.grading.run.autograde import autograde
from crmkit.grading.submissions import notebook_path, read_notebook, submit

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
URL_ENV = "CRMKIT_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"{URL_ENV} 未设置：运行 make test（它会启动本地 PostgreSQL）/ "
    f"{URL_ENV} is not set: run `make test`, which starts a local PostgreSQL and sets it"
)
ASSIGNMENT = "segmentation"
COURSE_ID = "crm-casebook"
# nothing listens on port 1: the connection is refused at once
BAD_URL = "postgresql://crmkit:s3cret-pw@localhost:1/crmkit_nowhere"


# ---------------------------------------------------------------- helpers


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (maybe ``postgresql+psycopg://``) as libpq and psycopg take it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` run on the PostgreSQL database at ``url`` with the driver itself
    (not nbgrader)."""
    import psycopg

    with psycopg.connect(libpq_url(url), connect_timeout=10) as connection:
        return connection.execute(sql, params).fetchall()


def crmkit(*args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "crmkit", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def make_course(folder: Path, db_url: str) -> Path:
    """A copy of the kit's course (config and ``source/``) whose gradebook is ``db_url``."""
    folder.mkdir(parents=True)
    shutil.copytree(
        COURSE / "source",
        folder / "source",
        ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "widget_answers.json", "student_id.txt"
        ),
    )
    config = (COURSE / "nbgrader_config.py").read_text(encoding="utf-8")
    config += f"\n# the department's gradebook\nc.CourseDirectory.db_url = {db_url!r}\n"
    (folder / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return folder


def submit_solution(course: Path, student: str, assignment: str = ASSIGNMENT) -> None:
    solution = read_notebook(notebook_path(course, "source", assignment))
    submit(course, student, assignment, solution, extra_files={"student_id.txt": f"{student}\n"})


AUTO_POINTS_SQL = """
    SELECT coalesce(sum(g.auto_score), 0), coalesce(sum(gc.max_score), 0), count(*)
    FROM grade g
    JOIN grade_cells gc ON gc.id = g.cell_id
    JOIN submitted_notebook sn ON sn.id = g.notebook_id
    JOIN submitted_assignment sa ON sa.id = sn.assignment_id
    JOIN assignment a ON a.id = sa.assignment_id
    WHERE sa.student_id = %s AND a.name = %s AND gc.cell_type = 'code'
"""


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def database() -> str:
    """A new, empty PostgreSQL database for this test only: its URL (dropped afterwards)."""
    base = os.environ.get(URL_ENV)
    if not base:
        pytest.skip(SKIP_REASON)
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"crmkit_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(base), autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url(base), autocommit=True, connect_timeout=10) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def course(tmp_path, database) -> Path:
    return make_course(tmp_path / "course", database)


# ---------------------------------------------------------------- always run


def test_make_test_starts_postgres_and_passes_its_url_to_pytest():
    """CI runs `make test`; if it stopped passing the URL, the tests below would skip unseen."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^test:(.*)\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert rule, "no test target in the Makefile"
    prerequisites, recipe = rule.group(1).split(), rule.group(2)
    assert "postgres" in prerequisites
    assert re.search(
        rf"^\t{URL_ENV}=\S+ (?:\w+=\S+ )*\$\(PYTHON\) -m pytest .*tests", recipe, re.MULTILINE
    ), recipe
    assert re.search(r"^postgres:", makefile, re.MULTILINE)
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_printed_urls_never_show_the_password():
    assert (
        safe_url("postgresql://crmkit:s3cret-pw@db.example:5432/grades")
        == "postgresql://crmkit@db.example:5432/grades"
    )
    assert safe_url("postgresql+psycopg://u:p%40ss@h/g") == "postgresql+psycopg://u@h/g"
    assert safe_url("sqlite:////srv/course/gradebook.db") == "sqlite:////srv/course/gradebook.db"
    assert "pw" not in safe_url("not a url://user:pw@host/x")


@pytest.mark.parametrize("command", ["generate", "autograde", "feedback", "export"])
def test_unreachable_gradebook_is_one_line_without_password(tmp_path, command):
    course = make_course(tmp_path / "course", BAD_URL)
    if command == "autograde":
        submit_solution(course, "alice")
    result = crmkit("course", command, "--course", str(course))
    message = assert_one_line_error(
        result,
        "无法连接成绩库 postgresql://crmkit@localhost:1/crmkit_nowhere",
        "Cannot reach the gradebook at postgresql://crmkit@localhost:1/crmkit_nowhere",
        "CourseDirectory.db_url",
    )
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "refused" in message.lower()


def test_open_gradebook_raises_a_crmkit_error(tmp_path):
    course = make_course(tmp_path / "course", BAD_URL)
    with pytest.raises(GradebookUnreachable, match="Cannot reach the gradebook") as caught:
        with open_gradebook(course):
            pass
    assert "s3cret-pw" not in str(caught.value)


def _small_gradebook(url: str) -> None:
    """A gradebook with one assignment, its cells, and a student's graded submission
    (nbgrader's API)."""
    from nbgrader.api import Gradebook

    course_folder.ensure_env_bin_on_path()  # nbgrader runs `alembic` for a new gradebook
    with Gradebook(url, COURSE_ID) as gradebook:
        gradebook.add_assignment("a1")
        gradebook.add_notebook("nb", "a1")
        gradebook.add_grade_cell("t1", "nb", "a1", max_score=2, cell_type="code")
        gradebook.add_solution_cell("t1", "nb", "a1")
        gradebook.add_source_cell(
            "t1", "nb", "a1", cell_type="code", locked=True, source="assert 1", checksum="abc"
        )
        gradebook.add_task_cell("w1", "nb", "a1", max_score=3, cell_type="markdown")
        gradebook.add_source_cell(
            "w1", "nb", "a1", cell_type="markdown", locked=True, source="Say", checksum="def"
        )
        gradebook.add_student("bob")
        gradebook.add_submission("a1", "bob")


@pytest.mark.filterwarnings("ignore:.*not in session")  # nbgrader's add_submission, harmless
def test_snapshot_of_a_sqlite_gradebook(tmp_path):
    from nbgrader.api import Gradebook

    source = tmp_path / "gradebook.db"
    _small_gradebook(f"sqlite:///{source}")
    snapshot = snapshot_definitions(f"sqlite:///{source}", tmp_path / "worker" / "snapshot.db")
    assert snapshot == (tmp_path / "worker" / "snapshot.db").resolve()
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600, "source cells hold the hidden tests"
    with Gradebook(f"sqlite:///{snapshot}", COURSE_ID) as gradebook:
        notebook = gradebook.find_notebook("nb", "a1")
        assert [c.name for c in notebook.grade_cells] == ["t1"] and [
            c.name for c in notebook.task_cells
        ] == ["w1"]
        assert gradebook.find_source_cell("t1", "nb", "a1").checksum == "abc"
        assert gradebook.students == [] and gradebook.find_assignment("a1").submissions == []
    assert not list(tmp_path.joinpath("worker").glob(".*partial")), "no temporary file left behind"
    # a second snapshot replaces the first
    assert snapshot_definitions(f"sqlite:///{source}", snapshot) == snapshot


def test_snapshot_of_a_database_without_a_gradebook_says_so(tmp_path):
    from crmkit.errors import CrmkitError

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(CrmkitError, match="not an nbgrader gradebook yet"):
        snapshot_definitions(f"sqlite:///{empty}", tmp_path / "snapshot.db")
    assert not (tmp_path / "snapshot.db").exists()


def test_snapshot_of_an_unreachable_gradebook(tmp_path):
    with pytest.raises(GradebookUnreachable, match="Cannot reach the gradebook") as caught:
        snapshot_definitions(BAD_URL, tmp_path / "snapshot.db")
    assert "s3cret-pw" not in str(caught.value)
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------- on the PostgreSQL server


@pytest.mark.postgres
def test_generate_writes_the_assignments_to_postgres(course, database):
    result = crmkit("course", "generate", "--course", str(course))
    assert result.returncode == 0, result.stdout + result.stderr
    expected = course_folder.source_assignments(course)
    assert [r[0] for r in query(database, "SELECT name FROM assignment ORDER BY name")] == expected
    assert {r[0] for r in query(database, "SELECT course_id FROM assignment")} == {COURSE_ID}
    for assignment in expected:
        (cells,) = query(
            database,
            """
            SELECT count(*) FROM grade_cells gc JOIN base_cell bc ON bc.id = gc.id
            JOIN notebook n ON n.id = bc.notebook_id JOIN assignment a ON a.id = n.assignment_id
            WHERE a.name = %s""",
            (assignment,),
        )
        assert cells[0] > 0, f"{assignment} has no grade cells in PostgreSQL"
        assert (course / "release" / assignment / f"{assignment}.ipynb").is_file()
    assert query(database, "SELECT version_num FROM alembic_version"), (
        "nbgrader's alembic revision is recorded"
    )
    assert not (course / "gradebook.db").exists(), "nothing went to a SQLite gradebook"


@pytest.mark.postgres
def test_scores_and_export_read_from_postgres(tmp_path, database):
    # the explicit driver form works on SQLAlchemy 2.0 and 2.1 alike
    course = make_course(
        tmp_path / "course", database.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    assert all(r.ok for r in steps.generate_assignments(course, [ASSIGNMENT]))
    submit_solution(course, "alice")
    # nbgrader's own (sequential) autograde, writing to PostgreSQL
    assert all(r.ok for r in autograde(course, [ASSIGNMENT]).results)
    ((auto, maximum, cells),) = query(database, AUTO_POINTS_SQL, ("alice", ASSIGNMENT))
    assert cells > 0 and auto == maximum > 0

    (score,) = grades.scores(course)
    assert (score.student, score.assignment) == ("alice", ASSIGNMENT)
    assert score.auto_score == score.auto_max == maximum
    assert grades.cell_scores(course, ASSIGNMENT, "alice")

    result = crmkit(
        "course", "export", "--course", str(course), "--to", str(tmp_path / "grades.csv")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["student_id"] == "alice" and r["assignment"] == ASSIGNMENT
        ]
    assert len(rows) == 1 and float(rows[0]["raw_score"]) >= maximum
    assert not (course / "gradebook.db").exists()


@pytest.mark.postgres
def test_snapshot_from_postgres_has_the_definitions_and_no_students(tmp_path, course, database):
    from nbgrader.api import Gradebook

    assert all(
        r.ok for r in steps.generate_assignments(course, course_folder.source_assignments(course))
    )
    submit_solution(course, "alice")
    assert all(r.ok for r in autograde(course, [ASSIGNMENT]).results)
    assert query(database, "SELECT count(*) FROM grade")[0][0] > 0

    snapshot = snapshot_definitions(database, tmp_path / "snapshot.db")
    with open_gradebook(course) as main, Gradebook(f"sqlite:///{snapshot}", COURSE_ID) as copy:
        assert [a.name for a in copy.assignments] == [a.name for a in main.assignments]
        for assignment in main.assignments:
            for notebook in assignment.notebooks:
                theirs = copy.find_notebook(notebook.name, assignment.name)
                assert sorted(
                    (c.name, c.max_score, c.cell_type) for c in theirs.grade_cells
                ) == sorted((c.name, c.max_score, c.cell_type) for c in notebook.grade_cells)
                assert sorted((c.name, c.max_score) for c in theirs.task_cells) == sorted(
                    (c.name, c.max_score) for c in notebook.task_cells
                )
                assert sorted(c.name for c in theirs.solution_cells) == sorted(
                    c.name for c in notebook.solution_cells
                )
                assert sorted(
                    (c.name, c.checksum, c.source, c.locked) for c in theirs.source_cells
                ) == sorted((c.name, c.checksum, c.source, c.locked) for c in notebook.source_cells)
                assert theirs.kernelspec == notebook.kernelspec
        assert copy.students == [] and all(a.submissions == [] for a in copy.assignments)
    with sqlite3.connect(snapshot) as db:
        for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == query(
            database, "SELECT version_num FROM alembic_version"
        )
        copied = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert set(DEFINITION_TABLES) <= copied


@pytest.mark.postgres
def test_nbgrader_autogrades_against_a_snapshot_of_postgres(tmp_path, course, database):
    """What a grading worker does: nbgrader's autograde in a scratch course
    whose gradebook is the snapshot."""
    assert all(r.ok for r in steps.generate_assignments(course, [ASSIGNMENT]))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    snapshot = snapshot_definitions(database, scratch / "gradebook.db")
    config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    (scratch / "nbgrader_config.py").write_text(
        config + f"c.CourseDirectory.db_url = {'sqlite:///' + str(snapshot)!r}\n", encoding="utf-8"
    )
    shutil.copytree(course / "source" / ASSIGNMENT, scratch / "source" / ASSIGNMENT)
    submit_solution(scratch, "alice")
    assert all(r.ok for r in autograde(scratch, [ASSIGNMENT]).results)
    (score,) = grades.scores(scratch)
    assert score.student == "alice" and score.auto_score == score.auto_max > 0
    assert query(database, "SELECT count(*) FROM student") == [(0,)], (
        "the worker never touched PostgreSQL"
    )


@pytest.mark.postgres
@pytest.mark.slow
def test_autograde_into_postgres(course, database):
    """``crmkit course autograde --jobs 2`` (parallel, sandboxed) records full
    points in PostgreSQL."""
    result = crmkit("course", "generate", "--course", str(course), ASSIGNMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    submit_solution(course, "alice")
    result = crmkit("course", "autograde", "--course", str(course), "--jobs", "2", ASSIGNMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    ((auto, maximum, cells),) = query(database, AUTO_POINTS_SQL, ("alice", ASSIGNMENT))
    assert cells > 0 and auto == maximum > 0
    assert not (course / "gradebook.db").exists(), "grades went to PostgreSQL, not a SQLite file"
