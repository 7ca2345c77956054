"""IndustrialMind: knowledge. Documents -> chunks -> embeddings -> Chroma; plants and FMEAs -> the graph; hybrid,
graph-expanded retrieval with citations.

The public API is importable from here without loading heavy libraries until first use:
`search_documents`, `related_assets`, `failure_modes` (knowledge.retrieval), `build_knowledge`, `import_fmea`
(knowledge.build), `get_embedder` (knowledge.embeddings), `add_documents` (knowledge.index).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "search_documents": "retrieval", "related_assets": "retrieval", "failure_modes": "retrieval",
    "Passage": "retrieval", "Citation": "retrieval", "build_knowledge": "build", "import_fmea": "build",
    "get_embedder": "embeddings", "add_documents": "index",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"industrialmind.knowledge.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'industrialmind.knowledge' has no attribute {name!r}")


__all__ = ["Citation", "Passage", "add_documents", "build_knowledge", "failure_modes", "get_embedder",
           "import_fmea", "related_assets", "search_documents"]
