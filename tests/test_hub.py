"""A short term on a real JupyterHub on this machine, as docs/deployment.md sets one up.

Real parts: JupyterHub (from PyPI, in the environment ``make hub-env`` builds from the system's
Python), ``configurable-http-proxy``, Linux accounts made here (an instructor, a teaching
assistant, the course account and three students; PAM logs them in with their passwords), the
local process spawner (each user's server runs as that user), nbgrader's exchange in a folder of
mode 1777, the formgrader as a hub service run by the course account for the instructor and the
assistant, the gradebook in the PostgreSQL ``make test`` starts (a role and database of this run),
headless Chromium for one student. The hub's configuration is docs/deployment/jupyterhub_config.py
with this run's names, folders and ports.

The term: the course account generates and releases ``segmentation``. Student 1, in the browser,
logs in, opens the assignment list, fetches, sees their own data, answers a code task, a widget
task and the written question, saves and submits. Students 2 and 3 work through their own
servers (the assignment list's API, the contents API and their kernels); 3 hands in after the
due date. The course account collects, ``crmkit course autograde`` grades as root in its sandbox,
the assistant and the instructor grade the written answers in the formgrader's API at the same
time, feedback is released, student 1 fetches it in the browser and reads their score on the
feedback page, and the scores are exported for Canvas.

What must not be possible, tried from students' own kernels: reading the course's ``source/``,
its config, the gradebook or the formgrader; finding another student's submission; moving the
course's exchange folder or changing the released assignment; a submission in a classmate's name
collected as theirs; a link in a submission collected through; changing a submission after it was
collected; a late submission renamed to an earlier time recorded as on time.

Everything made here (accounts, processes, ports, the database and role, the folder under /tmp,
the hub host's CPU cgroup) is removed afterwards, also when the test fails; a later run removes
what a killed run left. The hub and what it starts run in a CPU cgroup of their own, as under a
systemd unit, so other jobs on the machine slow the term down but do not starve the hub.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
import requests
from answer_fixtures import drawn_shop_customers, term_context, tier_service_answers
from hub_session import (
    DOCS_HUB_CONFIG,
    DOCS_NBGRADER_CONFIG,
    HUB_ENV_VAR,
    PREFIX,
    Account,
    Hub,
    HubHost,
    UserServer,
    as_user,
    free_port,
    give_to,
    gradebook_database,
    make_account,
    postgres_port,
    remove_run_accounts,
    run_group,
    start_hub,
    stop_hub,
    stop_leftovers,
    sweep_stale_accounts,
    sweep_stale_databases,
    wait_for,
    with_values,
)
from jupyterlab_session import (
    CHROMIUM,
    CHROMIUM_ARGS,
    needs_chromium,
    open_in_lab,
    quiet_settings,
    run_all_cells,
    wait_until_idle,
)

from crmkit.course.scenarios import SERVICE_ACTIONS, SHOP_TIERS
from crmkit.grading.submissions import handed_in, partly_solved

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
DOCS_SERVER_CONFIG = REPO / "docs" / "deployment" / "formgrader_server_config.json"
COURSE_ID = "crm-casebook"
ASSIGNMENT = "segmentation"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
URL_ENV = "CRMKIT_TEST_POSTGRES_URL"
ROLES = ("teacher", "ta", "grader", "s1", "s2", "s3")
LABELS = {code: label for label, code in [*SHOP_TIERS, *SERVICE_ACTIONS]}
WRITTEN_ANSWER = (
    "单笔高额顾客约二十人，我建议专人回访 / About twenty one-off buyers: call them back"
)
SCREENSHOTS = os.environ.get("CRMKIT_SCREENSHOTS")

pytestmark = [
    pytest.mark.hub,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.postgres,
    needs_chromium,
]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def hub_env() -> Path:
    """The hub's environment (``make hub-env``; ``make test`` passes its path)."""
    value = os.environ.get(HUB_ENV_VAR)
    if not value:
        pytest.skip(f"{HUB_ENV_VAR} is not set: run `make test` (it builds the hub environment)")
    if os.geteuid() != 0:
        pytest.skip("makes Linux accounts and runs JupyterHub's local spawner: run as root")
    env = Path(value).resolve()
    for program in ("jupyterhub", "jupyterhub-singleuser", "configurable-http-proxy", "crmkit"):
        assert (env / "bin" / program).exists(), f"{env}/bin/{program} missing: run make hub-env"
    return env


@pytest.fixture
def term_folder() -> Path:
    """A folder every account may pass through (/tmp/<prefix><pid>-*, mode 755); removed after,
    with the folders of earlier runs whose process is gone."""
    for stale in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = re.match(rf"{PREFIX}(\d+)-", stale.name)
        if pid and not Path(f"/proc/{pid.group(1)}").exists():
            stop_leftovers(stale)
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def accounts(term_folder, host) -> dict[str, Account]:
    """The term's Linux accounts by role; removed afterwards with their processes (before the
    hub host's cgroup goes)."""
    sweep_stale_accounts()
    homes = term_folder / "home"
    homes.mkdir(mode=0o755)
    made: dict[str, Account] = {}
    try:
        for role in ROLES:
            made[role] = make_account(role, homes)
        yield made
    finally:
        remove_run_accounts()


@pytest.fixture
def gradebook_url(hub_env) -> str:
    base = os.environ.get(URL_ENV)
    if not base:
        pytest.skip(f"{URL_ENV} is not set: run `make test` (it starts PostgreSQL)")
    port = postgres_port(base)
    sweep_stale_databases(port)
    with gradebook_database(port) as url:
        yield url


@pytest.fixture
def host(hub_env) -> HubHost:
    """The hub host's CPU cgroup (hub_session.HubHost); removed after everything in it ended."""
    made = HubHost()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def hub_holder(host):
    """Where the test puts its hub, so it is stopped even when the test fails."""
    holder: dict[str, Hub] = {}
    yield holder
    if "hub" in holder:
        stop_hub(holder["hub"])


# ---------------------------------------------------------------- the course, as the guide has it


def commands_env(env: Path, folder: Path) -> dict[str, str]:
    """What a command run by hand on the hub host sees (/etc/jupyter is folder/etc/jupyter)."""
    return {
        "PATH": f"{env}/bin:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "JUPYTER_CONFIG_PATH": str(folder / "etc" / "jupyter"),
    }


def set_up_exchange(folder: Path) -> Path:
    """The exchange (mode 1777) and the global nbgrader_config.py (docs, section 3)."""
    exchange = folder / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    etc = folder / "etc" / "jupyter"
    etc.mkdir(parents=True)
    (etc / "nbgrader_config.py").write_text(
        with_values(DOCS_NBGRADER_CONFIG, {"EXCHANGE": str(exchange), "COURSE": COURSE_ID})
    )
    for path in (folder / "etc", etc):
        path.chmod(0o755)
    return exchange


def set_up_course(grader: Account, db_url: str, env: Path, folder: Path, host: HubHost) -> Path:
    """The course folder in the course account's home (mode 700) and its formgrader's config,
    the formgrader and create-assignment turned on for that account only (docs, section 3)."""
    course = grader.home / COURSE_ID
    course.mkdir()
    shutil.copy2(EXERCISES / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(
        EXERCISES / "source",
        course / "source",
        ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "widget_answers.json", "student_id.txt"
        ),
    )
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\n# the department's gradebook\nc.CourseDirectory.db_url = {db_url!r}\n")
    (grader.home / ".jupyter").mkdir()
    (grader.home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
    )
    give_to(grader, grader.home)
    course.chmod(0o700)
    jupyter = env / "bin" / "jupyter"
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
        as_user(
            grader,
            [jupyter, "labextension", "enable", "--level=user", plugin],
            commands_env(env, folder),
            host,
        )
    # (`jupyter server extension enable --user` refuses an extension installed for the whole
    # environment, "could not be found", and exits 0: the guide gives the file instead)
    shutil.copy(DOCS_SERVER_CONFIG, grader.home / ".jupyter" / "jupyter_server_config.json")
    give_to(grader, grader.home / ".jupyter")
    return course


def hub_config(env: Path, accounts: dict[str, Account]) -> str:
    """docs/deployment/jupyterhub_config.py with this run's accounts, folders and port."""
    return with_values(
        DOCS_HUB_CONFIG,
        {
            "HUB_ENV": str(env),
            "COURSE": COURSE_ID,
            "COURSE_ACCOUNT": accounts["grader"].name,
            "COURSE_HOME": str(accounts["grader"].home),
            "INSTRUCTORS": [accounts["teacher"].name],
            "ASSISTANTS": [accounts["ta"].name],
            "STUDENTS": [accounts[s].name for s in ("s1", "s2", "s3")],
            "FORMGRADER_PORT": free_port(),
        },
    )


# ---------------------------------------------------------------- the gradebook, read directly

RECORDED_SQL = """
    SELECT sa.student_id, sa.timestamp, a.duedate,
           sum(coalesce(g.manual_score, g.auto_score, 0) + coalesce(g.extra_credit, 0))
    FROM submitted_assignment sa
    JOIN assignment a ON a.id = sa.assignment_id
    JOIN submitted_notebook sn ON sn.assignment_id = sa.id
    JOIN grade g ON g.notebook_id = sn.id
    WHERE a.name = %s
    GROUP BY sa.student_id, sa.timestamp, a.duedate
"""
CELL_SQL = """
    SELECT bc.name, coalesce(g.manual_score, g.auto_score)
    FROM grade g
    JOIN base_cell bc ON bc.id = g.cell_id
    JOIN submitted_notebook sn ON sn.id = g.notebook_id
    JOIN submitted_assignment sa ON sa.id = sn.assignment_id
    WHERE sa.student_id = %s
"""


def query(db_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, connect_timeout=10) as connection:
        return connection.execute(sql, params).fetchall()


# ---------------------------------------------------------------- what students try

# Each probe prints one JSON line: what happened when the student tried.
PROBES = r"""
import json, os, subprocess, sys

def attempt(what, action):
    try:
        action()
    except Exception as error:
        print(json.dumps({"what": what, "result": type(error).__name__}))
    else:
        print(json.dumps({"what": what, "result": "done"}))

def read(path):
    with open(path, "rb") as handle:
        handle.read(1)

def connect(conninfo):
    import psycopg
    psycopg.connect(conninfo, connect_timeout=5).close()

def formgrader():
    import requests
    reply = requests.get(
        SERVICE + "/formgrader/api/submissions/segmentation",
        headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]},
        allow_redirects=False, timeout=60,
    )
    if reply.status_code != 200:
        raise PermissionError(reply.status_code)

SOURCE = COURSE + "/source/segmentation/segmentation.ipynb"
INBOUND = EXCHANGE + "/crm-casebook/inbound"
RELEASED = EXCHANGE + "/crm-casebook/outbound/segmentation/segmentation.ipynb"
OVER_TCP = f"host=localhost dbname={DATABASE}"
attempt("read the course's source/", lambda: read(SOURCE))
attempt("list the course folder", lambda: os.listdir(COURSE))
attempt("read the course's config (the gradebook's password)",
        lambda: read(COURSE + "/nbgrader_config.py"))
attempt("read the formgrader's config", lambda: read(GRADER_HOME + "/.jupyter/nbgrader_config.py"))
attempt("gradebook over the socket, as myself", lambda: connect(f"dbname={DATABASE}"))
attempt("gradebook over the socket, as the course's role",
        lambda: connect(f"dbname={DATABASE} user={ROLE}"))
attempt("gradebook over TCP without a password", lambda: connect(f"{OVER_TCP} user={ROLE}"))
attempt("gradebook as the test machine's role",
        lambda: connect(f"{OVER_TCP} user=crmkit password=crmkit"))
attempt("the formgrader's API with my server's token", formgrader)
attempt("list the exchange's inbound folder", lambda: os.listdir(INBOUND))
attempt("read a classmate's home", lambda: os.listdir(CLASSMATE_HOME))
attempt("move the course's exchange folder",
        lambda: os.rename(EXCHANGE + "/crm-casebook", EXCHANGE + "/mine"))
attempt("change the released assignment", lambda: open(RELEASED, "a").close())
"""
REFUSED = ("PermissionError", "OperationalError")


def hidden_lines(notebook: dict) -> list[str]:
    """The longer lines of the notebook's hidden tests (what must never reach a student)."""
    lines = []
    for cell in notebook["cells"]:
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.S):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) >= 25]
    return lines


def leaks(hidden: list[str], text: str) -> list[str]:
    """The hidden lines found in ``text`` (HTML entities read as their characters)."""
    text = html.unescape(text)
    return [line for line in hidden if line in text]


def notebook_text(notebook: dict) -> str:
    return "\n".join(
        cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for cell in notebook["cells"]
    )


def probe_results(outcome) -> dict[str, str]:
    assert outcome.error is None, outcome.error
    lines = [json.loads(line) for line in outcome.stdout.splitlines() if line.startswith("{")]
    return {line["what"]: line["result"] for line in lines}


# Student 2 makes a submission folder of their own in the inbound folder (they cannot list it,
# but they may write there): their work, plus a link to the course's source notebook and a cell
# printing whatever that link gives the grading kernel.
PLANT_LINK = r"""
import os, shutil, datetime, secrets
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
planted = f"{EXCHANGE}/crm-casebook/inbound/{ME}+segmentation+{stamp}+{secrets.token_hex(4)}"
shutil.copytree(os.path.expanduser("~/segmentation"), planted)
os.symlink(COURSE + "/source/segmentation/segmentation.ipynb", planted + "/answer_key.ipynb")
with open(planted + "/timestamp.txt", "w") as handle:
    handle.write(stamp)
print(planted)
"""
# Student 3, after the due date: a submission stating a time two hours earlier.
BACKDATE = r"""
import os, shutil, datetime, secrets
early = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
stamp = early.strftime("%Y-%m-%d %H:%M:%S.%f %Z")
forged = f"{EXCHANGE}/crm-casebook/inbound/{ME}+segmentation+{stamp}+{secrets.token_hex(4)}"
shutil.copytree(os.path.expanduser("~/segmentation"), forged)
with open(forged + "/timestamp.txt", "w") as handle:
    handle.write(stamp)
print(forged)
"""
LEAK_CELL = (
    "try:\n"
    "    print(open('answer_key.ipynb').read())\n"
    "except OSError as error:\n"
    "    print('no answer key:', type(error).__name__)"
)


# ---------------------------------------------------------------- the browser student


def in_notebook(page, script: str, *args):
    """Run ``script`` (a function body using ``panel`` and ``args``) on the open notebook."""
    return page.evaluate(
        """async ([path, script, args]) => {
            for (const panel of window.jupyterapp.shell.widgets('main')) {
                if (panel.context && panel.context.path === path && panel.content) {
                    return await (new Function('panel', 'args',
                        'return (async () => {' + script + '})()'))(panel, args);
                }
            }
            throw new Error('no open notebook at ' + path);
        }""",
        [NOTEBOOK, script, list(args)],
    )


def edit_cell(page, grade_id: str, text: str, run: str = "Shift+Enter") -> None:
    """Click into the cell ``grade_id``, select all, type ``text``, run it (``run``: Shift+Enter
    runs it and moves on, Control+Enter stays)."""
    in_notebook(
        page,
        """
        const notebook = panel.content;
        const index = notebook.widgets.findIndex(
            cell => (cell.model.getMetadata('nbgrader') || {}).grade_id === args[0]);
        if (index < 0) throw new Error('no cell ' + args[0]);
        window.jupyterapp.shell.activateById(panel.id);
        notebook.activeCellIndex = index;
        notebook.activeCell.node.scrollIntoView();
        notebook.mode = 'edit';
        notebook.activeCell.editor.focus();
        """,
        grade_id,
    )
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    page.keyboard.press(run)


def cell_errors(page, grade_id: str) -> list[str]:
    return in_notebook(
        page,
        """
        const cell = panel.content.widgets.find(
            cell => (cell.model.getMetadata('nbgrader') || {}).grade_id === args[0]);
        return cell.model.outputs.toJSON()
            .filter(output => output.output_type === 'error')
            .map(output => output.ename + ': ' + output.evalue);
        """,
        grade_id,
    )


def solution_code(source: dict, grade_id: str) -> str:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of a source cell."""
    for cell in source["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            found = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S)
            return found.group(1)
    raise KeyError(grade_id)


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"hub_{name}.png"))


def open_assignment_list(page) -> None:
    """Nbgrader › Assignment List, from JupyterLab's menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()


def assignment_row(page, section: str):
    return page.locator(f"#{section}_assignments_list .list_item", has_text=ASSIGNMENT).first


def browser_student_hands_in(page, hub: Hub, student: Account, source: dict) -> None:
    """Student 1: logs in, fetches, sees their data, answers, saves and submits in JupyterLab."""
    from playwright.sync_api import expect

    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(student.name)
    page.locator("#password_input").fill(student.password)
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf".*/user/{student.name}/lab.*"), timeout=240_000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")

    open_assignment_list(page)
    released = assignment_row(page, "released")
    expect(released).to_be_visible(timeout=60_000)
    shot(page, "assignment_list")
    released.get_by_role("button", name="Fetch").click()
    fetched = assignment_row(page, "fetched")
    expect(fetched.get_by_role("button", name="Submit")).to_be_visible(timeout=120_000)

    open_in_lab(page, NOTEBOOK)
    run_all_cells(page, NOTEBOOK)
    # their own data: the id box names their login, and the five customers drawn for them
    expect(page.get_by_text(f"学号 / Student id: {student.name}（JupyterHub")).to_be_visible()
    # the course is the published term (set_up_course copies exercises/source)
    term = term_context(EXERCISES, "segmentation")
    customers = list(drawn_shop_customers(student.name, term)["customer"])
    for customer in customers:
        expect(page.get_by_text(customer, exact=True).first).to_be_attached()

    # a code task: the RFM table, then its visible test
    edit_cell(page, "rfm_answer", solution_code(source, "rfm_answer"))
    page.keyboard.press("Shift+Enter")  # the test cell below it
    wait_until_idle(page, NOTEBOOK)
    assert cell_errors(page, "rfm_tests") == [], "the visible test fails on a right answer"

    # a widget task: a tier and an action for each customer, in the drop-downs
    right = tier_service_answers(student.name, term)
    wanted = [right["customer_tiers"][c] for c in customers]
    wanted += [right["tier_service"][c] for c in customers]
    dropdowns = page.locator(".widget-dropdown select")
    expect(dropdowns).to_have_count(len(wanted), timeout=60_000)
    for index, code in enumerate(wanted):
        select = dropdowns.nth(index)
        labels = [t.replace("\xa0", " ") for t in select.locator("option").all_text_contents()]
        select.select_option(index=labels.index(LABELS[code]))

    # the written question, the last cell (Shift+Enter would add a cell below it)
    edit_cell(page, "discussion", WRITTEN_ANSWER, run="Control+Enter")
    shot(page, "answered")
    page.keyboard.press("Control+s")
    in_notebook(
        page,
        """
        const deadline = Date.now() + 60000;
        while (panel.context.model.dirty) {
            if (Date.now() > deadline) throw new Error('the notebook was not saved');
            await new Promise(resolve => setTimeout(resolve, 200));
        }""",
    )
    saved = student.home / ASSIGNMENT / "widget_answers.json"
    wait_for(
        "the drop-down answers saved",
        lambda: (
            saved.exists()
            and {k: json.loads(saved.read_text())["answers"].get(k) for k in right} == right
        ),
        60,
    )

    page.evaluate("() => window.jupyterapp.shell.activateById('nbgrader-assignment-list')")
    assignment_row(page, "fetched").get_by_role("button", name="Submit").click()
    expect(assignment_row(page, "submitted")).to_be_visible(timeout=120_000)
    shot(page, "submitted")


def browser_student_reads_feedback(page, expected_total: str) -> str:
    """Student 1: fetches the feedback in the assignment list and opens the page; its text."""
    from playwright.sync_api import expect

    page.evaluate("() => window.jupyterapp.shell.activateById('nbgrader-assignment-list')")
    page.locator("#refresh_assignments_list").click()
    submitted = assignment_row(page, "submitted")
    submitted.get_by_role("button", name="Fetch Feedback").click()
    view = page.get_by_text("(view feedback)")
    expect(view).to_be_visible(timeout=120_000)
    view.click()
    page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html").dblclick()
    frame = page.frame_locator(".jp-HTMLViewer iframe")
    expect(frame.get_by_text(expected_total).first).to_be_visible(timeout=60_000)
    shot(page, "feedback")
    return frame.locator("body").inner_text()


# ---------------------------------------------------------------- the term


def test_a_term_on_jupyterhub(hub_env, term_folder, accounts, gradebook_url, host, hub_holder):
    from playwright.sync_api import sync_playwright

    began = last = time.monotonic()

    def step(name: str) -> None:
        """Print how long the part before ``name`` took (pytest shows it with -s or a failure)."""
        nonlocal last
        now = time.monotonic()
        print(f"{now - began:6.1f} s  {now - last:5.1f} s  {name}", flush=True)
        last = now

    env, folder = hub_env, term_folder
    teacher, ta, grader = accounts["teacher"], accounts["ta"], accounts["grader"]
    s1, s2, s3 = accounts["s1"], accounts["s2"], accounts["s3"]
    run = commands_env(env, folder)

    def as_grader(*command: str) -> str:
        result = as_user(grader, command, run, host, cwd=course)
        return result.stdout + result.stderr

    # -- the department's set-up (docs/deployment.md, sections 2-4)
    exchange = set_up_exchange(folder)
    course = set_up_course(grader, gradebook_url, env, folder, host)
    step("course set up")
    hub = hub_holder["hub"] = start_hub(
        env, folder / "hub", hub_config(env, accounts), host, service_uids={grader.uid}
    )
    step(f"hub started ({hub.attempts} start{'s' if hub.attempts > 1 else ''})")
    for student in (s2, s3):
        hub.start_server(student.name)
    as_grader("crmkit", "course", "generate", ASSIGNMENT)
    as_grader("nbgrader", "release_assignment", ASSIGNMENT)
    step("generated and released")
    source = json.loads((course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    hidden = hidden_lines(source)
    assert len(hidden) > 10 and leaks(hidden, notebook_text(source)) == hidden

    # -- student 1, in the browser
    (s1.home / ".jupyter" / "lab").mkdir(parents=True)
    quiet_settings(s1.home / ".jupyter" / "lab" / "user-settings")
    give_to(s1, s1.home / ".jupyter")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            browser_student_hands_in(page, hub, s1, source)
            step("student 1 handed in, in the browser")

            # -- students 2 and 3, through their own servers
            servers = {}
            for student in (s2, s3):
                hub.wait_server(student.name)
                servers[student.name] = UserServer(
                    hub.url, student.name, hub.new_token(student.name, "term test")
                )
            two, three = servers[s2.name], servers[s3.name]
            for server in (two, three):
                listed = server.assignments("fetch", COURSE_ID, ASSIGNMENT)["value"]
                assert any(a["status"] == "fetched" for a in listed), listed
            released = nbformat.from_dict(two.read(NOTEBOOK))
            assert not leaks(hidden, notebook_text(released)), "the release holds hidden tests"
            two.write_notebook(NOTEBOOK, handed_in(nbformat.from_dict(source), released))
            two.assignments("submit", COURSE_ID, ASSIGNMENT)
            three.write_notebook(NOTEBOOK, partly_solved(nbformat.from_dict(source), released, 0.5))

            step("students 2 and 3 fetched, 2 handed in")
            # -- what student 2 tries from their kernel
            kernel = two.kernel()
            names = query(gradebook_url, "SELECT current_user, current_database()")[0]
            setting = (
                f"COURSE = {str(course)!r}; GRADER_HOME = {str(grader.home)!r}; "
                f"EXCHANGE = {str(exchange)!r}; CLASSMATE_HOME = {str(s1.home)!r}; "
                f"ROLE = {names[0]!r}; DATABASE = {names[1]!r}; ME = {s2.name!r}; "
                f"SERVICE = {hub.url + '/services/' + COURSE_ID!r}\n"
            )
            tried = probe_results(kernel.run(setting + PROBES))
            assert len(tried) == 13, tried
            allowed = {what: result for what, result in tried.items() if result not in REFUSED}
            assert not allowed, f"a student could: {allowed}"
            # a submission in student 1's name, newer than theirs
            forged = kernel.run(
                "import subprocess\n"
                f"print(subprocess.run(['nbgrader', 'submit', 'segmentation', '--student', "
                f"{s1.name!r}], capture_output=True, text=True).stderr)"
            )
            assert "Submitted as" in forged.stdout, forged
            # their own work again, with a link to the course's source and a cell printing it
            with_leak = nbformat.from_dict(two.read(NOTEBOOK))
            with_leak.cells.append(nbformat.v4.new_code_cell(LEAK_CELL))
            two.write_notebook(NOTEBOOK, with_leak)
            planted = kernel.run(setting + PLANT_LINK)
            assert planted.error is None, planted
            planted_folder = Path(planted.stdout.strip())

            step("student 2's tricks")
            # -- the due date passes; student 3 hands in late, stating an earlier time
            time.sleep(1)
            due = datetime.now(UTC)
            as_grader("nbgrader", "db", "assignment", "add", ASSIGNMENT,
                      f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC")  # fmt: skip
            time.sleep(1)
            backdated = three.kernel().run(
                f"EXCHANGE = {str(exchange)!r}; ME = {s3.name!r}\n" + BACKDATE
            )
            assert backdated.error is None, backdated

            step("due date, student 3 late")
            # -- collect
            collected = as_grader("nbgrader", "collect", ASSIGNMENT)
            submitted = course / "submitted"
            assert sorted(p.name for p in submitted.iterdir()) == sorted(
                s.name for s in (s1, s2, s3)
            ), collected
            s1_notebook = (submitted / s1.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
            assert WRITTEN_ANSWER in s1_notebook, "student 1's own work was collected"
            assert not (submitted / s2.name / ASSIGNMENT / "answer_key.ipynb").exists()
            assert f"is not a folder owned by {s1.name} (handed in by {s2.name})" in collected
            assert "answer_key.ipynb: not a regular file or folder" in collected, collected

            # -- after collection, student 2 changes what they handed in
            kept = (submitted / s2.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
            changed = kernel.run(
                f"path = {str(planted_folder / f'{ASSIGNMENT}.ipynb')!r}\n"
                "open(path, 'w').write('{}')\n"
                f"try:\n    open({str(submitted / s2.name / ASSIGNMENT / 'x')!r}, 'w')\n"
                "except PermissionError:\n    print('refused')"
            )
            assert changed.error is None and "refused" in changed.stdout, changed
            as_grader("nbgrader", "collect", ASSIGNMENT)
            assert (submitted / s2.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == kept
            kernel.close()

            step("collected, twice")
            # -- autograde as root, in the sandbox (docs, section 6), and give the folder back
            graded = run_group(
                [env / "bin" / "crmkit", "course", "autograde", "--course", str(course),
                 "--jobs", "2", ASSIGNMENT],
                {**run, "HOME": str(folder / "hub")}, course, host, 900, True,
            )  # fmt: skip
            give_to(grader, course)
            recorded = {
                row[0]: row[1:] for row in query(gradebook_url, RECORDED_SQL, (ASSIGNMENT,))
            }
            assert sorted(recorded) == sorted(s.name for s in (s1, s2, s3)), graded.stdout
            for student in (s1, s2):
                assert recorded[student.name][0] <= recorded[student.name][1], "on time"
            assert recorded[s3.name][0] > recorded[s3.name][1], "student 3 is recorded late"
            cells = dict(query(gradebook_url, CELL_SQL, (s1.name,)))
            assert cells["rfm_tests"] == 2 and cells["tier_service_tests"] == 3, cells
            assert recorded[s2.name][2] == 17, "the solution earns every automatic point"

            step("autograded")
            # -- the assistant and the instructor grade written answers at the same time
            plan = [(ta, s1, 2.0), (teacher, s2, 3.0), (ta, s3, 1.0)]
            grades = grade_written_answers(hub, plan)
            assert grades == {student.name: score for _, student, score in plan}, grades
            refused = requests.get(  # a student's own token, on the formgrader
                f"{hub.url}/services/{COURSE_ID}/formgrader/api/submissions/{ASSIGNMENT}",
                headers={"Authorization": f"token {two.token}"},
                allow_redirects=False,
                timeout=60,
            )
            assert refused.status_code == 403, refused.status_code

            step("written answers graded in the formgrader")
            # -- feedback
            as_grader("crmkit", "course", "feedback", ASSIGNMENT)
            as_grader("nbgrader", "release_feedback", ASSIGNMENT)
            totals = {
                row[0]: float(row[3]) for row in query(gradebook_url, RECORDED_SQL, (ASSIGNMENT,))
            }
            assert totals[s1.name] == 7, totals
            step("feedback generated and released")
            text = browser_student_reads_feedback(page, "总分 7 / 20")
            step("student 1 read the feedback, in the browser")
            assert "total 7 / 20 (written answer included)" in text, text[:2000]
            pages = [text] + [p.read_text() for p in (course / "feedback").rglob("*.html")]
            assert len(pages) == 4 and not any(leaks(hidden, page) for page in pages)
            s2_feedback = course / "feedback" / s2.name / ASSIGNMENT / f"{ASSIGNMENT}.html"
            assert "no answer key: FileNotFoundError" in s2_feedback.read_text()
        finally:
            browser.close()

    # -- scores for Canvas
    roster = course / "roster.csv"
    roster.write_text(
        "student_id,canvas_id,name,section\n"
        + "".join(
            f"{s.name},{1001 + i},Student {i + 1},CRM-1\n" for i, s in enumerate((s1, s2, s3))
        )
    )
    give_to(grader, roster)
    as_grader("crmkit", "course", "export", "--format", "canvas", "--roster", "roster.csv",
              "--to", "grades_canvas.csv")  # fmt: skip
    rows = list(csv.reader(io.StringIO((course / "grades_canvas.csv").read_text("utf-8-sig"))))
    column = next(i for i, name in enumerate(rows[0]) if name.startswith(ASSIGNMENT))
    assert "Points Possible" in rows[1][0] and float(rows[1][column]) == 20, rows[:2]
    exported = {row[1]: float(row[column]) for row in rows[2:]}
    assert exported == {str(1001 + i): totals[s.name] for i, s in enumerate((s1, s2, s3))}, rows
    step("exported for Canvas")


def grade_written_answers(hub: Hub, plan: list[tuple[Account, Account, float]]) -> dict:
    """Each grader of ``plan`` (grader, student, score) grades that student's written answer in
    the formgrader's web API through the hub, all at the same time; returns the manual scores
    the gradebook then holds, by student."""
    api = f"{hub.url}/services/{COURSE_ID}/formgrader/api"
    tokens = {who.name: hub.new_token(who.name, "formgrader") for who, _, _ in plan}

    def get(who: Account, path: str):
        reply = requests.get(
            f"{api}/{path}", headers={"Authorization": f"token {tokens[who.name]}"}, timeout=120
        )
        assert reply.status_code == 200, (path, reply.status_code, reply.text[:500])
        return reply.json()

    first = plan[0][0]
    wait_for(
        "the formgrader service",
        lambda: requests.get(
            f"{api}/status", headers={"Authorization": f"token {tokens[first.name]}"}, timeout=60
        ).status_code == 200,
        180,
    )  # fmt: skip
    notebooks = get(first, f"submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
    by_student = {n["student"]: n["id"] for n in notebooks}
    failures: list[BaseException] = []

    def grade(who: Account, student: Account, score: float) -> None:
        try:
            grades = get(who, f"grades?submission_id={by_student[student.name]}")
            written = next(g for g in grades if g["name"] == "discussion")
            reply = requests.put(
                f"{api}/grade/{written['id']}",
                headers={"Authorization": f"token {tokens[who.name]}"},
                json={"manual_score": score, "extra_credit": 0},
                timeout=120,
            )
            assert reply.status_code == 200, (reply.status_code, reply.text[:500])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    workers = [threading.Thread(target=grade, args=step) for step in plan]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not failures, failures
    result = {}
    for who, student, _ in plan:
        grades = get(who, f"grades?submission_id={by_student[student.name]}")
        result[student.name] = next(g for g in grades if g["name"] == "discussion")["manual_score"]
    return result
