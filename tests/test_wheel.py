"""A built wheel works the way a JupyterHub image uses it: installed (not editable), run elsewhere.

The wheel is built from this checkout without build isolation and installed with ``--no-deps``
into a fresh virtual environment; the kit's dependencies come from this environment through a
``.pth`` line (installing them again from PyPI would only test PyPI). Everything runs from a
folder outside the checkout, so nothing can fall back to the repository's files.

The same wheel is then installed as a student installs it, ``pip install crmkit`` with no extra
and its dependencies from PyPI, into another fresh environment: a case notebook and a released
assignment's public tests run in its kernel, the grader is not there, and ``crmkit course``
says what to install. Last, the grading extra goes into it, and both sizes are printed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from crmkit.datasets import CASES, load

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def purelib(python: Path) -> str:
    """The site-packages folder of the environment whose interpreter is ``python``."""
    return subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The kit's wheel, built once for this module's installs."""
    scratch = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(scratch / "dist"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        cwd=scratch,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    # every folder of the package is declared: no "Package would be ignored" screens at set-up
    assert "would be ignored" not in build.stderr, build.stderr[:3000]
    (built,) = (scratch / "dist").glob("crmkit-*.whl")
    # the build leaves build/ and *.egg-info in the checkout: both are ignored by git
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's python, a working folder outside the checkout)."""
    scratch = tmp_path_factory.mktemp("installed")
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    site = purelib(python)
    # dependencies from this environment, after the fresh site-packages (so crmkit is the wheel's)
    (Path(site) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = scratch / "elsewhere"
    work.mkdir()
    return python, work


def run(installed, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    python, work = installed
    # the dependencies' programs (alembic, which nbgrader runs) live beside them,
    # in this environment
    env = {
        "PATH": f"{python.parent}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
    }
    done = subprocess.run([str(python), *args], capture_output=True, text=True, cwd=work, env=env)
    if check:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def test_the_installed_kit_is_the_wheel_not_the_checkout(installed):
    where = run(
        installed,
        "-c",
        "import crmkit, crmkit.datasets as d; print(crmkit.__file__); print(d.data_dir())",
    )
    package, data = where.stdout.split()
    assert "site-packages" in package and str(REPO) not in package
    assert data.endswith("crmkit/data") and str(REPO) not in data


def test_every_module_of_the_checkout_is_in_the_wheel(installed):
    found = run(
        installed,
        "-c",
        "import crmkit, pkgutil; print(' '.join(sorted(m.name for m in "
        "pkgutil.walk_packages(crmkit.__path__, 'crmkit.'))))",
    )
    import pkgutil

    import crmkit

    here = {m.name for m in pkgutil.walk_packages(crmkit.__path__, "crmkit.")}
    assert set(found.stdout.split()) >= here


def test_every_case_loads_equal_to_the_committed_csvs(installed):
    code = (
        "import json, pandas as pd\nfrom crmkit.datasets import CASES, load\n"
        "print(json.dumps({c: {t: int(pd.util.hash_pandas_object(df, index=False).sum()) "
        "for t, df in load(c).items()} for c in CASES}))"
    )
    digests = json.loads(run(installed, "-c", code).stdout)
    import pandas as pd

    assert set(digests) == set(CASES)
    for case in CASES:
        here = {
            t: int(pd.util.hash_pandas_object(df, index=False).sum())
            for t, df in load(case).items()
        }
        assert digests[case] == here, case


def test_the_shipped_files_are_the_committed_bytes(installed):
    data = Path(
        run(
            installed, "-c", "from crmkit.datasets import data_dir; print(data_dir())"
        ).stdout.strip()
    )
    for case in CASES:
        for committed in sorted((REPO / "datasets" / case).iterdir()):
            assert (data / case / committed.name).read_bytes() == committed.read_bytes(), committed


def test_validate_and_the_data_dictionaries_work_from_the_wheel(installed):
    done = run(installed, "-m", "crmkit", "data", "validate")
    assert done.stdout.count("✓") == len(CASES), done.stdout
    labels = run(
        installed,
        "-c",
        "from crmkit.datasets import labels; print(labels('futures_broker', 'clients', 'status'))",
    )
    assert "现有客户" in labels.stdout


def test_course_commands_work_on_a_course_folder(installed):
    _, work = installed
    course = work / "course"
    course.mkdir()
    shutil.copy2(REPO / "exercises" / "nbgrader_config.py", course)
    shutil.copytree(
        REPO / "exercises" / "source",
        course / "source",
        ignore=shutil.ignore_patterns(
            "widget_answers.json", "student_id.txt", ".ipynb_checkpoints"
        ),
    )
    generated = run(
        installed, "-m", "crmkit", "course", "generate", "--course", str(course), "segmentation"
    )
    assert (
        "✓" in generated.stdout
        and (course / "release" / "segmentation" / "segmentation.ipynb").is_file()
    )
    submitted = course / "submitted" / "ada" / "segmentation"
    shutil.copytree(course / "source" / "segmentation", submitted)
    graded = run(
        installed, "-m", "crmkit", "course", "autograde", "--course", str(course), "--jobs", "1"
    )
    assert "ada" in graded.stdout and "17 / 17" in graded.stdout, graded.stdout
    exported = run(installed, "-m", "crmkit", "course", "export", "--course", str(course))
    assert (course / "grades.csv").is_file(), exported.stdout


def test_the_report_templates_are_in_the_wheel(installed):
    listed = run(
        installed,
        "-c",
        "from crmkit.grading.report.page_templates import environment; "
        "print(' '.join(environment().list_templates()))",
    )
    templates = REPO / "crmkit" / "grading" / "report" / "templates"
    assert set(listed.stdout.split()) == {p.name for p in templates.glob("*.html.j2")}
    rendered = run(
        installed,
        "-c",
        "from crmkit.grading.report.integrity_section import integrity_values; "
        "from crmkit.grading.report.page_templates import render_template; "
        "print(render_template('integrity_section.html.j2', "
        "**integrity_values([], lambda assignment, student: None)))",
    )
    assert "Nothing to look at" in rendered.stdout


def test_the_installed_kit_carries_no_answer_key(installed):
    """Nothing a student can install holds a source notebook or any of the answer key: not what
    their notebooks import, not the data, and not the grader (the demo names the course's vetted
    answers instead of copying them)."""
    from pack_files import files_of_folder

    from crmkit.grading.release.key_leaks import leaks_in_files, read_answer_key

    package = Path(
        run(
            installed, "-c", "import crmkit, os; print(os.path.dirname(crmkit.__file__))"
        ).stdout.strip()
    )
    assert not list(package.rglob("*.ipynb")) and not (package / "exercises").exists()
    files = files_of_folder(package)
    assert {"course/answers.py", "datasets/__init__.py", "data/online_shop/README.md"} <= set(files)
    leaks = leaks_in_files(files, read_answer_key(REPO / "exercises"))
    # the package's own docs name nbgrader's delimiters (course/answers.py explains them); any
    # line of a solution, hidden test or answer key counts, and so does a delimiter in the data
    assert [
        leak for leak in leaks if not (leak.path.endswith(".py") and "delimiter" in leak.what)
    ] == []


def test_a_student_pack_notebook_runs_on_the_installed_kit(installed, tmp_path):
    """The pack has no CSVs: its notebooks read the data installed with the kit (the start-here
    notebook reads a folder of the kit's data too)."""
    from crmkit.grading.release.student_pack import pack_files, write_folder

    pack = tmp_path / "pack"
    pack.mkdir()
    write_folder(pack_files(REPO / "exercises"), pack)
    notebook = pack / "notebooks" / "00_start_here.ipynb"
    code = (
        "import sys, nbformat\nfrom nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=300, kernel_name='python3',"
        " resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "print('ran', len(nb.cells), 'cells')"
    )
    done = run(installed, "-c", code, str(notebook), str(notebook.parent))
    assert "ran" in done.stdout


# ------------------------------------------------------------------ a student's plain install
# `pip install crmkit` with no extra, its dependencies from PyPI as a student's laptop gets them:
# the case notebooks and a released assignment work, and none of the grader is there.

GRADING_MODULES = ("nbgrader", "psycopg", "copydetect", "nh3", "latex2mathml")
CASE_NOTEBOOK = REPO / "notebooks" / "04_retail_chain.ipynb"  # widgets, bqplot and matplotlib
ASSIGNMENT = "segmentation"
STUDENT = "2023012"


def site_packages_mb(python: Path) -> int:
    du = subprocess.run(["du", "-sm", purelib(python)], capture_output=True, text=True, check=True)
    return int(du.stdout.split()[0])


@pytest.fixture(scope="module")
def bare(wheel, tmp_path_factory) -> dict:
    """A fresh environment with ``pip install <the wheel>`` and nothing else: its python, a
    working folder, and (measured before anything else is installed in it) its size and which
    grading modules it can import."""
    scratch = tmp_path_factory.mktemp("bare")
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr[-3000:]
    work = scratch / "elsewhere"
    work.mkdir()
    found = run_bare(
        (python, work),
        "-c",
        "import importlib.util, sys\n"
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))",
        *GRADING_MODULES,
    )
    return {
        "python": python,
        "work": work,
        "size_mb": site_packages_mb(python),
        "grading_found": found.stdout.split(),
    }


def run_bare(installed, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the bare environment's python with only its own programs on PATH."""
    python, work = installed
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    done = subprocess.run([str(python), *args], capture_output=True, text=True, cwd=work, env=env)
    if check:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


# Runs a notebook in the bare environment's own kernel, writes it back with its outputs, and
# prints, as JSON, that kernel's sys.prefix and the grading modules it could import.
EXECUTE = """
import json, os, sys, nbformat
from nbclient import NotebookClient
path, modules = sys.argv[1], sys.argv[2:]
nb = nbformat.read(path, as_version=4)
probe = "import importlib.util, json, sys\\n"
probe += "print(json.dumps([sys.prefix, [m for m in %r if importlib.util.find_spec(m)]]))" % (
    modules,
)
nb.cells.append(nbformat.v4.new_code_cell(probe))
folder = {"metadata": {"path": os.path.dirname(path)}}
client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, resources=folder)
client.execute()
nbformat.write(nb, path)
print(nb.cells[-1].outputs[0]["text"].strip())
"""


def execute_in_bare(bare: dict, notebook: Path) -> tuple[nbformat.NotebookNode, str, list[str]]:
    """``notebook`` run in the bare environment's kernel; and that kernel's sys.prefix and the
    grading modules it could import."""
    done = run_bare((bare["python"], bare["work"]), "-c", EXECUTE, str(notebook), *GRADING_MODULES)
    prefix, found = json.loads(done.stdout.strip().splitlines()[-1])
    return nbformat.read(notebook, as_version=4), prefix, found


def errors(cell) -> list[str]:
    return [
        f"{out['ename']}: {out['evalue']}"
        for out in cell.get("outputs", [])
        if out["output_type"] == "error"
    ]


def test_a_plain_install_has_none_of_the_grader(bare):
    assert bare["grading_found"] == []
    done = run_bare((bare["python"], bare["work"]), "-c", "import nbgrader", check=False)
    assert done.returncode != 0 and "No module named 'nbgrader'" in done.stderr


def test_a_case_notebook_runs_on_a_plain_install(bare):
    notebook = bare["work"] / CASE_NOTEBOOK.name
    shutil.copy2(CASE_NOTEBOOK, notebook)
    ran, prefix, found = execute_in_bare(bare, notebook)
    assert Path(prefix) == bare["python"].parent.parent  # the bare environment's own kernel
    assert found == []
    failed = {i: errors(cell) for i, cell in enumerate(ran.cells) if errors(cell)}
    assert failed == {}
    assert sum(cell.cell_type == "code" and bool(cell.outputs) for cell in ran.cells) > 10


def solved_release(assignment: str) -> nbformat.NotebookNode:
    """The released notebook as a student who did the work hands it in: each answer cell holds
    the published solution (exercises/source/) in place of ``raise NotImplementedError()``;
    the public test cells are the release's own."""
    release = nbformat.read(
        REPO / "exercises" / "release" / assignment / f"{assignment}.ipynb", as_version=4
    )
    source = nbformat.read(
        REPO / "exercises" / "source" / assignment / f"{assignment}.ipynb", as_version=4
    )
    solutions = {}
    for cell in source.cells:
        if cell.cell_type != "code":
            continue  # written answers are graded by hand
        found = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", cell.source, re.S)
        if found:
            solutions[cell.metadata["nbgrader"]["grade_id"]] = found
    replaced = 0
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in solutions:
            blank = "# 在这里写代码 / YOUR CODE HERE\nraise NotImplementedError()\n"
            assert blank in cell.source, grade_id
            cell.source = cell.source.replace(blank, solutions[grade_id].group(1))
            replaced += 1
    assert replaced == len(solutions) > 0
    return release


def test_a_released_assignment_passes_its_public_tests_on_a_plain_install(bare):
    """A student's kernel with no grader runs the release notebook; with the published solutions
    in its answer cells every public test of a code task passes. The widget tasks' tests fail
    only because nobody moved the sliders: they can fail, and they run."""
    folder = bare["work"] / ASSIGNMENT
    folder.mkdir()
    (folder / "student_id.txt").write_text(f"{STUDENT}\n", encoding="utf-8")
    notebook = folder / f"{ASSIGNMENT}.ipynb"
    nbformat.write(solved_release(ASSIGNMENT), notebook)
    ran, prefix, found = execute_in_bare(bare, notebook)
    assert Path(prefix) == bare["python"].parent.parent and found == []
    tests = [c for c in ran.cells if c.metadata.get("nbgrader", {}).get("grade")]
    widget_tests = [c for c in tests if c.source.startswith("#| widgets:")]
    code_tests = [c for c in tests if c not in widget_tests]
    assert len(code_tests) >= 5 and widget_tests
    failed = {
        c.metadata.get("nbgrader", {}).get("grade_id", i): errors(c)
        for i, c in enumerate(ran.cells)
        if errors(c) and c not in widget_tests
    }
    assert failed == {}
    for cell in widget_tests:
        assert errors(cell) and all("未作答" in e for e in errors(cell)), errors(cell)


def test_grading_commands_on_a_plain_install_say_what_to_install(bare):
    installed = (bare["python"], bare["work"])
    crmkit = str(bare["python"].parent / "crmkit")
    for args in (["course", "autograde"], ["course", "--help"], ["course", "report", "x"]):
        done = subprocess.run(
            [crmkit, *args],
            capture_output=True,
            text=True,
            cwd=bare["work"],
            env={"PATH": f"{bare['python'].parent}:/usr/bin:/bin", "HOME": str(bare["work"])},
        )
        assert done.returncode != 0, args
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines() == [
            'crmkit: 这是教师的评分命令，需要先安装评分工具：pip install "crmkit[grading]" / '
            "This is an instructor's grading command; install the grading tools first: "
            'pip install "crmkit[grading]"'
        ], args
    # the student's own command works
    assert "✓" in run_bare(installed, "-m", "crmkit", "data", "validate").stdout


def test_the_grading_extra_adds_the_grader(bare, wheel, capsys):
    """Runs last: installs the extra into the plain environment (its size was measured first)
    and prints both sizes."""
    python = bare["python"]
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"crmkit[grading] @ {wheel.as_uri()}"],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    found = run_bare(
        (python, bare["work"]),
        "-c",
        "import importlib.util, sys\n"
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))",
        *GRADING_MODULES,
    )
    assert found.stdout.split() == list(GRADING_MODULES)
    helped = run_bare((python, bare["work"]), "-m", "crmkit", "course", "--help")
    assert "autograde" in helped.stdout
    with capsys.disabled():
        print(
            f"\nsite-packages: pip install crmkit {bare['size_mb']} MB; "
            f"crmkit[grading] {site_packages_mb(python)} MB"
        )
