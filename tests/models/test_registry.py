"""The MLflow registry round trip on the embedded SQLite store under IM_HOME."""

from __future__ import annotations

import numpy as np


def test_registry_round_trip_register_promote_fetch(tmp_path, mlflow_home):
    """A bundle logged and registered comes back from the promoted alias; promoting a newer version switches it."""
    from industrialmind.config import get_settings
    from industrialmind.models import registry
    from industrialmind.models.scoring import Scorer
    from industrialmind.models.training import ModelConfig, fit_bundle

    settings = get_settings()
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 3)).astype(np.float32)
    first = fit_bundle(values, ["a", "b", "c"], tmp_path / "v1", ModelConfig(kind="pca"))
    second = fit_bundle(values * 2, ["a", "b", "c"], tmp_path / "v2", ModelConfig(kind="pca", margin=2.0))
    r1 = registry.log_and_register(settings, "P-101", first.path, {"kind": "pca"}, {"eval_recall": 1.0})
    assert r1["version"] == 1 and r1["alias"] == "production"
    assert Scorer.load(registry.fetch_bundle(settings, "P-101")).threshold == first.meta["threshold"]
    r2 = registry.log_and_register(settings, "P-101", second.path, {"kind": "pca"}, {"eval_recall": 0.5},
                                   promote=False)
    assert registry.promoted_version(settings, "P-101")["version"] == 1
    registry.promote(settings, "P-101", r2["version"])
    fetched = registry.fetch_bundle(settings, "P-101")
    assert fetched.name == "v2" and Scorer.load(fetched).threshold == second.meta["threshold"]
    models = registry.list_models(settings)
    assert [m["asset_id"] for m in models] == ["P-101"]
    versions = {v["version"]: v for v in models[0]["versions"]}
    assert versions[2]["aliases"] == ["production"] and versions[1]["metrics"]["eval_recall"] == 1.0
    assert (settings.home / "mlflow.db").is_file()


def test_registry_fetch_without_model_is_a_clear_error(mlflow_home):
    """Asking for an asset with no promoted model says how to train one."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import ModelError
    from industrialmind.models import registry

    with pytest.raises(ModelError, match="industrialmind train --asset C-201"):
        registry.fetch_bundle(get_settings(), "C-201")


def test_unreachable_mlflow_server_fails_fast_with_the_fix(monkeypatch):
    """An IM_MLFLOW_URI server that refuses connections is one BackendUnavailableError naming the variable, instead
    of the MLflow client retrying for minutes."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import BackendUnavailableError
    from industrialmind.models import registry

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # so a regression fails quickly, not after minutes
    with pytest.raises(BackendUnavailableError, match="IM_MLFLOW_URI"):
        registry.list_models(get_settings(mlflow_uri="http://127.0.0.1:9"))


def test_malformed_mlflow_uri_is_config_error():
    """An unknown scheme suggests the close one and a bad port names IM_MLFLOW_URI, instead of MLflow tracebacks."""
    import pytest

    from industrialmind.config import get_settings
    from industrialmind.errors import ConfigError
    from industrialmind.models import registry

    with pytest.raises(ConfigError, match="did you mean 'sqlite'"):
        registry.list_models(get_settings(mlflow_uri="sqlit:///x.db"))
    with pytest.raises(ConfigError, match="IM_MLFLOW_URI: the port"):
        registry.list_models(get_settings(mlflow_uri="http://127.0.0.1:notaport"))
