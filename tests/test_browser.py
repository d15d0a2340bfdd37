"""In a real browser: JupyterLab runs a case notebook, its explorer renders, and moving it works.

Starts `jupyter lab` as `make lab` does for a student, on a free localhost port with a random
token, opens a notebook in headless Chromium through Playwright, runs all cells with
JupyterLab's own command, finds an explorer (crmkit.widgets.explore: a slider or drop-down above
its output), moves its control from the keyboard (slider) or by choosing another option
(drop-down), and checks what it shows changes. It does this for the futures-broker case
notebook (a slider over a table), and for 00_start_here.ipynb and the online shop's notebook (a
slider over a chart, which the browser draws: crmkit.charts). On a chart it then times 20 more
moves, each from the key press to the new chart painted (its bars changed and its title, and
the frame after; kernel, server and browser included, as a student sees it), and reports
median, p95 and worst; issue 23's target is a p95 under 150 ms on the 2-core reference machine.
A report, not an assertion: the figure depends on the machine's load.

Screenshots go to the test's temporary folder; `make screenshots` sets CRMKIT_SCREENSHOTS to
refresh the committed pictures in docs/screenshots/ (a person checks there that the Chinese
renders without boxes). The server runs on a temporary copy of the notebook, so the
repository's file is never saved over; the kit's data are read through crmkit as usual.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from jupyterlab_session import (
    CHROMIUM,
    CHROMIUM_ARGS,
    needs_chromium,
    open_notebook,
    run_all_cells,
    start_lab,
    stop,
)

ROOT = Path(__file__).resolve().parents[1]
# `make screenshots` points this at docs/screenshots; a plain test run leaves the tree alone
SCREENSHOTS_ENV = "CRMKIT_SCREENSHOTS"
# (notebook, which explorer): a case notebook's first explorer (a slider over a table), the
# start-here notebook's chart explorer (the last one), the notebook `make lab` opens, and the
# online shop's slider over horizontal bars (the slowest chart to follow its slider, measured)
NOTEBOOKS = [
    ("01_futures_broker.ipynb", 0),
    ("00_start_here.ipynb", -1),
    ("05_online_shop.ipynb", 0),
]
EXPLORER = (
    ".jp-OutputArea .widget-vbox:has(> .widget-output):has(> .widget-slider, > .widget-dropdown)"
)
MARK = "data-crmkit-test"
TIMED_MOVES = 20
TARGET_P95_MS = 150
# In the page: from each key press on the marked explorer's slider to its new chart painted, in
# window.crmkitMoves (milliseconds): its bars changed (the drawn rectangles: position, size,
# colour) and its title too (the kernel sends it last), then the next frame.
TIME_MOVES = """(selector) => {
    const explorer = document.querySelector(selector);
    const chart = explorer.querySelector('.crmkit-chart');
    const title = () => chart.querySelector('.crmkit-chart-title').textContent;
    const drawn = ['x', 'y', 'width', 'height', 'style', 'fill'];
    const bars = () => [...chart.querySelectorAll('svg rect.bar')]
        .map(r => drawn.map(a => r.getAttribute(a)).join()).join(';');
    window.crmkitMoves = [];
    let pending = null;
    explorer.addEventListener('keydown', () => {
        pending = {started: performance.now(), title: title(), bars: bars()};
    }, true);
    new MutationObserver(() => {
        if (!pending || title() === pending.title || bars() === pending.bars) return;
        const move = pending;
        pending = null;
        requestAnimationFrame(() => window.crmkitMoves.push(performance.now() - move.started));
    }).observe(chart, {childList: true, subtree: true, characterData: true, attributes: true});
}"""
# What the explorer shows below its controls: text of tables and charts, plus an id of each image
SHOWN_TEXT = """(el) => {
    const parts = [...el.querySelectorAll('.widget-output, .crmkit-chart')];
    return parts.map(p => p.textContent).join('|') + [...el.querySelectorAll('img')]
        .map(i => i.src.length + i.src.slice(-64)).join();
}"""

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_chromium]


def output_text(page, explorer) -> str:
    """What the explorer shows below its controls: text of tables and charts, plus an id of
    each image."""
    return explorer.evaluate(SHOWN_TEXT)


def report_chart_moves(page, slider, selector: str, stem: str, capsys) -> None:
    """Time TIMED_MOVES slider moves (half right, half back) to the chart on screen; print the
    figures and check every move drew a new chart."""
    import statistics

    page.evaluate(TIME_MOVES, selector)
    for move in range(TIMED_MOVES):
        slider.focus()
        page.keyboard.press("ArrowRight" if move < TIMED_MOVES // 2 else "ArrowLeft")
        page.wait_for_function(f"() => window.crmkitMoves.length > {move}", timeout=60_000)
    timings = page.evaluate("() => window.crmkitMoves")
    assert len(timings) == TIMED_MOVES
    assert "出错了 / Something went wrong" not in output_text(page, page.locator(selector))
    p95 = statistics.quantiles(timings, n=20)[-1]
    with capsys.disabled():  # shown in pytest's own output, also without -s
        print(
            f"\n{stem}: move → new chart on screen in JupyterLab (headless Chromium), "
            f"{TIMED_MOVES} moves: median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, "
            f"worst {max(timings):.0f} ms (target p95 < {TARGET_P95_MS} ms, quiet 2-core machine)"
        )


@pytest.mark.parametrize("name, which", NOTEBOOKS, ids=[name for name, _ in NOTEBOOKS])
def test_explorer_in_jupyterlab_follows_its_control(name, which, tmp_path, capsys):
    from playwright.sync_api import expect, sync_playwright

    source = ROOT / "notebooks" / name
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(source, root / "notebooks" / source.name)
    for folder in (
        "cases",
        "datasets",
    ):  # relative links resolve as in the repo; JupyterLab writes only here
        shutil.copytree(ROOT / folder, root / folder)
    screenshots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    stem = source.stem
    log = tmp_path / "jupyter.log"
    server, base, token = start_lab(
        root, tmp_path, drop_env=("CRMKIT_DATA_DIR",)
    )  # the committed data
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            try:
                open_notebook(page, base, token, f"notebooks/{source.name}")
                page.add_style_tag(
                    content="* { caret-color: transparent !important; }"
                )  # steadier screenshots
                run_all_cells(page, f"notebooks/{source.name}")
                explorer = page.locator(EXPLORER).nth(which)
                expect(explorer).to_be_visible(timeout=60_000)  # widget views render after the run
                explorer.evaluate(
                    f"el => el.setAttribute('{MARK}', '')"
                )  # the same element from JavaScript
                explorer = page.locator(f"[{MARK}]")
                shown = explorer.locator(
                    ".widget-output .jp-OutputArea-output, .crmkit-chart svg"
                ).first
                expect(shown).to_be_visible(timeout=60_000)
                explorer.scroll_into_view_if_needed()
                before = output_text(page, explorer)
                assert before.strip(), (
                    "the explorer shows nothing: " + explorer.evaluate("el => el.outerHTML")[:3000]
                )
                assert "出错了 / Something went wrong" not in before, before
                explorer.screenshot(path=str(screenshots / f"{stem}_explorer_before.png"))

                slider = explorer.locator(".widget-slider .noUi-handle").first
                if slider.count():
                    slider.focus()
                    page.keyboard.press("ArrowRight")  # one step, as a student moving it by a notch
                else:
                    select = explorer.locator(".widget-dropdown select").first
                    current = select.evaluate("el => el.selectedIndex")
                    select.select_option(index=1 if current == 0 else 0)

                page.wait_for_function(
                    f"""([selector, before]) => {{
                        const el = document.querySelector(selector);  // the marked explorer
                        return el !== null && ({SHOWN_TEXT})(el) !== before;
                    }}""",
                    arg=[f"[{MARK}]", before],
                    timeout=60_000,
                )
                after = output_text(page, explorer)
                assert after != before
                assert "出错了 / Something went wrong" not in after, after
                explorer.screenshot(path=str(screenshots / f"{stem}_explorer_after.png"))
                if slider.count() and explorer.locator(".crmkit-chart").count():
                    report_chart_moves(page, slider, f"[{MARK}]", stem, capsys)
                # The notebook with the explorer in view, without the file browser and status bar
                # (their "modified 5s ago" would change the picture on every run).
                explorer.evaluate("el => el.scrollIntoView({block: 'center'})")
                page.locator(".jp-NotebookPanel").screenshot(
                    path=str(screenshots / f"{stem}_jupyterlab.png")
                )
            except Exception:
                failure = tmp_path / "failure.png"
                page.screenshot(path=str(failure))
                print(f"screenshot of the failure: {failure}\nserver log: {log}")
                raise
            finally:
                browser.close()
    finally:
        stop(server)
