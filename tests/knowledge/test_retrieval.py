"""Building the knowledge layer and searching it: idempotent build, cited hybrid search, graph expansion, API."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrialmind.config import Settings
from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.knowledge.documents import demo_docs_dir

DOCS = ["troubleshooting-pump-cavitation.md", "manual-sulzer-ahlstar-feed-pumps.md", "maintenance-log-p-101.md",
        "troubleshooting-pump-seal-overheating.md", "manual-ksb-etanorm-circulation-pump.md",
        "troubleshooting-valve-stiction.md"]
FMEA = """Subsystem,Component,Sub-Component,Potential Failure Mode,Potential Effect(s) of Failure,Severity,Potential Cause(s) of Failure,Occurrence,Current Controls,Detection,RPN,Recommended Action
Power Unit,Fuel System,Fuel Tank,Cracked or leaking,"Fuel loss, fire",4,General wear and tear,1,Daily visual inspection,2,8,Drain and flush fuel tank during 1000 hour service.
Power Train,Transmission,Torque converter,Overheating,Loss of drive,4,Low oil level,2,Temperature gauge,3,24,Check transmission oil level daily.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embeddings_cache_dir: Path) -> Settings:
    """A home with the demo plant's graph and failure modes, six demo documents and a two-row FMEA, built once."""
    from industrialmind.knowledge.build import build_knowledge, import_fmea
    from industrialmind.knowledge.index import add_documents

    home = tmp_path_factory.mktemp("knowledge-home")
    settings = Settings(home=home, embeddings_cache=str(embeddings_cache_dir))
    build_knowledge(settings, docs=False)
    add_documents(settings, [demo_docs_dir() / name for name in DOCS])
    fmea = home / "truck_fmea.csv"
    fmea.write_text(FMEA)
    import_fmea(settings, fmea)
    return settings


def test_build_knowledge_is_idempotent(built: Settings) -> None:
    """Building again writes the same graph and indexes nothing new."""
    from industrialmind.knowledge.build import build_knowledge

    again = build_knowledge(built, docs=False)
    assert again["failure_modes_indexed"] == 0
    assert again["graph"]["assets"] == 46 and again["graph"]["flows"] == 52
    assert again["graph"]["documents"] == len(DOCS)
    assert build_knowledge(built, docs=False)["graph"] == again["graph"]


def test_search_returns_cited_passages(built: Settings) -> None:
    """Each passage has text, a score and a citation naming document, section and chunk id."""
    from industrialmind.knowledge.retrieval import search_documents

    passages = search_documents(built, "pump noise like gravel with low suction pressure", k=4)
    assert len(passages) == 4
    top = passages[0]
    assert top.citation.doc == "troubleshooting-pump-cavitation" and top.citation.section
    assert top.citation.chunk_id.startswith("troubleshooting-pump-cavitation#")
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_search_expands_through_the_graph_from_an_alias(built: Settings) -> None:
    """A question naming 'feed pump A' (an alias of P-101) pulls in P-101's documents through the graph."""
    from industrialmind.knowledge.retrieval import get_retriever, search_documents

    assert get_retriever(built).assets_in("why is feed pump A noisy?") == ["P-101"]
    passages = search_documents(built, "why is feed pump A noisy?", k=5)
    assert any("graph" in p.via and "P-101" in p.asset_ids for p in passages)


def test_search_asset_filter_keeps_only_that_asset(built: Settings) -> None:
    """With asset_id, every passage is about that asset or its type's failure modes."""
    from industrialmind.knowledge.retrieval import search_documents

    passages = search_documents(built, "seal leak and barrier pot", asset_id="P-201", k=5)
    assert passages
    for p in passages:
        assert "P-201" in p.asset_ids or p.kind == "failure_mode" or p.citation.doc.startswith("troubleshooting-pump")
    assert passages[0].citation.doc == "manual-ksb-etanorm-circulation-pump"


def test_search_finds_fmea_rows_by_row_id(built: Settings) -> None:
    """FMEA rows are citable passages whose chunk id names the file and row."""
    from industrialmind.knowledge.retrieval import search_documents

    passages = search_documents(built, "haul truck fuel tank cracked or leaking", k=3)
    assert passages[0].citation.chunk_id == "fmea:truck_fmea:r1"
    assert "Drain and flush" in passages[0].text


def test_search_rejects_unknown_asset_and_empty_query(built: Settings) -> None:
    """An unknown asset id suggests close ids; an empty query is refused."""
    from industrialmind.knowledge.retrieval import search_documents

    with pytest.raises(NotFoundError, match="P-101"):
        search_documents(built, "seal", asset_id="P-1O1")
    with pytest.raises(InvalidInputError):
        search_documents(built, "   ")


def test_related_assets_both_directions(built: Settings) -> None:
    """related_assets follows FEEDS upstream and downstream with hop counts."""
    from industrialmind.knowledge.retrieval import related_assets

    rows = related_assets(built, "V-101", direction="both", depth=1)
    assert {(r["asset_id"], r["direction"], r["hops"]) for r in rows} == {
        ("P-101", "upstream", 1), ("P-102", "upstream", 1), ("TK-901", "upstream", 1), ("HX-101", "downstream", 1)}
    with pytest.raises(InvalidInputError):
        related_assets(built, "V-101", direction="sideways")
    with pytest.raises(NotFoundError, match="V-101"):
        related_assets(built, "V-1O1")


def test_failure_modes_by_asset_type_and_symptom(built: Settings) -> None:
    """Failure modes come by asset (with its revealing sensors), by type, and filtered by symptom."""
    from industrialmind.knowledge.retrieval import failure_modes

    by_asset = {m["id"]: m for m in failure_modes(built, asset_id="P-101", symptom="gravel")}
    assert list(by_asset) == ["centrifugal_pump.cavitation"]
    assert by_asset["centrifugal_pump.cavitation"]["asset_sensors"] == ["flow", "suction_pressure", "vibration_de"]
    vibration = [m["id"] for m in failure_modes(built, asset_id="P-101", symptom="high vibration")]
    assert "centrifugal_pump.misalignment" == vibration[0] and "centrifugal_pump.overheating" not in vibration
    truck = failure_modes(built, asset_type="haul truck", symptom="fire")
    assert [m["id"] for m in truck] == ["fmea:truck_fmea:r1"]
    with pytest.raises(NotFoundError, match="centrifugal_pump"):
        failure_modes(built, asset_type="centrifugal pmp")
