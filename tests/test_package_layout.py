"""The package's two sides stay apart, and every name means one thing.

``crmkit.course`` is what assignment notebooks and grading kernels import; ``crmkit.grading`` is
what only the instructor's process runs. The student side must never reach into the grader:
a kernel would carry the grader's code (and nbgrader) for no reason, and a student could read
how grading works from what their notebook imported.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "crmkit"
STUDENT_SIDE = PACKAGE / "course"


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved), its module
    name being its path below ``root``."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found |= {f"{name}.{alias.name}" for alias in node.names}
    return found


def test_the_student_side_never_imports_the_grader():
    for path in sorted(STUDENT_SIDE.rglob("*.py")):
        reaching = sorted(
            m for m in imported_modules(path) if m.startswith(("crmkit.grading", "nbgrader"))
        )
        assert not reaching, f"{path.relative_to(PACKAGE)} imports {reaching}"


def test_the_import_check_sees_a_relative_import_into_the_grader(tmp_path):
    """The scan resolves ``from ..grading import x``; without that it could never fail. The
    probe sits where a student-side module would, in a copy of the layout under ``tmp_path``."""
    probe = tmp_path / STUDENT_SIDE.relative_to(PACKAGE.parent) / "_probe_for_layout_test.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "from ..grading import autograde\nfrom .answers import ANSWERS_FILE\n", encoding="utf-8"
    )
    found = imported_modules(probe, root=tmp_path)
    assert "crmkit.grading.autograde" in found
    assert "crmkit.course.answers" in found


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
    "folder", ["course", "grading", "grading/preprocessors", "grading/report", "datasets"]
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
