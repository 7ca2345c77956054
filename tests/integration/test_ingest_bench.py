"""Smoke test of `industrialmind bench ingest --quick`: it runs end to end on a private Tansu and reports its keys."""

from __future__ import annotations

import pytest

from industrialmind.config import get_settings
from tests.integration.kafka_support import require_tansu

pytestmark = pytest.mark.integration


def test_bench_ingest_quick_reports_throughput_ratio_and_latency():
    """A quick run reports raw and ingest throughput, their ratio, latency percentiles, and exact stored counts."""
    require_tansu()
    from industrialmind.bench import ingest

    result = ingest.run(get_settings(), quick=True)
    for key in ("ingest_points_per_s", "raw_consume_points_per_s", "ratio", "latency_p50_ms", "latency_p95_ms"):
        assert result[key] is not None and result[key] > 0, key
    assert result["ratio"] == pytest.approx(result["ingest_points_per_s"] / result["raw_consume_points_per_s"], rel=0.01)
    assert result["latency_p50_ms"] <= result["latency_p95_ms"]
    assert [r["backend"] for r in result["backends"]][:2] == ["duckdb", "duckdb"]
    assert all(r["exact"] for r in result["backends"]), result["backends"]
    assert ingest.render(result).row_count == len(result["backends"]) + 1
