"""Asset tools: find equipment in the registry and describe one asset (type, location, sensors with units)."""

from __future__ import annotations

from typing import Annotated, Any

from industrialmind.tools._context import ToolContext, closest, error


def _brief(a: Any) -> dict[str, Any]:
    return {"asset_id": a.id, "name": a.name, "type": a.type, "site": a.site_id, "line": a.line_id,
            "criticality": a.criticality}


def _match_query(query: str, rows: list) -> list:
    """Best tier of matches: id/name/alias substring, then every word present, then close spelling."""
    from rapidfuzz import fuzz

    q = query.lower().strip()
    words = q.split()
    tiers: list[list] = [[], [], []]
    for a in rows:
        names = [t.lower() for t in (a.id, a.name, *a.aliases) if t]
        blob = " ".join(names + [a.description.lower(), a.type.replace("_", " ")])
        if any(q in t for t in names):
            tiers[0].append(a)
        elif all(w in blob for w in words):
            tiers[1].append(a)
        elif max(fuzz.WRatio(q, t) for t in names) >= 85:
            tiers[2].append(a)
    return next((t for t in tiers if t), [])


def find_assets(ctx: ToolContext,
                query: Annotated[str | None, "free text: part of an id, name or alias ('feed pump', 'chiller 6')"] = None,
                asset_type: Annotated[str | None, "equipment type such as 'centrifugal_pump', 'motor', 'chiller'"] = None,
                line: Annotated[str | None, "production line id or name"] = None,
                site: Annotated[str | None, "site id"] = None) -> dict[str, Any]:
    """Find assets (equipment) by id, name, alias, type, line or site. Use it to list equipment or to find the
    id of an asset someone describes in words. Returns matching assets with id, name, type, line and site."""
    assets = ctx.assets()
    rows = list(assets)
    if site:
        sites = sorted({a.site_id for a in assets})
        match = [s for s in sites if s.lower() == site.lower()]
        if not match:
            near = closest(site, sites)
            return error(f"unknown site {site!r}" + (f"; did you mean {near[0]!r}?" if near else ""), near or sites)
        rows = [a for a in rows if a.site_id == match[0]]
    if line:
        lines = ctx.lines()
        ids = [ln for ln in lines if line.lower() in (ln.id.lower(), ln.name.lower(),
                                                       *(x.lower() for x in getattr(ln, "aliases", [])))]
        if not ids:
            choices = [ln.id for ln in lines]
            near = closest(line, choices + [ln.name for ln in lines])
            return error(f"unknown line {line!r}" + (f"; did you mean {near[0]!r}?" if near else ""), near or choices)
        rows = [a for a in rows if a.line_id == ids[0].id]
    if asset_type:
        types = sorted({a.type for a in assets})
        wanted = asset_type.lower().replace(" ", "_")
        match = [t for t in types if t == wanted or wanted in t or t.rstrip("s") == wanted.rstrip("s")]
        if not match:
            near = closest(asset_type, types)
            return error(f"unknown asset type {asset_type!r}" + (f"; did you mean {near[0]!r}?" if near else ""),
                         near or types)
        rows = [a for a in rows if a.type in match]
    if query:
        rows = _match_query(query, rows)
    found = [_brief(a) for a in rows]
    filters = {k: v for k, v in {"query": query, "asset_type": asset_type, "line": line, "site": site}.items() if v}
    described = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "no filter"
    shown = ", ".join(r["asset_id"] for r in found[:8]) + (" ..." if len(found) > 8 else "")
    summary = f"{len(found)} asset(s) match {described}" + (f": {shown}" if found else "")
    return {"summary": summary, "count": len(found), "assets": found[:50], "filters": filters,
            "truncated": len(found) > 50}


def get_asset(ctx: ToolContext,
              asset_id: Annotated[str, "asset id such as 'P-101' (any spelling: 'p101' works)"]) -> dict[str, Any]:
    """Describe one asset: name, type, make and model, criticality, site and line, components, and its sensors
    with units and normal operating ranges."""
    a = ctx.asset(asset_id)
    sensors = [{"sensor": s.id, "name": s.name, "quantity": s.quantity, "unit": s.unit, "normal_min": s.normal_min,
                "normal_max": s.normal_max} for s in a.sensors]
    summary = (f"{a.id} ({a.name}) is a {a.type.replace('_', ' ')} on line {a.line_id or '-'} at site {a.site_id}, "
               f"criticality {a.criticality}, with {len(sensors)} sensor(s)")
    return {"summary": summary, **_brief(a), "manufacturer": a.manufacturer, "model": a.model,
            "description": a.description, "aliases": a.aliases,
            "components": [{"id": c.id, "name": c.name, "kind": c.kind} for c in a.components],
            "sensors": sensors, "attributes": a.attributes}


def list_sites(ctx: ToolContext) -> dict[str, Any]:
    """The sites (facilities) in the asset registry with their time zones, lines and asset counts. Use it for
    'which sites are there', 'list the sites', 'what facilities do we have data for'."""
    assets, lines = ctx.assets(), ctx.lines()
    registered = getattr(ctx.records(), "list_sites", None)
    known = {s.id: s for s in (registered() if registered else [])}
    rows = []
    for site_id in sorted(set(known) | {a.site_id for a in assets}):
        site = known.get(site_id)
        site_lines = [ln.id for ln in lines if ln.site_id == site_id]
        rows.append({"site": site_id, "name": site.name if site else site_id,
                     "timezone": site.timezone if site else "UTC", "lines": site_lines,
                     "assets": sum(1 for a in assets if a.site_id == site_id)})
    shown = ", ".join(f"{r['site']} ({r['name']}, {r['assets']} assets)" for r in rows)
    return {"summary": f"{len(rows)} site(s)" + (f": {shown}" if rows else ": the registry is empty"),
            "count": len(rows), "sites": rows, "sources": ["records:sites"]}


TOOLS = [find_assets, get_asset, list_sites]
