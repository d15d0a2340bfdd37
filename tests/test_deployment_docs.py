"""The deployment guide's configuration files say what the guide says they say.

The Kubernetes files of docs/deployment/kubernetes/ cannot run here (documentation only): they are
parsed, and each row of the guide's table of names (section 9) is found at the place the row
gives. The single-machine files are run by tests/test_hub.py; here they are only read, so a
broken one shows in ``make check`` already.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "deployment.md"
FILES = REPO / "docs" / "deployment"
KUBERNETES = FILES / "kubernetes"
COURSE_ID = "crm-casebook"
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \|$", re.M)


def names_table() -> list[tuple[str, str, str]]:
    """The rows (name, file, key path) of the guide's Kubernetes table."""
    return ROW.findall(GUIDE.read_text(encoding="utf-8"))


def at(document, path: str):
    """The value at the dotted ``path`` in ``document``; a key may itself hold dots
    (``course-account.py``), and a number indexes a list."""
    node, rest = document, path
    while rest:
        if isinstance(node, list):
            index, _, rest = rest.partition(".")
            node = node[int(index)]
            continue
        assert isinstance(node, dict), f"{path}: {rest!r} goes into a {type(node).__name__}"
        key = next(
            (
                k
                for k in sorted(node, key=len, reverse=True)
                if rest == k or rest.startswith(k + ".")
            ),
            None,
        )
        assert key is not None, f"{path}: no key for {rest!r} (there are {sorted(node)})"
        node, rest = node[key], rest[len(key) + 1 :]
    return node


def holds(node, name: str) -> bool:
    """Whether ``name`` is a key, an item or part of the text at ``node``."""
    if isinstance(node, dict):
        return name in node
    if isinstance(node, list):
        return any(name == item or (isinstance(item, str) and name in item) for item in node)
    return name in str(node)


def test_the_guide_names_every_kubernetes_file_and_each_name_is_where_it_says():
    rows = names_table()
    assert len(rows) >= 10, "the guide's table of names was not found"
    files = {path.name for path in KUBERNETES.glob("*.yaml")}
    assert {file for _, file, _ in rows} == files, "every file in the table, and only those"
    for name, file, path in rows:
        documents = list(yaml.safe_load_all((KUBERNETES / file).read_text(encoding="utf-8")))
        assert len(documents) == 1, f"{file}: one document"
        assert holds(at(documents[0], path), name), f"{file}: {name!r} is not at {path}"


def test_kubernetes_files_agree_with_each_other_and_with_the_course():
    config = yaml.safe_load((KUBERNETES / "config.yaml").read_text(encoding="utf-8"))
    ngshare = yaml.safe_load((KUBERNETES / "ngshare.yaml").read_text(encoding="utf-8"))
    volume = yaml.safe_load((KUBERNETES / "course-volume.yaml").read_text(encoding="utf-8"))
    job = yaml.safe_load((KUBERNETES / "autograde-job.yaml").read_text(encoding="utf-8"))
    # the graders' group is the role's group, and its members are the admins of ngshare and more
    group = config["hub"]["config"]["JupyterHub"]["load_groups"][f"formgrade-{COURSE_ID}"]
    role = config["hub"]["loadRoles"][f"formgrade-{COURSE_ID}"]
    assert role["groups"] == [f"formgrade-{COURSE_ID}"]
    assert set(ngshare["ngshare"]["admins"]) <= set(group["users"])
    assert set(config["hub"]["config"]["Authenticator"]["admin_users"]) <= set(group["users"])
    # the course volume is mounted where the course account's nbgrader config puts the course
    claim = volume["metadata"]["name"]
    pod = job["spec"]["template"]["spec"]
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim
    mount = pod["containers"][0]["volumeMounts"][0]["mountPath"]
    hook = config["hub"]["extraConfig"]["course-account.py"]
    assert f'"claimName": "{claim}"' in hook and f'"mountPath": "{mount}"' in hook
    formgrader = config["singleuser"]["extraFiles"]["formgrader-nbgrader-config"]["stringData"]
    assert f'CourseDirectory.root = "{mount}"' in formgrader
    command = pod["containers"][0]["command"]
    assert command[:3] == ["crmkit", "course", "autograde"] and mount in command
    assert pod["containers"][0]["securityContext"] == {"runAsUser": 0, "privileged": True}
    # the image the job grades with is the students' image
    image = config["singleuser"]["image"]
    assert pod["containers"][0]["image"] == f"{image['name']}:{image['tag']}"
    # the hook is Python that compiles
    compile(hook, "course-account.py", "exec")


def constants(path: Path) -> dict[str, object]:
    """The ``NAME = <constant>`` lines of a Python config file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }


def course_id_of(path: Path) -> str:
    """The value given to ``c.CourseDirectory.course_id`` (directly or through a name)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]).endswith(
            "CourseDirectory.course_id"
        ):
            value = node.value
            return value.value if isinstance(value, ast.Constant) else constants(path)[value.id]
    raise AssertionError(f"{path} sets no CourseDirectory.course_id")


def test_the_course_id_is_the_same_everywhere():
    assert course_id_of(REPO / "exercises" / "nbgrader_config.py") == COURSE_ID
    assert course_id_of(FILES / "nbgrader_config.py") == COURSE_ID
    hub = constants(FILES / "jupyterhub_config.py")
    assert hub["COURSE"] == COURSE_ID, "the formgrader service is named after the course"


def test_the_single_machine_files_read_and_the_guide_names_them():
    guide = GUIDE.read_text(encoding="utf-8")
    for path in FILES.iterdir():
        if path.is_file():
            assert f"`{path.name}`" in guide, f"the guide does not mention {path.name}"
    server = json.loads((FILES / "formgrader_server_config.json").read_text(encoding="utf-8"))
    assert server["ServerApp"]["jpserver_extensions"] == {
        "nbgrader.server_extensions.formgrader": True
    }
    for config in ("jupyterhub_config.py", "nbgrader_config.py"):
        compile((FILES / config).read_text(encoding="utf-8"), config, "exec")
