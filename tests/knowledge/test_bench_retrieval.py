"""Smoke test of `industrialmind bench retrieval --quick`: it builds a small corpus and reports every key."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # runs the quick retrieval benchmark end to end


def test_bench_retrieval_quick_reports_metrics() -> None:
    """The quick benchmark returns recall, MRR, latency percentiles, embedding throughput and graph latency."""
    from industrialmind.bench import retrieval
    from industrialmind.config import get_settings

    result = retrieval.run(get_settings(), quick=True)
    assert result["questions"] > 0 and result["passages"] > 0
    for key in ("recall_at_5", "mrr", "p50_ms", "p95_ms"):
        assert key in result
    assert 0.0 <= result["recall_at_5"] <= 1.0 and 0.0 <= result["mrr"] <= 1.0
    assert result["p95_ms"] >= result["p50_ms"] > 0
    assert set(result["baselines"]) == {"hybrid", "vector", "bm25"}
    assert result["embedding"]["min_cosine"] >= 0.999
    assert result["embedding"]["onnx_chunks_per_s"] > 0 and result["embedding"]["sentence_transformers_chunks_per_s"] > 0
    assert result["graph"]["assets"] == 46
    retrieval.render(result)  # renders without error
