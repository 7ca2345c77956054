"""The REST API over real HTTP: a real `industrialmind web` server on a free 127.0.0.1 port, on the demo plant."""

from __future__ import annotations

import base64

import pytest

from tests.ui._web_server import http, require_web_stack, shared_server

pytestmark = pytest.mark.slow  # real `industrialmind web` server subprocesses on demo homes; real agent turns

ASK_KEYS = {"answer", "tool_calls", "pending_approval", "thread_id", "latency_ms"}


@pytest.fixture(scope="module")
def server():
    """One open (no auth) server for this module."""
    require_web_stack()
    return shared_server("open")


@pytest.fixture(scope="module")
def auth_server():
    """A server with both password and trusted-header auth configured."""
    require_web_stack()
    return shared_server("auth", IM_WEB_PASSWORD="s3cret-pw", IM_WEB_AUTH_HEADER="X-Forwarded-User")


def test_api_health_reports_each_backend(server):
    """GET /api/health lists every backend with ok and a detail, and says which brain answers."""
    status, body = http("GET", server.url + "/api/health")
    assert status == 200, body
    names = {c["name"] for c in body["checks"]}
    assert {"timeseries", "records", "checkpoints", "graph", "vectors", "llm"} <= names
    records = next(c for c in body["checks"] if c["name"] == "records")
    assert records["ok"] and "46 asset" in records["detail"]
    assert body["llm"] == "offline"


def test_api_assets_lists_the_registry_and_filters(server):
    """GET /api/assets returns the registry; ?line= narrows it to that line's assets."""
    status, body = http("GET", server.url + "/api/assets")
    assert status == 200 and body["count"] == len(body["assets"]) == 46
    p101 = next(a for a in body["assets"] if a["id"] == "P-101")
    assert {"id", "name", "type", "line", "site", "criticality", "sensors"} <= set(p101)
    status, some = http("GET", server.url + f"/api/assets?line={p101['line']}")
    assert status == 200 and 0 < some["count"] < 46
    assert {a["line"] for a in some["assets"]} == {p101["line"]}


def test_api_assets_unknown_filter_is_a_400_naming_valid_choices(server):
    """An unknown line is a 400 JSON error that lists the valid lines, not a traceback."""
    status, body = http("GET", server.url + "/api/assets?line=L9")
    assert status == 400
    assert "unknown line 'L9'" in body["error"] and "'L1'" in body["error"]


def test_api_ask_returns_the_ask_json(server):
    """POST /api/ask answers with exactly the keys of `ask --json`, the tool calls made and a thread id."""
    status, body = http("POST", server.url + "/api/ask", {"question": "What are the latest readings of P-101?"})
    assert status == 200, body
    assert set(body) == ASK_KEYS
    assert [c["name"] for c in body["tool_calls"]] == ["latest_readings"]
    assert body["tool_calls"][0]["args"]["asset_id"] == "P-101"
    assert "P-101" in body["answer"] and body["pending_approval"] is None
    follow = http("POST", server.url + "/api/ask", {"question": "and its temperature?",
                                                     "thread_id": body["thread_id"]})[1]
    assert follow["thread_id"] == body["thread_id"]
    assert follow["tool_calls"] and follow["tool_calls"][0]["args"].get("asset_id") == "P-101"


def test_api_ask_action_waits_for_approval_and_does_not_run(server):
    """An action asked without approve comes back under pending_approval and no work order is created."""
    from industrialmind.stores.records import open_records

    status, body = http("POST", server.url + "/api/ask",
                        {"question": "Create a work order to inspect the bearing on P-101, high priority"})
    assert status == 200, body
    pending = body["pending_approval"]
    assert pending is not None and pending["actions"][0]["name"] == "create_work_order"
    assert "P-101" in pending["question"]
    home = server.log.parent / "home"
    records = open_records(f"sqlite:///{home / 'records.db'}")
    try:
        created = [w for w in records.list_work_orders(asset_id="P-101") if "bearing" in (w.title or "").lower()]
    finally:
        records.close()
    assert created == []


def test_api_ask_bad_input_is_a_clear_json_error(server):
    """A missing or empty question, or a body that is not JSON, is a 422 whose error names the problem."""
    status, body = http("POST", server.url + "/api/ask", {"thread_id": "abc"})
    assert status == 422 and "question" in body["error"] and "Field required" in body["error"]
    status, body = http("POST", server.url + "/api/ask", {"question": ""})
    assert status == 422 and "question" in body["error"]
    status, body = http("POST", server.url + "/api/ask", "not an object")
    assert status == 422 and body["error"].startswith("invalid request")


def test_api_openapi_docs_are_served(server):
    """The OpenAPI schema at /api/openapi.json lists the three endpoints; /api/docs is the Swagger page."""
    status, schema = http("GET", server.url + "/api/openapi.json")
    assert status == 200
    assert {"/health", "/assets", "/ask"} <= set(schema["paths"])
    status, page = http("GET", server.url + "/api/docs")
    assert status == 200 and "swagger" in str(page).lower()


def test_api_files_serves_only_what_the_chat_history_stored(server, auth_server):
    """/api/files reads back stored chart elements only: unknown or path-like names are a JSON 404, and with auth on
    it asks for the same credentials as the rest of the API (the chart's browser has the login cookie)."""
    for name in ("nothing.json", "0" * 64 + ".json"):
        status, body = http("GET", f"{server.url}/api/files/{name}")
        assert status == 404 and "no stored file" in body["error"], (name, body)
    status, _ = http("GET", f"{server.url}/api/files/..%2F..%2Fweb%2Fhistory.db")  # no route walks the disk
    assert status == 404
    assert "/files/{name}" not in http("GET", server.url + "/api/openapi.json")[1]["paths"]
    status, _ = http("GET", auth_server.url + "/api/files/" + "0" * 64 + ".json")
    assert status == 401


def test_api_auth_refuses_requests_without_credentials(auth_server):
    """With IM_WEB_PASSWORD set, the API answers 401 without credentials or with a wrong password."""
    status, body = http("GET", auth_server.url + "/api/assets")
    assert status == 401 and "authentication required" in body["detail"]
    status, _ = http("GET", auth_server.url + "/api/assets", headers={"Authorization": "Bearer wrong"})
    assert status == 401
    status, _ = http("POST", auth_server.url + "/api/ask", {"question": "hi"})
    assert status == 401


def test_api_auth_accepts_password_or_trusted_header(auth_server):
    """The password as Bearer or Basic, or the trusted proxy header, opens the API."""
    basic = base64.b64encode(b"anyone:s3cret-pw").decode()
    for headers in ({"Authorization": "Bearer s3cret-pw"}, {"Authorization": f"Basic {basic}"},
                    {"X-Forwarded-User": "alice"}):
        status, body = http("GET", auth_server.url + "/api/assets", headers=headers)
        assert status == 200 and body["count"] == 46, headers


def test_web_chat_requires_login_when_auth_is_on(auth_server, server):
    """With auth on, Chainlit asks for a login and refuses a wrong password; without auth every browser is signed in
    as the local user at once (no password, no header), so its conversations have an owner for the history."""
    status, config = http("GET", auth_server.url + "/auth/config")
    assert status == 200 and config["requireLogin"] is True and config["passwordAuth"] is True
    assert config["headerAuth"] is True
    status, _ = http("POST", auth_server.url + "/auth/header")
    assert status == 401  # no trusted header: no login
    status, body = http("POST", auth_server.url + "/auth/header", headers={"X-Forwarded-User": "alice"})
    assert status == 200 and body["success"] is True
    status, config = http("GET", server.url + "/auth/config")
    assert config["headerAuth"] is True and config["passwordAuth"] is False
    status, body = http("POST", server.url + "/auth/header")  # no header at all: still the local user
    assert status == 200 and body["success"] is True
    import urllib.parse

    form = urllib.parse.urlencode({"username": "admin", "password": "nope"}).encode()
    import urllib.error
    import urllib.request

    request = urllib.request.Request(auth_server.url + "/login", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    form = urllib.parse.urlencode({"username": "admin", "password": "s3cret-pw"}).encode()
    request = urllib.request.Request(auth_server.url + "/login", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers.get("set-cookie", "")
    assert "access_token=" in cookie
    token = cookie.split("access_token=", 1)[1].split(";", 1)[0]
    status, body = http("GET", auth_server.url + "/api/assets", headers={"Cookie": f"access_token={token}"})
    assert status == 200 and body["count"] == 46


def test_web_command_prints_its_url(server):
    """`industrialmind web` prints the chat URL and where the REST API and its docs are."""
    out = server.output()
    assert f"IndustrialMind web chat: {server.url}/" in out
    assert f"{server.url}/api/docs" in out


def test_check_bindable_refuses_a_bad_or_busy_port():
    """A port out of range, or one already listened on, is a ConfigError before the server starts, not a printed
    URL and exit code 0."""
    import socket

    require_web_stack()
    from industrialmind.errors import ConfigError
    from industrialmind.ui.api import check_bindable

    with pytest.raises(ConfigError, match="99999 is not a TCP port"):
        check_bindable("127.0.0.1", 99999)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot serve on 127.0.0.1:{port}"):
            check_bindable("127.0.0.1", port)
