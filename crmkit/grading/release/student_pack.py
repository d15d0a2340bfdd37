"""What students get: ``crmkit course student-pack --out DIR [--zip] [--course COURSE]``.

A student pack is a folder (and, with ``--zip``, the same as ``DIR.zip``) laid out as the
repository is, so the links between its files keep working::

    README.md                            how to open it and where to start (bilingual)
    notebooks/*.ipynb                    the case notebooks, with their stored outputs
    cases/*.md                           the case texts and the concepts page
    datasets/<case>/README.md            the data dictionaries, with datapackage.json
    assignments/<assignment>/...         the course's release/ (what nbgrader hands out)

Nothing else: no ``source/``, hidden tests, solutions or answer keys, no ``tests/``, instructor
docs or gradebook. The CSVs are not copied either: they come with the installed ``crmkit``
package, where ``load()`` finds them (:func:`crmkit.datasets.data_dir`).

Before anything is written, the release is checked against the course's source (generated again
in a scratch folder; a stale or missing ``release/`` is regenerated in the course first, as
``crmkit course generate`` would) and the whole pack is searched for the course's answer key
(:mod:`.key_leaks`); a leak stops the build. The output is a function of its inputs: the same
files, and a zip with fixed timestamps and sorted entries.

Building again over an earlier pack replaces only the files the pack wrote and nobody changed
since (its manifest, ``.crmkit-pack.json``, records their hashes): a notebook a student saved,
``widget_answers.json`` and ``student_id.txt`` stay as they are. Any other non-empty folder is
refused, and so is a folder in the tracked part of a git repository.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ...errors import CrmkitError
from ...files import atomic_write
from ..course_folder import source_assignments
from .key_leaks import describe, leaks_in_files, read_answer_key

# A checkout of the kit: its notebooks, case texts and data dictionaries
KIT = Path(__file__).resolve().parents[3]
MANIFEST = ".crmkit-pack.json"
MANIFEST_FORMAT = "crmkit student pack"
ZIP_COMMENT = b"crmkit student pack"
# the earliest time a zip entry can carry: the same bytes on every build
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# saved while someone tried a notebook in place: answers and ids, never handed out
LEFT_OUT = frozenset({"widget_answers.json", "student_id.txt"})


@dataclass
class PackResult:
    """What a build wrote and what it noticed."""

    folder: Path
    files: dict[str, bytes]
    archive: Path | None = None
    regenerated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # files a student changed, left as they are
    broken_links: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())

    @property
    def assignments(self) -> list[str]:
        return sorted({p.split("/")[1] for p in self.files if p.startswith("assignments/")})

    def count(self, folder: str, name: str = "") -> int:
        """How many files under ``folder/`` (named ``name``, if given) the pack holds."""
        return sum(
            path.startswith(f"{folder}/") and path.endswith(f"/{name}" if name else "")
            for path in self.files
        )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- where the pack may go


def tracked_repository(path: Path) -> Path | None:
    """The git work tree ``path`` would be tracked in (inside it and not ignored), or None."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        probe = probe.parent
    try:
        top = subprocess.run(
            ["git", "-C", str(probe), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:  # no git: keep at least the kit's checkout safe
        inside = path.is_relative_to(KIT) and not path.is_relative_to(KIT / "build")
        return KIT if inside and (KIT / ".git").exists() else None
    if top.returncode != 0:
        return None
    root = Path(top.stdout.strip())
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", "-q", "--no-index", str(path)],
        capture_output=True,
    )
    return None if ignored.returncode == 0 else root


def check_target(out: Path, archive: Path | None) -> None:
    """Refuse (one bilingual line) an ``out`` or ``archive`` the pack must not be written to."""
    for target in [out] + ([archive] if archive else []):
        repository = tracked_repository(target)
        if repository is not None:
            raise CrmkitError(
                f"{target} 在 git 仓库 {repository} 受版本控制的部分里，学生包不写在这里；"
                "请换仓库外的目录，或仓库里被忽略的目录（如 build/）/ "
                f"{target} is in the tracked part of the "
                f"git repository {repository}; write the pack outside it or into an ignored "
                "folder such as build/"
            )
    if out.exists() and not out.is_dir():
        raise CrmkitError(
            f"{out} 是一个文件，不是目录；请换一个目录 / "
            f"{out} is a file, not a folder; pass a folder"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise CrmkitError(
            f"{out} 不是空目录，也不是以前生成的学生包，不会写进去；请换一个新的或空的目录 / "
            f"{out} is not empty and not an earlier student pack, so nothing is written there; "
            "pass a new or empty folder"
        )
    if archive is not None and archive.exists() and not is_pack_zip(archive):
        raise CrmkitError(
            f"{archive} 已存在，也不是以前生成的学生包，不会覆盖它；请换一个目录名 / "
            f"{archive} exists and is not an earlier student pack, so it is not overwritten; "
            "pass another folder name"
        )


def is_pack_zip(archive: Path) -> bool:
    try:
        with zipfile.ZipFile(archive) as opened:
            return opened.comment == ZIP_COMMENT
    except (zipfile.BadZipFile, OSError):
        return False


# ---------------------------------------------------------------- the release, up to date


def _release_files(course: Path, assignment: str) -> dict[str, bytes]:
    """The files of ``release/<assignment>/`` a pack hands out, by their path there."""
    folder = course / "release" / assignment
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and handed_out(path.relative_to(folder))
    }


def handed_out(relative: Path | PurePosixPath) -> bool:
    """Whether a file of a release folder goes to students: not hidden, not a checkpoint, not
    answers or an id saved while someone tried the notebook in place."""
    parts = relative.parts
    return (
        not any(part.startswith(".") or part == "__pycache__" for part in parts)
        and parts[-1] not in LEFT_OUT
    )


def stale_releases(course: Path, assignments: Iterable[str]) -> list[str]:
    """The assignments whose ``release/`` is missing or differs from what nbgrader makes of
    ``source/`` now (made in a scratch copy with its own gradebook: the course is not touched)."""
    from .. import steps

    assignments = list(assignments)
    with tempfile.TemporaryDirectory(prefix="crmkit-release-") as scratch_name:
        scratch = Path(scratch_name)
        config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
        gradebook = f"sqlite:///{scratch / 'gradebook.db'}"
        (scratch / "nbgrader_config.py").write_text(
            f"{config}\n# the pack's scratch copy: a private gradebook\n"
            f"c.CourseDirectory.db_url = {gradebook!r}\n",
            encoding="utf-8",
        )
        shutil.copytree(
            course / "source",
            scratch / "source",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", *LEFT_OUT),
        )
        failed = [r for r in steps.generate_assignments(scratch, assignments) if not r.ok]
        if failed:
            raise CrmkitError(
                f"无法从 source/ 生成作业 {failed[0].assignment}：{failed[0].detail}；先修好它 / "
                f"cannot generate {failed[0].assignment} from source/: {failed[0].detail}; "
                "fix it first"
            )
        return [a for a in assignments if _release_files(scratch, a) != _release_files(course, a)]


def fresh_release(course: Path, assignments: list[str]) -> list[str]:
    """Regenerate (in the course, as ``crmkit course generate``) each assignment whose release is
    missing or stale; returns their names."""
    from .. import steps

    stale = stale_releases(course, assignments)
    if stale:
        failed = [r for r in steps.generate_assignments(course, stale) if not r.ok]
        if failed:
            raise CrmkitError(
                f"无法生成 {failed[0].assignment} 的 release/：{failed[0].detail} / "
                f"cannot generate release/ of {failed[0].assignment}: {failed[0].detail}"
            )
    return stale


# ---------------------------------------------------------------- what goes in


def check_kit(kit: Path) -> None:
    missing = [name for name in ("notebooks", "cases", "datasets") if not (kit / name).is_dir()]
    if missing:
        raise CrmkitError(
            f"{kit} 里没有 {', '.join(missing)}/：学生包要从套件仓库的副本里生成（git clone）/ "
            f"{kit} has no {', '.join(missing)}/: build the student pack from a clone of the "
            "kit's repository"
        )


def pack_files(course: Path, kit: Path = KIT) -> dict[str, bytes]:
    """Every file of the pack (path in the pack -> bytes), from the kit and ``course``."""
    from ...datasets.registry import CASES

    check_kit(kit)
    files: dict[str, bytes] = {}
    for path in sorted((kit / "notebooks").glob("*.ipynb")):
        files[f"notebooks/{path.name}"] = path.read_bytes()
    for path in sorted((kit / "cases").glob("*.md")):
        files[f"cases/{path.name}"] = path.read_bytes()
    for case in sorted(CASES):
        for name in ("README.md", "datapackage.json"):
            path = kit / "datasets" / case / name
            if path.is_file():
                files[f"datasets/{case}/{name}"] = path.read_bytes()
    assignments = source_assignments(course)
    for assignment in assignments:
        for name, data in _release_files(course, assignment).items():
            files[f"assignments/{assignment}/{name}"] = data
    files["README.md"] = student_readme(assignments).encode("utf-8")
    return dict(sorted(files.items()))


def student_readme(assignments: list[str]) -> str:
    """The pack's README: how to open it, where to start, how to hand in (中文 first)."""
    listed = "、".join(f"`{a}`" for a in assignments) or "—"
    listed_en = ", ".join(f"`{a}`" for a in assignments) or "none yet"
    return f"""# CRM 案例集 · 学生包 / CRM Casebook · student pack

这个文件夹里是课程的案例、笔记本和作业。/ This folder holds the course's cases, notebooks and
assignments.

## 打开 / Open

- **课程的 JupyterHub / Your course's JupyterHub**：什么都不用装，在 JupyterLab 里打开这个文件夹
  （老师可能已经放好了）。/ nothing to install: open this folder in JupyterLab (your teacher
  may have put it there already).
- **自己的电脑 / Your own computer**（Python 3.11 或更新 / or newer）：安装老师给你的 crmkit
  （一个 `.whl` 文件或一个安装地址），然后在这个文件夹里启动 JupyterLab。/ install the crmkit
  your teacher gives you (a `.whl` file or an address), then start JupyterLab in this folder:

  ```bash
  python -m pip install <老师给的文件或地址 / the file or address from your teacher>
  jupyter lab
  ```

数据随 crmkit 一起安装，不在这个文件夹里：`load("retail_chain", "visits")` 就能读到。/ The data
come installed with crmkit, not in this folder: `load("retail_chain", "visits")` reads them.

## 从哪里开始 / Where to start

1. 打开 [notebooks/00_start_here.ipynb](notebooks/00_start_here.ipynb)：一刻钟学会运行代码、读数据、
   画图和用控件。/ Open [notebooks/00_start_here.ipynb](notebooks/00_start_here.ipynb): fifteen
   minutes to learn to run code, load data, draw a chart and use the widgets.
2. 先读案例（`cases/`），再打开同名笔记本（`notebooks/`）；每张表的字段说明在 `datasets/` 里各案例的
   `README.md`。/ Read a case in `cases/`, then open its notebook in `notebooks/`; every field is
   explained in the case's `README.md` under `datasets/`.
3. 作业在 `assignments/` 里：{listed}。打开作业笔记本，先在最上面的学号框里填上你的学号。/
   The assignments are in `assignments/`: {listed_en}. Open one and type your student id in the
   box at the top first.

## 交作业 / Hand in

交之前：保存，选 **Kernel › Restart Kernel and Run All Cells…**，看每个测试单元格都通过。
然后按老师说的方式交：在 JupyterHub 的作业列表（Assignments）里提交，或者交整个作业文件夹
（笔记本和旁边的 `widget_answers.json`）。/ Before you hand in: save, choose
**Kernel › Restart Kernel and Run All Cells…** and check that every test cell passes. Then hand in
the way your teacher says: submit in the hub's Assignments list, or hand in the whole assignment
folder (the notebook and the `widget_answers.json` beside it).
"""


# Links between the pack's files: markdown links, and paths written as code that name one of the
# pack's folders (an exercise says "see `cases/concepts.md`", a comment `../datasets/x/README.md`)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
PACK_FOLDERS = ("notebooks", "cases", "datasets", "assignments")
PACK_PATH = re.compile(
    r"(?<![\w./-])((?:\.\./)*(?:" + "|".join(PACK_FOLDERS) + r")/[^\s`'\"()\[\]（）<>，,;:]*)"
)


def _texts_with_links(path: str, data: bytes) -> list[str]:
    if path.endswith(".md"):
        return [data.decode("utf-8")]
    if path.endswith(".ipynb"):
        cells = json.loads(data.decode("utf-8")).get("cells", [])
        return ["".join(c.get("source", "")) for c in cells]
    return []


def broken_links(files: Mapping[str, bytes]) -> list[str]:
    """Links and path mentions in the pack's markdown and notebooks that name no file or folder
    of the pack. A link is followed from its file's folder; a path mentioned in the text may also
    be meant from the pack's top folder (an exercise's "see `cases/concepts.md`")."""
    folders = {str(parent) for path in files for parent in PurePosixPath(path).parents}
    broken = []
    for path, data in files.items():
        here = PurePosixPath(path).parent
        for text in _texts_with_links(path, data):
            links = [
                link
                for link in MARKDOWN_LINK.findall(text)
                if "://" not in link and not link.startswith(("#", "mailto:"))
            ]
            mentions = [m for m in PACK_PATH.findall(text) if "<" not in m and "*" not in m]
            for target, from_top in [(t, False) for t in links] + [(m, True) for m in mentions]:
                target = target.split("#")[0].rstrip("/.")
                if not target:
                    continue
                places = [here / target] + ([PurePosixPath(target)] if from_top else [])
                found = [_normal(place) for place in places]
                if not any(p is not None and (p in files or p in folders) for p in found):
                    broken.append(f"{path} -> {target}")
    return sorted(set(broken))


def _normal(path: PurePosixPath) -> str | None:
    """``path`` with ``..`` resolved, or None if it leaves the pack."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


# ---------------------------------------------------------------- writing


def write_folder(files: Mapping[str, bytes], out: Path) -> list[str]:
    """Write ``files`` into ``out`` over an earlier pack; returns the files a student changed
    (or made) there, which are left as they are."""
    manifest = out / MANIFEST
    before = json.loads(manifest.read_text(encoding="utf-8"))["files"] if manifest.is_file() else {}
    kept = []
    for path, recorded in sorted(before.items()):
        target = out / path
        if path not in files and target.is_file() and digest(target.read_bytes()) == recorded:
            target.unlink()
            _remove_empty_parents(target.parent, out)
    for path, data in files.items():
        target = out / path
        if target.is_file():
            current = digest(target.read_bytes())
            if current == digest(data):
                continue
            if current != before.get(path):
                kept.append(path)  # changed since the last build, or never the pack's
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as partial:
            partial.write_bytes(data)
    record = {
        "format": MANIFEST_FORMAT,
        "files": {path: digest(data) for path, data in files.items()},
    }
    manifest.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return kept


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def zip_bytes(files: Mapping[str, bytes], top: str) -> bytes:
    """``files`` as a zip under the folder ``top``: sorted entries, fixed times and modes."""
    folders = sorted(
        {str(parent) for path in files for parent in PurePosixPath(path).parents} - {"."}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.comment = ZIP_COMMENT
        for name in [f"{top}/"] + [f"{top}/{folder}/" for folder in folders]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{path}", ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()


def build_student_pack(
    course: Path,
    out: Path,
    *,
    make_zip: bool = False,
    kit: Path = KIT,
    release_check: Callable[[Path, list[str]], list[str]] = fresh_release,
) -> PackResult:
    """Build the student pack of ``course`` into ``out`` (and ``out``.zip with ``make_zip``).

    ``release_check`` makes the course's release current and names what it regenerated.
    """
    out = out.resolve()
    archive = out.with_name(f"{out.name}.zip") if make_zip else None
    check_target(out, archive)
    check_kit(kit)
    regenerated = release_check(course, source_assignments(course))
    files = pack_files(course, kit)
    leaks = leaks_in_files(files, read_answer_key(course))
    if leaks:
        raise CrmkitError(
            f"学生包里会有答案，什么都没写：{describe(leaks)} / the pack would hold the answer "
            f"key, so nothing was written: {describe(leaks)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    kept = write_folder(files, out)
    if archive is not None:
        with atomic_write(archive) as partial:
            partial.write_bytes(zip_bytes(files, out.name))
    return PackResult(out, files, archive, regenerated, kept, broken_links(files))
