"""The Binder / repo2docker files (binder/) name what `make` installs.

No container engine here, so the image is not built; these checks catch the files drifting from
the Makefile and pyproject.toml. repo2docker reads only binder/ when that folder exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def listed(path: Path) -> list[str]:
    """The entries of apt.txt / requirements.txt: comments and blank lines dropped."""
    return [
        line.partition("#")[0].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.partition("#")[0].strip()
    ]


def makefile_system_packages() -> set[str]:
    """The Debian packages `make system-packages` installs with apt-get."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(SYSTEM_STAMP):", 1)[1].split("\n\n", 1)[0]
    packages = set()
    for command in re.findall(r"apt-get install ([^;&>\n]*)", recipe):
        packages |= {
            word for word in command.split() if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", word)
        }
    return packages


def test_apt_txt_installs_the_cjk_font_that_make_installs():
    system = makefile_system_packages()
    fonts = {package for package in system if package.startswith("fonts-")}
    assert fonts, f"no font package found in the Makefile's system-packages recipe: {system}"
    apt = set(listed(BINDER / "apt.txt"))
    assert fonts <= apt, f"binder/apt.txt lacks {fonts - apt}"
    assert apt <= system, f"binder/apt.txt names packages make does not install: {apt - system}"


def test_requirements_txt_installs_the_kit_and_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entries = listed(BINDER / "requirements.txt")
    # editable: the kit reads datasets/ from the repository it was installed from
    assert "-e ." in entries
    pinned = {Requirement(spec).name.lower(): Requirement(spec) for spec in project["dependencies"]}
    for entry in entries:
        if entry == "-e .":
            continue
        requirement = Requirement(entry)
        assert requirement.name.lower() in pinned, f"{entry} is not a dependency in pyproject.toml"
        assert requirement.specifier == pinned[requirement.name.lower()].specifier, entry
    assert not (BINDER / "environment.yml").exists(), (
        "binder/environment.yml would make repo2docker use conda instead"
    )


def test_runtime_txt_python_suits_the_kit():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"runtime.txt should read python-X.Y, not {runtime!r}"
    assert SpecifierSet(project["requires-python"]).contains(match.group(1) + ".0")


def test_postbuild_is_an_executable_bash_script_naming_real_extensions():
    post_build = BINDER / "postBuild"
    text = post_build.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n"), "repo2docker runs postBuild through its shebang"
    assert "set -e" in text, "without set -e a failing step does not stop the build"
    assert os.access(post_build, os.X_OK), "postBuild must be executable (chmod +x)"
    if (ROOT / ".git").exists():
        mode = subprocess.run(
            ["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split()
        assert not mode or mode[0] == "100755", "git does not record postBuild as executable"
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0
    # a student's Binder has no nbgrader (requirements.txt installs no grading extra), so
    # postBuild must not call on it: a step naming a missing extension would stop the build
    assert "nbgrader" not in "".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    )


def test_requirements_txt_installs_no_extra():
    entries = listed(BINDER / "requirements.txt")
    assert not [entry for entry in entries if "[" in entry], entries
