"""One typed Settings object, read once from the environment (IM_*) and passed in; no connection is opened here."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HF_DEVICES = ("auto", "cpu", "cuda")


class Settings(BaseSettings):
    """Every setting of IndustrialMind; each field reads the environment variable IM_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="IM_", env_file=None, extra="ignore", frozen=False)

    home: Path = Field(
        default=Path("~/.industrialmind"),
        description="Data home: embedded databases, the broker record, models, caches and logs live here.",
    )
    timeseries_url: str = Field(
        default="",
        description="Time-series store: 'duckdb:///path.duckdb' (default: <home>/timeseries.duckdb) or "
        "'influxdb://[user:pass@]host:8086/database' (v1-compatible HTTP API; 'influxdbs://' for TLS).",
    )
    influx_token: SecretStr | None = Field(
        default=None,
        description="Token for InfluxDB 2.x/3.x v1-compatible endpoints (sent as 'Authorization: Token ...').",
    )
    records_url: str = Field(
        default="",
        description="Records store (asset registry, work orders, events, jobs): a SQLAlchemy URL; default "
        "'sqlite:///<home>/records.db', or 'postgresql://user:pass@host:5432/db'.",
    )
    kafka_bootstrap: str = Field(
        default="",
        description="Kafka bootstrap servers ('host:9092,host2:9092'). Empty: start the bundled Tansu broker "
        "on a free 127.0.0.1 port and reuse it while it lives.",
    )
    kafka_topic_prefix: str = Field(default="im.", description="Prefix of every Kafka topic the project uses.")
    graph_url: str = Field(
        default="",
        description="Knowledge graph: 'ladybug:///path' (embedded default: <home>/graph.lbug) or "
        "'neo4j://user:pass@host:7687' / 'bolt://...'.",
    )
    neo4j_password: SecretStr | None = Field(
        default=None, description="Neo4j password, when it is not given in IM_GRAPH_URL."
    )
    chroma_url: str = Field(
        default="",
        description="Chroma server URL ('http://host:8000'); empty: an embedded PersistentClient under <home>/chroma.",
    )
    embeddings_cache: str = Field(
        default="",
        description="Folder of the MiniLM embedding model exported to ONNX (made on first use); default "
        "<home>/models/minilm-onnx. Point several homes (or a test session) at one folder to export once.",
    )
    mlflow_uri: str = Field(
        default="",
        description="MLflow tracking URI; default 'sqlite:///<home>/mlflow.db', or an MLflow server 'http://host:5000'.",
    )
    llm: str = Field(
        default="offline",
        description="The agent's brain: 'offline' (no LLM), 'openai/<model>', 'ollama/<model>', "
        "'hf/<repo-or-path>[@adapter]'.",
    )
    openai_base_url: str = Field(
        default="",
        description="Base URL of an OpenAI-compatible endpoint (vLLM, transformers serve, LM Studio); empty: OpenAI.",
    )
    openai_api_key: SecretStr | None = Field(default=None, description="API key for the OpenAI-compatible endpoint.")
    ollama_base_url: str = Field(default="http://127.0.0.1:11434", description="Ollama server URL.")
    hf_token: SecretStr | None = Field(default=None, description="Hugging Face token, used only to publish adapters.")
    hf_device: str = Field(
        default="auto",
        description="Where an 'hf/' brain runs: 'auto' (CUDA in bf16 when a GPU is visible, else the CPU), 'cpu' "
        "or 'cuda'.",
    )
    hf_max_new_tokens: int = Field(default=512, ge=1, description="Most tokens an 'hf/' brain generates per turn.")
    checkpoint_url: str = Field(
        default="",
        description="Agent conversation checkpoints: default 'sqlite:///<home>/checkpoints.db', or a "
        "PostgreSQL URL for PostgresSaver.",
    )
    web_host: str = Field(default="127.0.0.1", description="Host the web chat and REST API bind to.")
    web_port: int = Field(default=8000, description="Port of the web chat and REST API.")
    web_password: SecretStr | None = Field(
        default=None, description="When set, the web chat and REST API require this password (user 'admin' or any)."
    )
    web_auth_header: str = Field(
        default="",
        description="When set, the web chat and REST API trust this request header (set by a reverse proxy) as the user.",
    )
    log_level: str = Field(default="WARNING", description="Python log level for IndustrialMind's own loggers "
                           "(DEBUG, INFO, WARNING, ERROR, CRITICAL), written to stderr.")

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: Any) -> str:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("hf_device", mode="before")
    @classmethod
    def _check_hf_device(cls, value: Any) -> str:
        device = str(value).strip().lower()
        if device not in HF_DEVICES:
            raise ValueError(f"{value!r} is not a device; use {', '.join(HF_DEVICES[:-1])} or {HF_DEVICES[-1]}")
        return device

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: Any) -> Path:
        home = Path(str(value)).expanduser()
        # every store makes its own file's folder; a file in the way would surface there as a bare OSError
        for part in (home, *home.parents):
            if part.exists():
                if not part.is_dir():
                    raise ValueError(f"{str(part)!r} is a file, not a folder (IM_HOME is created when missing)")
                break
        return home

    @cached_property
    def resolved(self) -> "ResolvedUrls":
        """The backend URLs with the embedded defaults filled in under home."""
        home = self.home
        return ResolvedUrls(
            timeseries=self.timeseries_url or f"duckdb:///{home / 'timeseries.duckdb'}",
            records=self.records_url or f"sqlite:///{home / 'records.db'}",
            graph=self.graph_url or f"ladybug:///{home / 'graph.lbug'}",
            chroma=self.chroma_url or f"persistent:///{home / 'chroma'}",
            mlflow=self.mlflow_uri or f"sqlite:///{home / 'mlflow.db'}",
            checkpoint=self.checkpoint_url or f"sqlite:///{home / 'checkpoints.db'}",
        )

    def ensure_home(self) -> Path:
        """Create the data home if missing and return it; ConfigError when it cannot be made."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # no permission, a read-only file system, a parent that is a file
            from industrialmind.errors import ConfigError

            raise ConfigError(f"IM_HOME {str(self.home)!r} cannot be created ({exc.strerror or exc}): point "
                              "IM_HOME at a folder you can write") from None
        return self.home

    def describe(self) -> list[dict[str, str]]:
        """Rows of (env var, effective value with secrets masked, description) for `industrialmind config`."""
        resolved = self.resolved
        effective = {
            "timeseries_url": resolved.timeseries,
            "records_url": resolved.records,
            "graph_url": resolved.graph,
            "chroma_url": self.chroma_url or f"(embedded) {self.home / 'chroma'}",
            "mlflow_uri": resolved.mlflow,
            "checkpoint_url": resolved.checkpoint,
            "kafka_bootstrap": self.kafka_bootstrap or "(bundled Tansu broker on a free loopback port)",
        }
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown = "********"
            elif value is None:
                shown = ""
            else:
                shown = effective.get(name, str(value))
            rows.append({"name": name, "env": f"IM_{name.upper()}", "value": mask_url(shown),
                         "description": field.description or ""})
        return rows


class ResolvedUrls:
    """Backend URLs after defaults are applied."""

    def __init__(self, **urls: str) -> None:
        self.timeseries = urls["timeseries"]
        self.records = urls["records"]
        self.graph = urls["graph"]
        self.chroma = urls["chroma"]
        self.mlflow = urls["mlflow"]
        self.checkpoint = urls["checkpoint"]


def url_port(parts: Any, default: int, setting: str) -> int:
    """The port of a urlsplit/urlparse result, or default; ConfigError naming the setting when it is malformed."""
    try:
        port = parts.port  # ValueError for 'host:notaport' or a port past 65535
    except ValueError:
        from industrialmind.errors import ConfigError

        raise ConfigError(f"{setting}: the port in {mask_url(parts.geturl())!r} is not a number from 1 to "
                          "65535") from None
    return port or default


def ensure_parent(path: Path, setting: str) -> None:
    """Create the folder a store's file lives in; ConfigError naming the setting when it cannot be made (a file
    in the way, no permission)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from industrialmind.errors import ConfigError

        reason = "a file is in the way" if isinstance(exc, FileExistsError | NotADirectoryError) else exc.strerror
        raise ConfigError(f"{setting}: cannot create the folder of {str(path)!r} ({reason or exc}): give a "
                          "path in a folder you can write, or leave the setting empty for IM_HOME") from None


def mask_url(text: str) -> str:
    """Hide the password part of a URL ('scheme://user:secret@host' -> 'scheme://user:****@host')."""
    import re

    return re.sub(r"(://[^:/@\s]+:)([^@\s]+)(@)", r"\1****\3", text)


def get_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, with keyword overrides (used by the CLI and tests).

    A malformed value (IM_WEB_PORT=abc) raises ConfigError naming the variable, the value and what is valid.
    """
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        from industrialmind.errors import ConfigError

        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err.get("loc") else "?"
            value = err.get("input")
            shown = "********" if name in _SECRET_FIELDS else mask_url(str(value))
            msg = err["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
            problems.append(f"IM_{name.upper()}={shown!r}: {msg[0].lower()}{msg[1:]}")
        raise ConfigError("bad setting " + "; ".join(problems)
                          + " (unset it for the default; docs/setup.md lists every setting)") from None


_SECRET_FIELDS = {"influx_token", "neo4j_password", "openai_api_key", "hf_token", "web_password"}
