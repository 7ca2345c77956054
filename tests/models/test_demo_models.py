"""`train_demo_models`, the init step that gives every demo asset an anomaly model."""

from __future__ import annotations


def test_train_demo_models_trains_every_demo_asset_with_sensors(im_home, monkeypatch):
    """Every asset of the demo plant that has sensors gets one training job (counted against the demo plant),
    and an asset whose training fails is listed under 'failed' without stopping the others."""
    from industrialmind.setup import train_demo_models
    from industrialmind.config import get_settings
    from industrialmind.errors import InvalidInputError
    from industrialmind.models import jobs, registry
    from industrialmind.plant.demo import demo_plant
    from industrialmind.stores.records import open_records

    settings = get_settings()
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    records.save_plant(demo_plant())
    records.close()
    ran: list[str] = []

    def fake_run(cfg, job_id, on_progress=None):
        asset = jobs.job_status(cfg, job_id)["params"]["scope_id"]
        ran.append(asset)
        if asset == "TK-101":
            raise InvalidInputError("no telemetry stored for asset 'TK-101'")
        return {"assets": {asset: {"version": 1}}}

    monkeypatch.setattr(jobs, "run_training_job", fake_run)
    monkeypatch.setattr(registry, "promoted_assets", lambda cfg: {"P-101"})
    steps: list[tuple] = []
    result = train_demo_models(settings, progress=lambda *a: steps.append(a))
    expected = {a.id for a in demo_plant().assets if a.sensors} - {"P-101"}
    assert len(expected) > 40 and set(ran) == expected and len(ran) == len(expected)
    assert result["already"] == ["P-101"] and set(result["failed"]) == {"TK-101"}
    assert set(result["trained"]) == expected - {"TK-101"}
    assert len(steps) == len(expected) + 1 and steps[-1][1:] == (len(expected), len(expected))
