"""Writing passages into the knowledge stores: document chunks and failure-mode rows -> Chroma (+ links in the graph).

Re-adding an unchanged file is a no-op (its content hash is stored with every chunk); a changed file replaces all of
its chunks. Failure modes (the demo plant's, the asset registry's, FMEA rows) are indexed as one passage each, with
the failure-mode id as the chunk id, so answers can cite FMEA rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from industrialmind.domain.model import FailureMode

ProgressFn = Callable[[str, int, int], None]
VERSION_FILE = "knowledge/index_version"


def bump_version(settings: Any) -> None:
    """Mark the index as changed so retrievers cached in long-running processes reload it."""
    path = settings.ensure_home() / VERSION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(time.time_ns()))


def index_version(settings: Any) -> str:
    """The last change stamp of the index ('' when never written)."""
    path = settings.home / VERSION_FILE
    return path.read_text() if path.is_file() else ""


def assets_field(asset_ids: Iterable[str]) -> str:
    """Asset ids as one metadata string ',P-101,M-101,' (Chroma metadata holds scalars only)."""
    ids = sorted(set(asset_ids))
    return "," + ",".join(ids) + "," if ids else ""


def parse_assets_field(value: str | None) -> list[str]:
    """Inverse of assets_field."""
    return [v for v in (value or "").split(",") if v]


def known_asset_ids(settings: Any) -> list[str]:
    """Asset ids of every plant the knowledge layer knows (demo plant + asset registry)."""
    from industrialmind.knowledge.graph_builder import load_plants

    return sorted({a.id for p in load_plants(settings) for a in p.assets})


def add_documents(settings: Any, paths: Iterable[Path | str], progress: ProgressFn | None = None,
                  vectors: Any = None, graph: Any = None) -> dict[str, Any]:
    """Index files (Markdown, text, PDF; folders are walked): returns counts and a per-file status."""
    from industrialmind.knowledge.documents import expand_paths, load_document
    from industrialmind.knowledge.embeddings import get_embedder
    from industrialmind.knowledge.graph_builder import link_document
    from industrialmind.stores.graph import open_settings_graph
    from industrialmind.knowledge.passages import open_passages

    files = expand_paths(paths)
    known = known_asset_ids(settings)
    vectors = vectors or open_passages(settings)
    embedder = get_embedder(settings)
    own_graph = graph is None
    graph = graph or open_settings_graph(settings)
    graph.ensure_schema()
    if not graph.run("count_label_asset")[0]["n"]:
        # Links need the assets: on a fresh home, write the plants first (what `knowledge build` would do).
        from industrialmind.knowledge.graph_builder import build_graph, load_plants

        build_graph(graph, load_plants(settings))
    report: dict[str, Any] = {"added": 0, "replaced": 0, "unchanged": 0, "chunks": 0, "files": []}
    try:
        for n, file in enumerate(files, start=1):
            doc = load_document(file, known)
            existing = vectors.get(where={"doc_id": doc.doc_id}, include_text=False)
            hashes = {m.get("content_hash") for m in existing["metadatas"] or []}
            if hashes == {doc.content_hash} and len(existing["ids"]) == len(doc.chunks):
                status = "unchanged"
            else:
                status = "replaced" if existing["ids"] else "added"
                if existing["ids"]:
                    vectors.delete_where({"doc_id": doc.doc_id})
                texts = [c.text for c in doc.chunks]
                metas = [{"kind": "document", "doc_id": doc.doc_id, "title": doc.title, "section": c.section,
                          "page": c.page if c.page is not None else -1, "doc_type": doc.doc_type,
                          "source": doc.source, "assets": assets_field(c.asset_ids),
                          "content_hash": doc.content_hash} for c in doc.chunks]
                vectors.upsert([c.id for c in doc.chunks], texts, metas, embeddings=embedder.embed(texts))
                link_document(graph, doc.doc_id, doc.title, doc.doc_type, doc.source, doc.asset_ids,
                              doc.failure_modes)
                report["chunks"] += len(doc.chunks)
            report[status] += 1
            report["files"].append({"path": str(file), "doc_id": doc.doc_id, "status": status,
                                    "chunks": len(doc.chunks), "doc_type": doc.doc_type, "assets": doc.asset_ids})
            if progress:
                progress(file.name, n, len(files))
    finally:
        if own_graph:
            graph.close()
    if report["added"] or report["replaced"]:
        bump_version(settings)
    return report


def index_failure_modes(settings: Any, modes: list[FailureMode], doc_id: str, title: str,
                        vectors: Any = None, progress: ProgressFn | None = None) -> int:
    """Index failure modes as passages (one per mode, id = failure-mode id), replacing that doc_id's old rows."""
    from industrialmind.knowledge.embeddings import get_embedder
    from industrialmind.knowledge.fmea import failure_mode_text
    from industrialmind.knowledge.graph_builder import type_id
    from industrialmind.knowledge.passages import open_passages

    vectors = vectors or open_passages(settings)
    texts = [failure_mode_text(m) for m in modes]
    import hashlib

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    existing = vectors.get(where={"doc_id": doc_id}, include_text=False)
    if {m.get("content_hash") for m in existing["metadatas"] or []} == {digest} and len(existing["ids"]) == len(modes):
        return 0
    if existing["ids"]:
        vectors.delete_where({"doc_id": doc_id})
    embedder = get_embedder(settings)
    batch = 128
    for start in range(0, len(modes), batch):
        part = modes[start:start + batch]
        part_texts = texts[start:start + batch]
        metas = [{"kind": "failure_mode", "doc_id": doc_id, "title": title, "section": m.component or m.name,
                  "page": -1, "doc_type": "fmea", "source": m.source, "assets": "",
                  "asset_type": type_id(m.asset_type), "failure_mode": m.id, "content_hash": digest} for m in part]
        vectors.upsert([m.id for m in part], part_texts, metas, embeddings=embedder.embed(part_texts))
        if progress:
            progress(title, min(start + batch, len(modes)), len(modes))
    bump_version(settings)
    return len(modes)
