"""The demo plant's document set shipped in the package: enough, varied, and tied to real demo assets."""

from __future__ import annotations

from collections import Counter

from industrialmind.knowledge.documents import demo_docs_dir, expand_paths, load_document
from industrialmind.plant.demo import demo_plant


def test_demo_docs_cover_the_plant() -> None:
    """At least 40 documents of all four kinds; every one names real demo assets and real failure modes."""
    plant = demo_plant()
    asset_ids = {a.id for a in plant.assets}
    mode_ids = {m.id for m in plant.failure_modes}
    docs = [load_document(f, asset_ids) for f in expand_paths([demo_docs_dir()])]
    assert len(docs) >= 40
    kinds = Counter(d.doc_type for d in docs)
    assert {"manual", "troubleshooting", "sop", "maintenance_log"} <= set(kinds), kinds
    for d in docs:
        assert d.asset_ids and set(d.asset_ids) <= asset_ids, d.doc_id
        assert set(d.failure_modes) <= mode_ids, d.doc_id
    chunk_ids = [c.id for d in docs for c in d.chunks]
    assert len(chunk_ids) == len(set(chunk_ids))
    mentioned = {a for d in docs for a in d.asset_ids}
    assert len(mentioned) >= 40  # nearly every asset has documentation
