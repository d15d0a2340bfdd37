"""``nbgrader collect`` on a shared exchange, trusting the file system instead of the student.

nbgrader's exchange lets every student write into the course's ``inbound/`` folder, and what its
collect reads there is the student's to shape:

* the folder's name says whose submission it is: ``nbgrader submit --student=CLASSMATE`` makes
  one in a classmate's name; nbgrader warns that its owner differs, then collects it as the
  classmate's (the newest one wins);
* the time in its name and in ``timestamp.txt`` are written by the student's own process: a late
  submission renamed to an earlier time is collected as on time;
* the copy follows links: a link to a file the course account can read (the course's
  ``source/`` with the hidden tests) is collected as a regular file, and the grading kernel may
  print it into the student's feedback; a FIFO stops the collect.

:class:`TrustedCollect` keeps nbgrader's choice of submission (the newest, ``--update``,
``--before-duedate``) and:

* takes only submissions that are folders owned by the account their name gives, and in them only
  files and folders that account owns;
* records the submission at the last change time (``ctime``) of what it holds when that is more
  than ``clock_tolerance`` seconds after the time the student wrote: the kernel sets a change
  time, and a file's owner cannot move it back;
* copies regular files and folders only, opening each relative to its folder and never through a
  link, so a folder swapped for a link during the copy is not followed; nbgrader's
  ``CourseDirectory.ignore``, ``include``, ``max_file_size`` and ``max_dir_size`` still apply;
* gives a submission that has no ``submission_secret.txt`` (not made by ``nbgrader submit``) one
  of its own: nbgrader's ``release_feedback`` otherwise stops at it, for the whole class.

The course's ``nbgrader_config.py`` selects it (``c.ExchangeFactory.collect``), so ``nbgrader
collect`` and the formgrader's Collect button both use it. See docs/deployment.md.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import pwd
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dateutil.tz import gettz
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.utils import check_mode, parse_utc
from traitlets import Float

from .run.submission_files import read_at_most

MAX_DEPTH = 8
SECRET_FILE = "submission_secret.txt"  # nbgrader submit's key to the student's feedback
MAX_ENTRIES = 1000


@dataclass
class Snapshot:
    """A submission folder as read: its files (relative path -> bytes), the last change time
    of anything in it, and what was left out and why."""

    files: dict[str, bytes] = field(default_factory=dict)
    changed: float = 0.0
    left_out: list[str] = field(default_factory=list)


class TrustedCollect(ExchangeCollect):
    """nbgrader's collect, with owners, times and files taken from the file system."""

    clock_tolerance = Float(
        60.0,
        help="Seconds a submission's files may have changed after the time it states "
        "(nbgrader writes the time first, then copies the files); a later change moves "
        "the submission's time to that change.",
    ).tag(config=True)

    def init_src(self):
        """As nbgrader's, over the submissions that pass :meth:`trusted_record` only."""
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")
        records = [r for r in map(self.trusted_record, sorted(glob.glob(pattern))) if r]
        by_student = groupby(records, lambda item: item["username"])
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                self.duedate = gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for group in by_student.values():
            newest_first = self._sort_by_timestamp(group)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in newest_first if r["timestamp"] <= self.duedate]
                self.src_records.append((on_time or newest_first)[0])
            else:
                self.src_records.append(newest_first[0])

    def trusted_record(self, path: str) -> dict | None:
        """nbgrader's record of the submission at ``path`` with its trusted time, or None
        (and a warning saying why) when it is not the named student's own folder."""
        name = os.path.basename(path)
        parts = name.rsplit("+", 3)
        if len(parts) < 3:
            self.log.warning("Skipping %s: not a submission's name", name)
            return None
        student = parts[0]
        try:
            claimed = parse_utc(parts[2])
        except (ValueError, OverflowError):
            self.log.warning("Skipping %s: its time cannot be read", name)
            return None
        owner = owner_uid(student)
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if owner is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != owner:
            self.log.warning(
                "Skipping %s: it claims to be %s's submission but is not a folder owned by %s "
                "(handed in by %s)",
                name, student, student, account_name(info.st_uid),
            )  # fmt: skip
            return None
        snapshot = self.read(path, owner, with_data=False)
        if snapshot is None:
            return None
        when = self.trusted_time(claimed, snapshot.changed)
        if when != claimed:
            self.log.warning(
                "%s states %s UTC but its files changed until %s UTC: taken as handed in then",
                name, claimed, when,
            )  # fmt: skip
        return {
            "username": student,
            "filename": name,
            "timestamp": when,
            "claimed": claimed,
            "uid": owner,
        }

    def trusted_time(self, claimed: datetime, changed: float) -> datetime:
        """``claimed`` (naive UTC, as nbgrader keeps times), unless the files changed later
        than the tolerance allows: then the time of that change."""
        changed_at = datetime.fromtimestamp(changed, tz=UTC).replace(tzinfo=None)
        if changed_at > claimed + timedelta(seconds=self.clock_tolerance):
            return changed_at
        return claimed

    def read(self, path: str, owner: int, with_data: bool = True) -> Snapshot | None:
        """The files of the submission folder at ``path`` that ``owner`` owns (see module doc);
        ``with_data=False`` only finds when anything in it last changed."""
        try:
            top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as error:
            self.log.warning("Skipping %s: %s", os.path.basename(path), error.strerror)
            return None
        snapshot = Snapshot()
        try:
            if os.fstat(top).st_uid != owner:
                return None
            self._read_folder(top, "", owner, snapshot, 0, with_data)
            snapshot.changed = max(snapshot.changed, os.fstat(top).st_ctime)
        finally:
            os.close(top)
        for reason in snapshot.left_out if with_data else ():  # said once, when copying
            self.log.warning("%s: %s", os.path.basename(path), reason)
        return snapshot

    def _read_folder(
        self, folder: int, prefix: str, owner: int, snapshot: Snapshot, depth: int, with_data: bool
    ) -> None:
        coursedir = self.coursedir
        file_limit = 1000 * coursedir.max_file_size
        total_limit = 1000 * coursedir.max_dir_size
        for name in sorted(os.listdir(folder)):
            relative = f"{prefix}{name}"
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
            snapshot.changed = max(snapshot.changed, info.st_ctime)
            if any(fnmatch.fnmatch(name, pattern) for pattern in coursedir.ignore):
                continue
            if info.st_uid != owner:
                snapshot.left_out.append(f"left out {relative}: owned by another account")
            elif stat.S_ISDIR(info.st_mode) and depth < MAX_DEPTH:
                try:
                    child = os.open(
                        name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder
                    )
                except OSError:
                    snapshot.left_out.append(f"left out {relative}/: it cannot be opened")
                    continue
                try:
                    self._read_folder(child, f"{relative}/", owner, snapshot, depth + 1, with_data)
                    snapshot.changed = max(snapshot.changed, os.fstat(child).st_ctime)
                finally:
                    os.close(child)
            elif not stat.S_ISREG(info.st_mode):
                snapshot.left_out.append(f"left out {relative}: not a regular file or folder")
            elif not any(fnmatch.fnmatch(name, pattern) for pattern in coursedir.include):
                continue
            elif not with_data:
                continue
            elif len(snapshot.files) >= MAX_ENTRIES:
                snapshot.left_out.append(f"left out {relative}: too many files")
            else:
                data = read_owned_file(folder, name, owner, file_limit, snapshot)
                if data is None:
                    snapshot.left_out.append(
                        f"left out {relative}: too large, changed hands or unreadable"
                    )
                elif sum(map(len, snapshot.files.values())) + len(data) > total_limit:
                    snapshot.left_out.append(f"left out {relative}: over max_dir_size")
                else:
                    snapshot.files[relative] = data

    def do_copy(self, src, dest, log=None):
        """Write the submission at ``src`` into ``dest`` (a new folder), with its trusted time in
        ``timestamp.txt``; read again here, so what is written is what was checked."""
        name = os.path.basename(src)
        record = next(r for r in self.src_records if r["filename"] == name)
        snapshot = self.read(src, record["uid"])
        if snapshot is None:
            self.fail(f"{name} changed hands while it was collected")
        when = max(record["timestamp"], self.trusted_time(record["claimed"], snapshot.changed))
        os.makedirs(dest)
        for relative, data in snapshot.files.items():
            target = os.path.join(dest, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
        if SECRET_FILE not in snapshot.files:
            # nbgrader's release_feedback stops for the whole class at a submission without one
            self.log.warning(
                "%s has no %s (not made by nbgrader submit): given one, so feedback can be "
                "released; the student cannot fetch it through the exchange",
                name, SECRET_FILE,
            )  # fmt: skip
            with open(os.path.join(dest, SECRET_FILE), "w", encoding="utf-8") as out:
                out.write(secrets.token_hex(64))
        zone = gettz(self.timezone) or UTC
        stamp = when.replace(tzinfo=UTC).astimezone(zone).strftime(self.timestamp_format)
        with open(os.path.join(dest, "timestamp.txt"), "w", encoding="utf-8") as out:
            out.write(stamp)


def read_owned_file(folder: int, name: str, owner: int, limit: int, snapshot: Snapshot):
    """The bytes of regular file ``name`` in ``folder`` if ``owner`` owns it and it holds at most
    ``limit`` bytes, else None; its change time, taken after reading, goes into ``snapshot``."""
    try:
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != owner or info.st_size > limit:
            return None
        data = read_at_most(handle, limit)
        snapshot.changed = max(snapshot.changed, os.fstat(handle).st_ctime)
        return data
    finally:
        os.close(handle)


def owner_uid(account: str) -> int | None:
    try:
        return pwd.getpwnam(account).pw_uid
    except KeyError:
        return None


def account_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
