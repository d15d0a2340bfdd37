"""A student's `make lab`, run as the Makefile runs it, shows the student pack and no answer key.

The test runs the real target (`make lab`, with ``STUDENT_PACK`` pointed at a temporary folder so
a pack someone is working in is left alone): the pack is built by the Makefile's own rule, and
JupyterLab starts with the Makefile's command line and the student configuration. The port, the
token and "no browser" come from the environment (``JUPYTER_PORT``, ``JUPYTER_TOKEN``,
``BROWSER``), which leaves that command line as it is. Then the test walks JupyterLab's contents
API over HTTP, folder by folder, reads every file it can reach and searches it for the answer key
(:mod:`crmkit.grading.release.key_leaks`). To show the walk can fail, it then plants a source
notebook deep in the served folder and walks again.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from jupyterlab_session import free_port, stop

from crmkit.grading.release.key_leaks import leaks_in_files, read_answer_key
from crmkit.grading.release.student_pack import MANIFEST

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "exercises"
# building the pack (nbgrader generates the release in a scratch folder) and starting JupyterLab,
# on a busy machine
START_TIMEOUT = 600


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` on a temporary pack: (base URL, token, the pack's folder)."""
    scratch = tmp_path_factory.mktemp("student-lab")
    pack = scratch / "student-pack"
    token, port = secrets.token_hex(16), free_port()
    env = {
        **os.environ,
        "JUPYTER_TOKEN": token,
        "JUPYTER_PORT": str(port),
        "JUPYTER_PORT_RETRIES": "0",
        "BROWSER": "true",  # webbrowser runs `true`: nothing opens
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "IPYTHONDIR": str(scratch / "ipython"),
    }
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # not the outer make's jobserver
        env.pop(name, None)
    log = scratch / "make-lab.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"STUDENT_PACK={pack}"],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make, its shell and JupyterLab stop together
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if server.poll() is not None:
                pytest.fail(f"make lab exited with {server.returncode}:\n{log.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"make lab did not answer in {START_TIMEOUT} s:\n{log.read_text()[-4000:]}"
                )
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                time.sleep(1)
        yield base, token, pack
    finally:
        stop(server)


def get(base: str, token: str, path: str, **query: str) -> dict:
    params = "&".join(f"{k}={v}" for k, v in {**query, "token": token}.items())
    with urllib.request.urlopen(f"{base}/api/contents/{quote(path)}?{params}", timeout=60) as r:
        return json.load(r)


def walk(base: str, token: str) -> dict[str, bytes]:
    """Every file the contents API serves, by path, read through the API."""
    files: dict[str, bytes] = {}
    folders = [""]
    while folders:
        listing = get(base, token, folders.pop(), content="1")
        for entry in listing["content"]:
            if entry["type"] == "directory":
                folders.append(entry["path"])
                continue
            model = get(base, token, entry["path"], type="file", content="1")
            text = model["content"]
            files[entry["path"]] = (
                text.encode("utf-8") if model["format"] == "text" else base64.b64decode(text)
            )
    return files


def test_make_lab_serves_the_student_pack_with_the_student_configuration(lab):
    base, token, pack = lab
    with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=60) as response:
        page = response.read().decode("utf-8")
    disabled = re.search(r'"disabledExtensions": \[([^\]]*)\]', page)
    assert disabled and '"@jupyter/nbgrader"' in disabled.group(1)
    top = {entry["name"] for entry in get(base, token, "", content="1")["content"]}
    assert top == {"README.md", "notebooks", "cases", "datasets", "assignments"}
    assert (pack / MANIFEST).is_file()  # built by the Makefile's rule, where it was told
    # the repository is not one `..` away
    with pytest.raises(urllib.error.HTTPError):
        get(base, token, "../exercises/source", content="1")


def test_no_file_reachable_in_the_students_lab_holds_the_answer_key(lab):
    base, token, pack = lab
    files = walk(base, token)
    on_disk = {
        path.relative_to(pack).as_posix()
        for path in pack.rglob("*")
        if path.is_file() and path.name != MANIFEST
    }
    assert set(files) == on_disk and len(files) >= 20  # the walk reached every file
    for assignment in ("segmentation", "complaints", "loyalty"):
        assert f"assignments/{assignment}/{assignment}.ipynb" in files
    assert leaks_in_files(files, read_answer_key(COURSE)) == []


def test_the_walk_finds_a_source_notebook_planted_deep_in_the_lab(lab):
    base, token, pack = lab
    notebook = json.loads((COURSE / "source" / "complaints" / "complaints.ipynb").read_text())
    for cell in notebook["cells"]:  # the solution and tests without nbgrader's delimiters
        lines = "".join(cell["source"]).splitlines()
        cell["source"] = "\n".join(line for line in lines if "### " not in line)
    planted = pack / "assignments" / "complaints" / "old" / "complaints_v0.ipynb"
    planted.parent.mkdir()
    planted.write_text(json.dumps(notebook), encoding="utf-8")
    try:
        leaks = leaks_in_files(walk(base, token), read_answer_key(COURSE))
    finally:
        shutil.rmtree(planted.parent)
    assert {leak.path for leak in leaks} == {"assignments/complaints/old/complaints_v0.ipynb"}
    assert any("hidden tests" in leak.what for leak in leaks)
    assert any("solution" in leak.what for leak in leaks)
