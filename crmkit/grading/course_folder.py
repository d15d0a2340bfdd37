"""An nbgrader course folder: where it is, its assignments and submissions,
and nbgrader's API on it.

Everything the grader does goes through nbgrader's own Python API
(:class:`nbgrader.apps.NbGraderAPI`) with the course's ``nbgrader_config.py``, so the CLI grades
exactly as ``nbgrader`` and the formgrader do.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CrmkitError, unknown_name

if TYPE_CHECKING:
    from nbgrader.apps import NbGraderAPI

COURSE_DIR_ENV = "CRMKIT_COURSE_DIR"
# A checkout of the kit: its exercises/ is the default course
CHECKOUT_COURSE = Path(__file__).resolve().parents[2] / "exercises"


def default_course_dir() -> Path:
    """The course folder: ``$CRMKIT_COURSE_DIR``, else the working folder if it is an nbgrader
    course, else the kit's ``exercises/`` (in a checkout of the kit)."""
    if os.environ.get(COURSE_DIR_ENV):
        return Path(os.environ[COURSE_DIR_ENV])
    if (Path.cwd() / "nbgrader_config.py").is_file():
        return Path.cwd()
    return CHECKOUT_COURSE


def check_course_dir(course: Path | str | None) -> Path:
    """``course`` (default :func:`default_course_dir`) as an absolute path, if it is
    an nbgrader course."""
    folder = (default_course_dir() if course is None else Path(course)).resolve()
    if not (folder / "nbgrader_config.py").is_file() or not (folder / "source").is_dir():
        raise CrmkitError(
            f"{folder} 不是 nbgrader 课程目录（缺 nbgrader_config.py 或 source/）；用 --course "
            f"指定 / {folder} is not an nbgrader course folder (no nbgrader_config.py or source/); "
            "pass --course DIR"
        )
    return folder


def source_assignments(course: Path) -> list[str]:
    """Names of the assignments in ``course/source``, sorted."""
    return sorted(
        p.name for p in (course / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb"))
    )


def pick_assignments(course: Path, names: Sequence[str] | None) -> list[str]:
    """``names`` checked against the course's assignments (all of them when empty)."""
    known = source_assignments(course)
    for name in names or []:
        if name not in known:
            raise unknown_name("作业", "assignment", name, known)
    return list(names) if names else known


def submitted_students(course: Path, assignment: str) -> list[str]:
    """Students with a submission of ``assignment`` in ``course/submitted``, sorted."""
    root = course / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def ensure_env_bin_on_path() -> None:
    """Put this Python's ``bin/`` first on PATH: nbgrader runs ``alembic`` and kernels by name."""
    env_bin = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [env_bin]:
        os.environ["PATH"] = os.pathsep.join([env_bin, *[p for p in parts if p != env_bin]])


def open_api(course: Path, log_level: str = "ERROR") -> NbGraderAPI:
    """An ``NbGraderAPI`` for ``course``, configured by its ``nbgrader_config.py``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    ensure_env_bin_on_path()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.NbGraderAPI.log_level = log_level
    # grading never uses the exchange, but the API checks one exists; a private one keeps
    # it from complaining about /srv/nbgrader/exchange on machines without it
    exchange = course / ".exchange"
    exchange.mkdir(exist_ok=True)
    config.Exchange.root = str(exchange)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


@contextmanager
def in_course_folder(folder: Path) -> Iterator[None]:
    """Work inside ``folder`` (nbgrader resolves some paths against the working directory, as
    its CLI would see them), with nbgrader 0.9's harmless SQLAlchemy "not in session" warnings
    silenced: they come with every autograde and would bury the summary table."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not in session.*")
            yield
    finally:
        os.chdir(before)
