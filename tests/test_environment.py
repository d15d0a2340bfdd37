"""environment.yml (for students who use conda) declares the packages of a plain
``pip install crmkit``: pyproject.toml's dependencies, none of an extra."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def requirement_key(spec: str) -> tuple[str, str]:
    """'pandas >= 2.2' -> ('pandas', '>=2.2'): the name and the version range, spaces removed."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def pyproject_requirements() -> set[tuple[str, str]]:
    return {requirement_key(spec) for spec in PROJECT["dependencies"]}


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def environment_requirements(env: dict | None = None) -> set[tuple[str, str]]:
    """The packages, conda's and the pip section's, leaving out python, pip and the kit itself."""
    dependencies = (env or environment())["dependencies"]
    pip_section = [p for d in dependencies if isinstance(d, dict) for p in d.get("pip", [])]
    specs = [d for d in dependencies if isinstance(d, str)]
    specs += [p for p in pip_section if not p.startswith("-")]
    return {
        requirement_key(spec) for spec in specs if requirement_key(spec)[0] not in ("python", "pip")
    }


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_a_students_install_leaves_the_grading_tools_out():
    """nbgrader, psycopg, copydetect ... come with the grading extra only."""
    grading = {requirement_key(spec)[0] for spec in PROJECT["optional-dependencies"]["grading"]}
    assert {"nbgrader", "psycopg", "copydetect"} <= grading
    plain = {name for name, _ in pyproject_requirements() | environment_requirements()}
    assert not grading & plain


def test_environment_yml_installs_the_kit_itself():
    pip_section = next(d["pip"] for d in environment()["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def test_the_comparison_notices_a_changed_pin():
    """Guard against a test that cannot fail: a changed version range must show up."""
    env = environment()
    env["dependencies"] = [
        d.replace("pandas>=3.0", "pandas>=1.0") if isinstance(d, str) else d
        for d in env["dependencies"]
    ]
    assert environment_requirements(env) != pyproject_requirements()
