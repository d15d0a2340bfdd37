"""The grading sandbox itself: what a kernel in it can and cannot do (real
bubblewrap, real kernels)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from crmkit.datasets import DEFAULT_SEED, build_tables
from crmkit.grading.sandbox import bubblewrap as sandbox
from crmkit.grading.sandbox import kernel_factory, seccomp, variant_cache
from crmkit.grading.sandbox.executor import CellRunner
from crmkit.grading.settings import Limits

pytestmark = pytest.mark.skipif(
    sandbox.bwrap_problem() is not None, reason="needs bubblewrap: make install adds it"
)

AS_ROOT = os.geteuid() == 0
LIMITS = Limits(
    cell_timeout=20,
    memory_bytes=1024**3,
    processes=40,
    work_bytes=8 * 1024**2,
    work_files=100,
    scratch_bytes=8 * 1024**2,
    scratch_files=100,
)
SLOT = 7
needs_root = pytest.mark.skipif(
    not AS_ROOT, reason="kernels get user ids and private folders as root"
)


@pytest.fixture(scope="module")
def boxes(tmp_path_factory):
    """A worker's folder with both sandboxes; the inbox holds a submission's own file."""
    root = tmp_path_factory.mktemp("sandbox")
    folder = root / "worker"
    folder.mkdir(mode=0o700)
    (folder / "inbox").mkdir(mode=0o700)
    (folder / "cache").mkdir(mode=0o755)  # the grader's: read-only in both sandboxes
    (folder / "inbox" / "data.txt").write_text("the submission's own file")
    (root / "course" / "source").mkdir(parents=True)
    (root / "course" / "gradebook.db").write_text("secret")
    arguments = ("--HistoryManager.hist_file=:memory:",)
    students = sandbox.Sandbox(
        "student", SLOT, LIMITS, folder, root / "s.log", kernel_arguments=arguments
    )
    tests = sandbox.Sandbox(
        "tests", SLOT, LIMITS, folder, root / "t.log", kernel_arguments=arguments
    )
    yield students, tests, root
    students.close()
    tests.close()


def run(box: sandbox.Sandbox, *cells: str, student: str = "s001", inbox: bool = True) -> list[str]:
    """Execute ``cells`` in a fresh kernel of ``box``; each cell's text output (or error name)."""
    kernel = box.start(student, inbox=inbox and box.role == "student")
    runner = CellRunner(kernel.client, kernel.alive, kernel.interrupt)
    texts = []
    try:
        for code in cells:
            outputs = runner.run(code, LIMITS.cell_timeout).outputs
            text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
            errors = [o["ename"] for o in outputs if o["output_type"] == "error"]
            kinds = [k for o in outputs for k in o.get("data", {})]
            texts.append(text.strip() or ",".join(errors + kinds))
    finally:
        kernel.close()
        box.recycle()
    return texts


@needs_root
def test_kernels_run_as_their_roles_own_users(boxes):
    students, tests, _ = boxes
    code = "import os; print(os.getuid(), os.getgid(), os.getgroups())"
    student_uid, test_uid = sandbox.FIRST_UID["student"] + SLOT, sandbox.FIRST_UID["tests"] + SLOT
    assert run(students, code) == [f"{student_uid} {student_uid} []"]
    assert run(tests, code) == [f"{test_uid} {test_uid} []"]


def test_kernel_works_in_a_private_folder_with_the_submissions_files(boxes):
    students, _, _ = boxes
    out = run(
        students,
        "import os; print(os.getcwd()); print(open('data.txt').read())",
        "open('result.csv', 'w').write('ok'); print('written')",
    )
    assert out == [f"{kernel_factory.WORK}\nthe submission's own file", "written"]


def test_the_graded_students_id_comes_from_the_grader(boxes):
    students, tests, _ = boxes
    code = "from crmkit import course; print(course.student_id())"
    assert run(students, code, student="s042") == ["s042"]
    assert run(tests, code, student="s042") == ["s042"]


@needs_root
def test_what_a_kernel_writes_is_gone_for_the_next_one(boxes):
    students, _, root = boxes
    first = run(
        students,
        "open('/grading/scratch/x', 'w').write('1'); open('left.txt', 'w').write('1'); print('ok')",
    )
    second = run(
        students, "import os; print(sorted(os.listdir('.')), os.path.exists('/grading/scratch/x'))"
    )
    assert first == ["ok"] and second == ["['data.txt'] False"]
    assert not list(root.rglob("left.txt"))  # never on the host's disk


@needs_root
def test_working_folder_has_a_size_and_file_quota(boxes):
    students, _, _ = boxes
    out = run(
        students,
        "try:\n    open('big', 'wb').write(b'x' * 20 * 1024**2)\n"
        "except OSError as e:\n    print('full', e.errno)",
        "n = 0\ntry:\n    while True:\n        open(f'f{n}', 'w').close(); n += 1\n"
        "except OSError as e:\n    print('files', n < 200, e.errno)",
    )
    assert out[0] == "full 28" and out[1] == "files True 28"  # ENOSPC


def test_no_network_not_even_loopback(boxes):
    students, _, _ = boxes
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        out = run(
            students,
            f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError as error:\n    print('refused', type(error).__name__)",
        )
    assert out[0].startswith("refused")


def test_course_files_secrets_and_the_grader_folders_are_not_there(boxes):
    students, _, root = boxes
    paths = [
        root / "course" / "gradebook.db",
        root / "course" / "source",
        root / "worker",
        Path(__file__).parents[1] / "exercises",
        Path("/etc/shadow"),
        Path(__file__),
    ]
    out = run(
        students, f"import os; print([os.path.exists(p) for p in {[str(p) for p in paths]!r}])"
    )
    assert out == [str([False] * len(paths))]


@needs_root
def test_a_student_kernel_cannot_reach_the_runtime_folder_or_the_inbox(boxes):
    students, _, _ = boxes
    out = run(
        students,
        "import os\nfor p in ('/grading/runtime', '/grading/inbox'):\n"
        "    try:\n        os.listdir(p); print(p, 'readable')\n"
        "    except OSError as e:\n        print(p, e.errno)",
        "try:\n    open('/grading/cache/x', 'w')\n"
        "except OSError as e:\n    print('cache', e.errno)",
    )
    assert out == ["/grading/runtime 13\n/grading/inbox 13", "cache 30"]  # EACCES, EROFS


def test_setuid_programs_cannot_give_root_back(boxes):
    students, _, _ = boxes
    out = run(
        students,
        "print([l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0].split()[1])",
    )
    assert out == ["1"]


@pytest.mark.skipif(
    seccomp.platform.machine() not in seccomp.ARCHITECTURES, reason="no filter for this machine"
)
def test_no_user_namespaces_mounts_or_tracing(boxes):
    students, _, _ = boxes
    out = run(
        students,
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.unshare(0x10000000), ctypes.get_errno(), "
        "libc.unshare(0x20000), ctypes.get_errno())",
        "import subprocess\n"
        "print(subprocess.run(['unshare', '-U', 'true'], capture_output=True).returncode != 0)",
        "import threading\n"
        "t = threading.Thread(target=print, args=('threads still work',)); t.start(); t.join()",
    )
    assert out == ["-1 1 -1 1", "True", "threads still work"]


@needs_root
def test_system_v_shared_memory_dies_with_the_kernel(boxes):
    students, _, _ = boxes
    make = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.shmget(0x5EED, 4096, 0o1666) >= 0)"
    )
    look = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.shmget(0x5EED, 4096, 0o666))"
    )
    assert run(students, make) == ["True"]
    assert run(students, look) == ["-1"]  # the next student's kernel has a fresh IPC namespace


@needs_root
def test_fork_bomb_hits_the_process_limit_and_is_cleared(boxes):
    students, _, _ = boxes
    bomb = (
        "import os, time\nforked = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(600)\n            os._exit(0)\n        forked += 1\n"
        "except OSError:\n    print('stopped after', forked)"
    )
    out = run(students, bomb)
    assert out[0].startswith("stopped after") and int(out[0].split()[-1]) < LIMITS.processes
    # every child killed; the next kernel is not yet its
    assert kernel_factory.processes_of(students.uid) == []


def test_memory_limit(boxes):
    students, _, _ = boxes
    assert run(students, "hog = bytearray(2 * 1024**3)") == ["MemoryError"]


def _peak_rss_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak resident size


def _peak_rss_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        * 1024
    )


def test_a_kernel_flooding_the_grader_with_messages_costs_it_little_memory(boxes):
    """The grader's sockets live outside the sandbox: a kernel resending one signed 15 MB message
    400 times (6 GB) must not pile up in the grader (here, this process)."""
    students, _, _ = boxes
    flood = (
        "import time\n"
        "k = get_ipython().kernel\n"
        "m = k.session.msg('stream', {'name': 'stdout', 'text': 'A' * (15 * 1024**2)}, parent={})\n"
        "frames = [b'stream'] + k.session.serialize(m)\n"
        "for _ in range(400):\n"
        "    k.iopub_socket.send_multipart(frames)\n"
        "    time.sleep(0.01)  # sent out at once, so the kernel's own queue stays short\n"
        "print('sent')"
    )
    _peak_rss_reset()
    before = _peak_rss_bytes()
    run(students, flood)  # its own messages may be dropped too: the flooding cell's loss
    # the grader drops each message after reading its header; parsing them all, it grew 1 GiB
    assert _peak_rss_bytes() - before < 0.75 * 1024**3
    assert run(students, "print('next')") == ["next"]  # and the next kernel is graded as ever


@needs_root
def test_processes_left_running_are_killed_between_submissions(boxes):
    students, _, _ = boxes
    run(students, "import subprocess; subprocess.Popen(['sleep', '600']); print('started')")
    assert kernel_factory.processes_of(students.uid) == []


def test_each_kernel_is_fresh(boxes):
    students, _, _ = boxes
    first = run(students, "import builtins; builtins.leak = 'from the last student'; print('set')")
    second = run(students, "import builtins; print(getattr(builtins, 'leak', 'clean'))")
    assert first == ["set"] and second == ["clean"]


def test_charts_still_render_inline(boxes):
    students, _, _ = boxes
    out = run(students, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);")
    assert "image/png" in out[0]


def test_both_kernels_read_the_data_the_grader_left_and_neither_can_write_it(boxes):
    students, tests, root = boxes
    cache = root / "worker" / "cache"
    tables = build_tables("futures_broker", DEFAULT_SEED, "cached-student", 3000)
    tables["trades"] = tables["trades"].head(7)  # not what the kernel would make itself
    variant_cache.store(cache, "futures_broker", DEFAULT_SEED, "cached-student", 3000, tables)
    code = (
        "from crmkit.datasets import load\n"
        "print(len(load('futures_broker', 'trades', student='Cached-Student ')))\n"
        "try:\n    open('/grading/cache/x', 'w')\n"
        "except OSError as e:\n    print('cache', e.errno)"
    )
    try:
        assert run(students, code, student="cached-student") == ["7\ncache 30"]  # EROFS
        assert run(tests, code, student="cached-student") == ["7\ncache 30"]
        other = (
            "from crmkit.datasets import load\n"
            "print(len(load('futures_broker', 'trades', student='s2')))"
        )
        assert run(students, other, student="s2") != ["7"]  # not in the cache: generated there
    finally:
        for leftover in cache.iterdir():
            leftover.unlink()


def test_a_kernel_that_cannot_start_is_reported_and_the_sandbox_lives_on(boxes, tmp_path):
    students, _, _ = boxes
    folder = tmp_path / "starved"
    folder.mkdir(mode=0o700)
    (folder / "inbox").mkdir()
    (folder / "cache").mkdir()
    starved = sandbox.Sandbox(
        "student",
        SLOT + 1,
        Limits(memory_bytes=64 * 1024**2),
        folder,
        tmp_path / "sandbox.log",
    )
    try:
        with pytest.raises(sandbox.SandboxError, match="did not start|did not answer"):
            starved.start("s001", timeout=20)
        starved.recycle()  # the factory still answers
    finally:
        starved.close()
    assert run(students, "print('still grading')") == ["still grading"]


def test_a_kernel_log_is_read_without_following_links_or_blocking(tmp_path):
    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)
    link = tmp_path / "link.log"
    link.symlink_to("/etc/passwd")
    noisy = tmp_path / "noisy.log"
    noisy.write_bytes(b"\x1b[2J\x1b]0;title\x07Error: boom\x1b[31m red\x1b[0m\n" + b"x" * 200_000)
    assert sandbox.read_log(fifo) == "" and sandbox.read_log(link) == ""
    text = sandbox.read_log(noisy)
    assert "\x1b" not in text and "\x07" not in text and len(text) <= sandbox.MAX_LOG_BYTES


def test_seccomp_program_is_well_formed_for_every_machine():
    for machine in seccomp.ARCHITECTURES:
        program = seccomp.program(machine)
        assert program[-1] == (seccomp.RET_K, 0, 0, seccomp.RET_KILL_PROCESS)
        assert all(0 <= jt <= 255 and 0 <= jf <= 255 for _, jt, jf, _ in program)
        returns = [k for code, _, _, k in program if code == seccomp.RET_K]
        assert seccomp.RET_ERRNO | seccomp.EPERM in returns and seccomp.RET_ALLOW in returns
