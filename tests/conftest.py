"""Shared fixtures: a fresh IM_HOME per test, no IM_* leakage from the environment, and no network but loopback.

Test tiers. `./run.sh test` (plain `pytest`) runs everything. `./run.sh test -m "not slow and not integration"` is
the fast tier (under 2 minutes on a 2-core machine): it leaves out `integration` tests, which start or need a real
server (a Tansu broker, Chroma, PostgreSQL, InfluxDB, tmux, a browser; every module under tests/integration/ carries
the marker, and collection fails if one does not), and `slow` tests, which take seconds each: they train a network or
a tiny LLM, run a benchmark or a whole routing suite, start the project's own servers or fresh CLI processes, or
import the real data sets. Mark a new test `slow` when it takes more than about a second on its own; a fast test that
needs an expensive session fixture pays for it once in the fast tier (the planner's router and the embedding export,
~11 s together, are paid there on purpose: they cover the offline agent).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# the offline planner's session fixtures (one embedding export, one trained router), registered once here: imported
# into each test module instead, pytest made a separate session fixture per module and trained the router 7 times
pytest_plugins = ["tests.agent._planner_fixtures"]

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


@pytest.fixture(autouse=True)
def im_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test its own empty data home and a clean IM_* environment."""
    for key in list(os.environ):
        if key.startswith("IM_") and not key.startswith("IM_TEST_"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "im_home"
    monkeypatch.setenv("IM_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    return home


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection to a non-loopback address fail loudly: tests never download anything."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _check(address) -> None:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            if not host.startswith(_LOOPBACK):
                raise RuntimeError(f"test tried to reach the network: {address!r}")

    def guarded_connect(self, address):
        _check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self, address):
        _check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real public data in ../shared/data; skips with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (shared/data is laid beside the repository)")
    return SHARED_DATA


def require_env(name: str, what: str) -> str:
    """Return an IM_TEST_* server URL, skip with a reason when unset locally, fail in CI (where .ci/run sets it)."""
    value = os.environ.get(name, "")
    if not value:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not set in CI: .ci/run must start {what}")
        pytest.skip(f"{what} is not running: set {name} (as .ci/run does) to run this test")
    return value


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fail collection when a test under tests/integration/ lacks the `integration` marker: without it the fast tier
    (-m "not slow and not integration") would try to start real servers."""
    folder = Path(__file__).resolve().parent / "integration"
    unmarked = [item.nodeid for item in items
                if folder in Path(item.path).resolve().parents and item.get_closest_marker("integration") is None]
    if unmarked:
        raise pytest.UsageError("tests under tests/integration/ must be marked integration (module-level "
                                f"`pytestmark = pytest.mark.integration`): {', '.join(unmarked)}")
