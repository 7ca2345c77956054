"""The terminal app's alarms panel on a real broker: an alarm published to the alarms topic appears on screen.

Uses a private Tansu broker (tests/integration/kafka_support.py); skips when the Tansu binary is missing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("textual")

from industrialmind.config import Settings
from tests.integration.kafka_support import broker, streams  # noqa: F401 - fixtures
from tests.ui.test_tui import make_app, settle, tui_home  # noqa: F401 - the session demo home

pytestmark = pytest.mark.integration  # a real Tansu broker


async def test_tui_live_alarm_from_the_alarms_topic_appears(tui_home: Path, streams) -> None:  # noqa: F811
    """With IM_KAFKA_BOOTSTRAP set, an AlarmV1 produced to the alarms topic shows on top of the Alarms panel."""
    from industrialmind.stores.messages import AlarmV1
    from industrialmind.stores.streams import produce
    from industrialmind.ui._tui_data import AlarmFeed
    from industrialmind.ui._tui_widgets import AlarmsPanel

    cfg = Settings(home=tui_home)  # reads IM_KAFKA_BOOTSTRAP and IM_KAFKA_TOPIC_PREFIX set by the fixture
    assert cfg.kafka_bootstrap == streams.bootstrap
    app = make_app(tui_home, alarm_feed=AlarmFeed(cfg))
    alarm = AlarmV1(id="live-1", asset_id="C-201", severity="critical", message="anomaly on C-201 (test)",
                    start=datetime(2026, 11, 26, 6, 5, tzinfo=UTC), sensors=["vibration"])
    producer = streams.producer()
    async with app.run_test(size=(140, 40)) as pilot:
        panel = app.query_one(AlarmsPanel)
        await settle(app, pilot, until=lambda: panel.feed_state.startswith("live from"))
        # the follower starts at the end of the topic once assigned: publish until it has seen one
        deadline = time.monotonic() + 30
        while not any(r.id == "live-1" for r in panel.rows) and time.monotonic() < deadline:
            produce(producer, streams.topic("alarms"), alarm.to_json(), key=b"C-201")
            producer.flush(5)
            await pilot.pause(0.5)
        assert panel.rows and panel.rows[0].id == "live-1" and panel.rows[0].source == "live"
        assert panel.rows[0].severity == "critical"
