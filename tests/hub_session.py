"""A real JupyterHub on this machine for tests/test_hub.py, and everything it needs cleaned up.

* **Accounts**: real Linux accounts named ``crmhubt<pid>-<role>`` (``PREFIX``, then the id of
  the test process that made them), homes of mode 700 under the test's own folder. An account
  whose process is gone (a run killed before its clean-up) is removed by the next run.
* **The hub host**: the hub and everything it starts, and the commands run on the host, share a
  CPU cgroup weighted as a systemd unit's would be (:class:`HubHost`).
* **Commands as a user**: started with the account's user and group ids (no login shell), in
  a session of their own, with a clean environment.
* **The gradebook**: a PostgreSQL role and database of the run's own, with a random password,
  made and dropped through the local server's ``postgres`` account (as ``make postgres`` does).
* **The hub**: ``docs/deployment/jupyterhub_config.py`` with the test's accounts, folders and
  ports put in place of its first block, plus the test's own settings (ports, state folder, an
  external ``configurable-http-proxy``, a driver service with the admin role). Hub and proxy run
  in process groups of their own; users' servers and the formgrader service run as their accounts,
  so killing every process of the run's accounts ends them.
* **Clients**: the hub's REST API (as the driver), a user's server (with a token of that user),
  code run in a user's kernel over the server's websocket, as the student would run it.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
DOCS_HUB_CONFIG = REPO / "docs" / "deployment" / "jupyterhub_config.py"
DOCS_NBGRADER_CONFIG = REPO / "docs" / "deployment" / "nbgrader_config.py"
PREFIX = "crmhubt"  # "crm hub test": no real account starts so
HUB_ENV_VAR = "CRMKIT_HUB_ENV"
DRIVER = "term-driver"
# cgroup v1 and v2: where CPU weights are set; HOST_WEIGHT is systemd's CPUWeight=400
CGROUP_V1, CGROUP_V2 = Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup")
HOST_WEIGHT = 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    """``check()``'s first true value, asked every ``every`` seconds; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(every)


# ---------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: Path
    password: str


def account_name(role: str) -> str:
    return f"{PREFIX}{os.getpid()}-{role}"


def _run_of(name: str) -> int | None:
    found = re.fullmatch(rf"{PREFIX}(\d+)(?:[-_].*)?", name)
    return int(found.group(1)) if found else None


def _gone(pid: int) -> bool:
    return pid == os.getpid() or not Path(f"/proc/{pid}").exists()


def sweep_stale_accounts() -> None:
    """Remove accounts of runs whose process is gone (killed before they cleaned up)."""
    for entry in pwd.getpwall():
        run = _run_of(entry.pw_name)
        if run is not None and _gone(run):
            remove_account(entry.pw_name)


def remove_run_accounts() -> None:
    """Remove every account this test process made (also one a failed ``useradd`` left)."""
    for entry in pwd.getpwall():
        if _run_of(entry.pw_name) == os.getpid():
            remove_account(entry.pw_name)


def make_account(role: str, homes: Path) -> Account:
    """A new Linux account for ``role``, home ``homes/<name>`` (mode 700), a random password."""
    name = account_name(role)
    home = homes / name
    subprocess.run(
        ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin",
         "--comment", "crmkit hub test", "--user-group", name],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    password = secrets.token_urlsafe(18)
    subprocess.run(
        ["chpasswd"], input=f"{name}:{password}\n", check=True, capture_output=True, text=True
    )
    home.chmod(0o700)
    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid, home, password)


def processes_of(uids: set[int]) -> list[int]:
    """Ids of the processes running as any of ``uids``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        real = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.M)
        if real and {int(real.group(1)), int(real.group(2))} & uids:
            found.append(int(entry.name))
    return found


def kill_processes_of(uids: set[int], timeout: float = 20) -> None:
    """SIGKILL every process of ``uids`` until none is left."""
    deadline = time.monotonic() + timeout
    while pids := processes_of(uids):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {pids} of accounts {sorted(uids)} do not end")
        time.sleep(0.2)


def remove_account(name: str) -> None:
    """Stop the account's processes and delete it, its group and its home."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    kill_processes_of({entry.pw_uid})
    subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
    subprocess.run(["groupdel", name], capture_output=True, check=False)
    if Path(entry.pw_dir).name == name:
        shutil.rmtree(entry.pw_dir, ignore_errors=True)


def give_to(account: Account, *paths: Path) -> None:
    """Make ``paths`` (and everything under them) the account's, links included."""
    for top in paths:
        for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
            os.chown(path, account.uid, account.gid, follow_symlinks=False)


def as_user(
    account: Account,
    command: Sequence[str | Path],
    env: Mapping[str, str],
    host: HubHost,
    cwd: Path | None = None,
    timeout: float = 300,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """``command`` run on the hub host as ``account`` (its ids, no supplementary groups), in its
    own session, with ``env`` as its whole environment; killed with its group after ``timeout``."""
    env = {"HOME": str(account.home), "USER": account.name, "LOGNAME": account.name, **env}
    return run_group(
        command, env, cwd or account.home, host, timeout, check,
        user=account.uid, group=account.gid, extra_groups=[],
    )  # fmt: skip


def run_group(
    command, env, cwd, host: HubHost, timeout, check, **options
) -> subprocess.CompletedProcess:
    """``command`` on the hub host, in a session of its own, killed whole when it runs past
    ``timeout``."""
    process = subprocess.Popen(
        [str(part) for part in command],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        umask=0o022,
        **options,
    )
    host.join(process.pid)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        raise AssertionError(
            f"{command} took over {timeout} s:\n{out[-2000:]}\n{err[-3000:]}"
        ) from None
    finally:
        try:  # anything it left running in its group
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{command} exited with {result.returncode}:\n{out[-3000:]}\n{err[-3000:]}"
        )
    return result


# ---------------------------------------------------------------- the gradebook


def postgres_port(url: str) -> int:
    from sqlalchemy.engine import make_url

    return make_url(url).port or 5432


def psql_as_postgres(port: int, sql: str) -> None:
    """Run ``sql`` as the local server's superuser (its ``postgres`` account, as make postgres)."""
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-v", "ON_ERROR_STOP=1",
         "-q", "-c", sql],
        check=True, capture_output=True, text=True, cwd="/",
    )  # fmt: skip


def sweep_stale_databases(port: int) -> None:
    """Drop databases and roles of runs whose process is gone."""
    listed = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-Atqc",
         f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%' UNION "
         f"SELECT rolname FROM pg_roles WHERE rolname LIKE '{PREFIX}%'"],
        capture_output=True, text=True, cwd="/", check=False,
    )  # fmt: skip
    names = [n for n in listed.stdout.split() if (run := _run_of(n)) is not None and _gone(run)]
    for name in sorted(names, key=lambda n: not n.endswith("_db")):
        drop_database(port, name) if name.endswith("_db") else drop_role(port, name)


@contextmanager
def gradebook_database(port: int) -> Iterator[str]:
    """A role and a database of this run's own, owned by it, closed to other roles; yields the
    ``db_url`` for the course's nbgrader_config.py. Dropped afterwards."""
    role, database = f"{PREFIX}{os.getpid()}_grader", f"{PREFIX}{os.getpid()}_db"
    password = secrets.token_urlsafe(24)
    psql_as_postgres(port, f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    try:
        psql_as_postgres(port, f'CREATE DATABASE "{database}" OWNER "{role}"')
        psql_as_postgres(port, f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        yield f"postgresql+psycopg://{role}:{password}@localhost:{port}/{database}"
    finally:
        drop_database(port, database)
        drop_role(port, role)


def drop_database(port: int, name: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-q", "-c",
         f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
        capture_output=True, cwd="/", check=False,
    )  # fmt: skip


def drop_role(port: int, name: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-q", "-c",
         f'DROP ROLE IF EXISTS "{name}"'],
        capture_output=True, cwd="/", check=False,
    )  # fmt: skip


# ---------------------------------------------------------------- configuration


def with_values(path: Path, values: Mapping[str, object]) -> str:
    """The text of the config file at ``path`` with each ``NAME = ...`` line of ``values`` set
    to the value given (the file must have each)."""
    text = path.read_text(encoding="utf-8")
    for name, value in values.items():
        pattern = re.compile(rf"^{name} = .*$", re.M)
        assert pattern.search(text), f"{path.relative_to(REPO)} has no line '{name} = ...'"
        text = pattern.sub(lambda _, v=value, n=name: f"{n} = {v!r}", text, count=1)
    return text


TEST_SETTINGS = """

# ---- tests/test_hub.py only: its own ports and state, an external proxy, a driver service
c.JupyterHub.bind_url = {public_url!r}
c.JupyterHub.hub_bind_url = {hub_url!r}
c.JupyterHub.db_url = {state_db!r}
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.pid_file = {pid_file!r}
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = {proxy_api_url!r}
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
# where /etc/jupyter would be: the global nbgrader_config.py
c.Spawner.environment["JUPYTER_CONFIG_PATH"] = {jupyter_config!r}
for _service in c.JupyterHub.services:
    _service["environment"]["JUPYTER_CONFIG_PATH"] = {jupyter_config!r}
# the browser test reaches JupyterLab's application object (tests/jupyterlab_session.py)
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
c.JupyterHub.services.append({{"name": {driver!r}, "api_token": {driver_token!r}}})
c.JupyterHub.load_roles.append({{"name": "admin", "services": [{driver!r}]}})
"""


# ---------------------------------------------------------------- the hub host


class HubHost:
    """The processes of "the hub host": a CPU cgroup of their own, weighted as a systemd unit
    with ``CPUWeight=400`` would be.

    On a desktop or a shared machine the kernel gives each session (``setsid``) an equal share
    of the CPU (autogroups), whatever its ``nice``: the hub, its formgrader service, each user's
    server and each command run here are sessions of their own, each competing with every other
    job's session. A server host runs JupyterHub as a systemd unit, whose cgroup holds all of
    them. The test does the same, so the term runs as on such a host even when other jobs load
    the machine; without cgroups (or not as root) processes stay where they are.

    Closing it stops whatever still runs in it; a run that was killed leaves its cgroup, and the
    next run stops what runs there and removes it.
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        name = f"{PREFIX}{os.getpid()}"
        for root, weight_file, weight in (
            (CGROUP_V1, "cpu.shares", str(HOST_WEIGHT * 1024 // 100)),
            (CGROUP_V2, "cpu.weight", str(HOST_WEIGHT)),
        ):
            if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
                continue
            if root == CGROUP_V2 and "cpu" not in (root / "cgroup.subtree_control").read_text():
                continue
            for stale in root.glob(f"{PREFIX}*"):
                run = _run_of(stale.name)
                if run is not None and _gone(run):
                    self._remove(stale)
            try:
                (root / name).mkdir()
                (root / name / weight_file).write_text(weight)
            except OSError:
                continue
            self.folder = root / name
            return

    def join(self, pid: int) -> None:
        """Move process ``pid`` (and what it starts from now on) into the host's cgroup."""
        if self.folder is not None:
            try:
                (self.folder / "cgroup.procs").write_text(str(pid))
            except OSError:  # it has ended already
                pass

    def close(self) -> None:
        if self.folder is not None:
            self._remove(self.folder)

    @staticmethod
    def _remove(folder: Path) -> None:
        """Stop what still runs in the cgroup ``folder`` (the processes of this run's hub host,
        or of a run that was killed), then remove it."""
        for _attempt in range(100):
            pids = [int(pid) for pid in (folder / "cgroup.procs").read_text().split()]
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                folder.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def stop_leftovers(folder: Path) -> None:
    """Stop the hub and proxy a killed run left (their pid files in ``folder``/hub, checked
    against the process's working folder, so a reused pid is left alone)."""
    for pid_file in (folder / "hub").glob("*.pid"):
        try:
            pid = int(pid_file.read_text().strip())
            if Path(os.readlink(f"/proc/{pid}/cwd")) == folder / "hub":
                os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


# ---------------------------------------------------------------- the hub


@dataclass
class Hub:
    """A running hub: its public URL, the driver's token, its processes and its log, and how
    many starts it took."""

    url: str
    token: str
    hub: subprocess.Popen | None
    proxy: subprocess.Popen
    log: Path
    attempts: int = 1

    def api(self, method: str, path: str, **options) -> requests.Response:
        """A request to the hub's REST API as the driver (admin)."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.url}/hub/api/{path}", headers=headers, timeout=60, **options
        )

    def new_token(self, user: str, note: str) -> str:
        """A new API token of ``user`` (with the user's own permissions)."""
        reply = self.api("POST", f"users/{user}/tokens", json={"note": note})
        assert reply.status_code == 201, reply.text
        return reply.json()["token"]

    def start_server(self, user: str) -> None:
        reply = self.api("POST", f"users/{user}/server")
        assert reply.status_code in (201, 202), reply.text

    def wait_server(self, user: str, timeout: float = 240) -> None:
        def ready() -> bool:
            server = self.api("GET", f"users/{user}").json().get("servers", {}).get("", {})
            if not server.get("pending") and not server.get("ready") and self.hub.poll():
                raise AssertionError(f"the hub has stopped:\n{self.log_tail()}")
            return bool(server.get("ready"))

        try:
            wait_for(f"{user}'s server", ready, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None

    def log_tail(self, characters: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-characters:]


def start_hub(
    env: Path,
    folder: Path,
    config_text: str,
    host: HubHost,
    service_uids: set[int],
    attempts: int = 4,
) -> Hub:
    """The proxy and the hub, with ``config_text`` (without the test's settings, added here),
    state in ``folder`` (root's, mode 700); returns once the hub answers.

    The hub and its proxy run in ``host`` (:func:`hub_host`), so all they start does too.
    JupyterHub 5 stops when a managed service does not answer within about 10 s of its start
    (jupyterhub/jupyterhub#5138): the formgrader, a whole Jupyter server, takes 3 s of CPU to
    start. As systemd's ``Restart=on-failure`` would (docs/deployment.md), the hub is started
    again then, up to ``attempts`` times, after the service's processes (``service_uids``) are
    stopped.
    """
    folder.mkdir(mode=0o700)
    ports = {name: free_port() for name in ("public", "hub", "proxy_api")}
    proxy_token, driver_token = secrets.token_hex(32), secrets.token_hex(32)
    settings = TEST_SETTINGS.format(
        public_url=f"http://127.0.0.1:{ports['public']}",
        hub_url=f"http://127.0.0.1:{ports['hub']}",
        state_db=f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        cookie_secret=str(folder / "jupyterhub_cookie_secret"),
        pid_file=str(folder / "jupyterhub.pid"),
        proxy_api_url=f"http://127.0.0.1:{ports['proxy_api']}",
        proxy_token=proxy_token,
        jupyter_config=str(folder.parent / "etc" / "jupyter"),
        driver=DRIVER,
        driver_token=driver_token,
    )
    config = folder / "jupyterhub_config.py"
    config.write_text(config_text + settings, encoding="utf-8")
    base_env = {"PATH": f"{env}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    log = folder / "jupyterhub.log"
    with (folder / "proxy.log").open("w") as proxy_log:
        proxy = subprocess.Popen(
            [env / "bin" / "configurable-http-proxy", "--ip", "127.0.0.1",
             "--port", str(ports["public"]), "--api-ip", "127.0.0.1",
             "--api-port", str(ports["proxy_api"]),
             "--error-target", f"http://127.0.0.1:{ports['hub']}/hub/error"],
            env={**base_env, "CONFIGPROXY_AUTH_TOKEN": proxy_token, "HOME": str(folder)},
            cwd=folder, stdout=proxy_log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    host.join(proxy.pid)
    (folder / "proxy.pid").write_text(str(proxy.pid))
    running = Hub(f"http://127.0.0.1:{ports['public']}", driver_token, None, proxy, log)
    for attempt in range(1, attempts + 1):
        with log.open("a") as hub_log:
            running.hub = subprocess.Popen(
                [env / "bin" / "jupyterhub", "-f", str(config)],
                env={**base_env, "HOME": str(folder)},
                cwd=folder,
                stdout=hub_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            host.join(running.hub.pid)

        def answers() -> bool:
            if running.hub.poll() is not None or proxy.poll() is not None:
                return "exited"
            try:
                return running.api("GET", "").status_code == 200
            except requests.ConnectionError:
                return False

        try:
            state = wait_for("the hub", answers, 120)
        except AssertionError:
            stop_hub(running)
            raise
        if state is True:
            running.attempts = attempt
            return running
        slow_service = re.search(r"Cannot connect to \S+ service managed", running.log_tail(20000))
        if not slow_service or attempt == attempts or proxy.poll() is not None:
            stop_hub(running)
            raise AssertionError(f"the hub or its proxy exited:\n{running.log_tail()}")
        kill_processes_of(service_uids)
        with log.open("a") as hub_log:
            hub_log.write(
                f"\n---- tests/hub_session.py: the service was slow; start {attempt + 1}\n"
            )
    raise AssertionError("unreachable")


def stop_hub(hub: Hub) -> None:
    """Stop the hub (it stops the servers it started) and its proxy: their whole groups."""
    for process, grace in ((hub.hub, 30), (hub.proxy, 10)):
        if process is None:
            continue
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


# ---------------------------------------------------------------- a user's server and kernel


@dataclass
class UserServer:
    """A user's server reached through the hub's proxy with a token of that user."""

    hub_url: str
    user: str
    token: str

    @property
    def base(self) -> str:
        return f"{self.hub_url}/user/{self.user}"

    def request(self, method: str, path: str, **options) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.base}/{path}", headers=headers, timeout=300, **options
        )

    def assignments(self, action: str, course: str, assignment: str) -> list[dict]:
        """nbgrader's assignment list extension on this server: ``fetch``, ``submit`` or
        ``fetch_feedback``, as the Assignments tab calls it; returns the list it answers."""
        reply = self.request(
            "POST",
            f"assignments/{action}",
            params={"course_id": course, "assignment_id": assignment},
        )
        assert reply.status_code == 200, reply.text
        answer = reply.json()
        assert not (isinstance(answer, dict) and answer.get("success") is False), answer
        return answer

    def read(self, path: str) -> dict:
        reply = self.request("GET", f"api/contents/{path}", params={"content": 1})
        assert reply.status_code == 200, reply.text
        return reply.json()["content"]

    def write_notebook(self, path: str, notebook: dict) -> None:
        reply = self.request(
            "PUT", f"api/contents/{path}", json={"type": "notebook", "content": notebook}
        )
        assert reply.status_code in (200, 201), reply.text

    def write_text(self, path: str, text: str) -> None:
        reply = self.request(
            "PUT",
            f"api/contents/{path}",
            json={"type": "file", "format": "text", "content": text},
        )
        assert reply.status_code in (200, 201), reply.text

    def kernel(self) -> Kernel:
        reply = self.request("POST", "api/kernels", json={"name": "python3"})
        assert reply.status_code == 201, reply.text
        return Kernel(self, reply.json()["id"])


@dataclass
class Outcome:
    """What a cell printed, and its error (name, message) if it raised."""

    stdout: str
    error: tuple[str, str] | None


class Kernel:
    """A kernel on a user's server, run over the server's websocket as JupyterLab runs it."""

    def __init__(self, server: UserServer, kernel_id: str) -> None:
        import websocket

        url = server.base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        self.socket = websocket.create_connection(
            url, header=[f"Authorization: token {server.token}"], timeout=300
        )
        self.session = uuid.uuid4().hex

    def run(self, code: str) -> Outcome:
        """Run ``code`` as a cell; what it printed and the error it raised, if any."""
        message_id = uuid.uuid4().hex
        self.socket.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": message_id,
                        "session": self.session,
                        "username": "student",
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        printed, error = [], None
        while True:
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != message_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                error = (content["ename"], content["evalue"])
            elif kind == "status" and content["execution_state"] == "idle":
                return Outcome("".join(printed), error)

    def close(self) -> None:
        self.socket.close()
