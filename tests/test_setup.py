"""What a newcomer's `make` relies on: the tree guard, the quick target, apt's
lock, a student's lab."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jupyterlab_session import STUDENT_CONFIG, start_lab, stop

REPO = Path(__file__).resolve().parents[1]


def load_script(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tree_guard = load_script(REPO / "tests" / "tree_guard.py")
apt_install = load_script(REPO / "scripts" / "apt_install.py")


def recipe(target: str) -> list[str]:
    """The command lines of a Makefile target."""
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"{target}:", line))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line.strip())
    return body


# ---------------------------------------------------------------- the tree guard


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_tree_guard_names_a_file_the_tests_changed(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "kept.txt").write_text("a\n")
    (repo / ".gitignore").write_text("ignored/\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    status = tmp_path / "status"
    assert tree_guard.main(["before", str(status)], repo) == 0
    (repo / "ignored").mkdir()
    (repo / "ignored" / "scratch.png").write_bytes(b"x")  # ignored folders are the tests' to write
    assert tree_guard.main(["after", str(status)], repo) == 0
    (repo / "kept.txt").write_text("b\n")
    (repo / "new.png").write_bytes(b"x")
    assert tree_guard.main(["after", str(status)], repo) == 1
    message = capsys.readouterr().err
    assert "M kept.txt" in message and "?? new.png" in message and "temporary or ignored" in message


def test_tree_guard_compares_with_what_was_there_before(tmp_path):
    """A developer's own uncommitted work is not the tests' doing."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "draft.txt").write_text("work in progress\n")
    status = tmp_path / "status"
    assert tree_guard.main(["before", str(status)], repo) == 0
    assert tree_guard.main(["after", str(status)], repo) == 0


@pytest.mark.parametrize("target", ["test", "check"])
def test_make_test_and_check_fail_when_the_tests_leave_the_tree_dirty(target):
    steps = recipe(target)
    pytest_steps = [i for i, step in enumerate(steps) if "-m pytest" in step]
    guards = {step.split()[2]: i for i, step in enumerate(steps) if "tests/tree_guard.py" in step}
    assert (
        pytest_steps
        and guards["before"] < min(pytest_steps)
        and guards["after"] > max(pytest_steps)
    ), steps


@pytest.mark.parametrize("target", ["test", "check"])
def test_make_test_and_check_run_ruff(target):
    assert any("lint" in step for step in recipe(target))
    lint = recipe("lint")
    assert any("ruff check" in step for step in lint) and any(
        "ruff format --check" in step for step in lint
    )


def test_make_lint_type_checks_crmkit_without_silencing_it():
    """mypy runs on crmkit/ at its default strictness: untyped packages are named one by one,
    nothing is ignored wholesale."""
    assert any(step.split()[0].endswith("/mypy") for step in recipe("lint"))
    mypy = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["packages"] == ["crmkit"]
    assert not {"ignore_missing_imports", "ignore_errors", "follow_imports"} & set(mypy)
    for override in mypy["overrides"]:
        assert set(override) == {"module", "ignore_missing_imports"}, override
        assert not any(module.startswith("crmkit") for module in override["module"]), override


def test_make_check_is_the_quick_subset():
    steps = recipe("check")
    markers = next(re.search(r'-m "([^"]+)"', s).group(1) for s in steps if ' -m "' in s)
    assert set(markers.split(" and ")) == {"not slow", "not browser", "not postgres", "not hub"}
    assert any("--nbval" in step or "$(NBVAL)" in step for step in steps)
    assert not any(
        "postgres" in step.split("#")[0] and "not postgres" not in step for step in steps
    )


def test_make_test_builds_the_hub_environment_and_passes_it_to_pytest():
    """Without it tests/test_hub.py would skip unseen in CI."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    prerequisites = re.search(r"^test:(.*)$", makefile, re.MULTILINE).group(1).split()
    assert "hub-env" in prerequisites
    assert any(
        "CRMKIT_HUB_ENV=$(CURDIR)/$(HUB_ENV)" in step and "-m pytest" in step
        for step in recipe("test")
    )
    assert re.search(
        r"^\$\(HUB_STAMP\):.*\n\t\$\(PYTHON\) scripts/hub_env.py \$\(HUB_ENV\)$", makefile, re.M
    )


# ---------------------------------------------------------------- apt's lock


@pytest.fixture
def fake_lock(tmp_path, monkeypatch):
    path = tmp_path / "lock-frontend"
    path.write_text("")
    monkeypatch.setattr(apt_install, "LOCKS", (str(path),))
    return path


def hold_in_child(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding ``path`` the way apt does (fcntl), for ``seconds``."""
    code = (
        "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\ntime.sleep(float(sys.argv[2]))"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "held"
    return child


def test_apt_lock_held_by_another_process_is_seen_and_named(fake_lock):
    assert apt_install.holder(str(fake_lock)) is None
    child = hold_in_child(fake_lock, 30)
    try:
        who = apt_install.holder(str(fake_lock))
        assert who is not None and str(child.pid) in who
    finally:
        child.kill()
        child.wait()


def test_make_waits_for_apts_lock_and_says_so(fake_lock, capsys):
    child = hold_in_child(fake_lock, 1.5)
    started = time.monotonic()
    apt_install.wait_for_locks(deadline=time.monotonic() + 60)
    waited = time.monotonic() - started
    child.wait()
    assert waited >= 0.5  # it did not go ahead while the lock was held
    assert "waiting for apt's lock" in capsys.readouterr().err


def test_a_lock_that_is_never_released_ends_with_a_message(fake_lock):
    child = hold_in_child(fake_lock, 30)
    try:
        with pytest.raises(SystemExit, match="try `make` again later"):
            apt_install.wait_for_locks(deadline=time.monotonic() + 0.5)
    finally:
        child.kill()
        child.wait()


def test_system_packages_are_installed_through_the_waiting_script():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    commands = [line.split("#")[0] for line in makefile.splitlines() if "echo" not in line]
    assert not any("apt-get install" in line or "apt-get update" in line for line in commands)
    assert makefile.count("scripts/apt_install.py") >= 2  # system packages and PostgreSQL


# ---------------------------------------------------------------- a student's JupyterLab


def test_make_lab_uses_the_student_configuration():
    (step,) = [s for s in recipe("lab") if "jupyter lab" in s or "jupyter" in s.split()[0:3][-1]]
    assert "JUPYTER_CONFIG_PATH=$(CURDIR)/lab/student" in step
    assert any("exercises" in s for s in recipe("lab-instructor"))
    # the student's lab opens the student pack, not the repository (tests/test_student_lab.py
    # runs it and walks what it serves)
    assert "--ServerApp.root_dir=$(abspath $(STUDENT_PACK))" in step
    pack_rule = recipe(re.escape("$(STUDENT_PACK)/.crmkit-pack.json"))
    assert any("crmkit course student-pack" in s for s in pack_rule)


@pytest.mark.parametrize("target", ["lab", "lab-instructor"])
def test_make_lab_without_a_browser_says_which_url_to_open(target):
    """No "No web browser found" warning (it reads like a failure): JupyterLab is told not to
    look for one, and a bilingual line says which of the URLs it prints to open."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = ""  # Python's webbrowser finds nothing to run
    dry = subprocess.run(
        ["make", "-n", target], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    commands = dry.stdout.replace("\\\n", " ").splitlines()  # a command continued on a line
    launch = next(line for line in commands if "jupyter lab" in line)
    assert "--no-browser" in launch
    assert "没有浏览器" in dry.stdout
    assert "open the http://localhost URL with the token" in dry.stdout
    env["BROWSER"] = "true"  # a machine with a browser: JupyterLab opens it as before
    dry = subprocess.run(
        ["make", "-n", target], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert "--no-browser" not in dry.stdout and "没有浏览器" not in dry.stdout


@pytest.mark.slow
def test_the_students_jupyterlab_has_no_instructor_tools_warning_or_news(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    server, base, token = start_lab(root, tmp_path, config=STUDENT_CONFIG)
    try:
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=30) as response:
            page = response.read().decode("utf-8")
        disabled = re.search(r'"disabledExtensions": \[([^\]]*)\]', page)
        assert disabled, "the page config lists no disabled extensions"
        assert '"@jupyter/nbgrader"' in disabled.group(1)  # every nbgrader panel and menu
        assert '"@jupyterlab/apputils-extension:announcements"' in disabled.group(
            1
        )  # the news pop-up
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/formgrader?token={token}", timeout=30)
        assert missing.value.code == 404
    finally:
        stop(server)
    log = (tmp_path / "jupyter.log").read_text()
    assert "nbgrader_config.py" not in log and "nbgrader" not in log.lower(), log[-2000:]
