"""The InfluxDB backend without a server: URL parsing, line-protocol escaping, and an unreachable server."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from industrialmind.errors import BackendUnavailableError, ConfigError, InvalidInputError
from industrialmind.stores._influx import InfluxTimeSeries, escape_tag, to_bodies, to_lines
from industrialmind.stores.timeseries import normalise_points, open_timeseries


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_influx_url_parts():
    """influxdbs:// means https; user, password, host, port and database come from the URL."""
    store = open_timeseries("influxdbs://me:pw@db.example:9999/plant", token=None)
    assert isinstance(store, InfluxTimeSeries)
    assert store.base_url == "https://db.example:9999"
    assert (store.username, store.password, store.database) == ("me", "pw", "plant")
    assert open_timeseries("influxdb://localhost/x").base_url == "http://localhost:8086"


def test_influx_url_without_database_is_a_config_error():
    """An InfluxDB URL must name a database."""
    with pytest.raises(ConfigError, match="one database"):
        open_timeseries("influxdb://localhost:8086")


def test_influx_url_with_a_bad_port_is_a_config_error():
    """A non-numeric or out-of-range port is a ConfigError naming IM_TIMESERIES_URL, the password masked."""
    for url in ("influxdb://localhost:notaport/x", "influxdb://u:secret@localhost:99999/x"):
        with pytest.raises(ConfigError, match="IM_TIMESERIES_URL: the port") as info:
            open_timeseries(url)
        assert "secret" not in str(info.value)


def test_influx_token_comes_from_the_caller(monkeypatch):
    """The caller passes the token (a string or settings.influx_token as it is), sent as 'Token ...'; the
    opener reads no settings itself, so IM_INFLUX_TOKEN alone sends nothing."""
    from industrialmind.config import Settings

    monkeypatch.setenv("IM_INFLUX_TOKEN", "tok-123")
    for token in ("tok-123", Settings().influx_token):
        store = open_timeseries("influxdb://localhost:8086/x", token=token)
        assert store._http().headers["Authorization"] == "Token tok-123"
        store.close()
    store = open_timeseries("influxdb://localhost:8086/x")
    assert "Authorization" not in store._http().headers
    store.close()


def test_influx_line_protocol_escapes_tags_and_picks_precision():
    """Spaces, commas and equals signs in tags are escaped; whole-second times use precision 's'."""
    frame = normalise_points(pd.DataFrame({"asset": ["P 1,a=b"], "sensor": ["flow"],
                                           "ts": [pd.Timestamp("2026-11-01T00:00:00Z")], "value": [1.5]}))
    lines, precision = to_lines(frame)
    assert precision == "s"
    assert lines == [r"telemetry,asset=P\ 1\,a\=b,sensor=flow value=1.5,quality=0i 1793491200"]
    frame.loc[0, "ts"] = pd.Timestamp("2026-11-01T00:00:00.000001Z")
    assert to_lines(frame)[1] == "u"


def test_influx_bodies_split_into_batches():
    """to_bodies splits the lines into request bodies of at most batch_lines lines."""
    frame = normalise_points(pd.DataFrame({"asset": "P-101", "sensor": "flow",
                                           "ts": pd.date_range("2026-11-01", periods=25, freq="1min", tz="UTC"),
                                           "value": range(25)}))
    bodies, _ = to_bodies(frame, batch_lines=10)
    assert [body.count(b"\n") for body in bodies] == [10, 10, 5]
    assert b"".join(bodies).decode().splitlines() == to_lines(frame)[0]


def test_influx_rejects_tags_it_cannot_carry():
    """A tag with a line break or a trailing backslash is an InvalidInputError, not a corrupt write."""
    with pytest.raises(InvalidInputError, match="line break"):
        escape_tag("a\nb")
    with pytest.raises(InvalidInputError, match="backslash"):
        escape_tag("a\\")


def test_influx_unreachable_server_is_one_line_naming_url_and_cause():
    """A closed port gives BackendUnavailableError: one line, the URL with its password masked, and the cause."""
    port = _closed_port()
    store = open_timeseries(f"influxdb://admin:s3cret@127.0.0.1:{port}/plant", retries=2)
    with pytest.raises(BackendUnavailableError) as info:
        store.count()
    message = str(info.value)
    assert f"influxdb://admin:****@127.0.0.1:{port}/plant" in message
    assert "s3cret" not in message and "\n" not in message
    assert "refused" in message.lower() or "connect" in message.lower()


def test_influx_summarise_sends_selectors_alone_in_one_request():
    """summarise asks each selector (min, max, first, last) in a statement of its own, so InfluxDB returns the
    selected point's time, all windows in one request, and reads the answers back by statement."""
    import json as _json

    import httpx

    sent = []

    def reply(request: httpx.Request) -> httpx.Response:
        from urllib.parse import parse_qs

        q = parse_qs(request.content.decode())["q"][0]
        statements = q.split(";\n")
        sent.append(statements)
        results = []
        for i, s in enumerate(statements):
            fn = s.split("(")[0].split()[-1]
            if fn == "count":
                values = [[0, 3, 6.0]]
                columns = ["time", "count", "sum"]
            else:
                values = [[1_700_000_000_000_000_000 + i, {"min": 1.0, "max": 3.0, "first": 2.0, "last": 1.0}[fn]]]
                columns = ["time", fn]
            results.append({"statement_id": i, "series": [{"name": "telemetry", "tags": {"sensor": "flow"},
                                                            "columns": columns, "values": values}]})
        return httpx.Response(200, text=_json.dumps({"results": results}))

    store = InfluxTimeSeries("influxdb://localhost:8086/plant", create_database=False)
    store._client = httpx.Client(base_url=store.base_url, transport=httpx.MockTransport(reply))
    store._ready = True
    t0 = pd.Timestamp("2026-11-01T00:00:00Z").to_pydatetime()
    got = store.summarise("P-101", ["flow"], [(t0, t0 + pd.Timedelta(hours=1)), (t0 + pd.Timedelta(hours=1),
                                                                                t0 + pd.Timedelta(hours=2))])
    assert len(sent) == 1 and len(sent[0]) == 10
    assert all("GROUP BY \"sensor\"" in s and "time(" not in s for s in sent[0])
    assert got["window"].tolist() == [0, 1] and got["count"].tolist() == [3, 3]
    assert got["max"].tolist() == [3.0, 3.0]
    assert got["max_ts"].iloc[1] == pd.Timestamp(1_700_000_000_000_000_000 + 7, unit="ns", tz="UTC")
