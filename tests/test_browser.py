"""In a real browser: JupyterLab runs a case notebook, its explorer renders, and moving it works.

Starts `jupyter lab` on a free localhost port with a random token, opens a notebook in headless
Chromium through Playwright, runs all cells from the Run menu, waits for an explorer
(crmkit.widgets.explore: a slider or drop-down above its output), moves its control from the
keyboard (slider) or by choosing another option (drop-down), and checks the output below it
changes. It does this for the futures-broker case notebook (a slider over a table) and for
00_start_here.ipynb (a slider over a chart). Screenshots go to docs/screenshots/ so a person can
check that the Chinese renders without boxes; they are the same bytes from run to run.

The server runs on a temporary copy of the notebook, so the repository's file is never saved
over; the kit's data are read through crmkit as usual.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jupyterlab_session import CHROMIUM, CHROMIUM_ARGS, menu, needs_chromium, start_lab, stop

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# (notebook, which explorer): a case notebook's first explorer (a slider over a table), and the
# start-here notebook's chart explorer (the last one), the notebook `make lab` opens.
NOTEBOOKS = [("01_futures_broker.ipynb", 0), ("00_start_here.ipynb", -1)]
EXPLORER = ".jp-OutputArea .widget-vbox:has(> .widget-output):has(> .widget-slider, > .widget-dropdown)"
MARK = "data-crmkit-test"

pytestmark = [pytest.mark.slow, needs_chromium]


def run_all_cells(page, explorer, attempts: int = 2) -> None:
    """Run › Run All Cells, as a student would, until the explorer appears and every cell has run.

    The menu item is disabled until the notebook is the current document, so click into the
    notebook first and pick only an enabled item; try once more if nothing ran.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt in range(1, attempts + 1):
        menu(page, "Run", "Run All Cells")
        try:
            expect(explorer).to_be_visible(timeout=60_000 if attempt < attempts else 120_000)
            # every cell has run: no "[*]" prompt left and the kernel is idle
            expect(page.locator(".jp-InputArea-prompt", has_text="*")).to_have_count(0, timeout=120_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1)
            return
        except (AssertionError, PlaywrightTimeout):
            if attempt == attempts:
                raise
            page.keyboard.press("Escape")


def output_text(page, explorer) -> str:
    """What the explorer shows below its controls: text of tables, plus an id of each image."""
    return explorer.locator(".widget-output").evaluate(
        "el => el.textContent + [...el.querySelectorAll('img')].map(i => i.src.length + i.src.slice(-64)).join()"
    )


@pytest.mark.parametrize("name, which", NOTEBOOKS, ids=[name for name, _ in NOTEBOOKS])
def test_explorer_in_jupyterlab_follows_its_control(name, which, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    source = ROOT / "notebooks" / name
    if not source.exists():
        if name.startswith("00"):
            pytest.fail(f"{source} is missing")
        pytest.skip(f"{name} is not written yet; 00_start_here.ipynb covers the browser path")
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(source, root / "notebooks" / source.name)
    for folder in ("cases", "datasets"):  # the notebook's relative links resolve as in the repo
        (root / folder).symlink_to(ROOT / folder, target_is_directory=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = source.stem
    log = tmp_path / "jupyter.log"
    server, base, token = start_lab(root, tmp_path, drop_env=("CRMKIT_DATA_DIR",))  # the committed data
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            try:
                page.goto(f"{base}/lab/tree/notebooks/{source.name}?token={token}")
                expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=90_000)
                expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=90_000)
                page.add_style_tag(content="* { caret-color: transparent !important; }")  # steadier screenshots

                run_all_cells(page, page.locator(EXPLORER).first)
                explorer = page.locator(EXPLORER).nth(which)
                explorer.evaluate(f"el => el.setAttribute('{MARK}', '')")  # the same element from JavaScript
                explorer = page.locator(f"[{MARK}]")
                shown = explorer.locator(".widget-output .jp-OutputArea-output").first
                expect(shown).to_be_visible(timeout=60_000)
                explorer.scroll_into_view_if_needed()
                before = output_text(page, explorer)
                assert before.strip(), "the explorer shows nothing: " + explorer.evaluate("el => el.outerHTML")[:3000]
                assert "出错了 / Something went wrong" not in before, before
                explorer.screenshot(path=str(SCREENSHOTS / f"{stem}_explorer_before.png"))

                slider = explorer.locator(".widget-slider .noUi-handle").first
                if slider.count():
                    slider.focus()
                    page.keyboard.press("ArrowRight")  # one step, as a student moving it by a notch
                else:
                    select = explorer.locator(".widget-dropdown select").first
                    current = select.evaluate("el => el.selectedIndex")
                    select.select_option(index=1 if current == 0 else 0)

                page.wait_for_function(
                    """([selector, before]) => {
                        const el = document.querySelector(selector);  // the marked explorer
                        const out = el && el.querySelector('.widget-output');
                        if (!out) return false;
                        const now = out.textContent + [...out.querySelectorAll('img')]
                            .map(i => i.src.length + i.src.slice(-64)).join();
                        return now !== before && out.querySelector('.jp-OutputArea-output') !== null;
                    }""",
                    arg=[f"[{MARK}]", before], timeout=60_000,
                )
                after = output_text(page, explorer)
                assert after != before
                assert "出错了 / Something went wrong" not in after, after
                explorer.screenshot(path=str(SCREENSHOTS / f"{stem}_explorer_after.png"))
                # The notebook with the explorer in view, without the file browser and status bar
                # (their "modified 5s ago" would change the picture on every run).
                explorer.evaluate("el => el.scrollIntoView({block: 'center'})")
                page.locator(".jp-NotebookPanel").screenshot(path=str(SCREENSHOTS / f"{stem}_jupyterlab.png"))
            except Exception:
                failure = tmp_path / "failure.png"
                page.screenshot(path=str(failure))
                print(f"screenshot of the failure: {failure}\nserver log: {log}")
                raise
            finally:
                browser.close()
    finally:
        stop(server)
