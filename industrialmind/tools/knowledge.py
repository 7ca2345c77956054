"""Knowledge tools: failure modes (FMEA), process topology (what is up/downstream), and cited document passages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from industrialmind.tools._context import ToolArgError, ToolContext, backend_function, closest, jsonable

_RETRIEVAL = ("industrialmind.knowledge.retrieval", "industrialmind.knowledge")


def failure_modes(ctx: ToolContext,
                  asset_id: Annotated[str | None, "asset id; its type's failure modes are returned"] = None,
                  asset_type: Annotated[str | None, "equipment type such as 'centrifugal_pump'"] = None,
                  symptom: Annotated[str | None, "an observed symptom to rank by ('high vibration', 'noise')"] = None,
                  ) -> dict[str, Any]:
    """Failure modes of an asset or equipment type from the FMEA: mechanism, symptoms, the sensors that reveal
    them, the recommended action and the risk ranking. Use it for 'what usually causes X', 'why would a pump
    cavitate', 'what could cause high vibration on P-101'."""
    if not asset_id and not asset_type:
        raise ToolArgError("give asset_id or asset_type", ["asset_id", "asset_type"])
    if asset_id:
        asset = ctx.asset(asset_id)
        asset_id, asset_type = asset.id, asset_type or asset.type
    elif asset_type:
        types = sorted({a.type for a in ctx.assets()})
        wanted = asset_type.lower().replace(" ", "_")
        if wanted not in types:
            near = closest(asset_type, types)
            if not near:
                raise ToolArgError(f"unknown asset type {asset_type!r}", types)
            wanted = near[0]
        asset_type = wanted
    backend = backend_function("failure_modes", *_RETRIEVAL)
    raw = backend(ctx.settings, asset_id=asset_id, asset_type=asset_type, symptom=symptom)
    modes = jsonable(raw.get("failure_modes", raw) if isinstance(raw, dict) else list(raw or []))
    names = [m.get("name", m.get("id", "?")) for m in modes if isinstance(m, dict)]
    what = asset_id or asset_type
    summary = (f"{len(modes)} failure mode(s) for {what}" + (f" matching {symptom!r}" if symptom else "")
               + (": " + ", ".join(names[:5]) if names else ""))
    sources = sorted({m.get("source", "fmea") for m in modes if isinstance(m, dict)}) or ["fmea"]
    return {"summary": summary, "asset_id": asset_id, "asset_type": asset_type, "symptom": symptom,
            "failure_modes": modes, "count": len(modes), "sources": sources}


def related_assets(ctx: ToolContext,
                   asset_id: Annotated[str, "asset id to start from"],
                   direction: Annotated[Literal["upstream", "downstream", "both"], "follow the process flow "
                                        "'downstream' (what it feeds), 'upstream' (what feeds it) or 'both'"] = "both",
                   depth: Annotated[int, "how many flow steps to follow, 1 to 5"] = 2) -> dict[str, Any]:
    """Assets connected to one asset in the process flow (upstream suppliers, downstream consumers), with the
    number of steps away. Use it for 'what is downstream of V-12', 'what feeds this tank', 'what is affected if
    P-101 trips'."""
    asset = ctx.asset(asset_id)
    if direction not in ("upstream", "downstream", "both"):
        raise ToolArgError(f"unknown direction {direction!r}", ["upstream", "downstream", "both"])
    depth = int(depth)
    if not 1 <= depth <= 5:
        raise ToolArgError(f"depth {depth} is out of range", ["1", "2", "3", "4", "5"])
    backend = backend_function("related_assets", *_RETRIEVAL)
    raw = backend(ctx.settings, asset.id, direction=direction, depth=depth)
    rows = jsonable(raw.get("assets", raw.get("related", raw)) if isinstance(raw, dict) else list(raw or []))
    ids = [r.get("asset_id", r.get("id", "?")) if isinstance(r, dict) else str(r) for r in rows]
    summary = (f"{len(rows)} asset(s) {direction} of {asset.id} within {depth} step(s)"
               + (": " + ", ".join(ids[:10]) if ids else ""))
    return {"summary": summary, "asset_id": asset.id, "direction": direction, "depth": depth, "assets": rows,
            "count": len(rows), "sources": ["graph:flows"]}


def search_documents(ctx: ToolContext,
                     query: Annotated[str, "what to look for in manuals, procedures and reports"],
                     asset_id: Annotated[str | None, "restrict to documents about this asset (and its type)"] = None,
                     ) -> dict[str, Any]:
    """Search manuals, procedures, FMEA notes and maintenance reports; returns the best passages with citations
    (document, page or section). Use it for 'what does the manual say', 'procedure for', 'how to replace'."""
    if not str(query or "").strip():
        raise ToolArgError("the query is empty", ["a few words about what to find"])
    if asset_id:
        asset_id = ctx.asset(asset_id).id
    backend = backend_function("search_documents", *_RETRIEVAL)
    raw = backend(ctx.settings, query, asset_id=asset_id, k=5)
    passages = jsonable(raw.get("passages", raw) if isinstance(raw, dict) else list(raw or []))
    sources = []
    for p in passages:
        if isinstance(p, dict):
            cite = _cite(p.get("citation") or p.get("source") or p.get("document"))
            p["cite"] = cite
            if cite and cite not in sources:
                sources.append(cite)
    summary = (f"{len(passages)} passage(s) for {query!r}" + (f" about {asset_id}" if asset_id else "")
               + (": " + "; ".join(str(s) for s in sources[:3]) if sources else ""))
    return {"summary": summary, "query": query, "asset_id": asset_id, "passages": passages, "sources": sources}


def _cite(citation: Any) -> str:
    """A readable citation for a passage (see knowledge.retrieval.cite)."""
    from industrialmind.knowledge.retrieval import cite

    return cite(citation)


TOOLS = [failure_modes, related_assets, search_documents]
