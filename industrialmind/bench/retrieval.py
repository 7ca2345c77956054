"""`industrialmind bench retrieval`: quality (recall@5, MRR) and latency of hybrid retrieval on the project's set,
embedding throughput (ONNX Runtime vs sentence-transformers, same texts, same run) and graph traversal latency.

The corpus is the full one: demo documents, the demo plant's failure modes, the mining-truck FMEA rows and the
AssetOpsBench failure modes/codes (the last two read from the shared data folder when present). It is built in
<home>/bench/retrieval (idempotent, so later runs skip embedding). Baselines measured in the same run: BM25 alone
and vectors alone against the fused hybrid + graph ranking.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

SUITE = Path(__file__).resolve().parents[1] / "evals" / "suites" / "retrieval.yaml"
FMEA_FILE = "fmea/fmea_dataset_filled.csv"
AOB_FOLDER = "assetopsbench/sample_data"
MODES = {"hybrid": ("bm25", "vector", "graph"), "vector": ("vector",), "bm25": ("bm25",)}


def _default_data() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_suite(path: Path = SUITE) -> list[dict[str, Any]]:
    """The quality set's questions (id, source, question, gold ids)."""
    import yaml

    return yaml.safe_load(path.read_text())["questions"]


def build_corpus(settings: Any, data: Path | None, quick: bool) -> tuple[Any, dict[str, Any]]:
    """Build the benchmark home and return its settings and what went into the corpus."""
    from industrialmind.config import Settings
    from industrialmind.knowledge.build import build_knowledge, import_fmea
    from industrialmind.knowledge.documents import demo_docs_dir
    from industrialmind.knowledge.embeddings import default_cache_dir
    from industrialmind.knowledge.index import add_documents, index_failure_modes

    home = settings.home / "bench" / ("retrieval-quick" if quick else "retrieval")
    bench = Settings(home=home, embeddings_cache=str(default_cache_dir(settings)))
    included: dict[str, Any] = {"home": str(home)}
    build_knowledge(bench, docs=False)
    docs = sorted(demo_docs_dir().glob("*.md"))
    if quick:
        docs = docs[::9]
    included["documents"] = len(add_documents(bench, docs)["files"])
    data = data or _default_data()
    fmea = data / FMEA_FILE
    if fmea.is_file() and not quick:
        included["fmea_rows"] = import_fmea(bench, fmea)["failure_modes"]
    aob = data / AOB_FOLDER
    if aob.is_dir() and not quick:
        try:
            from industrialmind.plant.importers.assetopsbench_records import read_failure_modes

            modes = read_failure_modes(aob)
            index_failure_modes(bench, modes, doc_id="assetopsbench-failure-modes",
                                title="AssetOpsBench failure modes and codes")
            included["assetopsbench_failure_modes"] = len(modes)
        except ImportError:
            included["assetopsbench_failure_modes"] = 0
    return bench, included


def evaluate(retriever: Any, questions: list[dict[str, Any]], channels: tuple[str, ...]) -> dict[str, Any]:
    """Recall@5 (any gold in the top 5), recall@1, MRR over the top 10, and per-query latency for one channel set."""
    hits5 = hits1 = 0
    rr = 0.0
    latencies = []
    misses = []
    retriever.search("warm-up query about a pump", k=10, channels=channels)
    for q in questions:
        gold = set(q["gold"])
        start = time.perf_counter()
        passages = retriever.search(q["question"], k=10, channels=channels)
        latencies.append((time.perf_counter() - start) * 1000)
        ranked = [p.citation.chunk_id for p in passages]
        first = next((i for i, cid in enumerate(ranked) if cid in gold), None)
        if first is not None:
            rr += 1.0 / (first + 1)
            hits5 += first < 5
            hits1 += first == 0
        if first is None or first >= 5:
            misses.append(q["id"])
    n = max(1, len(questions))
    return {"recall_at_5": round(hits5 / n, 4), "recall_at_1": round(hits1 / n, 4), "mrr": round(rr / n, 4),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
            "p95_ms": round(_percentile(latencies, 0.95), 2), "misses": misses}


def embedding_throughput(texts: list[str], embedder: Any) -> dict[str, Any]:
    """Chunks per second for ONNX Runtime and for sentence-transformers over the same texts, and their agreement."""
    from industrialmind.knowledge.embeddings import sentence_transformers_embed

    embedder.embed(texts[:8])
    start = time.perf_counter()
    ours = embedder.embed(texts)
    onnx_s = time.perf_counter() - start
    sentence_transformers_embed(texts[:8])  # loads torch and the model outside the timing
    start = time.perf_counter()
    reference = sentence_transformers_embed(texts)
    st_s = time.perf_counter() - start
    cosine = (ours * reference).sum(axis=1)
    return {"chunks": len(texts), "onnx_chunks_per_s": round(len(texts) / onnx_s, 1),
            "sentence_transformers_chunks_per_s": round(len(texts) / st_s, 1),
            "speedup": round(st_s / onnx_s, 2), "min_cosine": round(float(cosine.min()), 6)}


def graph_latency(settings: Any, repeats: int) -> dict[str, Any]:
    """Downstream traversal (depth 3) latency on an open graph, and through related_assets (opens the graph)."""
    from industrialmind.knowledge.retrieval import related_assets
    from industrialmind.stores import cypher
    from industrialmind.stores.graph import open_settings_graph

    graph = open_settings_graph(settings)
    try:
        ids = [r["id"] for r in graph.run("assets")]
        open_ms = []
        for _ in range(repeats):
            for asset_id in ids:
                start = time.perf_counter()
                graph.run(cypher.related_query("downstream", 3), id=asset_id)
                open_ms.append((time.perf_counter() - start) * 1000)
    finally:
        graph.close()
    api_ms = []
    for asset_id in ids[: 10 if repeats == 1 else 46]:
        start = time.perf_counter()
        related_assets(settings, asset_id, direction="both", depth=3)
        api_ms.append((time.perf_counter() - start) * 1000)
    return {"assets": len(ids), "traversal_p50_ms": round(statistics.median(open_ms), 3),
            "traversal_p95_ms": round(_percentile(open_ms, 0.95), 3),
            "related_assets_p50_ms": round(statistics.median(api_ms), 2)}


def run(settings: Any, quick: bool = False, data: Path | None = None, **_: Any) -> dict[str, Any]:
    """Build the corpus, run the quality set through hybrid/vector/BM25, and time embeddings and the graph."""
    from industrialmind.knowledge.retrieval import Retriever

    started = time.perf_counter()
    bench, included = build_corpus(settings, Path(data) if data else None, quick)
    retriever = Retriever(bench)
    present = set(retriever.ids)
    questions = [q for q in load_suite() if set(q["gold"]) & present]
    skipped = [q["id"] for q in load_suite() if not set(q["gold"]) & present]
    if quick:
        questions = questions[:10]
    modes = {name: evaluate(retriever, questions, channels) for name, channels in MODES.items()}
    texts = retriever.texts[: 16 if quick else 256]
    result = {
        "questions": len(questions), "skipped_questions": skipped, "passages": len(retriever.ids),
        "corpus": included,
        **{k: v for k, v in modes["hybrid"].items()},
        "baselines": {name: {k: v for k, v in m.items() if k != "misses"} for name, m in modes.items()},
        "embedding": embedding_throughput(texts, retriever.embedder),
        "graph": graph_latency(bench, repeats=1 if quick else 3),
        "targets": {"recall_at_5": 0.9, "p50_ms": 50.0},
        "quick": quick, "seconds": 0.0,
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def render(result: dict[str, Any]) -> Any:
    """Tables: quality and latency per ranking (ratios against BM25 alone), embeddings, graph traversal."""
    from rich.console import Group
    from rich.table import Table

    base = result["baselines"]["bm25"]
    quality = Table("ranking", "recall@5", "recall@1", "MRR", "p50 ms", "p95 ms", "recall@5 vs BM25",
                    title=f"Retrieval on {result['questions']} questions, {result['passages']} passages")
    for name, m in result["baselines"].items():
        ratio = m["recall_at_5"] / base["recall_at_5"] if base["recall_at_5"] else float("nan")
        quality.add_row(name, f"{m['recall_at_5']:.3f}", f"{m['recall_at_1']:.3f}", f"{m['mrr']:.3f}",
                        f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}", f"{ratio:.2f}x")
    e = result["embedding"]
    emb = Table("engine", "chunks/s", "vs sentence-transformers", title=f"Embedding {e['chunks']} chunks "
                f"(min cosine {e['min_cosine']:.5f})")
    emb.add_row("ONNX Runtime", f"{e['onnx_chunks_per_s']:.1f}", f"{e['speedup']:.2f}x")
    emb.add_row("sentence-transformers", f"{e['sentence_transformers_chunks_per_s']:.1f}", "1.00x")
    g = result["graph"]
    graph = Table("graph", "p50 ms", "p95 ms", title=f"Downstream traversal depth 3 over {g['assets']} assets")
    graph.add_row("open store, named query", f"{g['traversal_p50_ms']:.3f}", f"{g['traversal_p95_ms']:.3f}")
    graph.add_row("related_assets() (opens the store)", f"{g['related_assets_p50_ms']:.2f}", "")
    return Group(quality, emb, graph)
