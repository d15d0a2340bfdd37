"""Did a test run change the repository? ``make test`` asks this around its pytest runs.

    python tests/tree_guard.py before FILE   # remember `git status --porcelain` in FILE
    python tests/tree_guard.py after FILE    # exit 1, naming the files, if it changed since

Tests may write only into temporary or git-ignored folders, so a run must leave
``git status --porcelain`` as it found it (on a fresh clone: empty). Outside a git checkout
(an unpacked release) there is nothing to compare and both steps succeed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def porcelain(repo: Path = REPO) -> list[str] | None:
    """``git status --porcelain`` of ``repo`` as lines, or None when it is not a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    return done.stdout.splitlines() if done.returncode == 0 else None


def changes(before: list[str], after: list[str]) -> list[str]:
    """Status lines that appeared, changed or went away between two snapshots."""
    return sorted(set(before) ^ set(after))


def main(argv: list[str], repo: Path = REPO) -> int:
    step, file = argv[0], Path(argv[1])
    status = porcelain(repo)
    if status is None:
        return 0
    if step == "before":
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("\n".join(status), encoding="utf-8")
        return 0
    before = file.read_text(encoding="utf-8").splitlines() if file.is_file() else []
    changed = changes(before, status)
    if changed:
        print(
            "测试改动了仓库里的文件（测试只能写临时或被忽略的目录）/ the tests changed files in "
            "the repository (tests may write only into temporary or ignored folders):",
            file=sys.stderr,
        )
        for line in changed:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
