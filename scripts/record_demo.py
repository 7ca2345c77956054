"""Make the README's screenshots and the demo video: the web chat in Chromium, the terminal app through Textual.

Usage: .venv/bin/python scripts/record_demo.py [--out docs/screenshots] [--no-video] [--only web|tui]

Web: a real `industrialmind web` on a free 127.0.0.1 port over a temporary demo home (the browser test's set-up,
tests/ui/_web_server.py), driven by Playwright in Debian's Chromium through a short conversation: a plot, a table, a
work order approved, then the thread resumed from the sidebar history. It writes web-start.png, web-chart.png,
web-table.png, web-approval.png, web-approved.png, web-resumed.png and, with Playwright's video recording,
demo-web.webm (re-encoded to stay small). Playwright records through an ffmpeg binary; this uses Debian's
(`apt-get install -y ffmpeg`) rather than `playwright install`, which downloads one.

TUI: the three terminal states of tests/ui/_tui_demo.py (a fixed clock and a scripted brain, so the pictures are the
same on every run) saved with Textual's save_screenshot: tui-chat.svg, tui-main-80x24.svg, tui-approval.svg.

Nothing here runs in the test suite's writable paths: the tests only assert, and tests/ui/test_tui.py checks the TUI
pictures by calling save_tui_screenshots into a temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the demo set-up is shared with the tests (tests/ui/_web_server.py, _tui_demo.py)
    sys.path.insert(0, str(REPO))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1024, "height": 720}
TURN_MS = 120_000  # one agent turn on a busy 2-core machine
VIDEO = "demo-web.webm"
VIDEO_BITRATE = "250k"  # a chat screen is mostly still: this keeps a minute of video near 1-2 MB
PLOT = "Plot P-101 vibration over the last 6 hours"
READINGS = "What are the latest readings of P-101?"
WORK_ORDER = "Create a work order to inspect the bearing on P-101, high priority"


def main(argv: list[str] | None = None) -> int:
    """Parse the options, make the pictures (and the video), print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the media")
    parser.add_argument("--no-video", action="store_true", help="screenshots only (no ffmpeg needed)")
    parser.add_argument("--only", choices=("web", "tui"), help="make only the web or only the TUI media")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if args.only in (None, "web"):
        problem = web_prerequisites(video=not args.no_video)
        if problem:
            print(f"record_demo: {problem}", file=sys.stderr)
            return 2
        written += record_web(out, video=not args.no_video)
    if args.only in (None, "tui"):
        written += asyncio.run(save_tui_screenshots(out))
    for path in written:
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


# --- web ----------------------------------------------------------------------------------------------------------
def web_prerequisites(video: bool) -> str | None:
    """Why the web recording cannot run here (with the fix), or None."""
    if not CHROMIUM.exists():
        return f"Debian's chromium is not installed ({CHROMIUM}): apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    if video and shutil.which("ffmpeg") is None:
        return "the video needs ffmpeg: apt-get install -y ffmpeg (or --no-video for the screenshots only)"
    return None


def use_system_ffmpeg(folder: Path) -> None:
    """Point Playwright at Debian's ffmpeg: a private PLAYWRIGHT_BROWSERS_PATH holding only the ffmpeg entry of the
    revision this Playwright expects (Chromium is Debian's too, given by path)."""
    import playwright

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    revision = next(b["revision"] for b in json.loads(browsers.read_text())["browsers"] if b["name"] == "ffmpeg")
    entry = folder / f"ffmpeg-{revision}" / "ffmpeg-linux"
    entry.parent.mkdir(parents=True, exist_ok=True)
    if not entry.exists():
        entry.symlink_to(shutil.which("ffmpeg"))
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(folder)  # read when the driver starts


def record_web(out: Path, video: bool = True) -> list[Path]:
    """Drive the demo conversation in Chromium against a fresh server; returns the files written."""
    from playwright.sync_api import sync_playwright

    from tests.ui._web_server import WebServer, fresh_home

    work = Path(tempfile.mkdtemp(prefix="im-record-"))
    if video:
        use_system_ffmpeg(work / "playwright")
    print("record_demo: preparing the demo plant and starting the web chat (a minute or two)...", file=sys.stderr)
    server = WebServer(fresh_home())
    written: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            options: dict = {"viewport": VIEWPORT}
            if video:
                options.update(record_video_dir=str(work / "video"), record_video_size=VIEWPORT)
            context = browser.new_context(**options)
            page = context.new_page()
            page.set_default_timeout(TURN_MS)

            def shot(name: str) -> None:
                path = out / f"web-{name}.png"
                page.screenshot(path=str(path))
                written.append(path)

            try:
                _conversation(page, server.url, shot)
            except Exception:
                page.screenshot(path=str(work / "failure.png"))
                print(f"record_demo: failed; screenshot {work / 'failure.png'}\n{server.output()}", file=sys.stderr)
                raise
            finally:
                context.close()  # finishes the video file
            if video:
                written.append(compress_video(Path(page.video.path()), out / VIDEO))
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return written


def _conversation(page, url: str, shot) -> None:
    page.goto(url + "/")
    page.get_by_text("Plot P-101 vibration, drive end").wait_for()  # starters from the registry
    page.locator("#chat-settings-open-modal").wait_for()  # the session is live
    page.wait_for_timeout(1200)  # the welcome screen fades in
    shot("start")

    _ask(page, PLOT)
    page.locator(".js-plotly-plot").first.wait_for()
    page.get_by_text(re.compile(r"P-101 vibration_de from .* UTC: min .* mm/s")).first.wait_for()
    page.wait_for_url(re.compile(r"/thread/[0-9a-f-]{36}$"))
    thread_id = page.url.rsplit("/", 1)[1]
    page.get_by_text("sensor_history").first.click()  # open the step: its arguments and result
    page.get_by_text('"asset_id": "P-101"').first.wait_for()
    page.wait_for_timeout(1500)
    shot("chart")

    _ask(page, READINGS)
    page.locator("table").filter(has_text="vibration_de").last.wait_for()
    page.wait_for_timeout(1500)
    shot("table")

    _ask(page, WORK_ORDER)
    approve = page.get_by_role("button", name="Approve")
    approve.wait_for()
    page.wait_for_timeout(1500)
    shot("approval")
    approve.click()
    page.get_by_text(re.compile(r"[Cc]reated work order")).first.wait_for()
    page.wait_for_timeout(1500)
    shot("approved")

    page.goto(url + "/")  # a new chat; the sidebar keeps the conversation
    page.locator("#chat-settings-open-modal").wait_for()
    page.wait_for_timeout(1000)
    page.locator(f"#thread-{thread_id}").click()
    page.wait_for_url(re.compile(f"/thread/{thread_id}$"))
    page.get_by_text(re.compile(r"[Cc]reated work order")).first.wait_for()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()  # redrawn from the stored element
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)
    shot("resumed")


def _ask(page, question: str) -> None:
    box = page.locator("#chat-input")
    box.click()
    box.press_sequentially(question, delay=25)  # typed as a person would, for the video
    page.keyboard.press("Enter")
    page.get_by_text(question, exact=True).last.wait_for()


def compress_video(raw: Path, target: Path) -> Path:
    """Playwright's recording re-encoded (VP8, fixed low bitrate, 12 fps) so the repository stays light."""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(raw), "-an", "-c:v", "libvpx", "-b:v",
                    VIDEO_BITRATE, "-crf", "30", "-r", "12", str(target)], check=True)
    return target


# --- TUI ----------------------------------------------------------------------------------------------------------
async def save_tui_screenshots(out: Path, home: Path | None = None) -> list[Path]:
    """The README's terminal pictures as SVG, over home (a fresh demo home when None); returns the files written."""
    from tests.ui._tui_demo import README_SHOTS, build_tui_home

    work = None
    if home is None:
        work = Path(tempfile.mkdtemp(prefix="im-record-tui-"))
        home = build_tui_home(work / "home")
    written = []
    try:
        for name, factory, size, steps in README_SHOTS:
            app = factory(home)
            async with app.run_test(size=size) as pilot:
                await steps(pilot)
                written.append(Path(app.save_screenshot(name, path=str(out))))
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return written


if __name__ == "__main__":
    sys.exit(main())
