"""A built wheel works the way a JupyterHub image uses it: installed (not editable), run elsewhere.

The wheel is built from this checkout without build isolation and installed with ``--no-deps``
into a fresh virtual environment; the kit's dependencies come from this environment through a
``.pth`` line (installing them again from PyPI would only test PyPI). Everything runs from a
folder outside the checkout, so nothing can fall back to the repository's files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from crmkit.datasets import CASES, load

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's python, a working folder outside the checkout)."""
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
    (wheel,) = (scratch / "dist").glob("crmkit-*.whl")
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # dependencies from this environment, after the fresh site-packages (so crmkit is the wheel's)
    (Path(site) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = scratch / "elsewhere"
    work.mkdir()
    # the build leaves build/ and *.egg-info in the checkout: both are ignored by git
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
        "from crmkit.grading.report.integrity_section import integrity_html; "
        "print(integrity_html([], lambda assignment, student: None))",
    )
    assert "Nothing to look at" in rendered.stdout


def test_the_installed_kit_carries_no_answer_key(installed):
    """Nothing a student can install holds a source notebook or any of the answer key: not what
    their notebooks import, not the data, and not the grader (the demo names the course's vetted
    answers instead of copying them)."""
    from crmkit.grading.key_leaks import files_of_folder, leaks_in_files, read_answer_key

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
    from crmkit.grading.student_pack import pack_files, write_folder

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
