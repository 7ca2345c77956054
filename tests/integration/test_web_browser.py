"""The web chat as a person uses it: a real Chromium (Debian's package) driven by Playwright against a real
`industrialmind web` server on the demo plant.

The test only asserts: on a failure it saves a screenshot next to the server's log (a temp folder it prints). The
README's pictures and the demo video are made by scripts/record_demo.py, which drives the same steps.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.ui._web_server import require_web_stack, shared_server

pytestmark = pytest.mark.integration  # a real Chromium against a real web server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TURN_MS = 120_000  # one agent turn on a busy 2-core machine; a normal turn takes a few seconds
PLOT = "Plot P-101 vibration over the last 6 hours"


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


SENT = """() => { const e = document.querySelector('#chat-input');
                  return !!e && (e.value !== undefined ? e.value === '' : e.innerText.trim() === ''); }"""


def _ask(page, question: str) -> None:
    page.fill("#chat-input", question)
    page.keyboard.press("Enter")
    page.wait_for_function(SENT)  # the composer empties once the message is on its way
    page.get_by_text(question, exact=True).last.wait_for()


def test_web_chat_plot_approve_feedback_and_resume_from_history(page):
    """Open the chat (signed in as the local user), see starters from the registry, ask for a plot (streamed answer,
    expandable step, rendered chart) and for readings (a table), approve an action and see its result, rate an
    answer, then open a new chat and resume the first thread from the sidebar history: its messages and chart come
    back and the agent carries on the same checkpointed thread."""
    try:
        _scenario(page)
    except Exception:
        shot = page.server.log.parent / "web-failure.png"
        page.screenshot(path=str(shot))
        print(f"screenshot of the failure: {shot}\n{page.server.output()}")
        raise


def _scenario(page) -> None:
    from industrialmind.stores.records import open_records

    server = page.server
    home = server.log.parent / "home"
    page.goto(server.url + "/")
    # starters are built from the registry: P-101 is the demo plant's most critical pump with a vibration sensor
    page.get_by_text("Plot P-101 vibration, drive end").wait_for()
    # the brain picker is sent by on_chat_start: once it shows, the session is live and Enter sends
    page.locator("#chat-settings-open-modal").wait_for()
    page.locator("#thread-history").wait_for()  # the history sidebar: no login asked, the browser is the local user

    _ask(page, PLOT)
    page.locator(".js-plotly-plot").first.wait_for()
    answer = page.get_by_text(re.compile(r"P-101 vibration_de from .* UTC: min .* mm/s")).first
    answer.wait_for()
    assert "max" in answer.inner_text()
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 1  # Plotly drew the series
    page.get_by_text("sensor_history").first.click()  # expand the step: its arguments and result show
    page.get_by_text('"asset_id": "P-101"').first.wait_for()
    page.get_by_text(re.compile(r"P-101 vibration_de from .*anomalous|P-101 vibration_de from .*mean")).last.wait_for()
    page.wait_for_url(re.compile(r"/thread/[0-9a-f-]{36}$"))  # Chainlit gives the conversation its address
    thread_id = page.url.rsplit("/", 1)[1]

    _ask(page, "What are the latest readings of P-101?")
    table = page.locator("table").filter(has_text="vibration_de").last  # the records as a table under the answer
    table.wait_for()
    assert "mm/s" in table.inner_text() and "normal" in table.inner_text()

    # thumbs up on the latest answer: Chainlit asks for an optional comment, then stores the rating
    page.locator(".positive-feedback-off").last.click()
    page.get_by_role("button", name=re.compile("submit", re.IGNORECASE)).click()
    page.locator(".positive-feedback-on").first.wait_for()

    _ask(page, "Create a work order to inspect the bearing on P-101, high priority")
    approve = page.get_by_role("button", name="Approve")
    approve.wait_for()
    assert page.get_by_text("create_work_order(asset_id='P-101'").first.is_visible()
    records = open_records(f"sqlite:///{home / 'records.db'}")
    try:
        assert not [w for w in records.list_work_orders(asset_id="P-101") if w.title == "Inspect bearing on P-101"]
        approve.click()
        page.get_by_text(re.compile(r"[Cc]reated work order")).first.wait_for()
        created = [w for w in records.list_work_orders(asset_id="P-101") if w.title == "Inspect bearing on P-101"]
    finally:
        records.close()
    assert len(created) == 1 and created[0].priority == "high"

    history = _history_db(home)
    assert history["feedbacks"] == [(thread_id, 1)]  # the thumbs up, stored for this thread
    assert _checkpoint_rows(home, thread_id) > 0  # the agent's checkpoints use Chainlit's thread id

    # a new chat on a fresh page: the sidebar lists the earlier conversation under its first question
    page.goto(server.url + "/")
    page.locator("#chat-settings-open-modal").wait_for()
    entry = page.locator(f"#thread-{thread_id}")
    entry.wait_for()
    assert PLOT in entry.inner_text()
    assert not page.get_by_text(PLOT, exact=True).count() > 1  # only the sidebar shows it: the chat is new
    entry.click()
    page.wait_for_url(re.compile(f"/thread/{thread_id}$"))
    page.get_by_text(PLOT, exact=True).last.wait_for()  # the thread's messages come back
    page.get_by_text(re.compile(r"P-101 vibration_de from .* UTC: min")).first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # its chart too, read back from the stored element
    page.get_by_text(re.compile(r"[Cc]reated work order")).first.wait_for()
    page.locator("#chat-settings-open-modal").wait_for()  # the resumed session is live
    before = _checkpoint_rows(home, thread_id)
    _ask(page, "What are the latest readings of P-101?")  # the agent goes on with the same thread
    page.locator("table").filter(has_text="vibration_de").nth(1).wait_for()
    assert _checkpoint_rows(home, thread_id) > before

    # a thread left waiting for approval gets its buttons back when resumed, and Reject runs nothing
    page.goto(server.url + "/")
    page.locator("#chat-settings-open-modal").wait_for()
    _ask(page, "Create a work order to inspect the bearing on P-101, high priority")
    page.get_by_role("button", name="Approve").wait_for()
    page.wait_for_url(re.compile(r"/thread/[0-9a-f-]{36}$"))
    waiting = page.url.rsplit("/", 1)[1]
    assert waiting != thread_id
    page.goto(server.url + "/")
    page.locator(f"#thread-{waiting}").click()
    page.wait_for_url(re.compile(f"/thread/{waiting}$"))
    page.get_by_text("Approval needed.").wait_for()
    page.get_by_role("button", name="Reject").click()
    page.get_by_text(re.compile(r"^Rejected:")).wait_for()
    page.get_by_text(re.compile(r"declined|not run|did not", re.IGNORECASE)).last.wait_for()
    records = open_records(f"sqlite:///{home / 'records.db'}")
    try:
        assert len([w for w in records.list_work_orders(asset_id="P-101") if w.title == "Inspect bearing on P-101"]) == 1
    finally:
        records.close()


def _history_db(home: Path) -> dict[str, list]:
    """The chat history Chainlit stored under <home>/web/history.db: feedback rows and thread names."""
    with sqlite3.connect(home / "web" / "history.db") as db:
        return {"feedbacks": db.execute('SELECT "threadId", "value" FROM feedbacks').fetchall(),
                "threads": db.execute('SELECT "id", "name", "metadata" FROM threads').fetchall()}


def _checkpoint_rows(home: Path, thread_id: str) -> int:
    with sqlite3.connect(home / "checkpoints.db") as db:
        return db.execute("SELECT count(*) FROM checkpoints WHERE thread_id = ?", (thread_id,)).fetchone()[0]
