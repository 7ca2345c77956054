"""`industrialmind doctor`'s checks: is each configured backend reachable? One short result per backend.

Checks run in parallel with short timeouts and never raise: every failure becomes a line naming the URL
(password masked) and the cause. Embedded backends (DuckDB, SQLite, Ladybug, Chroma, MLflow files) are
checked by opening them where that is cheap, or reported as "created on first use" when their file is absent.
Server backends get a real request (InfluxDB /ping, PostgreSQL connect, Chroma heartbeat, MLflow /health,
Ollama /api/tags) or, for binary protocols (Kafka, Neo4j), a TCP connection.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from industrialmind.config import mask_url

if TYPE_CHECKING:
    from industrialmind.config import Settings

TIMEOUT_S = 3.0


@dataclass
class Check:
    """The outcome of one backend check."""

    name: str
    url: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        """JSON-able form with stable keys: name, url, ok, detail."""
        return asdict(self)


def run_checks(settings: "Settings") -> list[Check]:
    """Check every configured backend in parallel; never raises."""
    r = settings.resolved
    plan: list[tuple[str, str, Callable[[], str]]] = [
        ("timeseries", r.timeseries, lambda: _timeseries(settings)),
        ("records", r.records, lambda: _sql(r.records, "records")),
        ("checkpoints", r.checkpoint, lambda: _sql(r.checkpoint, "checkpoints", create=False)),
        ("streams", settings.kafka_bootstrap or "(bundled Tansu broker)", lambda: _kafka(settings)),
        ("graph", r.graph, lambda: _graph(r.graph)),
        ("vectors", r.chroma, lambda: _chroma(settings)),
        ("mlflow", r.mlflow, lambda: _mlflow(r.mlflow)),
        ("llm", settings.llm, lambda: _llm(settings)),
    ]

    def one(item: tuple[str, str, Callable[[], str]]) -> Check:
        name, url, fn = item
        try:
            return Check(name, mask_url(url), True, fn())
        except Exception as exc:  # noqa: BLE001 - the doctor reports every failure as a line, never a traceback
            return Check(name, mask_url(url), False, _one_line(exc))

    with ThreadPoolExecutor(max_workers=len(plan)) as pool:
        return list(pool.map(one, plan))


def _one_line(exc: Exception) -> str:
    import re

    text = str(exc).strip() or type(exc).__name__
    return re.sub(r"\s+", " ", text)[:400]


def _timeseries(settings: "Settings") -> str:
    url = settings.resolved.timeseries
    from industrialmind.stores.timeseries import open_timeseries

    if url.startswith("duckdb:"):
        store = open_timeseries(url, lock_timeout=2.0)
        if store.path != ":memory:" and not Path(store.path).exists():
            return "embedded DuckDB; the file is created on first write"
        try:
            bounds = store.bounds()
            points = store.count()
        finally:
            store.close()
        span = f", {bounds[0]:%Y-%m-%d %H:%M} .. {bounds[1]:%Y-%m-%d %H:%M} UTC" if bounds else ""
        return f"embedded DuckDB, {points:,} points{span}"
    store = open_timeseries(url, token=settings.influx_token, timeout=TIMEOUT_S, retries=1)
    try:
        version = store.ping()
        return f"InfluxDB {version} reachable, database {store.database!r}"
    finally:
        store.close()


def _sql(url: str, what: str, create: bool = True) -> str:
    if url.startswith("sqlite:"):
        path = url.split(":///", 1)[-1]
        if not create or not Path(path).exists():
            return "embedded SQLite" + ("" if Path(path).exists() else "; the file is created on first use")
        from industrialmind.stores.records import open_records

        store = open_records(url)
        try:
            return f"embedded SQLite, {len(store.list_sites())} site(s), {len(store.list_assets())} asset(s)"
        finally:
            store.close()
    if url.startswith(("postgresql", "postgres:")):
        if what == "records":
            from industrialmind.stores.records import open_records

            store = open_records(url)
            try:
                return f"PostgreSQL reachable, {len(store.list_assets())} asset(s)"
            finally:
                store.close()
        import psycopg

        from industrialmind.stores.records import engine_url

        plain = engine_url(url).replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=int(TIMEOUT_S)) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} reachable"
    raise ValueError(f"unsupported URL scheme for {what}")


def _tcp(host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S):
            return
    except OSError as exc:
        raise ConnectionError(f"{host}:{port} is unreachable: {exc.strerror or exc}") from None


def _kafka(settings: "Settings") -> str:
    if settings.kafka_bootstrap:
        reached = []
        errors = []
        for server in settings.kafka_bootstrap.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                _tcp(host or "localhost", int(port or 9092))
                reached.append(server.strip())
            except ConnectionError as exc:
                errors.append(str(exc))
        if not reached:
            raise ConnectionError("; ".join(errors))
        return f"Kafka bootstrap reachable: {', '.join(reached)}"
    from industrialmind.stores.broker import running_broker

    info = running_broker(settings.home)
    if info is not None:
        return f"bundled Tansu broker running on {info.bootstrap} (pid {info.pid})"
    return "bundled Tansu broker, started on demand (not running now)"


def _graph(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "ladybug":
        rest = url.split("://", 1)[1]
        path = Path("/" + rest.lstrip("/") if rest.startswith("/") else rest)
        return "embedded Ladybug" + ("" if path.exists() else "; the file is created on first use")
    _tcp(parts.hostname or "localhost", parts.port or 7687)
    return f"Neo4j port {parts.hostname}:{parts.port or 7687} reachable"


def _http_get(url: str, headers: dict | None = None) -> int:
    import httpx

    response = httpx.get(url, timeout=TIMEOUT_S, headers=headers or {})
    return response.status_code


def _chroma(settings: "Settings") -> str:
    if not settings.chroma_url:
        return "embedded Chroma PersistentClient"
    base = settings.chroma_url.rstrip("/")
    for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        status = _http_get(base + path)
        if status == 200:
            return f"Chroma server reachable ({path})"
    raise ConnectionError(f"Chroma server answered HTTP {status} to its heartbeat")


def _mlflow(uri: str) -> str:
    if uri.startswith(("http://", "https://")):
        status = _http_get(uri.rstrip("/") + "/health")
        if status != 200:
            raise ConnectionError(f"MLflow server answered HTTP {status} to /health")
        return "MLflow server reachable"
    return "local MLflow store"


def _llm(settings: "Settings") -> str:
    llm = settings.llm
    if llm == "offline":
        return "offline planner (no LLM server needed)"
    provider, _, model = llm.partition("/")
    if provider == "ollama":
        status = _http_get(settings.ollama_base_url.rstrip("/") + "/api/tags")
        if status != 200:
            raise ConnectionError(f"Ollama at {settings.ollama_base_url} answered HTTP {status}")
        return f"Ollama reachable for {model!r}"
    if provider == "openai":
        base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        status = _http_get(base + "/models", {"Authorization": f"Bearer {key}"} if key else None)
        if status >= 500:
            raise ConnectionError(f"{base} answered HTTP {status}")
        return f"OpenAI-compatible endpoint {base} reachable (HTTP {status})"
    if provider == "hf":
        return f"in-process Hugging Face model {model!r} (loaded when the assistant starts)"
    raise ValueError(f"unknown IM_LLM {llm!r}: use offline, openai/<model>, ollama/<model> or hf/<repo-or-path>")
