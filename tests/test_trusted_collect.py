"""``nbgrader collect`` with the course's config: what students can put in the exchange's inbound
folder does not decide whose a submission is, when it came, or what the course account copies.

Runs the real ``nbgrader collect`` CLI on a course whose ``nbgrader_config.py`` is the kit's, over
an exchange whose submissions belong to this machine's system accounts (``daemon``, ``bin``,
``sys``), made and given to them as root. tests/test_hub.py plays the same tricks from students'
own servers on a real JupyterHub.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.utils import parse_utc

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "segmentation"
COURSE_ID = "crm-casebook"
FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's timestamp format

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="gives files to other accounts (chown): run as root"
)


def uid(name: str) -> int:
    return pwd.getpwnam(name).pw_uid


def hand_in(inbound: Path, owner: str, named: str, when: datetime, files: dict[str, str]) -> Path:
    """A submission folder as ``nbgrader submit`` leaves it, made by ``owner`` in ``named``'s
    name and stating the time ``when``."""
    stamp = when.strftime(FORMAT)
    folder = inbound / f"{named}+{ASSIGNMENT}+{stamp}+r{os.urandom(3).hex()}"
    folder.mkdir()
    for name, text in {**files, "timestamp.txt": stamp}.items():
        (folder / name).write_text(text, encoding="utf-8")
    for path in [folder, *folder.iterdir()]:
        os.chown(path, uid(owner), uid(owner), follow_symlinks=False)
    return folder


@pytest.fixture
def course(tmp_path) -> Path:
    """A course folder with the kit's config, an exchange with an inbound folder, a gradebook."""
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO / "exercises" / "nbgrader_config.py", course / "nbgrader_config.py")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    inbound = tmp_path / "exchange" / COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    (tmp_path / "exchange").chmod(0o777)
    inbound.chmod(0o2733)
    return course


def collect(course: Path) -> str:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "collect", ASSIGNMENT],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def collected_time(course: Path, student: str) -> datetime:
    text = (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").read_text()
    return parse_utc(text)


def test_collect_takes_owners_own_work_at_its_real_time_and_never_through_a_link(course):
    inbound = course.parent / "exchange" / COURSE_ID / "inbound"
    now = datetime.now(UTC)
    secret = course / "source" / ASSIGNMENT / "hidden_tests.txt"
    secret.write_text("BEGIN HIDDEN TESTS: the answer key", encoding="utf-8")

    # daemon hands in honestly; bin then hands in a newer one in daemon's name
    honest = hand_in(
        inbound,
        "daemon",
        "daemon",
        now,
        {"answer.txt": "daemon's own work", "submission_secret.txt": "daemon's secret"},
    )
    hand_in(inbound, "bin", "daemon", now + timedelta(seconds=5), {"answer.txt": "bin's junk"})
    # sys hands in after the deadline and renames it two hours back
    hand_in(inbound, "sys", "sys", now - timedelta(hours=2), {"answer.txt": "late work"})
    # bin's own submission links to the course's hidden tests, holds a FIFO and a classmate's file
    planted = hand_in(inbound, "bin", "bin", now, {"answer.txt": "bin's work"})
    (planted / "stolen.txt").symlink_to(secret)
    os.mkfifo(planted / "pipe")
    for path in (planted / "stolen.txt", planted / "pipe"):
        os.chown(path, uid("bin"), uid("bin"), follow_symlinks=False)
    (planted / "from_daemon.txt").write_text("daemon's file", encoding="utf-8")
    os.chown(planted / "from_daemon.txt", uid("daemon"), uid("daemon"))
    # a name that is no submission at all
    (inbound / f"nobody+{ASSIGNMENT}+not a time+x").mkdir()

    log = collect(course)

    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["bin", "daemon", "sys"]
    assert (submitted / "daemon" / ASSIGNMENT / "answer.txt").read_text() == "daemon's own work"
    assert "is not a folder owned by daemon" in log and "handed in by bin" in log, log
    assert abs(collected_time(course, "daemon") - now.replace(tzinfo=None)) < timedelta(
        milliseconds=1
    ), "an honest submission keeps the time it states"
    # the late one is recorded when its files were made, not two hours back
    assert collected_time(course, "sys") >= now.replace(tzinfo=None) - timedelta(seconds=60)
    assert "taken as handed in then" in log, log
    assert sorted(p.name for p in (submitted / "bin" / ASSIGNMENT).iterdir()) == [
        "answer.txt",
        "submission_secret.txt",  # made up: release_feedback needs one
        "timestamp.txt",
    ]
    assert "stolen.txt: not a regular file or folder" in log, log
    assert "pipe: not a regular file or folder" in log, log
    assert "from_daemon.txt: owned by another account" in log, log
    assert "Skipping nobody+segmentation+not a time+x" in log, log
    secret = submitted / "daemon" / ASSIGNMENT / "submission_secret.txt"
    assert secret.read_text() == "daemon's secret", "nbgrader's secret is kept"
    assert honest.is_dir(), "collect leaves the exchange as it is"
