"""Hybrid, graph-expanded retrieval with citations, and the knowledge API the agent's tools call.

search: BM25 (bm25s) and MiniLM vector similarity each rank the passages; a third ranking comes from the graph:
when the question names an asset (id, name or alias) or a symptom, the failure modes of that asset's type that match,
the documents that mention the asset or cover those failure modes, and the FMEA rows are pulled in. The three are
fused with reciprocal rank fusion. Every Passage carries a citation (document, section/page, chunk id).

The corpus (texts, metadata and embeddings, read once from Chroma) and the graph context are cached per process
and reloaded when the index version changes; with corpora of thousands of passages an exact in-memory cosine
search is faster than a round trip to an ANN index, so Chroma is the store and this module the ranker.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from industrialmind.errors import InvalidInputError, NotFoundError, did_you_mean

RRF_K = 60
CANDIDATES = 40
_WEIGHTS = {"bm25": 1.0, "vector": 1.0, "graph": 0.8}
_STOP = frozenset(["a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has", "have", "how", "i", "if", "in", "is", "it", "its", "of", "on", "or", "our", "should", "the", "this", "that", "to", "was", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "me", "my", "we", "there", "their", "them", "then", "than", "about", "into", "any", "all", "also"])


class Citation(BaseModel):
    """Where a passage comes from: document id and title, section (or FMEA component), page, chunk id, source."""

    doc: str
    title: str = ""
    section: str = ""
    page: int | None = None
    chunk_id: str
    source: str = ""

    def __str__(self) -> str:
        where = f"p. {self.page}" if self.page else self.section
        return f"{self.title or self.doc} - {where} [{self.chunk_id}]"


def cite(citation: Any) -> str:
    """A readable citation ('Title - section (or p. N) [chunk id]') for a Citation, its dict form, or plain text."""
    if isinstance(citation, Citation):
        return str(citation)
    if not isinstance(citation, dict):
        return str(citation or "")
    where = f"p. {citation['page']}" if citation.get("page") else citation.get("section", "")
    title = citation.get("title") or citation.get("doc") or "document"
    text = f"{title} - {where}" if where else str(title)
    return f"{text} [{citation['chunk_id']}]" if citation.get("chunk_id") else text


class Passage(BaseModel):
    """A retrieved passage with its fused score, citation, linked asset ids and how it was found."""

    text: str
    score: float
    citation: Citation
    asset_ids: list[str] = Field(default_factory=list)
    doc_type: str = ""
    kind: str = "document"
    via: list[str] = Field(default_factory=list)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed; asset ids stay whole ('p-101') and split too."""
    tokens = []
    for word in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()):
        parts = [word] + (word.split("-") if "-" in word else [])
        for part in parts:
            if part in _STOP or len(part) < 2:
                continue
            tokens.append(_stem(part))
    return tokens


def _stem(word: str) -> str:
    """A tiny suffix stripper (no stemming library is in the stack): bearings->bearing, leaking->leak."""
    if word[0].isdigit() or len(word) <= 4:
        return word
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            return word[: -len(suffix)]
    return word


@dataclass
class GraphContext:
    """What graph expansion needs, read once: assets, their names, the flow edges, failure modes, document links."""

    asset_type: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # lower-case name or alias -> asset id
    upstream: dict[str, set[str]] = field(default_factory=dict)
    downstream: dict[str, set[str]] = field(default_factory=dict)
    failure_modes: dict[str, dict[str, Any]] = field(default_factory=dict)
    modes_of_type: dict[str, list[str]] = field(default_factory=dict)
    docs_covering: dict[str, set[str]] = field(default_factory=dict)  # failure mode -> doc ids


def load_graph_context(settings: Any) -> GraphContext:
    """Read the graph context from the graph store; fall back to the plants themselves when it cannot be opened."""
    from industrialmind.knowledge.graph_builder import load_plants, type_id

    ctx = GraphContext()
    rows: dict[str, list[dict[str, Any]]] = {}
    try:

        graph = _open_for_reading(settings)
        try:
            for name in ("assets", "flows", "failure_modes_all", "document_covers"):
                rows[name] = graph.run(name)
        finally:
            graph.close()
    except Exception:  # noqa: BLE001 - graph missing, locked or unreachable: the plants still give the basics
        rows = {}
    if not rows.get("assets"):
        plants = load_plants(settings)
        rows["assets"] = [{"id": a.id, "type": type_id(a.type), "name": a.name, "aliases": a.aliases}
                          for p in plants for a in p.assets]
        rows["flows"] = [{"src": f.source, "dst": f.target} for p in plants for f in p.flows]
        rows["failure_modes_all"] = [{"id": m.id, "asset_type": type_id(m.asset_type), "name": m.name,
                                      "symptoms": m.symptoms, "component": m.component}
                                     for p in plants for m in p.failure_modes]
        rows.setdefault("document_covers", [])
    for a in rows["assets"]:
        ctx.asset_type[a["id"]] = a.get("type") or ""
        for alias in [a.get("name") or ""] + list(a.get("aliases") or []):
            alias = " ".join(str(alias).lower().split())
            if len(alias) >= 5:
                ctx.names.setdefault(alias, a["id"])
    for f in rows["flows"]:
        ctx.downstream.setdefault(f["src"], set()).add(f["dst"])
        ctx.upstream.setdefault(f["dst"], set()).add(f["src"])
    for m in rows["failure_modes_all"]:
        ctx.failure_modes[m["id"]] = m
        ctx.modes_of_type.setdefault(m.get("asset_type") or "", []).append(m["id"])
    for r in rows["document_covers"]:
        ctx.docs_covering.setdefault(r["failure_mode"], set()).add(r["doc"])
    return ctx


class Retriever:
    """The corpus in memory (texts, metadata, unit embeddings, a BM25 index) plus the graph context."""

    def __init__(self, settings: Any) -> None:
        import bm25s
        import numpy as np

        from industrialmind.knowledge.embeddings import get_embedder
        from industrialmind.knowledge.passages import open_passages

        self.embedder = get_embedder(settings)
        store = open_passages(settings)
        got = store.collection.get(include=["documents", "metadatas", "embeddings"])
        self.ids: list[str] = list(got["ids"])
        self.texts: list[str] = list(got["documents"] or [])
        self.metas: list[dict[str, Any]] = list(got["metadatas"] or [])
        emb = got.get("embeddings")
        self.matrix = np.asarray(emb, dtype=np.float32) if emb is not None and len(self.ids) else \
            np.zeros((0, self.embedder.dim), dtype=np.float32)
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.assets = [set(filter(None, (m.get("assets") or "").split(","))) for m in self.metas]
        self.bm25 = bm25s.BM25()
        self.bm25_ready = bool(self.ids)
        if self.bm25_ready:
            self.bm25.index([tokenize(t) or ["_"] for t in self.texts], show_progress=False)
        self.graph = load_graph_context(settings)
        # Precomputed once so a query costs a set intersection per failure mode and one regex scan for aliases.
        self.mode_vocab = {fid: set(tokenize(" ".join([m.get("name") or "", fid.split(".")[-1].replace("_", " ")]
                                                      + list(m.get("symptoms") or []))))
                           for fid, m in self.graph.failure_modes.items()}
        aliases = sorted(self.graph.names, key=len, reverse=True)
        self.alias_pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, aliases)) + r")(?![a-z0-9])") \
            if aliases else None
        self.by_doc: dict[str, list[int]] = {}
        for i, m in enumerate(self.metas):
            self.by_doc.setdefault(m.get("doc_id", ""), []).append(i)

    # ---- entity and symptom linking
    def assets_in(self, query: str) -> list[str]:
        """Asset ids the question names: ids in any case, or names and aliases of the registry."""
        from industrialmind.knowledge.documents import find_asset_ids

        found = set(find_asset_ids(query, self.graph.asset_type))
        if self.alias_pattern is not None:
            lowered = " ".join(query.lower().split())
            found.update(self.graph.names[m.group(1)] for m in self.alias_pattern.finditer(lowered))
        return sorted(found)

    def matching_failure_modes(self, query: str, asset_types: set[str]) -> list[str]:
        """Failure modes whose name or symptoms share words with the question, best first (within asset_types)."""
        words = set(tokenize(query))
        scored = []
        for fid, m in self.graph.failure_modes.items():
            if asset_types and (m.get("asset_type") or "") not in asset_types:
                continue
            overlap = len(words & self.mode_vocab[fid])
            if overlap:
                scored.append((-overlap, fid))
        return [fid for _, fid in sorted(scored)[:8]]

    # ---- ranking
    def _allowed(self, asset_id: str | None) -> Any:
        import numpy as np

        if not asset_id:
            return None
        atype = self.graph.asset_type.get(asset_id, "")
        covering = set()
        for fid in self.graph.modes_of_type.get(atype, []):
            covering |= self.graph.docs_covering.get(fid, set())
        mask = np.zeros(len(self.ids), dtype=bool)
        for i, m in enumerate(self.metas):
            if asset_id in self.assets[i] or m.get("doc_id") in covering or \
                    (m.get("kind") == "failure_mode" and m.get("asset_type") == atype):
                mask[i] = True
        return mask

    def search(self, query: str, asset_id: str | None = None, k: int = 5,
               channels: tuple[str, ...] = ("bm25", "vector", "graph")) -> list[Passage]:
        """The k best passages for the question, fused from BM25, vectors and the graph; each with a citation.

        channels picks the rankings to fuse (the benchmark compares each alone with all three)."""
        import numpy as np

        if not self.ids:
            return []
        mask = self._allowed(asset_id)
        rankings: dict[str, list[int]] = {}
        vector_scores = self.matrix @ self.embedder.embed([query])[0]
        if mask is not None:
            vector_scores = np.where(mask, vector_scores, -np.inf)
        rankings["vector"] = [int(i) for i in np.argsort(-vector_scores)[:CANDIDATES] if np.isfinite(vector_scores[i])]
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict]
        if tokens and self.bm25_ready:
            bm = self.bm25.get_scores(tokens)
            if mask is not None:
                bm = np.where(mask, bm, 0.0)
            rankings["bm25"] = [int(i) for i in np.argsort(-bm)[:CANDIDATES] if bm[i] > 0]
        rankings["graph"] = self._graph_ranking(query, asset_id, vector_scores, mask)
        rankings = {name: ranked for name, ranked in rankings.items() if name in channels}
        fused: dict[int, float] = {}
        via: dict[int, list[str]] = {}
        for name, ranked in rankings.items():
            for rank, i in enumerate(ranked):
                fused[i] = fused.get(i, 0.0) + _WEIGHTS[name] / (RRF_K + rank + 1)
                via.setdefault(i, []).append(name)
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [self.passage(i, fused[i], via[i]) for i in best]

    def _graph_ranking(self, query: str, asset_id: str | None, vector_scores: Any, mask: Any) -> list[int]:
        """Passages the graph links to the question's assets and symptoms, ordered by vector similarity."""
        focus = [asset_id] if asset_id else self.assets_in(query)
        types = {self.graph.asset_type.get(a, "") for a in focus} - {""}
        modes = self.matching_failure_modes(query, types)
        linked: set[int] = set()
        for fid in modes:
            if fid in self.position:
                linked.add(self.position[fid])
            for doc in self.graph.docs_covering.get(fid, ()):
                linked.update(self.by_doc.get(doc, ()))
        for a in focus:
            linked.update(i for i, assets in enumerate(self.assets) if a in assets)
        if mask is not None:
            linked = {i for i in linked if mask[i]}
        return sorted(linked, key=lambda i: -vector_scores[i])[:CANDIDATES]

    def passage(self, i: int, score: float, via: list[str]) -> Passage:
        """The passage at corpus position i with its citation."""
        m = self.metas[i]
        page = m.get("page")
        return Passage(text=self.texts[i], score=round(float(score), 6),
                       citation=Citation(doc=m.get("doc_id", ""), title=m.get("title", ""),
                                         section=m.get("section", ""), page=page if page and page > 0 else None,
                                         chunk_id=self.ids[i], source=m.get("source", "")),
                       asset_ids=sorted(self.assets[i]), doc_type=m.get("doc_type", ""),
                       kind=m.get("kind", "document"), via=via)


_CACHE: dict[tuple[str, str, str], Retriever] = {}
_LOCK = threading.Lock()


def get_retriever(settings: Any) -> Retriever:
    """The process's retriever for this store, rebuilt when the index version changes."""
    from industrialmind.knowledge.embeddings import default_cache_dir
    from industrialmind.knowledge.index import index_version

    key = (settings.resolved.chroma, index_version(settings), str(default_cache_dir(settings)))
    with _LOCK:
        retriever = _CACHE.get(key)
        if retriever is None:
            for old in [k for k in _CACHE if k[0] == key[0]]:
                del _CACHE[old]
            retriever = _CACHE[key] = Retriever(settings)
        return retriever


def clear_cache() -> None:
    """Forget cached retrievers (tests, or after an out-of-band index change)."""
    with _LOCK:
        _CACHE.clear()


# ---- the API the agent's tools call
def search_documents(settings: Any, query: str, asset_id: str | None = None, k: int = 5) -> list[Passage]:
    """The k best cited passages for a question, optionally only those about one asset (and its type)."""
    if not str(query or "").strip():
        raise InvalidInputError("the search query is empty")
    retriever = get_retriever(settings)
    if asset_id and asset_id not in retriever.graph.asset_type:
        raise NotFoundError(f"unknown asset {asset_id!r}" + did_you_mean(asset_id, list(retriever.graph.asset_type)))
    return retriever.search(query, asset_id=asset_id, k=max(1, int(k)))


def related_assets(settings: Any, asset_id: str, direction: Literal["upstream", "downstream", "both"] = "downstream",
                   depth: int = 2) -> list[dict[str, Any]]:
    """Assets connected to asset_id along the process flow, with the number of hops and the direction."""
    from industrialmind.stores import cypher

    if direction not in ("upstream", "downstream", "both"):
        raise InvalidInputError(f"unknown direction {direction!r}; valid: 'upstream', 'downstream', 'both'")
    depth = int(depth)
    if not 1 <= depth <= cypher.MAX_DEPTH:
        raise InvalidInputError(f"depth {depth} is out of range; valid: 1 to {cypher.MAX_DEPTH}")
    graph = _open_for_reading(settings)
    try:
        _require_asset(graph, asset_id)
        out = []
        for d in (("upstream", "downstream") if direction == "both" else (direction,)):
            for row in graph.run(cypher.related_query(d, depth), id=asset_id):
                out.append({"asset_id": row["id"], "name": row["name"], "type": row["type"],
                            "line_id": row["line_id"] or None, "hops": int(row["hops"]), "direction": d})
        return out
    finally:
        graph.close()


def failure_modes(settings: Any, asset_id: str | None = None, asset_type: str | None = None,
                  symptom: str | None = None) -> list[dict[str, Any]]:
    """Failure modes of an asset (through its type) or an asset type; with a symptom, only the modes sharing its
    words, best match first. For an asset, each mode lists the asset's own sensors that reveal it."""
    from industrialmind.knowledge.graph_builder import type_id

    if not asset_id and not asset_type:
        raise InvalidInputError("give an asset id or an asset type")
    graph = _open_for_reading(settings)
    try:
        if not _graph_has_tables(graph):
            raise NotFoundError("the knowledge graph is empty: run `industrialmind knowledge build`")
        if asset_id:
            _require_asset(graph, asset_id)
            rows = graph.run("failure_modes_of_asset", id=asset_id)
        else:
            wanted = type_id(asset_type or "")
            types = [r["id"] for r in graph.run("asset_types")]
            if wanted not in types:
                raise NotFoundError(f"unknown asset type {asset_type!r}" + did_you_mean(wanted, types))
            rows = graph.run("failure_modes_of_type", type=wanted)
        if symptom:
            rows = rank_by_symptom(rows, symptom)
        if asset_id:
            for row in rows:
                row["asset_sensors"] = [s["sensor"] for s in graph.run("failure_mode_sensors", fm=row["id"],
                                                                       id=asset_id)]
        return rows
    finally:
        graph.close()


def rank_by_symptom(rows: list[dict[str, Any]], symptom: str) -> list[dict[str, Any]]:
    """Failure modes sharing words with the symptom ('high vibration' matches 'rising overall vibration'), most
    shared words first; each gets a 'symptom_match' count."""
    words = set(tokenize(symptom))
    scored = []
    for row in rows:
        vocab = set(tokenize(" ".join([row.get("name") or "", row.get("mechanism") or "",
                                       *(row.get("symptoms") or [])])))
        overlap = len(words & vocab)
        if overlap:
            scored.append((-overlap, row["id"], row | {"symptom_match": overlap}))
    return [row for _, _, row in sorted(scored, key=lambda t: (t[0], t[1]))]


def _open_for_reading(settings: Any) -> Any:
    """Open the graph read-only when it exists (a read-only Ladybug close skips the ~70 ms checkpoint)."""
    from industrialmind.errors import BackendUnavailableError
    from industrialmind.stores.graph import open_settings_graph

    try:
        return open_settings_graph(settings, read_only=True)
    except BackendUnavailableError:  # no graph file yet: a read-write open creates an empty one
        return open_settings_graph(settings)


def _graph_has_tables(graph: Any) -> bool:
    """False on a graph that was never built (Ladybug has no tables yet); reads skip DDL, which costs each open."""
    try:
        graph.run("count_label_asset")
        return True
    except RuntimeError:
        return False


def _require_asset(graph: Any, asset_id: str) -> None:
    if not _graph_has_tables(graph):
        raise NotFoundError(f"unknown asset {asset_id!r}; the knowledge graph is empty: run "
                            "`industrialmind knowledge build`")
    if not graph.run("asset", id=asset_id):
        ids = [r["id"] for r in graph.run("assets")]
        hint = did_you_mean(asset_id, ids) if ids else "; the graph is empty: run `industrialmind knowledge build`"
        raise NotFoundError(f"unknown asset {asset_id!r}" + hint)
