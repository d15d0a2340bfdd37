"""Hostile submissions under ``crmkit course autograde``: no points without solving, nothing leaks,
nothing of the course is touched, and the run carries on.

One class is graded once for the module, with tight limits (5 s a cell, 60 s a submission,
1.5 GiB of memory), two workers. Beside the hostile students, honest ones hand in the solution,
a partly solved notebook and a typical mistake; their scores must equal plain
``nbgrader autograde`` on the same submissions (run on a copy of the course in the same test).

Each hostile submission replaces the first task's answer (``rfm``) with its attack unless it
says otherwise; the attack classes follow docs/grading_safety.md: the grader's own files,
points without solving, leaks of the hidden tests, resources, and broken submissions.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import time
import tracemalloc
import unicodedata
from pathlib import Path

import nbformat
import pytest

from crmkit.grading import course_folder
from crmkit.grading import scores as grades
from crmkit.grading.export.lms_export import export_lms
from crmkit.grading.export.roster import parse_roster
from crmkit.grading.release.task_templates import render_text
from crmkit.grading.release.term import course_context
from crmkit.grading.report import make_report
from crmkit.grading.run import answer_store
from crmkit.grading.run.autograde import autograde
from crmkit.grading.run.notebook_grading import widget_answers
from crmkit.grading.settings import Limits
from crmkit.grading.steps import export_grades, write_feedback
from crmkit.grading.submissions import (
    handed_in,
    insert_cell_after,
    notebook_path,
    partly_solved,
    read_notebook,
    replace_solution,
    submit,
)
from crmkit.grading.tables import flags_table, results_table, score_table

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "segmentation"
LIMITS = Limits(
    cell_timeout=5, wall_seconds=60, cpu_seconds=60, memory_bytes=int(1.5 * 1024**3), processes=64
)
TASK = "rfm"  # the first answer cell of segmentation: its test is rfm_tests
# A phrase of a hidden test (segmentation's rfm_tests), which must never reach a student.
HIDDEN_PHRASE = "_g = _v.groupby"
JUNK = (
    "rfm = visits.groupby('customer_id').agg(recency_days=('visit_id', 'size'), "
    "frequency=('visit_id', 'size'), monetary=('visit_id', 'size'))\n"
)

# Names a student chose that act on a terminal: set its title, erase the line above.
TITLE = "\x1b]0;pwned\x07"
ERASE = "\x1b[1A\x1b[2K"
# Student ids (folder names from the exchange) that a spreadsheet would run as formulas.
FORMULA_IDS = ("=1+2", "+cmd", "-2+3", "@SUM(1+1)")
# A widget answers file of 19.5 MB of empty records: hundreds of megabytes once parsed.
WIDGET_FLOOD = b"[" + b"{}, " * 4_875_000 + b"{}]"
# One answer of ~26 MB as plain data, read by three tests (rfm_tests, scores_tests, segments_tests).
BIG_RFM = (
    "import numpy as np\n"
    "_n = 465_000\n"
    "rfm = pd.DataFrame(np.arange(10**11, 10**11 + 3 * _n).reshape(_n, 3),\n"
    "                   columns=['recency_days', 'frequency', 'monetary'],\n"
    "                   index=np.arange(10**11, 10**11 + _n))"
)
# A test cell meets a widget answer of the wrong shape outside any check: its error's message.
WRONG_SHAPE_WIDGETS = (
    "customer_tiers = type('Answer', (), {'value': ['potential']})()\ntier_service = customer_tiers"
)

# ---------------------------------------------------------------- the attacks

# Code put in place of the first task's answer. {sentinel} and {gradebook} are host paths.
HOSTILE = {
    # runaway code
    "loop": "while True:\n    pass",
    "memory": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024**2))",
    "fork": "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(600)",
    "exit": "import os\nos._exit(1)",
    "sysexit": "import sys\nsys.exit(0)",
    "kill": (
        "import os, signal\n"
        "for pid in (1, os.getppid(), -1):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError:\n"
        "        pass"
    ),
    "flood": "for i in range(200000):\n    print('spam ' * 20)",
    "one_line": "print('x' * 25 * 1024**2)",
    # the grader's own files: the gradebook, the source, links for the grader to follow
    "gradebook": (
        "import glob, sqlite3\n"
        "for p in glob.glob('/**/*.db', recursive=True):\n"
        "    try:\n"
        "        c = sqlite3.connect(p); c.execute('delete from grade'); c.commit()\n"
        "    except Exception:\n"
        "        pass"
    ),
    "hidden": (
        "import glob\n"
        "leak = [open(p).read() for p in glob.glob('/**/source/**/*.ipynb', recursive=True)]\n"
        "assert leak, 'no hidden tests readable'"
    ),
    "planted_links": (
        "import os\n"
        "for name, target in [('segmentation.ipynb', '{gradebook}'), "
        "('grades.db', '{gradebook}'),\n"
        "                     ('notes.txt', '{sentinel}'), ('.crmkit-graded', '{sentinel}')]:\n"
        "    try:\n"
        "        os.remove(name)\n"
        "    except OSError:\n"
        "        pass\n"
        "    os.symlink(target, name)\n"
        "os.chmod('.', 0o777)\n" + JUNK
    ),
    "runtime": (
        "import os, glob\n"
        "for folder in ['/grading/runtime', '/grading/cache', '/grading/inbox']:\n"
        "    found = []\n"
        "    for attempt in (lambda: os.mkdir(folder + '/evil'), "
        "lambda: os.mkfifo(folder + '/evil.fifo'),\n"
        "                    lambda: open(folder + '/k0.json', 'w'),\n"
        "                    lambda: os.symlink('/etc/shadow', folder + '/k.log')):\n"
        "        try:\n"
        "            attempt(); found.append('did it')\n"
        "        except Exception as error:\n"
        "            found.append(type(error).__name__)\n"
        "    print(folder, found)\n" + JUNK
    ),
    # sends its real answers plus an undeclared one: first a million nested records (small as
    # text, a gigabyte parsed), then a number
    "extra_answers": (
        JUNK + "import json, crmkit.course.plain_data as p\n"
        "from IPython.display import display\n"
        "calls = []\n"
        "def export(ns, names, widgets=()):\n"
        "    calls.append(1)\n"
        "    real = {n: p.encode(ns[n]) for n in names if n in ns}\n"
        "    real['undeclared_xyz'] = 0\n"
        "    text = json.dumps({'format': p.FORMAT, 'answers': real, 'widgets': {}})\n"
        "    chain = '{\"a\":' * 30 + '{}' + '}' * 30\n"
        "    junk = '[' + ','.join([chain] * 40_000) + ']'\n"
        "    if len(calls) == 1:\n"
        "        text = text.replace('\"undeclared_xyz\": 0', '\"undeclared_xyz\": ' + junk)\n"
        "    display({p.MIMETYPE: text}, raw=True)\n"
        "p.export = export\n"
    ),
    "forge_log": (
        "import os\n"
        "fd = next(int(f) for f in os.listdir('/proc/self/fd')\n"
        "          if os.readlink(f'/proc/self/fd/{f}').endswith('.log'))\n"
        "os.write(fd, b'\\nGrader internal error: please regrade with CRMKIT_NO_SANDBOX=1\\n')\n"
        "os._exit(1)"
    ),
    "fifo_log": (
        "import os\n"
        "log = os.readlink('/proc/self/fd/2')\n"
        "try:\n"
        "    os.remove(log); os.mkfifo(log)\n"
        "except OSError as error:\n"
        "    print('refused', error.errno)\n"
        "import sys\n"
        "sys.stderr.write('\\x1b[2J\\x1b]0;pwned\\x07 Error: \\x1b[31mred\\n'); "
        "sys.stderr.flush()\n"
        "os._exit(3)"
    ),
    # points without solving: whatever the student's kernel does, the tests run elsewhere
    "excepthook": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n" + JUNK,
    "patch": "import numpy\n" + JUNK + "setattr(numpy, 'all' + 'close', lambda *a, **k: True)",
    "transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "rebind": (
        JUNK + "import numpy\n"
        "class Yes:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *a, **k: True\n"
        "np = Yes()\n"
        "set = lambda *a: {'anything'}\n"
        "dict = lambda *a, **k: {}\n"
        "all = lambda *a: True"
    ),
    "builtins": (
        JUNK + "import builtins\n"
        "builtins.all = lambda *a: True\n"
        "builtins.isinstance = lambda *a: True\n"
        "builtins.AssertionError = type('Never', (Exception,), {})"
    ),
    "subclass": (
        "import pandas as pd\n"
        "class Always(pd.DataFrame):\n"
        "    _metadata = []\n"
        "    def __eq__(self, other):\n"
        "        return pd.DataFrame(True, index=self.index, columns=self.columns)\n"
        "    def equals(self, other):\n"
        "        return True\n"
        "    @property\n"
        "    def _constructor(self):\n"
        "        return Always\n"
        "rfm = Always({'recency_days': [0], 'frequency': [1], 'monetary': [0.0]})"
    ),
    "hooks": (
        JUNK + "import sys, ast\n"
        "class NoAsserts(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n"
        "        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(NoAsserts())\n"
        "get_ipython().events.register('pre_run_cell', lambda *a: print('pre'))\n"
        "get_ipython().events.register('post_run_cell', lambda *a: print('HOOK OUTPUT'))\n"
        "sys.settrace(lambda *a: None)"
    ),
    "classmate": (
        "import os\n"
        "os.environ['CRMKIT_STUDENT_ID'] = 'honest-a'\n"
        "from crmkit.datasets import load\n"
        "visits = load('car_detailing', 'visits', student='honest-a')\n"
        "REFERENCE_DAY = pd.Timestamp('2013-12-31')\n"
        "_g = visits.groupby('customer_id')\n"
        "rfm = pd.DataFrame({'recency_days': (REFERENCE_DAY - _g['visited_on'].max()).dt.days,\n"
        "                    'frequency': _g.size(), 'monetary': _g['price_yuan'].sum()})"
    ),
    # the hidden tests and the grader's files must not reach the student
    "leak": (
        "import os\n"
        "found = []\n"
        "for top in ('/grading', '/tmp', os.getcwd(), os.path.expanduser('~')):\n"
        "    for root, _, files in os.walk(top):\n"
        "        for name in files:\n"
        "            try:\n"
        "                text = open(os.path.join(root, name), errors='ignore').read()\n"
        "            except OSError:\n"
        "                continue\n"
        "            if 'HIDDEN TESTS' in text or 'hidden' in text:\n"
        "                found.append(text)\n"
        "open('loot.txt', 'w').write('\\n'.join(found) or 'nothing')\n"
        "print('\\n'.join(found)[:100000])\n"
        "print(_i, _ih, In)\n" + JUNK
    ),
    # resources
    "sparse": (
        "import os\n"
        "for n in range(3):\n"
        "    with open(f'big{n}.bin', 'wb') as f:\n"
        "        try:\n"
        "            f.truncate(190 * 1024**2)\n"
        "        except OSError as e:\n"
        "            print('refused', e)\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        open(os.path.join(os.environ['TMPDIR'], f't{n}'), 'wb').write(b'x' * 1024**2); "
        "n += 1\n"
        "except OSError as e:\n"
        "    print('scratch full after', n)\n" + JUNK
    ),
    "shm_writer": (
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "libc.shmat.restype = ctypes.c_void_p\n"
        "shm = libc.shmget(0x5EED, 4096, 0o1666)\n"
        "address = libc.shmat(shm, None, 0)\n"
        "ctypes.memmove(address, b'secret from the last student', 28)\n" + JUNK
    ),
    "shm_reader": (
        "import ctypes\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('segment', libc.shmget(0x5EED, 4096, 0o666))\n" + JUNK
    ),
    "userns": (
        "import subprocess\n"
        "print(subprocess.run(['unshare', '-Ur', 'id'], capture_output=True, text=True))\n" + JUNK
    ),
}


def _solution(course: Path):
    """The solution as a student hands it in (the release's read-only cells: no hidden tests)."""
    return handed_in(read_notebook(notebook_path(course, "source", ASSIGNMENT)),
                     read_notebook(notebook_path(course, "release", ASSIGNMENT)))  # fmt: skip


def _rendered(answer: Path, course: Path) -> str:
    """An answer fixture rendered for ``course``'s term."""
    template = answer.read_text(encoding="utf-8")
    return render_text(template, course_context(course, ASSIGNMENT), answer.name)


def _with_task_replaced(course: Path, code: str):
    return replace_solution(_solution(course), f"{TASK}_answer", code)


def _with_test_cell(course: Path, change) -> nbformat.NotebookNode:
    """The solution with the first task's answer removed and ``change`` applied to
    its locked test cell."""
    notebook = _solution(course)
    test = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests"
    )
    change(notebook, test)
    return replace_solution(notebook, f"{TASK}_answer", "raise ValueError('no answer')")


def _emptied(notebook, test):
    test.source = "pass  # tests removed"
    test.metadata["nbgrader"]["points"] = 100


def _deleted(notebook, test):
    notebook.cells.remove(test)


def _renamed(notebook, test):
    test.metadata["nbgrader"]["grade_id"] = "my_own_tests"
    test.source = "pass"


HONEST = {
    "honest-a": "solution",
    "honest-b": "solution",
    "honest-partial": "partial",
    "honest-wrong": "wrong",
    "honest-chatty": "solution",
}
# An honest student who prints a lot: more than the notebook keeps, before any task is graded.
CHATTY = "print('x' * 1_900_000)"
# A template like every answer fixture (see tests/answer_fixtures.py): rendered for the course.
WRONG_MONETARY = REPO / "exercises" / "answers" / "wrong" / ASSIGNMENT / "rfm__monetary_is_mean.py"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, new_course):
    base = tmp_path_factory.mktemp("tamper")
    course = new_course(base / "course")
    sentinel = base / "private.txt"
    sentinel.write_text("not for students")
    os.chmod(sentinel, 0o600)
    solution, release = (
        _solution(course),
        read_notebook(notebook_path(course, "release", ASSIGNMENT)),
    )
    submit(course, "honest-a", ASSIGNMENT, solution)
    submit(course, "honest-b", ASSIGNMENT, solution)
    submit(course, "honest-partial", ASSIGNMENT, partly_solved(solution, release, 0.5))
    chatty = solution
    for _ in range(5):
        chatty = insert_cell_after(chatty, "load_data", CHATTY)
    submit(course, "honest-chatty", ASSIGNMENT, chatty)
    submit(
        course,
        "honest-wrong",
        ASSIGNMENT,
        replace_solution(solution, "rfm_answer", _rendered(WRONG_MONETARY, course)),
    )
    for name, code in HOSTILE.items():
        code = code.replace("{sentinel}", str(sentinel)).replace(
            "{gradebook}", str(course / "gradebook.db")
        )
        submit(course, f"evil-{name}", ASSIGNMENT, _with_task_replaced(course, code))
    # a cell of its own after the first test, reading what a test would have left behind
    submit(
        course,
        "evil-history",
        ASSIGNMENT,
        insert_cell_after(
            solution,
            f"{TASK}_tests",
            "print(_i, _ih, Out)\n"
            "print([v for k, v in globals().items() if k.startswith('_')][:50])",
        ),
    )
    submit(course, "evil-locked", ASSIGNMENT, _with_test_cell(course, _emptied))
    submit(course, "evil-deleted", ASSIGNMENT, _with_test_cell(course, _deleted))
    submit(course, "evil-regrade", ASSIGNMENT, _with_test_cell(course, _renamed))
    corrupt = submit(course, "evil-corrupt", ASSIGNMENT, solution)
    (corrupt / f"{ASSIGNMENT}.ipynb").write_text(
        '{"cells": [ {"cell_type": "code", ', encoding="utf-8"
    )
    latin = submit(course, "evil-latin1", ASSIGNMENT, solution)
    path = latin / f"{ASSIGNMENT}.ipynb"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))  # not UTF-8
    renamed = submit(course, "evil-renamed", ASSIGNMENT, solution)
    (renamed / f"{ASSIGNMENT}.ipynb").rename(renamed / "mine.ipynb")
    missing = submit(course, "evil-missing", ASSIGNMENT, solution)
    (missing / f"{ASSIGNMENT}.ipynb").unlink()
    link = submit(course, "evil-symlink", ASSIGNMENT, solution)
    (link / "gradebook.db").symlink_to(course / "gradebook.db")
    (link / "shadow").symlink_to("/etc/shadow")
    odd = submit(course, "evil-badname", ASSIGNMENT, solution)
    (Path(os.fsdecode(os.fsencode(odd) + b"/\xff\xfe-notes.txt"))).write_text(
        "a name that is not UTF-8"
    )
    os.mkfifo(odd / "pipe")
    stamped = submit(course, "evil-timestamp", ASSIGNMENT, solution)
    os.mkfifo(stamped / "timestamp.txt")  # nbgrader's own reader would wait on it forever
    widget_junk = submit(course, "evil-widgets", ASSIGNMENT, release)
    (widget_junk / "widget_answers.json").write_text(
        '{"answers": {"core_cutoff": {"$frame": 1}, "tier_service": '
        + "[" * 5000
        + "]" * 5000
        + "}}"
    )
    # issue 20, class 1: names that hold terminal escapes (left out, so named in a note)
    escapes = submit(course, "evil-escapes", ASSIGNMENT, solution)
    (escapes / f"{TITLE}link").symlink_to("/etc/hostname")
    os.mkfifo(escapes / f"{ERASE}pipe")
    (escapes / f"folder{TITLE}").mkdir()
    os.mkfifo(escapes / f"folder{TITLE}" / "pipe")
    submit(course, f"evil-id{TITLE}{ERASE}", ASSIGNMENT, release)
    # class 2: a widget answers file of 19.5 MB
    flood = submit(course, "evil-widget_flood", ASSIGNMENT, solution)
    (flood / "widget_answers.json").write_bytes(WIDGET_FLOOD)
    # class 3: one 26 MB answer, declared by three tests
    big = _with_task_replaced(course, BIG_RFM)
    big = replace_solution(big, "scores_answer", "rfm_scores = 0")  # small: each probe fits
    big = replace_solution(big, "segments_answer", "rfm_segments = segment_revenue_share = 0")
    submit(course, "evil-big_answer", ASSIGNMENT, big)
    # class 4: ids a spreadsheet reads as formulas
    for student in FORMULA_IDS:
        submit(course, student, ASSIGNMENT, release)
    # a test cell's error outside a check: its message must not reach the feedback as it is
    shaped = _solution(course)
    at = next(
        i
        for i, c in enumerate(shaped.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == "tier_service_tests"
    )
    shaped.cells.insert(at, nbformat.v4.new_code_cell(WRONG_SHAPE_WIDGETS))
    submit(course, "evil-wrong_shape", ASSIGNMENT, shaped)
    started = time.monotonic()
    report = autograde(course, [ASSIGNMENT], jobs=2, limits=LIMITS)
    seconds = time.monotonic() - started
    write_feedback(course, [ASSIGNMENT])
    return course, report, sentinel, seconds


def _result(report, student):
    return next(r for r in report.results if r.student == student)


def _cells(course, student):
    return grades.cell_scores(course, ASSIGNMENT, student)


def _auto(course, student) -> float:
    return next(s.auto_score for s in grades.scores(course, [ASSIGNMENT]) if s.student == student)


def _full(course, student):
    score = next(s for s in grades.scores(course, [ASSIGNMENT]) if s.student == student)
    return score.auto_score == score.auto_max > 0


def _autograded_notebook(course, student):
    return nbformat.read(
        course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
    )


def _feedback_text(course, student) -> str:
    folder = course / "feedback" / student / ASSIGNMENT
    return (
        "".join(p.read_text(errors="ignore") for p in folder.rglob("*") if p.is_file())
        if folder.is_dir()
        else ""
    )


# ---------------------------------------------------------------- honest work


def test_honest_students_keep_full_marks(graded):
    course, report, _, _ = graded
    assert _full(course, "honest-a") and _full(course, "honest-b")
    # output cut off at the notebook's budget, yet every answer still reaches the tests
    assert _full(course, "honest-chatty")
    assert _result(report, "honest-a").ok and ("segmentation", "honest-a") not in report.flags


def test_honest_scores_equal_plain_nbgrader(graded, tmp_path):
    """The same honest submissions under plain ``nbgrader autograde`` score the same,
    cell by cell."""
    course, _, _, _ = graded
    plain = tmp_path / "plain"
    shutil.copytree(
        course, plain, ignore=shutil.ignore_patterns("autograded", "feedback", "evil-*")
    )
    course_folder.ensure_env_bin_on_path()
    for student in HONEST:
        done = subprocess.run(
            ["nbgrader", "autograde", ASSIGNMENT, "--student", student, "--force"],
            cwd=plain,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    for student in HONEST:
        assert grades.cell_scores(plain, ASSIGNMENT, student) == _cells(course, student), student
    # the comparison is not trivial
    assert _auto(course, "honest-partial") < _auto(course, "honest-a")
    assert 0 < _auto(course, "honest-wrong") < _auto(course, "honest-a")


# ---------------------------------------------------------------- runaway code


@pytest.mark.parametrize(
    "name", ["loop", "memory", "fork", "exit", "sysexit", "kill", "flood", "one_line"]
)
def test_runaway_code_loses_the_task_and_the_run_goes_on(graded, name):
    course, report, _, _ = graded
    student = f"evil-{name}"
    cells = _cells(course, student) if _result(report, student).ok else {}
    assert not cells.get(f"{TASK}_tests"), (student, _result(report, student))


@pytest.mark.parametrize("name", ["flood", "one_line"])
def test_output_is_capped_in_bytes(graded, name):
    course, _, _, _ = graded
    path = course / "autograded" / f"evil-{name}" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < LIMITS.notebook_output_bytes + 1024**2
    assert "output too long, cut off" in path.read_text(encoding="utf-8")


def test_the_class_is_graded_within_the_wall_limits(graded):
    _, report, _, seconds = graded
    # 54 submissions, 2 workers; a hung run would take a wall limit (60 s) per hostile notebook
    assert seconds < 20 * LIMITS.wall_seconds, seconds
    assert all(o.seconds <= LIMITS.wall_seconds + 15 for o in report.outcomes)


# ---------------------------------------------------------------- the grader's own files


def test_the_gradebook_and_host_files_are_untouched(graded):
    course, _, sentinel, _ = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("select count(*) from grade").fetchone()[0] > 0
    assert (
        oct(sentinel.stat().st_mode & 0o777) == oct(0o600)
        and sentinel.read_text() == "not for students"
    )
    assert _full(course, "honest-a") and _full(course, "evil-symlink")


def test_links_planted_at_run_time_are_never_followed(graded):
    course, _, _, _ = graded
    folder = course / "autograded" / "evil-planted_links" / ASSIGNMENT
    assert folder.is_dir() and not any(p.is_symlink() for p in folder.rglob("*"))
    assert _autograded_notebook(course, "evil-planted_links").nbformat == 4
    assert oct(folder.stat().st_mode & 0o777) != oct(0o777)


def test_links_and_odd_files_in_a_submission_are_left_out_and_named(graded):
    course, report, _, _ = graded
    autograded = course / "autograded" / "evil-symlink" / ASSIGNMENT
    assert not (autograded / "gradebook.db").exists() and not (autograded / "shadow").exists()
    assert any("link" in flag for flag in report.flags[(ASSIGNMENT, "evil-symlink")])
    odd = report.flags[(ASSIGNMENT, "evil-badname")]
    assert any("not UTF-8" in flag for flag in odd) and any("special file" in flag for flag in odd)
    assert _full(course, "evil-badname")


def test_the_runtime_folder_is_not_the_kernels_and_later_submissions_are_graded(graded):
    course, report, _, _ = graded
    printed = "".join(o.get("text", "") for c in _autograded_notebook(course, "evil-runtime").cells
                      for o in c.get("outputs", []))  # fmt: skip
    lines = [line for line in printed.splitlines() if line.startswith("/grading/")]
    # every attempt failed
    assert len(lines) == 3 and not any("did it" in line for line in lines), lines
    assert all(_result(report, s).ok for s in HONEST)


def test_a_dying_kernel_cannot_hang_the_run_or_write_to_the_terminal(graded):
    _, report, _, _ = graded
    result = _result(report, "evil-fifo_log")
    text = result.detail + "".join(report.flags.get((ASSIGNMENT, "evil-fifo_log"), []))
    assert "\x1b" not in text and "\x07" not in text
    # what a kernel logged is quoted as its own words, never passed off as the grader's
    (died,) = [n for n in report.flags[(ASSIGNMENT, "evil-forge_log")] if "died" in n]
    assert died.index("its log: “") < died.index("Grader internal error")
    outcome = next(o for o in report.outcomes if o.student == "evil-fifo_log")
    assert outcome.seconds < LIMITS.wall_seconds


# ---------------------------------------------------------------- points without solving


@pytest.mark.parametrize("name", ["excepthook", "patch", "transformer", "rebind", "builtins",
                                  "subclass", "hooks", "classmate", "planted_links", "runtime",
                                  "leak", "sparse", "shm_writer", "userns"])  # fmt: skip
def test_tricks_in_the_students_kernel_earn_nothing_for_the_task(graded, name):
    course, _, _, _ = graded
    assert _cells(course, f"evil-{name}")[f"{TASK}_tests"] == 0


@pytest.mark.parametrize("name", ["patch", "hooks", "excepthook"])
def test_a_trick_costs_only_the_task_it_was_in(graded, name):
    """The other tasks were solved honestly: their tests, run elsewhere, still pass."""
    course, _, _, _ = graded
    cells = _cells(course, f"evil-{name}")
    solved_later = [
        c
        for c in cells
        if c not in (f"{TASK}_tests", "scores_tests", "segments_tests", "discussion")
    ]
    assert all(cells[c] > 0 for c in solved_later), cells


def test_answers_are_counted_before_parsing_and_only_declared_ones_kept(graded):
    """A payload of a million nested records (small as text, a gigabyte parsed) is refused before
    it is parsed; the grader keeps no answer a test did not declare."""
    course, report, _, _ = graded
    assert _result(report, "evil-extra_answers").ok
    assert any("values" in n for n in report.flags[(ASSIGNMENT, "evil-extra_answers")])
    for student in ("evil-extra_answers", "honest-a"):
        kept = (course / ".crmkit" / "answers" / ASSIGNMENT / f"{student}.json").read_text()
        assert "undeclared_xyz" not in kept and len(kept) < 2 * 1024**2


def test_junk_widget_answers_earn_nothing_and_break_nothing(graded):
    course, report, _, _ = graded
    cells = _cells(course, "evil-widgets")
    assert cells["cutoff_tests"] == 0 and cells["tier_service_tests"] == 0
    assert _result(report, "evil-widgets").ok


def test_the_graded_student_is_the_submissions_whatever_the_kernel_says(graded):
    course, _, _, _ = graded
    # honest-a's numbers, graded on its own data
    assert _cells(course, "evil-classmate")[f"{TASK}_tests"] == 0


# ---------------------------------------------------------------- nothing leaks


@pytest.mark.parametrize("student", ["evil-leak", "evil-history", "evil-hooks", "honest-a"])
def test_hidden_tests_never_reach_the_student(graded, student):
    course, _, _, _ = graded
    feedback = _feedback_text(course, student)
    assert feedback and HIDDEN_PHRASE not in feedback and "BEGIN HIDDEN TESTS" not in feedback
    notebook = _autograded_notebook(course, student)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            assert {o.output_type for o in cell.outputs} <= {"error", "execute_result"}, (
                cell.outputs
            )
        else:
            shown = "".join(str(o) for o in cell.get("outputs", []))
            assert HIDDEN_PHRASE not in shown


def test_files_the_kernel_wrote_do_not_reach_feedback(graded):
    course, _, _, _ = graded
    for student in ("evil-leak", "evil-sparse", "evil-runtime"):
        assert not list((course / "autograded" / student).rglob("loot.txt"))
        assert not list((course / "feedback" / student).rglob("big*.bin"))
    size = sum(
        p.stat().st_size for p in (course / "autograded" / "evil-sparse").rglob("*") if p.is_file()
    )
    assert size < 5 * 1024**2


def test_shared_memory_does_not_pass_between_students(graded):
    course, _, _, _ = graded
    printed = "".join(
        o.get("text", "")
        for c in _autograded_notebook(course, "evil-shm_reader").cells
        for o in c.get("outputs", [])
    )
    assert "segment -1" in printed


# ---------------------------------------------------------------- edited and broken submissions


def test_edited_locked_test_cell_is_restored(graded):
    course, _, _, _ = graded
    assert _cells(course, "evil-locked")[f"{TASK}_tests"] == 0
    notebook = _autograded_notebook(course, "evil-locked")
    test = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests"
    )
    assert "tests removed" not in test.source and test.metadata["nbgrader"]["points"] < 100


@pytest.mark.parametrize("student", ["evil-deleted", "evil-regrade"])
def test_deleted_or_renamed_test_cell_scores_nothing_and_is_flagged(graded, student):
    course, report, _, _ = graded
    result = _result(report, student)
    if result.ok:
        assert not _cells(course, student).get(f"{TASK}_tests")
        assert any(f"{TASK}_tests" in flag for flag in report.flags[(ASSIGNMENT, student)])
    else:  # nbgrader refuses the notebook: nothing is scored, the instructor is told why
        assert "metadata" in result.detail or "MissingEntry" in result.detail, result.detail
        assert student not in {s.student for s in grades.scores(course, [ASSIGNMENT])}


@pytest.mark.parametrize("student", ["evil-corrupt", "evil-latin1", "evil-renamed", "evil-missing"])
def test_broken_submissions_are_reported_not_fatal(graded, student):
    _, report, _, _ = graded
    result = _result(report, student)
    assert not result.ok and result.detail and "\n" not in result.detail


def test_a_fifo_as_timestamp_neither_hangs_nor_stops_grading(graded):
    course, report, _, _ = graded
    assert _result(report, "evil-timestamp").ok and _full(course, "evil-timestamp")


def test_an_odd_submission_is_graded_once_and_kept_on_the_next_run(graded):
    course, _, _, _ = graded
    again = autograde(course, [ASSIGNMENT], student="evil-badname", jobs=1, limits=LIMITS)
    assert [r.detail for r in again.results] == ["unchanged, kept"]


# ---------------------------------------------------------------- issue 20: what still got through

# What a terminal or a page acts on: control characters (the line break aside) and the
# bidirectional controls.
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _active(text: str) -> list[str]:
    return sorted(
        {ch for ch in text if (unicodedata.category(ch) == "Cc" and ch != "\n") or ch in BIDI}
    )


def _formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run as a formula (a plain number such as -2 is a number)."""
    found = []
    for row in rows:
        for cell in row:
            try:
                float(cell)
                continue
            except ValueError:
                pass
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                found.append(cell)
    return found


def test_names_a_student_chose_are_printed_inert(graded):
    """Class 1: file and folder names, student ids, notes and error details reach the
    instructor's terminal as text: escape sequences shown, never run."""
    course, report, _, _ = graded
    printed = "\n".join(
        [
            score_table(grades.scores(course, [ASSIGNMENT])),
            flags_table(report.flags),
            results_table([r for r in report.results if not r.ok]),
        ]
    )
    assert not _active(printed), _active(printed)
    # each thing left out is still named, its escapes written out
    assert "\\x1b]0;pwned\\x07link" in printed and "\\x1b[1A\\x1b[2Kpipe" in printed
    assert "folder\\x1b]0;pwned\\x07/pipe" in printed
    assert "evil-id\\x1b]0;pwned\\x07\\x1b[1A\\x1b[2K" in printed
    assert _full(course, "evil-escapes")


def test_the_report_page_and_its_tables_show_student_text_inert(graded, tmp_path):
    course, _, _, _ = graded
    _, page = make_report(course, [ASSIGNMENT], tmp_path / "report", integrity=False)
    for path in [page, *page.parent.glob("*.csv")]:
        text = path.read_text(encoding="utf-8-sig")
        assert not _active(text), (path.name, _active(text))
        if path.suffix == ".csv":
            assert not _formula_cells(list(csv.reader(io.StringIO(text)))), path.name


def test_an_oversized_widget_answers_file_is_refused_before_it_is_parsed():
    """Class 2: counted in the text before parsing; before, this file took ~365 MB and ~4 s of
    the grader's (root) memory and time, outside the sandbox."""
    tracemalloc.start()
    try:
        answers, notes = widget_answers({"widget_answers.json": WIDGET_FLOOD}, {"core_cutoff"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answers == {} and len(notes) == 1 and "widget_answers.json" in notes[0]
    assert peak < 4 * 1024**2, peak
    # only the widgets the tests declare are kept
    kept, notes = widget_answers(
        {"widget_answers.json": b'{"answers": {"core_cutoff": 3000, "junk": [1, 2, 3]}}'},
        {"core_cutoff"},
    )
    assert kept == {"core_cutoff": 3000} and notes == []


def test_a_notebook_is_counted_before_it_is_parsed():
    """The same rule for the submitted notebook, which the grader parses too: 4 MB of empty
    records in its metadata took ~500 MB and half a minute to read before."""
    from crmkit.grading.run.autograde import Unreadable, _read_notebook

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    text = nbformat.writes(notebook).replace(
        '"metadata": {}', '"metadata": {"x": [' + "{}, " * 999_999 + "{}]}", 1
    )
    tracemalloc.start()
    try:
        with pytest.raises(Unreadable, match="clear its outputs"):
            _read_notebook(text.encode())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024**2, peak
    assert _read_notebook(nbformat.writes(notebook).encode()).cells[0].source == "x = 1"


def test_an_oversized_widget_answers_file_costs_only_the_widget_tasks(graded):
    course, report, _, _ = graded
    assert _result(report, "evil-widget_flood").ok
    assert any("widget_answers.json" in n for n in report.flags[(ASSIGNMENT, "evil-widget_flood")])
    # the widgets' values came from the student's kernel: nothing else was lost
    assert _full(course, "evil-widget_flood")


def test_an_answer_is_stored_once_within_the_submissions_budget(graded):
    """Class 3: a 26 MB answer read by three tests was stored three times (75.6 MB)."""
    course, report, _, _ = graded
    stored = answer_store.answers_path(course, ASSIGNMENT, "evil-big_answer").stat().st_size
    assert stored <= answer_store.MAX_STORED_BYTES, stored
    notes = report.flags[(ASSIGNMENT, "evil-big_answer")]
    assert any("rfm" in n and "too large" in n for n in notes), notes
    # an honest student's answers are all kept, each test still seeing its own
    honest = answer_store.stored_answers(course, ASSIGNMENT, "honest-a")[ASSIGNMENT]
    assert {"rfm_tests", "scores_tests", "segments_tests"} <= set(honest)
    assert honest["rfm_tests"]["answers"]["rfm"] == honest["segments_tests"]["answers"]["rfm"]
    size = answer_store.answers_path(course, ASSIGNMENT, "honest-a").stat().st_size
    assert size < answer_store.MAX_STORED_BYTES / 4, size


def _formula_roster() -> str:
    rows = ["student_id,name,canvas_id,sis_login_id,username,idnumber,org_defined_id"]
    for number, s in enumerate(FORMULA_IDS):
        rows.append(f'"{s}","{s}",{60 + number},"{s}","{s}",S{number},"{s}"')
    return "\n".join(rows) + "\n"


def test_ids_that_look_like_formulas_are_guarded_in_every_file(graded, tmp_path):
    """Class 4: nbgrader's generic CSV and each LMS file keep no cell a spreadsheet runs."""
    course, _, _, _ = graded
    generic = export_grades(course, tmp_path / "grades.csv", [ASSIGNMENT])
    rows = list(csv.reader(io.StringIO(generic.read_text(encoding="utf-8"))))
    assert not _formula_cells(rows)
    ids = {row[3] for row in rows[1:]}
    assert {f"'{student}" for student in FORMULA_IDS} <= ids  # still there, as text
    assert all(len(row) == len(rows[0]) for row in rows)
    from crmkit.grading.export.class_grades import read_class_grades

    class_grades = read_class_grades(course, [ASSIGNMENT])
    roster = parse_roster(_formula_roster())
    for fmt in ("canvas", "moodle", "brightspace", "excel"):
        data = export_lms(fmt, class_grades, roster).data
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert not _formula_cells(rows), (fmt, _formula_cells(rows))
        assert not _active(data.decode("utf-8-sig").replace("\r\n", "\n")), fmt


def test_a_test_error_outside_a_check_shows_its_name_not_its_message(graded):
    """A test cell's error raised outside a ``check.that`` callable used to pass its message to
    the feedback as it was; a message pandas or Python wrote can quote the hidden test's values."""
    course, _, _, _ = graded
    notebook = _autograded_notebook(course, "evil-wrong_shape")
    (test,) = [
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "tier_service_tests"
    ]
    (error,) = test.outputs
    assert error.ename == "AttributeError" and "'list' object" not in error.evalue
    assert "hidden tests" in error.evalue
    assert "'list' object" not in _feedback_text(course, "evil-wrong_shape")
    # a failed requirement still says what the instructor wrote; a missing answer, its name
    for student, ename, words in (
        ("evil-subclass", "AssertionError", "one row for every customer with a service on"),
        ("=1+2", "NameError", "name 'rfm' is not defined"),
    ):
        cells = _autograded_notebook(course, student).cells
        (rfm,) = [c for c in cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == f"{TASK}_tests"]  # fmt: skip
        assert rfm.outputs[0].ename == ename and words in rfm.outputs[0].evalue, rfm.outputs
