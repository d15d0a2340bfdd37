"""The package's two sides stay apart, and every name means one thing.

``crmkit.course`` is what assignment notebooks and grading kernels import; ``crmkit.grading`` is
what only the instructor's process runs. The student side must never reach into the grader:
a kernel would carry the grader's code (and nbgrader) for no reason, and a student could read
how grading works from what their notebook imported. That rule, the datasets standing below
both sides, and the grader's rooms importing one way down to the sandbox, are import-linter
contracts in pyproject.toml (static: every import, direct or through another module); importing
the student side here checks what a kernel really loads.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "crmkit"


REPO = PACKAGE.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts in ``project``'s pyproject.toml, over the ``crmkit`` there."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
    )


def contracts() -> dict[str, dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_the_import_contracts_are_kept():
    """The student side never imports the grader or nbgrader; the datasets import neither side
    (``[tool.importlinter]`` in pyproject.toml, also run by ``make lint``)."""
    student_side = set(contracts()["student-side"]["source_modules"])
    # what README's package table gives students' notebooks and grading kernels
    assert {
        "crmkit.course",
        "crmkit.datasets",
        "crmkit.widgets",
        "crmkit.charts",
        "crmkit.plotting",
    } <= student_side
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in done.stdout, done.stdout


# A module added to a copy of the package, and the contracts it must break.
VIOLATIONS = {
    # a relative import straight into the grader
    "course/_layout_probe.py": ("from ..grading.run import autograde\n", {"student-side"}),
    # nbgrader reached indirectly: crmkit.course (and the grading sandbox) import crmkit.errors,
    # which would import it
    "errors.py": (
        "\n\ndef _layout_probe():\n    import nbgrader  # noqa: F401\n",
        {"student-side", "sandbox"},
    ),
    # the datasets reaching up into the student side
    "datasets/_layout_probe.py": ("from ..course import answers\n", {"datasets"}),
    # the sandbox reaching up into the grading run that stands on it
    "grading/sandbox/_layout_probe.py": ("from ..run import timings\n", {"grading-rooms"}),
    # the sandbox reaching sideways into the gradebook
    "grading/sandbox/_layout_probe2.py": ("from .. import gradebook\n", {"sandbox"}),
}


@pytest.mark.parametrize("path", sorted(VIOLATIONS))
def test_the_import_contracts_break_on_a_forbidden_import(tmp_path, path):
    """The contracts can fail: on a copy of the package with one forbidden import added, the
    contracts it breaks are reported broken, naming the import, and lint-imports exits non-zero."""
    shutil.copytree(PACKAGE, tmp_path / "crmkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path)
    code, broken = VIOLATIONS[path]
    with (tmp_path / "crmkit" / path).open("a", encoding="utf-8") as module:
        module.write(code)
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout + done.stderr
    for contract in broken:
        assert f"{contracts()[contract]['name']} BROKEN" in done.stdout, done.stdout
    assert f"{len(broken)} broken" in done.stdout, done.stdout
    probe = "crmkit." + path.removesuffix(".py").replace("/", ".")
    assert probe in done.stdout, done.stdout


def test_importing_the_student_side_loads_no_grader_and_no_nbgrader():
    code = (
        "import sys, crmkit.course, crmkit.datasets, crmkit.widgets\n"
        "print(' '.join(sorted(m for m in sys.modules "
        "if m.startswith(('crmkit.grading', 'nbgrader')))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_every_package_says_what_it_is():
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, (
            f"{init.relative_to(PACKAGE.parent)} has no docstring worth reading"
        )


# Names several modules define on purpose: ``main`` of a module run with ``python -m``, and
# ``generate``, the function each case module provides and crmkit.datasets calls.
PROTOCOL_NAMES = {"main": None, "generate": PACKAGE / "datasets"}


def test_one_public_function_per_name():
    defined = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef
            ) and not node.name.startswith("_"):
                defined[node.name].append(path)
    for name, paths in defined.items():
        if name in PROTOCOL_NAMES:
            folder = PROTOCOL_NAMES[name]
            assert folder is None or all(folder in p.parents for p in paths), (name, paths)
            continue
        assert len(paths) == 1, (
            f"{name} is defined in {[str(p.relative_to(PACKAGE)) for p in paths]}"
        )


@pytest.mark.parametrize(
    "folder",
    ["course", "datasets", "grading"]
    + [
        f"grading/{room.name}"
        for room in sorted((PACKAGE / "grading").iterdir())
        if (room / "__init__.py").is_file()
    ],
)
def test_readme_maps_each_package(folder):
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    assert f"crmkit/{folder}/" in readme


# What an assignment notebook calls on the student side, recording every file Python opens.
STUDENT_SIDE_CALLS = """
import json, sys, tempfile
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from crmkit import course
from crmkit.datasets import load, labels
import crmkit.plotting, crmkit.widgets
folder = tempfile.mkdtemp()
student = "2023001"
course.tickets_for(student); course.step_options(student)
course.shop_customers_for(student); course.tier_options(student); course.service_options(student)
course.shopper_stories_for(student); course.measure_options(student)
course.read_answers(folder); course.student_id_box(folder)
load("online_shop", "orders", student=student); labels("online_shop", "orders", "status")
for path in sys.argv[1:]:  # a probe, to show the recording works
    open(path).close()
print(json.dumps(opened))
"""


def files_the_student_side_opens(*probe: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", STUDENT_SIDE_CALLS, *map(str, probe)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_student_side_never_opens_the_course_source():
    """Nothing a student's notebook imports reads exercises/ (where the answer key is): the
    tasks' texts and options live in the package, their answers only in the hidden tests."""
    course = PACKAGE.parent / "exercises"
    opened = files_the_student_side_opens()
    assert len(opened) > 10  # imports and data were read, and recorded
    assert not [p for p in opened if Path(p).is_relative_to(course) or p.endswith(".ipynb")]
    probe = course / "source" / "loyalty" / "loyalty.ipynb"
    assert str(probe) in files_the_student_side_opens(probe)
