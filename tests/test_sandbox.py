"""The grading sandbox itself: what a kernel in it can and cannot do (real bubblewrap, real kernels)."""

from __future__ import annotations

import atexit
import os
import socket
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from crmkit.grading import kernel_factory, sandbox

pytestmark = pytest.mark.skipif(
    sandbox.bwrap_problem() is not None, reason="needs bubblewrap: make install adds it"
)

AS_ROOT = os.geteuid() == 0
LIMITS = sandbox.Limits(cell_timeout=20, memory_bytes=1024**3, processes=40)
SLOT = 7


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox")
    for folder in ("runtime", "work", "course/source"):
        (root / folder).mkdir(parents=True)
    (root / "course" / "gradebook.db").write_text("secret")
    (root / "work" / "data.txt").write_text("the submission's own file")
    os.environ["JUPYTER_PATH"] = str(root)
    sandbox.write_kernelspec(root)
    box = sandbox.Sandbox(
        sandbox.slot_uid(SLOT),
        LIMITS,
        root / "runtime",
        [root / "work"],
        root / "sandbox.log",
        kernel_arguments=("--HistoryManager.hist_file=:memory:",),
    )
    sandbox.activate(box)
    yield box, root
    sandbox.activate(None)
    box.close()


def run(box, *cells: str) -> list[str]:
    """Execute ``cells`` in a fresh sandboxed kernel; each cell's text output (or error name)."""
    sandbox_, root = box
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        notebook,
        kernel_name=sandbox.KERNEL_NAME,
        timeout=LIMITS.cell_timeout,
        allow_errors=True,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(root / "work")}},
    ).execute()
    sandbox_.recycle()
    texts = []
    for cell in notebook.cells:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        errors = [o.ename for o in cell.outputs if o.output_type == "error"]
        kinds = [k for o in cell.outputs for k in o.get("data", {})]
        texts.append(text.strip() or ",".join(errors + kinds))
    return texts


@pytest.mark.skipif(
    not AS_ROOT, reason="kernels get a user id of their own only when grading runs as root"
)
def test_kernel_runs_as_the_slots_own_user(box):
    assert run(box, "import os; print(os.getuid(), os.getgid(), os.getgroups())") == [
        f"{sandbox.FIRST_SLOT_UID + SLOT} {sandbox.FIRST_SLOT_UID + SLOT} []"
    ]


def test_kernel_works_in_the_submission_folder(box):
    _, root = box
    out = run(
        box,
        "import os; print(os.getcwd()); print(open('data.txt').read())",
        "open('result.csv', 'w').write('ok'); print('written')",
    )
    assert out == [f"{root / 'work'}\nthe submission's own file", "written"]


def test_no_network_not_even_loopback(box):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        out = run(
            box,
            f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('connected')\nexcept OSError as error:\n    print('refused', type(error).__name__)",
        )
    assert out[0].startswith("refused")


def test_course_files_and_secrets_are_not_there(box):
    _, root = box
    paths = [
        root / "course" / "gradebook.db",
        root / "course" / "source",
        Path(__file__).parents[1] / "exercises",
        Path("/etc/shadow"),
        Path(__file__),
    ]
    out = run(box, f"import os; print([os.path.exists(p) for p in {[str(p) for p in paths]!r}])")
    assert out == [str([False] * len(paths))]


def test_setuid_programs_cannot_give_root_back(box):
    out = run(
        box,
        "print([l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0].split()[1])",
    )
    assert out == ["1"]


@pytest.mark.skipif(
    not AS_ROOT, reason="RLIMIT_NPROC binds a user id of the kernel's own (grading as root)"
)
def test_fork_bomb_hits_the_process_limit_and_is_cleared(box):
    sandbox_, _ = box
    bomb = (
        "import os, time\nforked = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(600)\n            os._exit(0)\n        forked += 1\n"
        "except OSError:\n    print('stopped after', forked)"
    )
    out = run(box, bomb)
    assert out[0].startswith("stopped after") and int(out[0].split()[-1]) < LIMITS.processes
    # recycle() killed every child; what may remain is the next kernel, prepared ahead
    assert len(kernel_factory.processes_of(sandbox_.uid)) <= 1


def test_memory_limit(box):
    out = run(box, "hog = bytearray(2 * 1024**3)")
    assert out == ["MemoryError"]


@pytest.mark.skipif(
    not AS_ROOT, reason="the kernel's processes are told apart by its own user id (grading as root)"
)
def test_processes_left_running_are_killed_between_submissions(box):
    sandbox_, _ = box
    run(box, "import subprocess; subprocess.Popen(['sleep', '600']); print('started')")
    commands = [
        Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        for pid in kernel_factory.processes_of(sandbox_.uid)
    ]
    assert (
        b"sleep" not in commands and len(commands) <= 1
    )  # at most the next kernel, prepared ahead


def test_each_kernel_is_fresh(box):
    first = run(box, "import builtins; builtins.leak = 'from the last student'; print('set')")
    second = run(box, "import builtins; print(getattr(builtins, 'leak', 'clean'))")
    assert first == ["set"] and second == ["clean"]


def test_charts_still_render_inline(box):
    out = run(box, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);")
    assert "image/png" in out[0]


def test_a_kernel_that_cannot_start_is_reported_and_the_sandbox_lives_on(box, tmp_path):
    sandbox_, root = box
    (tmp_path / "runtime").mkdir()
    starved = sandbox.Sandbox(
        sandbox.slot_uid(SLOT + 1),
        sandbox.Limits(memory_bytes=64 * 1024**2),
        tmp_path / "runtime",
        [root / "work"],
        tmp_path / "sandbox.log",
    )
    sandbox.activate(starved)
    try:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        client = NotebookClient(
            notebook,
            kernel_name=sandbox.KERNEL_NAME,
            timeout=20,
            startup_timeout=20,
            resources={"metadata": {"path": str(root / "work")}},
        )
        with pytest.raises(Exception, match="did not start|died"):
            client.execute()
        atexit.unregister(
            client._cleanup_kernel
        )  # nbclient's clean-up of a kernel that never started
        starved.recycle()  # the factory still answers
    finally:
        starved.close()
        sandbox.activate(sandbox_)
    assert run(box, "print('still grading')") == ["still grading"]
