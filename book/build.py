"""Build the case library as a static website with Jupyter Book 1: ``python book/build.py``.

Two steps, both offline:

1. ``assemble`` copies what the site shows into one source folder (default ``build/book-src/``),
   keeping the repository's layout (``cases/``, ``datasets/<case>/README.md``, ``notebooks/``) so
   the links between pages stay as they are, and
   - turns the case texts' ``../datasets/<case>/`` and
     ``../notebooks/<name>.ipynb`` mentions into links;
   - puts a note where a notebook shows a widget (the widget itself works in JupyterLab), above
     the chart or table an explorer showed when the notebook was run, and a note under each
     notebook's title on how to open it live;
   - writes the table of contents (``_toc.yml``) and the case table on the start page from the
     cases found, so a new case appears without editing this folder.
2. ``build`` runs Jupyter Book (Sphinx) on it into the output folder (default ``build/site/``).
   Notebooks are not executed: the site shows the outputs committed with them. Two small Sphinx
   extensions in ``book/_ext/`` keep pages offline: math becomes MathML at build time (no
   MathJax), and a page that would load a script or stylesheet from the web fails the build.

Options ``--repo`` with ``--hub`` and/or ``--binder`` add Jupyter Book's launch buttons to notebook
pages (JupyterHub through nbgitpuller, Binder) for a course that has them (``--provider gitlab`` for
a self-hosted GitLab); without them the site explains the link patterns (``open_live.md``). The
output is static files: host the folder anywhere, or open its ``index.html``.

This script does not import ``crmkit``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
# What a stored widget output looks like once its widget view is dropped
# (crmkit/notebook_outputs.py): its text form, e.g. "Explorer(show=visits_by_store, city='广州')"
# or "IntSlider(value=5, ...)", and for an explorer what it showed (a chart or a table).
WIDGET_REPR = re.compile(r"^([A-Z][A-Za-z]*)\(")
KIT_WIDGETS = {"Explorer"}  # crmkit.widgets.Explorer; ipywidgets' own classes are added below
# what an explorer's stored output carries besides its text form (crmkit.widgets.still_view)
STILL_VIEWS = ("image/png", "text/html")
CASE_TABLE_MARK = "<!-- crmkit: case table -->"
# `../datasets/<case>/` or `../notebooks/<name>.ipynb` written as code in a case text
CODE_PATH = re.compile(r"`(\.\./(?:cases|datasets|notebooks)/[^`\s]*)`")


def widget_classes() -> set[str]:
    """Names of the widget classes whose text form marks a widget output."""
    names = set(KIT_WIDGETS)
    try:
        import ipywidgets
    except ImportError:
        return names
    for name in dir(ipywidgets):
        value = getattr(ipywidgets, name)
        if isinstance(value, type) and issubclass(value, ipywidgets.Widget):
            names.add(name)
    return names


def first_heading(markdown: str, fallback: str) -> str:
    """The text of the first ``# `` heading, or ``fallback``."""
    match = re.search(r"^# (.+)$", markdown, flags=re.MULTILINE)
    return match.group(1).strip() if match else fallback


def short_title(title: str) -> str:
    """'屈臣氏：按客户状态… / Watsons: Managing…' -> '屈臣氏 / Watsons' (the name before the
    colon, in each language)."""
    if " / " not in title:
        return title
    chinese, english = title.split(" / ", 1)
    return f"{chinese.split('：')[0].strip()} / {english.split(':')[0].strip()}"


def case_title(root: Path, key: str) -> str:
    """A case's short bilingual name, from its text's first heading."""
    return short_title(
        first_heading((root / "cases" / f"{key}.md").read_text(encoding="utf-8"), key)
    )


def case_keys(root: Path) -> list[str]:
    """The cases, in the order of their notebooks (``01_futures_broker`` …),
    then any without one."""
    keys = [path.stem for path in sorted((root / "cases").glob("*.md")) if path.stem != "concepts"]
    return sorted(
        keys, key=lambda key: (notebook_of(root, key) is None, str(notebook_of(root, key)), key)
    )


def notebook_of(root: Path, key: str) -> Path | None:
    """``notebooks/NN_<key>.ipynb``, or None."""
    found = sorted((root / "notebooks").glob(f"[0-9][0-9]_{key}.ipynb"))
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# Pages


def link_case_paths(markdown: str, page: Path, src: Path) -> str:
    """Turn code-formatted relative paths to site pages into links (a folder
    links to its README)."""

    def replace(match: re.Match) -> str:
        target = match.group(1)
        resolved = (page.parent / target).resolve()
        if resolved.is_dir() and (resolved / "README.md").exists():
            return f"[`{target}`]({target.rstrip('/')}/README.md)"
        if resolved.is_file():
            return f"[`{target}`]({target})"
        return match.group(0)

    return CODE_PATH.sub(replace, markdown)


def open_live_cell(name: str) -> dict:
    """A note under a notebook's title: this page is static; how to run it."""
    text = (
        ":::{admonition} 在 JupyterLab 中打开 / Open in JupyterLab\n"
        ":class: tip\n\n"
        "这是笔记本运行后保存的静态页面，控件不能动。要自己运行：在老师给的学生包里打开 "
        f"`notebooks/{name}`（本机的 JupyterLab 或课程的 JupyterHub，"
        "[怎样打开](../open_live.md)）。\n\n"
        "A static copy saved after a run; the widgets do not move here. To run it: open "
        f"`notebooks/{name}` in the student pack from your teacher (JupyterLab on your computer "
        "or your course's JupyterHub, [how](../open_live.md)).\n:::\n"
    )
    return {"cell_type": "markdown", "id": "crmkit-site-open-live", "metadata": {}, "source": text}


def widget_note(text: str) -> dict:
    """The output shown where a widget was: it is interactive in JupyterLab, and
    its starting values."""
    note = (
        '<div class="crmkit-widget-note">'
        "<p><strong>在 JupyterLab 中可交互</strong>：运行这个单元格，这里会出现控件；拖一拖、"
        "选一选，下面的表或图会跟着变。<br>"
        "<strong>Interactive in JupyterLab</strong>: run this cell and a control appears here; "
        "move it and the table or chart below follows. "
        '(<a href="../open_live.html">怎样打开 / how to open</a>)</p>'
        f"<p>初始设置 / Starting values: <code>{html.escape(text)}</code></p>"
        "</div>"
    )
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": note, "text/plain": text},
    }


def site_notebook(nb: dict, name: str, widgets: set[str]) -> tuple[dict, int]:
    """The notebook as the site shows it, and how many widget outputs became notes.

    A widget output keeps, beside its text form, what a crmkit explorer showed when the cell
    ran (its chart or table, crmkit.widgets.still_view): the note goes first, that picture or
    table under it."""
    replaced = 0
    for cell in nb["cells"]:
        shown = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", "")).strip()
            match = WIDGET_REPR.match(text)
            if match and match.group(1) in widgets and set(data) <= {"text/plain", *STILL_VIEWS}:
                shown.append(widget_note(text))
                still = {mime: data[mime] for mime in STILL_VIEWS if mime in data}
                if still:
                    shown.append({"output_type": "display_data", "metadata": {}, "data": still})
                replaced += 1
            else:
                shown.append(output)
        if "outputs" in cell:
            cell["outputs"] = shown
    return with_open_live_note(nb, name), replaced


def with_open_live_note(nb: dict, name: str) -> dict:
    """Put the open-live note right under the notebook's title (splitting the title's cell)."""
    cells = nb["cells"]
    first = cells[0] if cells else None
    source = "".join(first["source"]) if first and first["cell_type"] == "markdown" else ""
    heading = re.match(r"# [^\n]*\n?", source)
    if not heading:
        cells.insert(0, open_live_cell(name))
        return nb
    rest = source[heading.end() :].lstrip("\n")
    title_cell = {**first, "source": heading.group(0).rstrip("\n")}
    new_cells = [title_cell, open_live_cell(name)]
    if rest:
        new_cells.append(
            {"cell_type": "markdown", "id": "crmkit-site-intro", "metadata": {}, "source": rest}
        )
    nb["cells"] = new_cells + cells[1:]
    return nb


def case_table(root: Path, keys: list[str]) -> str:
    """The start page's table: each case's text, notebook and data dictionary."""
    rows = ["| 案例 / Case | 笔记本 / Notebook | 数据字典 / Data dictionary |", "|---|---|---|"]
    for key in keys:
        title = case_title(root, key)
        notebook = notebook_of(root, key)
        nb_link = f"[{notebook.stem}](notebooks/{notebook.name})" if notebook else "—"
        dictionary = root / "datasets" / key / "README.md"
        dd_link = f"[{key}](datasets/{key}/README.md)" if dictionary.exists() else "—"
        rows.append(f"| [{title}](cases/{key}.md) | {nb_link} | {dd_link} |")
    return "\n".join(rows)


def table_of_contents(root: Path, keys: list[str]) -> dict:
    """Jupyter Book's ``_toc.yml``: start here, then each case with its notebook and
    data, then concepts."""
    start = (
        [{"file": "notebooks/00_start_here"}]
        if (root / "notebooks" / "00_start_here.ipynb").exists()
        else []
    )
    cases = []
    for key in keys:
        sections = []
        notebook = notebook_of(root, key)
        if notebook:
            sections.append(
                {
                    "file": f"notebooks/{notebook.stem}",
                    "title": f"笔记本 / Notebook {notebook.stem}",
                }
            )
        if (root / "datasets" / key / "README.md").exists():
            sections.append(
                {"file": f"datasets/{key}/README", "title": "数据字典 / Data dictionary"}
            )
        chapter = {"file": f"cases/{key}", "title": case_title(root, key)}
        cases.append({**chapter, "sections": sections} if sections else chapter)
    parts = [
        {"caption": "入门 / Getting started", "chapters": start + [{"file": "open_live"}]},
        {"caption": "案例 / Cases", "chapters": cases},
    ]
    if (root / "cases" / "concepts.md").exists():
        parts.append({"caption": "概念 / Concepts", "chapters": [{"file": "cases/concepts"}]})
    return {"format": "jb-book", "root": "intro", "parts": parts}


# hosts whose repository URLs the theme recognises by itself; others need --provider
KNOWN_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}


def book_config(
    hub: str | None, repo: str | None, binder: str | None, branch: str, provider: str | None = None
) -> dict:
    """``book/_config.yml``, with the launch buttons a course asked for."""
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    if repo:
        config["repository"] = {"url": repo, "branch": branch, "path_to_book": ""}
        host = urlsplit(repo).netloc.lower()
        if host not in KNOWN_HOSTS:
            if not provider:
                raise SystemExit(
                    f"{repo} 不在 GitHub/GitLab/Bitbucket 上：请加 --provider gitlab（或 "
                    "github、bitbucket）/ not on github.com, gitlab.com or bitbucket.org: add "
                    "--provider gitlab (or github, bitbucket), the software your git server runs"
                )
            config["sphinx"]["config"]["html_theme_options"]["repository_provider"] = provider
        launch = config.setdefault("launch_buttons", {})
        if hub:
            launch["jupyterhub_url"] = hub
        if binder:
            launch["binderhub_url"] = binder
    elif hub or binder:
        raise SystemExit(
            "--hub 和 --binder 需要 --repo / --hub and --binder need --repo (the kit's git URL)"
        )
    return config


def assemble(
    src: Path,
    root: Path = ROOT,
    hub: str | None = None,
    repo: str | None = None,
    binder: str | None = None,
    branch: str = "main",
    provider: str | None = None,
) -> dict[str, int]:
    """Write the book's sources into ``src`` (emptied first); return counts of what went in."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    keys = case_keys(root)
    counts = {"cases": 0, "notebooks": 0, "datasets": 0, "widget_notes": 0}

    config = book_config(hub, repo, binder, branch, provider)
    (src / "_config.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    toc = table_of_contents(root, keys)
    (src / "_toc.yml").write_text(
        yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    shutil.copytree(BOOK / "_static", src / "_static")
    shutil.copytree(BOOK / "_ext", src / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    intro = (
        (BOOK / "intro.md")
        .read_text(encoding="utf-8")
        .replace(CASE_TABLE_MARK, case_table(root, keys))
    )
    (src / "intro.md").write_text(intro, encoding="utf-8")
    shutil.copy2(BOOK / "open_live.md", src / "open_live.md")

    (src / "cases").mkdir()
    for page in sorted((root / "cases").glob("*.md")):
        text = link_case_paths(page.read_text(encoding="utf-8"), page, root)
        (src / "cases" / page.name).write_text(text, encoding="utf-8")
        counts["cases"] += page.stem != "concepts"

    for dictionary in sorted((root / "datasets").glob("*/README.md")):
        target = src / "datasets" / dictionary.parent.name
        target.mkdir(parents=True)
        shutil.copy2(dictionary, target / "README.md")
        if (dictionary.parent / "datapackage.json").exists():
            shutil.copy2(dictionary.parent / "datapackage.json", target / "datapackage.json")
        counts["datasets"] += 1

    (src / "notebooks").mkdir()
    widgets = widget_classes()
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb, replaced = site_notebook(
            json.loads(path.read_text(encoding="utf-8")), path.name, widgets
        )
        (src / "notebooks" / path.name).write_text(
            json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        counts["notebooks"] += 1
        counts["widget_notes"] += replaced
    return counts


# ---------------------------------------------------------------------------------------------
# Build


def build(src: Path, out: Path, work: Path, strict: bool = True) -> None:
    """Run ``jupyter-book build`` (Sphinx, html builder) on ``src``; put the pages in ``out``.

    Sphinx writes into ``work/_build/html`` (with its cache beside it); ``out`` gets a copy of the
    pages only. With ``strict`` a warning (a broken cross-reference, a missing
    page) fails the build.
    """
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [
        str(jupyter_book),
        "build",
        str(src),
        "--path-output",
        str(work),
        "--builder",
        "html",
        "--all",
        "-q",
    ]
    if strict:
        command += ["-W", "--keep-going"]
    # Jupyter Book's own messages (on stdout) name the
    # work folder as the result: shown only on failure
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode:
        print(result.stdout[-5000:])
        raise SystemExit("网站构建失败 / the site did not build; see the warnings above")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(
        work / "_build" / "html", out, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees")
    )
    # GitHub Pages would otherwise drop the folders whose names start with "_" (_static, _images)
    (out / ".nojekyll").touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="构建案例库网站 / build the case-library website (Jupyter Book 1, offline)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build" / "site",
        help="网站输出 / site output (build/site)",
    )
    parser.add_argument(
        "--src",
        type=Path,
        default=ROOT / "build" / "book-src",
        help="汇集的源文件 / assembled sources (build/book-src)",
    )
    parser.add_argument(
        "--hub",
        help="JupyterHub 地址，加启动按钮 / JupyterHub URL for launch buttons (needs --repo)",
    )
    parser.add_argument(
        "--binder", help="BinderHub 地址 / BinderHub URL, e.g. https://mybinder.org (needs --repo)"
    )
    parser.add_argument("--repo", help="套件的 git 仓库地址 / the kit's git repository URL")
    parser.add_argument("--branch", default="main", help="分支 / branch for launch links (main)")
    parser.add_argument(
        "--provider",
        choices=["github", "gitlab", "bitbucket"],
        help="自建 git 服务器的软件 / what a self-hosted --repo server runs (e.g. gitlab)",
    )
    parser.add_argument(
        "--no-strict",
        dest="strict",
        action="store_false",
        help="警告不算失败 / do not fail on warnings",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    counts = assemble(
        args.src,
        hub=args.hub,
        repo=args.repo,
        binder=args.binder,
        branch=args.branch,
        provider=args.provider,
    )
    build(args.src, args.out, work=args.src.parent / "book-build", strict=args.strict)
    print(
        f"网站已生成 / site built: {args.out}/index.html — {counts['cases']} 个案例 cases, "
        f"{counts['notebooks']} 个笔记本 notebooks, {counts['datasets']} 个数据字典 data "
        f"dictionaries, {counts['widget_notes']} 处控件说明 widget notes; "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
