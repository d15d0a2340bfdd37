"""Finding a course's answer key in what students can open: files, a zip, a website.

The key is what nbgrader and the kit take out of the student version of an assignment: the
``### BEGIN SOLUTION``, ``### BEGIN HIDDEN TESTS`` and ``### BEGIN ANSWER KEY`` regions of the
source notebooks (and whole solution cells written without delimiters). Text leaks the key when
it holds one of those delimiters, or the text of a region: two of the region's distinctive lines
(or its only one). A distinctive line is at least :data:`MIN_LINE` characters long without its
spaces and appears in no line of the source outside the regions, so the starter code and public
tests students are given anyway never count. One shared line is not enough on purpose: a case
notebook may well draw a chart with ``fig, ax = plt.subplots(figsize=(8, 4))`` as a solution
does; a pasted solution or hidden test shares many lines.

Text is compared with all white space removed, after decoding what a file holds: the strings of
a JSON file (a notebook's cells and outputs, without its images), the text of an HTML page
(tags dropped, entities decoded), or the file as it is.

:mod:`.student_pack` runs this on every pack before writing it; the tests run it on the pack,
its zip, the website and the student's JupyterLab.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

KINDS = ("SOLUTION", "HIDDEN TESTS", "ANSWER KEY")
DELIMITER = re.compile(r"###\s*(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS|ANSWER KEY)")
# the same, once white space is gone
SQUEEZED_DELIMITER = re.compile(r"###(?:BEGIN|END)(?:SOLUTION|HIDDENTESTS|ANSWERKEY)")
MIN_LINE = 24
SPACE = re.compile(r"\s+")
TAG = re.compile(r"<[^>]*>")
# base64 runs (images): no code line is made of these characters only, and skipping them keeps
# the search fast
BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{200,}")


def squeeze(text: str) -> str:
    """``text`` without white space: how lines and files are compared."""
    return SPACE.sub("", text)


@dataclass(frozen=True)
class Region:
    """One solution, hidden-test or answer-key region of a source notebook."""

    where: str  # "segmentation.ipynb, rfm_answer"
    kind: str  # one of KINDS
    lines: tuple[str, ...]  # its distinctive lines, squeezed
    text: tuple[str, ...]  # the same lines as written, for messages


@dataclass(frozen=True)
class AnswerKey:
    """The regions of a course's source notebooks."""

    regions: tuple[Region, ...]


@dataclass(frozen=True)
class Leak:
    """A file that holds part of the answer key, and what it holds."""

    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def _cell_text(cell: Mapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _regions_of_cell(cell: Mapping) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """(kind, lines) of each region of ``cell``, and the lines outside them."""
    lines = _cell_text(cell).splitlines()
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    if nbgrader.get("solution") and not any(DELIMITER.search(line) for line in lines):
        return [("SOLUTION", lines)], []  # nbgrader replaces such a cell by the stub as a whole
    regions: list[tuple[str, list[str]]] = []
    outside: list[str] = []
    current: list[str] | None = None
    for line in lines:
        found = DELIMITER.search(line)
        if found and found.group(1) == "BEGIN":
            current = []
            regions.append((found.group(2), current))
        elif found:
            current = None
        elif current is not None:
            current.append(line)
        else:
            outside.append(line)
    return regions, outside


def answer_key_of(notebooks: Mapping[str, Mapping]) -> AnswerKey:
    """The answer key in ``notebooks`` (name -> notebook as parsed JSON)."""
    found: list[tuple[str, str, list[str]]] = []
    public: list[str] = []
    for name, notebook in sorted(notebooks.items()):
        for index, cell in enumerate(notebook.get("cells", [])):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            regions, outside = _regions_of_cell(cell)
            public += [squeeze(line) for line in outside]
            found += [
                (f"{name}, {grade_id or f'cell {index + 1}'}", kind, lines)
                for kind, lines in regions
            ]
    public_text = "\n".join(public)
    key_regions: list[Region] = []
    for where, kind, lines in found:
        kept: dict[str, str] = {}
        for line in lines:
            squeezed = squeeze(line)
            if len(squeezed) >= MIN_LINE and squeezed not in public_text:
                kept.setdefault(squeezed, line.strip())
        key_regions.append(Region(where, kind, tuple(kept), tuple(kept.values())))
    return AnswerKey(tuple(key_regions))


def read_answer_key(course: Path) -> AnswerKey:
    """The answer key of the nbgrader course in ``course`` (its ``source/*/*.ipynb``)."""
    notebooks = {
        str(path.relative_to(course / "source")): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((course / "source").glob("*/*.ipynb"))
    }
    return answer_key_of(notebooks)


def _json_strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for item in value:
            _json_strings(item, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("image/"):
                _json_strings(item, out)


def readable_text(name: str, data: bytes) -> str | None:
    """What a person reads in the file ``name`` holding ``data``, or None for a binary file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    suffix = Path(name).suffix.lower()
    if suffix in (".ipynb", ".json"):
        try:
            strings: list[str] = []
            _json_strings(json.loads(text), strings)
            text = "".join(strings)
        except ValueError:
            pass  # not JSON after all: read it as it is
    elif suffix in (".html", ".htm"):
        text = html.unescape(TAG.sub("", text))
    return BASE64_RUN.sub("", text)


def leaks_in_text(text: str, key: AnswerKey) -> list[str]:
    """What of ``key`` the text holds, one line per finding (empty when nothing)."""
    squeezed = squeeze(text)
    found = sorted({f"a delimiter {match}" for match in SQUEEZED_DELIMITER.findall(squeezed)})
    for region in key.regions:
        hits = [
            (line, shown)
            for line, shown in zip(region.lines, region.text, strict=True)
            if line in squeezed
        ]
        if hits and len(hits) >= min(2, len(region.lines)):
            found.append(
                f"{len(hits)} line(s) of the {region.kind.lower()} of {region.where}, "
                f"e.g. {hits[0][1][:80]!r}"
            )
    return found


def leaks_in_files(files: Mapping[str, bytes], key: AnswerKey) -> list[Leak]:
    """The leaks in ``files`` (path -> content)."""
    leaks = []
    for path in sorted(files):
        text = readable_text(path, files[path])
        if text is not None:
            leaks += [Leak(path, what) for what in leaks_in_text(text, key)]
    return leaks


def describe(leaks: Iterable[Leak], limit: int = 3) -> str:
    """The first few leaks on one line."""
    leaks = list(leaks)
    shown = "; ".join(str(leak) for leak in leaks[:limit])
    return shown + (f"; … ({len(leaks)} in all)" if len(leaks) > limit else "")
