"""The model registry in MLflow: log a training run, register its bundle as a model version, promote it with an
alias, and fetch the promoted bundle for scoring (cached under IM_HOME by version).

The tracking store is `settings.resolved.mlflow` (SQLite under IM_HOME by default; IM_MLFLOW_URI for a server).
A bundle is logged as plain artifacts (meta.json + model.onnx or pca.npz) and registered with
`create_model_version(source=<run artifact uri>)`: no `log_model`, so MLflow never spends ~18 s inferring pip
requirements, and scoring needs only ONNX Runtime. mlflow is imported lazily (~2.5 s).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from industrialmind.errors import BackendUnavailableError, ModelError, NotFoundError, did_you_mean

EXPERIMENT = "industrialmind-anomaly"
ALIAS = "production"
PREFIX = "im-anomaly-"


def model_name(asset_id: str) -> str:
    """Registered-model name of an asset's anomaly model."""
    return PREFIX + asset_id


def mlflow_client(settings):
    """(mlflow, MlflowClient) on IM_MLFLOW_URI, with MLflow's migration chatter quieted and an unsupported or
    unreachable URI reported in one line; shared by anomaly-model training and LoRA fine-tuning."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # MLflow writes a lock file in $TMPDIR; keep its tracking data under IM_HOME
    settings.ensure_home()
    import logging

    import mlflow
    from mlflow import MlflowClient

    # MLflow and alembic log every schema migration at INFO on stderr; keep the CLI's output to our own lines
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    uri = settings.resolved.mlflow
    scheme = uri.partition("://")[0].lower().partition("+")[0] if "://" in uri else ""  # postgresql+psycopg
    if scheme not in MLFLOW_SCHEMES:  # MLflow would raise its own exception deep inside the first call
        from industrialmind.config import mask_url
        from industrialmind.errors import ConfigError

        raise ConfigError(f"unsupported IM_MLFLOW_URI {mask_url(uri)!r}: use 'sqlite:///path/mlflow.db', "
                          "'http://host:5000' or leave it empty for the local store"
                          + did_you_mean(scheme, sorted(MLFLOW_SCHEMES - {""})))
    if scheme in ("http", "https"):
        from urllib.parse import urlsplit

        from industrialmind.config import url_port

        url_port(urlsplit(uri), 0, "IM_MLFLOW_URI")
        _check_server(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow, MlflowClient(tracking_uri=uri, registry_uri=uri)


SERVER_CHECK_TIMEOUT_S = 5.0
MLFLOW_SCHEMES = {"", "file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks"}


@functools.lru_cache(maxsize=8)
def _check_server(uri: str) -> None:
    """Fail fast when an MLflow server does not answer: its client retries for minutes before it gives up."""
    import urllib.error
    import urllib.request

    from industrialmind.config import mask_url

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=SERVER_CHECK_TIMEOUT_S):
            return
    except urllib.error.HTTPError:  # it answered: reachable, whatever it thinks of /health
        return
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise BackendUnavailableError(
            f"MLflow server {mask_url(uri)} is unreachable ({reason}): start it, fix IM_MLFLOW_URI, or leave "
            "IM_MLFLOW_URI empty for the local store under IM_HOME") from None


def experiment_id(settings, client, name: str = EXPERIMENT) -> str:
    """Id of the MLflow experiment `name`, created if missing (a local store keeps its artifacts under IM_HOME;
    a server chooses its own artifact store)."""
    exp = client.get_experiment_by_name(name)
    if exp:
        return exp.experiment_id
    uri = settings.resolved.mlflow
    local = uri.startswith(("sqlite:", "file:")) or "://" not in uri
    return client.create_experiment(name, (settings.home / "mlartifacts").resolve().as_uri() if local else None)


def log_and_register(settings, asset_id: str, bundle: Path, params: dict[str, Any], metrics: dict[str, float],
                     promote: bool = True, run_id: str | None = None) -> dict[str, Any]:
    """Log params, metrics and the bundle to an MLflow run, register a new version and (by default) promote it.

    With run_id, log into that already-open run (the training job starts it early so its id is known).
    Returns {name, version, run_id, alias}.
    """
    _, client = mlflow_client(settings)
    try:
        exp_id = experiment_id(settings, client)
        if run_id is None:
            run_id = client.create_run(exp_id, tags={"asset_id": asset_id, "mlflow.runName": f"train-{asset_id}"}).info.run_id
        # one batch, not a call per value: each call is its own SQLite commit (~25 ms), which dominated the
        # ~0.6 s of registering a PCA model that fits in 0.02 s
        from mlflow.entities import Metric, Param

        now_ms = int(time.time() * 1000)
        client.log_batch(run_id, params=[Param(k, str(v)[:500]) for k, v in params.items()],
                         metrics=[Metric(k, float(v), now_ms, 0) for k, v in metrics.items() if v is not None])
        client.log_artifacts(run_id, str(bundle), "bundle")
        client.set_terminated(run_id)
        name = model_name(asset_id)
        try:
            client.get_registered_model(name)
        except Exception:
            client.create_registered_model(name, tags={"asset_id": asset_id},
                                           description=f"Anomaly model of asset {asset_id} (IndustrialMind)")
        source = f"{client.get_run(run_id).info.artifact_uri}/bundle"
        version = client.create_model_version(name, source, run_id=run_id, tags={"asset_id": asset_id,
                                                                                   "kind": params.get("kind", "")})
        if promote:
            client.set_registered_model_alias(name, ALIAS, version.version)
        return {"name": name, "version": int(version.version), "run_id": run_id, "alias": ALIAS if promote else None}
    except (ModelError, NotFoundError):
        raise
    except Exception as exc:
        raise BackendUnavailableError(f"MLflow at {settings.resolved.mlflow!r} failed: {exc}") from exc


def start_run(settings, asset_id: str, tags: dict[str, str] | None = None) -> str:
    """Open an MLflow run for a training job and return its id (so the job record can show it from the start)."""
    _, client = mlflow_client(settings)
    exp_id = experiment_id(settings, client)
    return client.create_run(exp_id, tags={"asset_id": asset_id, "mlflow.runName": f"train-{asset_id}",
                                           **(tags or {})}).info.run_id


def promote(settings, asset_id: str, version: int, alias: str = ALIAS) -> None:
    """Point the alias of an asset's model at a version."""
    _, client = mlflow_client(settings)
    client.set_registered_model_alias(model_name(asset_id), alias, str(version))


def promoted_assets(settings, alias: str = ALIAS) -> set[str]:
    """Ids of the assets whose anomaly model has a promoted version, in one registry query."""
    _, client = mlflow_client(settings)
    found: set[str] = set()
    token = None
    while True:  # pages of 1000: an imported plant can have more assets than one page holds
        page = client.search_registered_models(f"name LIKE '{PREFIX}%'", max_results=1000, page_token=token)
        found |= {rm.name[len(PREFIX):] for rm in page if alias in (rm.aliases or {})}
        token = getattr(page, "token", None)
        if not token:
            return found


def promoted_version(settings, asset_id: str, alias: str = ALIAS) -> dict[str, Any] | None:
    """{version, run_id, source} of the promoted version of an asset's model, or None when none is promoted."""
    _, client = mlflow_client(settings)
    try:
        mv = client.get_model_version_by_alias(model_name(asset_id), alias)
    except Exception:
        return None
    return {"version": int(mv.version), "run_id": mv.run_id, "source": mv.source}


def bundle_cache_dir(settings, asset_id: str, version: int) -> Path:
    """Where a registered bundle version is kept locally: IM_HOME/models/<asset>/v<version>."""
    return settings.home / "models" / asset_id / f"v{version}"


def cache_bundle(settings, asset_id: str, version: int, bundle: Path) -> None:
    """Put a just-registered bundle where `fetch_bundle` looks first, so the first detect after training does not
    download it back from MLflow (seconds per asset through the artifact API)."""
    dest = bundle_cache_dir(settings, asset_id, version)
    if (dest / "meta.json").is_file():
        return
    part = dest.with_name(dest.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    shutil.copytree(bundle, part)
    try:
        part.rename(dest)
    except OSError:  # another process cached the same version first
        shutil.rmtree(part, ignore_errors=True)


def fetch_bundle(settings, asset_id: str, alias: str = ALIAS) -> Path:
    """Local folder of the promoted bundle of an asset (downloaded once per version into IM_HOME/models)."""
    found = promoted_version(settings, asset_id, alias)
    if found is None:
        known = [m["asset_id"] for m in list_models(settings)]
        raise ModelError(f"no promoted anomaly model for asset {asset_id!r}"
                         + (did_you_mean(asset_id, known) if known else "")
                         + f"; train one with `industrialmind train --asset {asset_id}`")
    dest = bundle_cache_dir(settings, asset_id, found["version"])
    if not (dest / "meta.json").is_file():
        import mlflow

        mlflow_client(settings)
        tmp = dest.with_name(dest.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            got = Path(mlflow.artifacts.download_artifacts(run_id=found["run_id"], artifact_path="bundle",
                                                           dst_path=str(tmp)))
        except Exception as exc:
            raise ModelError(f"cannot download model version {found['version']} of {asset_id!r}: {exc}") from None
        shutil.rmtree(dest, ignore_errors=True)
        got.rename(dest) if got != tmp else tmp.rename(dest)
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def list_models(settings) -> list[dict[str, Any]]:
    """Registered anomaly models: name, asset, versions with aliases, metrics and creation time."""
    _, client = mlflow_client(settings)
    out = []
    for rm in client.search_registered_models(f"name LIKE '{PREFIX}%'"):
        aliases: dict[str, list[str]] = {}
        for alias, version in (rm.aliases or {}).items():
            aliases.setdefault(str(version), []).append(alias)
        versions = []
        for mv in client.search_model_versions(f"name = '{rm.name}'"):
            metrics = {}
            if mv.run_id:
                try:
                    metrics = {k: round(v, 6) for k, v in client.get_run(mv.run_id).data.metrics.items()}
                except Exception:
                    metrics = {}
            versions.append({"version": int(mv.version), "aliases": aliases.get(str(mv.version), []),
                             "run_id": mv.run_id, "kind": (mv.tags or {}).get("kind", ""),
                             "created": mv.creation_timestamp, "metrics": metrics})
        versions.sort(key=lambda v: v["version"])
        out.append({"name": rm.name, "asset_id": rm.name[len(PREFIX):], "versions": versions})
    out.sort(key=lambda m: m["name"])
    return out


def read_meta(bundle: Path) -> dict[str, Any]:
    """The meta.json of a bundle folder."""
    return json.loads((Path(bundle) / "meta.json").read_text())
