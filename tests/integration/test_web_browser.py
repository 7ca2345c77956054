"""The web chat as a person uses it: a real Chromium (Debian's package) driven by Playwright against a real
`industrialmind web` server on the demo plant.

Screenshots of the main states go to test-artifacts/web/, or to docs/screenshots/ (the README's pictures) when
IM_TEST_UPDATE_SCREENSHOTS=1, so the repository only changes when someone means to refresh them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.ui._web_server import REPO, require_web_stack, shared_server

pytestmark = pytest.mark.integration  # a real Chromium against a real web server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TURN_MS = 120_000  # one agent turn on a busy 2-core machine; a normal turn takes a few seconds


def _shots_dir() -> Path:
    if os.environ.get("IM_TEST_UPDATE_SCREENSHOTS") == "1":
        return REPO / "docs" / "screenshots"
    return REPO / "test-artifacts" / "web"


@pytest.fixture(scope="module")
def page():
    """A Chromium page (1280x900) on a fresh server with its own copy of the demo home."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium; apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (industrialmind[dev]) is not installed")
    require_web_stack()
    server = shared_server("browser")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TURN_MS)
        page.server = server  # type: ignore[attr-defined]
        yield page
        browser.close()


def _shot(page, name: str) -> None:
    folder = _shots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"web-{name}.png"))


SENT = """() => { const e = document.querySelector('#chat-input');
                  return !!e && (e.value !== undefined ? e.value === '' : e.innerText.trim() === ''); }"""


def _ask(page, question: str) -> None:
    page.fill("#chat-input", question)
    page.keyboard.press("Enter")
    page.wait_for_function(SENT)  # the composer empties once the message is on its way
    page.get_by_text(question, exact=True).last.wait_for()


def test_web_chat_plot_approve_and_resume(page):
    """Open the chat, see starters from the registry, ask for a plot (streamed answer, expandable step, rendered
    chart) and for readings (a table), approve an action and see its result, then reload and resume the thread."""
    try:
        _scenario(page)
    except Exception:
        _shot(page, "failure")
        print(page.server.output())
        raise


def _scenario(page) -> None:
    from industrialmind.stores.records import open_records

    server = page.server
    page.goto(server.url + "/")
    # starters are built from the registry: P-101 is the demo plant's most critical pump with a vibration sensor
    page.get_by_text("Plot P-101 vibration, drive end").wait_for()
    # the brain picker is sent by on_chat_start: once it shows, the session is live and Enter sends
    page.locator("#chat-settings-open-modal").wait_for()
    page.wait_for_timeout(1000)  # let the welcome screen's fade-in finish before the picture
    _shot(page, "start")

    _ask(page, "Plot P-101 vibration over the last 6 hours")
    page.locator(".js-plotly-plot").first.wait_for()
    answer = page.get_by_text(re.compile(r"P-101 vibration_de from .* UTC: min .* mm/s")).first
    answer.wait_for()
    assert "max" in answer.inner_text()
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 1  # Plotly drew the series
    page.get_by_text("sensor_history").first.click()  # expand the step: its arguments and result show
    page.get_by_text('"asset_id": "P-101"').first.wait_for()
    page.get_by_text(re.compile(r"P-101 vibration_de from .*anomalous|P-101 vibration_de from .*mean")).last.wait_for()
    _shot(page, "chart")

    _ask(page, "What are the latest readings of P-101?")
    table = page.locator("table").filter(has_text="vibration_de").last  # the records as a table under the answer
    table.wait_for()
    assert "mm/s" in table.inner_text() and "normal" in table.inner_text()
    page.wait_for_timeout(500)
    _shot(page, "table")

    _ask(page, "Create a work order to inspect the bearing on P-101, high priority")
    approve = page.get_by_role("button", name="Approve")
    approve.wait_for()
    assert page.get_by_text("create_work_order(asset_id='P-101'").first.is_visible()
    _shot(page, "approval")
    home = server.log.parent / "home"
    records = open_records(f"sqlite:///{home / 'records.db'}")
    try:
        assert not [w for w in records.list_work_orders(asset_id="P-101") if w.title == "Inspect bearing on P-101"]
        approve.click()
        page.get_by_text(re.compile(r"[Cc]reated work order")).first.wait_for()
        created = [w for w in records.list_work_orders(asset_id="P-101") if w.title == "Inspect bearing on P-101"]
    finally:
        records.close()
    assert len(created) == 1 and created[0].priority == "high"
    _shot(page, "approved")

    page.reload()
    page.get_by_text("Recent conversations").wait_for()
    page.locator("#chat-settings-open-modal").wait_for()
    resume = page.get_by_role("button", name=re.compile(r"Resume: Plot P-101 vibration"))
    resume.click()
    page.get_by_text(re.compile(r"Resumed thread")).wait_for()
    page.get_by_text("Plot P-101 vibration over the last 6 hours", exact=True).first.wait_for()  # replayed
    page.get_by_text(re.compile(r"P-101 vibration_de from .* UTC: min")).first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # the thread's chart is drawn again from its tool result
    page.get_by_text(re.compile(r"Resumed thread")).scroll_into_view_if_needed()
    _shot(page, "resumed")
