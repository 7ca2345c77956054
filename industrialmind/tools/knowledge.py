"""Knowledge tools: failure modes (FMEA), process topology (what is up/downstream), and cited document passages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext, closest



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
    from industrialmind.knowledge.retrieval import failure_modes as backend

    # every mode of the type, ranked here: the backend drops all modes when none shares a word with the symptom
    raw = backend(ctx.settings, asset_id=asset_id, asset_type=asset_type, symptom=None)
    modes = jsonable(raw.get("failure_modes", raw) if isinstance(raw, dict) else list(raw or []))
    what = asset_id or asset_type
    matched = match_symptom(modes, symptom, asset_type) if symptom else []
    if matched:
        note = f" matching {symptom!r} (of {len(modes)})"
        modes = matched
    elif symptom:
        note = f"; none matches {symptom!r}, so all are listed"
    else:
        note = ""
    names = [m.get("name", m.get("id", "?")) for m in modes if isinstance(m, dict)]
    summary = f"{len(modes)} failure mode(s) for {what}{note}" + (": " + ", ".join(names[:5]) if names else "")
    sources = sorted({m.get("source", "fmea") for m in modes if isinstance(m, dict)}) or ["fmea"]
    return {"summary": summary, "asset_id": asset_id, "asset_type": asset_type, "symptom": symptom,
            "failure_modes": modes, "count": len(modes), "sources": sources}


# Symptom words engineers use and the words FMEA rows use for the same thing (stems: matched as prefixes).
_SYMPTOM_SYNONYMS: dict[str, tuple[str, ...]] = {
    "vibr": ("vibration", "shak", "rough"), "shak": ("vibration",), "rough": ("vibration",),
    "cavit": ("cavitation", "npsh", "vapour", "gravel"), "hot": ("temperature", "overheat", "heat", "warm"),
    "overheat": ("temperature", "hot", "heat"), "heat": ("temperature", "overheat"), "warm": ("temperature",),
    "temp": ("temperature",), "nois": ("noise", "sound", "audible"), "loud": ("noise", "audible"),
    "sound": ("noise", "audible"), "leak": ("leakage", "drip"), "drip": ("leak",), "trip": ("overload", "current"),
    "amp": ("current",), "surg": ("surge", "pulsat"), "pulsat": ("surge",), "flow": ("flow", "throughput"),
    "pressur": ("pressure",), "stuck": ("frozen", "flat"), "frozen": ("stuck", "flat"), "flat": ("stuck", "frozen"),
    "drift": ("drift", "calibration"), "missing": ("dropout", "lost"), "dropout": ("missing", "lost"),
    "seiz": ("seiz", "lock", "jam"), "jam": ("seiz", "block"), "clog": ("foul", "block", "plug"),
    "foul": ("clog", "deposit"), "wear": ("wear", "worn"), "worn": ("wear",), "slip": ("slip",),
}
_WEAK = {"high", "low", "rising", "falling", "increasing", "dropping", "erratic", "unstable", "bad", "more", "less",
         "very", "keeps", "keep", "lose", "losing", "loses", "lost", "running", "runs", "run"}


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ating", "ing", "ies", "es", "ed", "s", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _terms(text: str) -> set[str]:
    import re

    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower().replace("_", " ")) if len(w) > 2}


def _same(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) or a == b


def match_symptom(modes: list[Any], symptom: str, asset_type: str | None = None) -> list[dict[str, Any]]:
    """The failure modes that match a symptom, best first: its words (stemmed, with maintenance synonyms) against
    each mode's name, symptoms, revealing sensors and mechanism; words of the equipment type never count. Each
    match gets 'symptom_match' (a score). Empty when none matches."""
    type_words = _terms(asset_type or "") | {"pump", "motor", "fan", "compressor", "centrifugal"}
    wanted = {w for w in _terms(symptom) if w not in type_words}
    strong = {w for w in wanted if w not in _WEAK}
    expanded = {w: {w, *(syn for key, syns in _SYMPTOM_SYNONYMS.items() if _same(key, w) for syn in syns)}
                for w in (strong or wanted)}
    rows = []
    for i, mode in enumerate(modes):
        if not isinstance(mode, dict):
            continue
        fields = [(3.0, str(mode.get("name") or "")), (2.0, " ".join(mode.get("symptoms") or [])),
                  (1.0, str(mode.get("mechanism") or ""))]
        said = sum(weight * _hits(expanded, _terms(text) - type_words) for weight, text in fields)
        said += 0.5 * sum(1 for w in wanted - strong if any(_same(w, t) for t in _terms(fields[1][1])))
        # a sensor-fault mode lists every sensor: the sensors only rank, or decide when no text matches at all
        sensors = _hits(expanded, _terms(" ".join(mode.get("revealing_sensors") or [])))
        rows.append((said, sensors, i, mode))
    textual = any(said > 0 and (said >= 1 or not strong) for said, _, _, _ in rows)
    kept = [(said + 0.5 * sensors, i, mode) for said, sensors, i, mode in rows
            if (said >= 1 if textual else sensors > 0)]
    kept.sort(key=lambda t: (-t[0], t[1]))
    return [{**mode, "symptom_match": round(score, 1)} for score, _, mode in kept]


def _hits(expanded: dict[str, set[str]], terms: set[str]) -> int:
    return sum(1 for alts in expanded.values() if any(_same(a, t) for a in alts for t in terms))


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
    from industrialmind.knowledge.retrieval import related_assets as backend

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
    from industrialmind.knowledge.retrieval import search_documents as backend

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
