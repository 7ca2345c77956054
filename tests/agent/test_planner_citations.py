"""Document answers quote their sources readably: retrieval's citation dicts never leak into the text."""

from __future__ import annotations

from industrialmind.agent._planner.answers import compose
from industrialmind.agent._planner.context import ToolOutcome

CITATION = {"doc": "sop-p101-startup", "title": "SOP: Starting feed pump P-101", "section": "Priming",
            "page": None, "chunk_id": "sop-p101-startup#priming", "source": "docs/sop-p101-startup.md"}


def test_compose_formats_citation_dicts_of_passages_and_sources():
    """A search_documents result with citation dicts becomes 'Title - section [chunk]' in the passages and Sources."""
    result = {"summary": "Found 1 passage for 'prime the feed pump'.",
              "passages": [{"text": "Open the suction valve fully and vent the casing before start.",
                            "citation": CITATION}],
              "sources": [{"citation": CITATION}]}
    text = compose([ToolOutcome(name="search_documents", args={"query": "prime"}, call_id="c1", result=result)])
    assert "{'" not in text and "'doc'" not in text
    assert "SOP: Starting feed pump P-101 - Priming [sop-p101-startup#priming]" in text
    assert "Sources: [1] SOP: Starting feed pump P-101 - Priming" in text


def test_compose_cites_pdf_pages():
    """A PDF passage is cited by page."""
    cite = {**CITATION, "page": 4, "section": ""}
    result = {"summary": "Found 1 passage.", "passages": [{"text": "Torque the bolts to spec.", "citation": cite}],
              "sources": [cite]}
    text = compose([ToolOutcome(name="search_documents", args={"query": "torque"}, call_id="c1", result=result)])
    assert "SOP: Starting feed pump P-101 - p. 4" in text
