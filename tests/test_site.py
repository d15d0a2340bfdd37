"""The case library as a website: `make site` builds it offline, and it works without the network.

Builds the site with ``book/build.py`` (what `make site` runs) into a temporary folder, then checks
the built HTML: every case, data dictionary and notebook has a page; every link between pages
lands on a file of the site (and on an id there, for links with ``#``); no page loads a script,
stylesheet, font or image from another site, and there is no MathJax (math is MathML written at
build time); widget outputs are shown as notes, with an explorer's chart or table under its note.
Then headless
Chromium opens the start page (through ``index.html``), a case page and a notebook page, and
checks that the Chinese text is drawn with a CJK font, that the navigation lists every case, that
the chart image loaded, that a search in Chinese finds the case, and that the browser asked for
nothing outside the site's folder.
Screenshots go to ``build/site-screenshots/`` (git-ignored), so a person can look.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from jupyterlab_session import CHROMIUM, CHROMIUM_ARGS, needs_chromium

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "site-screenshots"
CASES = sorted(path.stem for path in (ROOT / "cases").glob("*.md") if path.stem != "concepts")
NOTEBOOKS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))
# A family that draws Chinese (the CSS asks for Noto Sans CJK SC first; Debian's fonts-noto-cjk)
CJK_FAMILY = re.compile(
    r"CJK|Source Han|PingFang|YaHei|Hiragino|WenQuanYi|Hei|Song|Kai|Ming", re.IGNORECASE
)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# what the text form of a stored widget output starts with (crmkit.widgets.Explorer)
WIDGET_TEXT = re.compile(r"^Explorer\(")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built by book/build.py as `make site` does, into a temporary folder."""
    work = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "book" / "build.py"),
            "--out",
            str(work / "site"),
            "--src",
            str(work / "book-src"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"book/build.py failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    print(
        f"site built in {time.perf_counter() - started:.1f} s: "
        f"{result.stdout.strip().splitlines()[-1]}"
    )
    return work / "site"


class Page(HTMLParser):
    """The references and ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []  # <a href>: may leave the site
        self.loads: list[
            tuple[str, str]
        ] = []  # (tag, address) the browser fetches to show the page
        self.ids: set[str] = set()
        self.styles: list[str] = []  # inline <style> text and style="" attributes
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append(attrs["href"])
        elif tag == "link" and attrs.get("href"):
            self.loads.append((f"link rel={attrs.get('rel')}", attrs["href"]))
        elif tag in (
            "script",
            "img",
            "iframe",
            "source",
            "video",
            "audio",
            "embed",
            "track",
        ) and attrs.get("src"):
            self.loads.append((tag, attrs["src"]))
        elif tag == "object" and attrs.get("data"):
            self.loads.append((tag, attrs["data"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def html_pages(site: Path) -> list[Path]:
    """The site's pages (not the themes' template fragments they copy into _static/)."""
    return sorted(
        path for path in site.rglob("*.html") if "_static" not in path.relative_to(site).parts
    )


def target_of(page: Path, address: str) -> tuple[Path, str] | None:
    """The file and fragment a same-site address points at, or None for other sites and schemes."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not (parts.path or parts.fragment):
        return None
    path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return path, unquote(parts.fragment)


def stored_widget_outputs(notebook: Path, still: str | None = None) -> int:
    """Widget outputs stored in a notebook (text form, and an explorer's chart or table); with
    ``still``, those that carry that kind of picture (``image/png``, ``text/html``)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return sum(
        1
        for cell in nb["cells"]
        for output in cell.get("outputs", [])
        if set(output.get("data", {})) <= {"text/plain", "image/png", "text/html"}
        and WIDGET_TEXT.match("".join(output.get("data", {}).get("text/plain", "")))
        and (still is None or still in output["data"])
    )


def test_every_case_data_dictionary_and_notebook_has_a_page(site):
    expected = ["index.html", "intro.html", "open_live.html", "cases/concepts.html"]
    expected += [f"cases/{case}.html" for case in CASES]
    expected += [
        f"datasets/{case}/README.html"
        for case in CASES
        if (ROOT / "datasets" / case / "README.md").exists()
    ]
    expected += [f"notebooks/{name}.html" for name in NOTEBOOKS]
    missing = [name for name in expected if not (site / name).is_file()]
    assert not missing, f"pages not built: {missing}"
    # a case's "data and notebook" line links to both
    for case in CASES:
        links = parse(site / "cases" / f"{case}.html").links
        notebook = next(name for name in NOTEBOOKS if name.endswith(f"_{case}"))
        assert f"../notebooks/{notebook}.html" in links, (
            f"cases/{case}.html does not link its notebook"
        )
        assert f"../datasets/{case}/README.html" in links, (
            f"cases/{case}.html does not link its data dictionary"
        )


def test_every_link_between_pages_lands_on_a_file_of_the_site(site):
    broken = []
    ids: dict[Path, set[str]] = {}
    for page in html_pages(site):
        parsed = parse(page)
        for address in parsed.links + [address for _, address in parsed.loads]:
            target = target_of(page, address)
            if target is None:
                continue
            path, fragment = target
            where = f"{page.relative_to(site)} -> {address}"
            if not path.is_relative_to(site.resolve()) or not path.is_file():
                broken.append(where)
            elif fragment and path.suffix == ".html":
                if path not in ids:
                    ids[path] = parse(path).ids
                if fragment not in ids[path]:
                    broken.append(f"{where} (no id {fragment!r})")
    assert not broken, "links that go nowhere:\n" + "\n".join(broken[:40])


def loads_from_the_web(html: str) -> list[str]:
    """What a page would fetch from another site: scripts, stylesheets, fonts,
    images, CSS url()s."""
    parsed = Page()
    parsed.feed(html)
    found = [f"<{tag}> {address}" for tag, address in parsed.loads if EXTERNAL.match(address)]
    return found + [
        f"style {url}" for style in parsed.styles for url in css_loads_from_the_web(style)
    ]


def css_loads_from_the_web(css: str) -> list[str]:
    return re.findall(
        r"(?:url\(|@import\s+)\s*['\"]?((?:[a-z]+:)?//[^)'\"\s;]+)", css, flags=re.IGNORECASE
    )


def test_the_offline_check_sees_a_cdn():
    """Guard against a check that cannot fail: each kind of web reference is
    caught, links are not."""
    page = """<html><head>
      <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Noto+Sans+SC">
      <script src="//cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
      <style>@import url("https://example.org/theme.css");
        h1 { background: url(http://example.org/a.png) }</style>
      </head><body><img src="https://example.org/chart.png"><a href="https://jupyter.org">ok</a>
      <script src="../_static/local.js"></script></body></html>"""
    assert len(loads_from_the_web(page)) == 5
    assert css_loads_from_the_web("@font-face { src: url('../fonts/x.woff2') }") == []


def test_no_page_loads_anything_from_another_site(site):
    """Scripts, stylesheets, fonts and images all come from the site's own
    folder (links may leave)."""
    found = []
    for page in sorted(site.rglob("*.html")):
        found += [
            f"{page.relative_to(site)}: {what}"
            for what in loads_from_the_web(page.read_text(encoding="utf-8"))
        ]
    for stylesheet in sorted(site.rglob("*.css")):
        text = stylesheet.read_text(encoding="utf-8", errors="replace")
        found += [f"{stylesheet.relative_to(site)}: {url}" for url in css_loads_from_the_web(text)]
    assert not found, "the site would load these from the web:\n" + "\n".join(found[:40])
    # no MathJax anywhere: math is MathML, written at build time
    assert not [
        page for page in html_pages(site) if "mathjax" in page.read_text(encoding="utf-8").lower()
    ]


def test_the_site_holds_no_solution_hidden_test_or_answer_key(site):
    """Every file of the built site (pages, search index, the notebooks offered for download),
    searched for the course's answer key as tests/test_student_lab.py searches a student's lab."""
    from crmkit.grading.release.key_leaks import leaks_in_files, read_answer_key

    files = files_of(site)
    assert len([name for name in files if name.endswith(".html")]) >= len(CASES) + len(NOTEBOOKS)
    assert not [name for name in files if re.search(r"(^|/)(exercises|source|tests)/", name)]
    assert leaks_in_files(files, read_answer_key(ROOT / "exercises")) == []


def test_a_solution_slipped_into_a_page_of_the_site_is_caught(tmp_path):
    """The check above can fail: a small site built with a source notebook in place of a case's
    notebook, the way a careless change to book/build.py would publish one."""
    from crmkit.grading.release.key_leaks import leaks_in_files, read_answer_key

    build = load_book_build()
    kit = tmp_path / "kit"
    (kit / "cases").mkdir(parents=True)
    for name in ("retail_chain.md", "concepts.md"):
        shutil.copy2(ROOT / "cases" / name, kit / "cases")
    shutil.copytree(
        ROOT / "datasets" / "retail_chain",
        kit / "datasets" / "retail_chain",
        ignore=shutil.ignore_patterns("*.csv"),
    )
    (kit / "notebooks").mkdir()
    source = ROOT / "exercises" / "source" / "loyalty" / "loyalty.ipynb"
    shutil.copy2(source, kit / "notebooks" / "04_retail_chain.ipynb")
    build.assemble(tmp_path / "src", root=kit)
    build.build(tmp_path / "src", tmp_path / "site", work=tmp_path / "work", strict=False)
    page = "notebooks/04_retail_chain.html"
    leaks = leaks_in_files(files_of(tmp_path / "site"), read_answer_key(ROOT / "exercises"))
    assert page in {leak.path for leak in leaks}
    assert {"solution", "hidden tests", "answer key"} <= {
        kind for leak in leaks if leak.path == page for kind in KEY_KINDS if kind in leak.what
    }


KEY_KINDS = ("solution", "hidden tests", "answer key")


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_math_becomes_mathml_without_scripts(tmp_path):
    """book/_ext/mathml_math.py in a bare Sphinx build: inline and display math as <math>, and a
    formula with an unknown command is a warning (which fails `make site`)."""
    from sphinx.application import Sphinx

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['mathml_math']\nhtml_math_renderer = 'mathml'\n"
    )
    (source / "index.rst").write_text(
        "CLV\n===\n\nInline :math:`\\frac{m}{1+d}` here.\n\n"
        ".. math::\n   :label: clv\n\n   CLV = \\sum_{t=1}^{T} \\frac{m r^t}{(1+d)^t}\n\n"
        "Unknown :math:`\\notacommand{x}`.\n"
    )
    warnings = tmp_path / "warnings.txt"
    with warnings.open("w") as stream:
        Sphinx(
            str(source),
            str(source),
            str(tmp_path / "html"),
            str(tmp_path / "doctrees"),
            "html",
            status=None,
            warning=stream,
        ).build()
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert page.count("<math ") == 3
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in page
    assert 'class="eqno">(1)' in page
    assert "mathjax" not in page.lower()
    assert "\\notacommand" in warnings.read_text()


def test_widget_outputs_say_they_are_interactive_in_jupyterlab(site):
    for name in NOTEBOOKS:
        text = (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        expected = stored_widget_outputs(ROOT / "notebooks" / f"{name}.ipynb")
        assert text.count('class="crmkit-widget-note"') == expected, name
        # under the note of a chart explorer, the chart it showed when the notebook was run
        charts = re.findall(r'class="crmkit-widget-note".*?</div></div>\s*<img ', text, re.S)
        assert len(charts) == stored_widget_outputs(
            ROOT / "notebooks" / f"{name}.ipynb", "image/png"
        ), name
        assert "在 JupyterLab 中打开 / Open in JupyterLab" in text, (
            f"{name}: no note on how to open it live"
        )
    notebooks = list((ROOT / "notebooks").glob("*.ipynb"))
    assert sum(stored_widget_outputs(path, "image/png") for path in notebooks) >= 5
    assert sum(stored_widget_outputs(path, "text/html") for path in notebooks) >= 3


def test_a_widget_note_goes_above_what_the_explorer_showed():
    build = load_book_build()
    explorer = {
        "output_type": "execute_result",
        "data": {"text/plain": "Explorer(show=chart, n=5)", "image/png": "iVBORw0KGgo="},
    }
    figure = {"output_type": "display_data", "data": {"text/plain": "<Figure>", "image/png": "x"}}
    nb = {"cells": [{"cell_type": "code", "source": "", "outputs": [figure, explorer]}]}
    nb, replaced = build.site_notebook(nb, "00_start_here.ipynb", {"Explorer"})
    outputs = nb["cells"][-1]["outputs"]
    assert replaced == 1
    assert outputs[0] == figure
    assert 'class="crmkit-widget-note"' in outputs[1]["data"]["text/html"]
    assert outputs[2]["data"] == {"image/png": "iVBORw0KGgo="}


def cjk_fonts_drawing(page, selector: str) -> list[str]:
    """The font families Chromium actually drew the element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"no {selector}"
    # the text node inside: fonts are reported for the node whose text is laid out
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts if font["glyphCount"] > 0]


@pytest.mark.browser
@needs_chromium
def test_pages_in_chromium_show_chinese_navigation_and_a_chart(site):
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    site_url = site.resolve().as_uri()
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))

            # 1. The start page, as a reader arrives: index.html forwards to it
            page.goto(f"{site_url}/index.html")
            page.wait_for_url("**/intro.html")
            page.wait_for_load_state("load")
            expect(page.locator(".bd-article h1")).to_contain_text("案例库")
            nav = page.locator("nav.bd-docs-nav")
            expect(nav).to_be_visible()
            hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            for case in CASES:
                assert f"cases/{case}.html" in hrefs, f"navigation has no link to the {case} case"
            assert "notebooks/00_start_here.html" in hrefs
            page.screenshot(path=str(SCREENSHOTS / "start.png"))

            # 2. A case page: Chinese drawn with a CJK font, the navigation there too
            page.goto(f"{site_url}/cases/retail_chain.html")
            page.wait_for_load_state("load")
            expect(page.locator(".bd-article")).to_contain_text("屈臣氏")
            fonts = cjk_fonts_drawing(page, ".bd-article h1")
            assert any(CJK_FAMILY.search(family) for family in fonts), (
                f"Chinese drawn with {fonts}, not a CJK font"
            )
            expect(
                page.locator("nav.bd-docs-nav a[href='#']").or_(
                    page.locator("nav.bd-docs-nav a.current")
                )
            ).not_to_have_count(0)
            page.screenshot(path=str(SCREENSHOTS / "case_retail_chain.png"))

            # 3. A notebook page: its chart loaded, the widget note and the open-live note shown
            page.goto(f"{site_url}/notebooks/00_start_here.html")
            page.wait_for_load_state("load")
            chart = page.locator(".cell_output img").first
            chart.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=chart.element_handle(),
                timeout=10_000,
            )
            assert chart.evaluate("img => img.naturalWidth") > 100
            fonts = cjk_fonts_drawing(page, ".bd-article h1")
            assert any(CJK_FAMILY.search(family) for family in fonts), (
                f"Chinese drawn with {fonts}, not a CJK font"
            )
            expect(page.locator(".admonition", has_text="Open in JupyterLab")).to_be_visible()
            expect(page.locator(".crmkit-widget-note").first).to_contain_text(
                "在 JupyterLab 中可交互"
            )
            expect(page.locator("nav.bd-docs-nav")).to_be_visible()
            chart.screenshot(path=str(SCREENSHOTS / "notebook_chart.png"))
            # the last explorer (a chart): its picture under the note, loaded
            note = page.locator(".crmkit-widget-note").last
            note.scroll_into_view_if_needed()
            still = note.locator("xpath=ancestor::div[contains(@class, 'cell_output')]//img")
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=still.element_handle(),
                timeout=10_000,
            )
            assert still.evaluate("img => img.naturalWidth") > 300
            page.screenshot(path=str(SCREENSHOTS / "notebook_widget_note.png"))

            # 4. Searching in Chinese finds the case (the index is split into words by jieba)
            page.goto(f"{site_url}/search.html?q=成交率")
            results = page.locator("#search-results li a")
            expect(results.first).to_be_visible(timeout=15_000)
            assert any(
                "retail_chain" in href
                for href in results.evaluate_all("links => links.map(a => a.href)")
            )
        finally:
            browser.close()
    elsewhere = sorted(
        {url for url in requests if not url.startswith(("file:", "data:", "about:"))}
    )
    assert not elsewhere, f"the pages asked for: {elsewhere}"


def load_book_build():
    """book/build.py as a module (it is a script, not part of the crmkit package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("crmkit_book_build", ROOT / "book" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launch_options_become_jupyter_book_settings():
    """`make site SITE_OPTIONS="--repo … --hub … --binder …"`: launch buttons on notebook pages."""
    build = load_book_build()
    plain = build.book_config(None, None, None, "main")
    assert "repository" not in plain and not plain["launch_buttons"].get("jupyterhub_url")
    config = build.book_config(
        "https://hub.example.edu",
        "https://github.com/example/crm-casebook",
        "https://mybinder.org",
        "main",
    )
    assert config["repository"]["url"] == "https://github.com/example/crm-casebook"
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example.edu"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    # else the theme options would drop the buttons
    assert config["sphinx"]["recursive_update"] is True
    with pytest.raises(SystemExit, match="--provider"):
        build.book_config(
            "https://hub.example.edu", "https://git.example.edu/crm/crm-casebook", None, "main"
        )
    own_server = build.book_config(
        None, "https://git.example.edu/crm/crm-casebook", None, "main", "gitlab"
    )
    assert own_server["sphinx"]["config"]["html_theme_options"]["repository_provider"] == "gitlab"
    with pytest.raises(SystemExit, match="--repo"):
        build.book_config("https://hub.example.edu", None, None, "main")
