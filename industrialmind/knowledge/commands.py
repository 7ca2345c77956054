"""CLI: `industrialmind docs add|search`, `graph related|failure-modes|query`, `knowledge build`, `import fmea`.

Heavy libraries (chromadb, ladybug, onnxruntime) are imported inside the command functions only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

docs_app = typer.Typer(help="Documents: add manuals, procedures and reports; search them with citations.",
                       no_args_is_help=True)
graph_app = typer.Typer(help="The plant knowledge graph: process-flow neighbours, failure modes, read-only Cypher.",
                        no_args_is_help=True)
knowledge_app = typer.Typer(help="Build the knowledge layer (graph + document index).", no_args_is_help=True)

JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _progress_callback(bar: Any) -> Any:
    tasks: dict[str, Any] = {}

    def update(what: str, done: int, total: int) -> None:
        stage = what.split(":")[0]
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return update


@docs_app.command("add")
def docs_add(paths: list[Path] = typer.Argument(..., help="Files or folders (Markdown, text, PDF)."),
             json_out: bool = JSON_OPT) -> None:
    """Index documents: chunk along headings, embed, store in Chroma, link to the assets they mention."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.knowledge.index import add_documents

    with progress() as bar:
        report = add_documents(settings(), paths, progress=_progress_callback(bar))
    if json_out:
        emit_json(report)
        return
    from rich.table import Table

    table = Table("file", "doc id", "type", "chunks", "assets", "status", title="Documents")
    for f in report["files"]:
        table.add_row(Path(f["path"]).name, f["doc_id"], f["doc_type"], str(f["chunks"]),
                      ", ".join(f["assets"][:6]) + (" ..." if len(f["assets"]) > 6 else ""), f["status"])
    console().print(table)
    console().print(f"{report['added']} added, {report['replaced']} replaced, {report['unchanged']} unchanged; "
                    f"{report['chunks']} chunks written")


@docs_app.command("search")
def docs_search(query: str = typer.Argument(..., help="A question or keywords."),
                asset: str | None = typer.Option(None, "--asset", help="Only passages about this asset id."),
                k: int = typer.Option(5, "-k", "--top", min=1, help="How many passages."),
                json_out: bool = JSON_OPT) -> None:
    """Search the documents and FMEA rows (hybrid BM25 + vectors + graph); every passage has a citation."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.knowledge.retrieval import search_documents

    passages = search_documents(settings(), query, asset_id=asset, k=k)
    if json_out:
        emit_json({"query": query, "asset_id": asset, "passages": [p.model_dump() for p in passages]})
        return
    out = console()
    if not passages:
        out.print("No passages: run `industrialmind knowledge build` or `industrialmind docs add PATH` first.")
    for n, p in enumerate(passages, start=1):
        out.print(f"[bold]{n}. {p.citation}[/]  score {p.score:.4f} via {'+'.join(p.via)}", highlight=False)
        body = p.text.split("\n", 1)[-1].strip()
        out.print(body[:600] + (" ..." if len(body) > 600 else ""), highlight=False, markup=False)
        out.print()


@graph_app.command("related")
def graph_related(asset: str = typer.Argument(..., help="Asset id, e.g. V-101."),
                  direction: str = typer.Option("downstream", "--direction", "-d",
                                                help="upstream, downstream or both."),
                  depth: int = typer.Option(2, "--depth", "-n", help="Flow steps to follow (1 to 6)."),
                  json_out: bool = JSON_OPT) -> None:
    """Assets upstream or downstream of an asset along the process flow (FEEDS), with hop counts."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.knowledge.retrieval import related_assets

    rows = related_assets(settings(), asset, direction=direction, depth=depth)  # type: ignore[arg-type]
    if json_out:
        emit_json({"asset_id": asset, "direction": direction, "depth": depth, "assets": rows})
        return
    from rich.table import Table

    table = Table("asset", "name", "type", "line", "hops", "direction", title=f"{direction} of {asset}")
    for r in rows:
        table.add_row(r["asset_id"], r["name"], r["type"], r["line_id"] or "", str(r["hops"]), r["direction"])
    console().print(table)


@graph_app.command("failure-modes")
def graph_failure_modes(target: str = typer.Argument(..., help="An asset id (P-101) or an asset type (pump type "
                                                       "'centrifugal_pump', 'haul_truck')."),
                        symptom: str | None = typer.Option(None, "--symptom", help="Only modes with this symptom."),
                        json_out: bool = JSON_OPT) -> None:
    """Failure modes of an asset (through its type) or of an asset type, with symptoms, sensors and actions."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.errors import NotFoundError
    from industrialmind.knowledge.retrieval import failure_modes

    cfg = settings()
    try:
        rows = failure_modes(cfg, asset_id=target, symptom=symptom)
        kind = "asset_id"
    except NotFoundError as asset_error:
        try:
            rows = failure_modes(cfg, asset_type=target, symptom=symptom)
            kind = "asset_type"
        except NotFoundError as type_error:
            raise NotFoundError(f"{target!r} is neither an asset nor an asset type ({asset_error}; "
                                f"{type_error})") from None
    if json_out:
        emit_json({kind: target, "symptom": symptom, "failure_modes": rows})
        return
    out = console()
    if not rows:
        out.print(f"No failure modes for {target!r}" + (f" with symptom {symptom!r}" if symptom else ""))
    for r in rows:
        sensors = r.get("asset_sensors") or r.get("revealing_sensors") or []
        risk = f", RPN {r['rpn']}" if r.get("rpn") else ""
        out.print(f"[bold]{r['id']}[/]  {r.get('name') or ''} ({r.get('component') or 'instrument'}{risk})",
                  highlight=False)
        for label, value in (("mechanism", r.get("mechanism")), ("symptoms", "; ".join(r.get("symptoms") or [])),
                             ("sensors", ", ".join(sensors)), ("action", r.get("recommended_action"))):
            if value:
                out.print(f"  {label}: {value}", highlight=False, markup=False)
        out.print()


@graph_app.command("query")
def graph_query(cypher: str = typer.Argument(..., help="One read-only Cypher query (MATCH ... RETURN ...)."),
                limit: int = typer.Option(50, "--limit", min=1, help="Row limit."),
                timeout: float = typer.Option(5.0, "--timeout", help="Seconds before the query is stopped."),
                json_out: bool = JSON_OPT) -> None:
    """Run a read-only Cypher query; anything that writes is refused."""
    from industrialmind.console import console, emit_json, settings
    from industrialmind.stores.graph import open_settings_graph

    if not timeout > 0:
        from industrialmind.errors import InvalidInputError

        raise InvalidInputError(f"--timeout {timeout:g} is not a duration: give the seconds, more than 0 (e.g. 5)")
    graph = open_settings_graph(settings())
    try:
        rows = graph.read_only(cypher, limit=limit, timeout_s=timeout)
    finally:
        graph.close()
    if json_out:
        emit_json({"rows": rows})
        return
    from rich.table import Table

    columns = list(rows[0]) if rows else []
    table = Table(*columns, title=f"{len(rows)} row(s)")
    for r in rows:
        table.add_row(*[str(r[c]) for c in columns])
    console().print(table)


@knowledge_app.command("build")
def knowledge_build(no_docs: bool = typer.Option(False, "--no-docs", help="Skip indexing the demo documents."),
                    json_out: bool = JSON_OPT) -> None:
    """Build the graph from the demo plant and the asset registry, and index failure modes and the demo documents."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.knowledge.build import build_knowledge

    with progress() as bar:
        report = build_knowledge(settings(), progress=_progress_callback(bar), docs=not no_docs)
    if json_out:
        emit_json(report)
        return
    g = report["graph"]
    d = report["documents"]
    console().print(f"graph: {g['assets']} assets, {g['flows']} flows, {g['failure_modes']} failure modes, "
                    f"{g['documents']} documents ({g['nodes']} nodes, {g['relationships']} relationships)\n"
                    f"documents: {d['added']} added, {d['replaced']} replaced, {d['unchanged']} unchanged; "
                    f"{report['passages']} passages indexed")


def import_fmea_cmd(file: Path = typer.Argument(..., help="FMEA CSV (subsystem, component, failure mode, effect, "
                                                "cause, S/O/D, RPN, recommended action)."),
                    asset_type: str | None = typer.Option(None, "--asset-type",
                                                             help="Equipment type the FMEA is about "
                                                                  "(default: haul_truck)."),
                    json_out: bool = JSON_OPT) -> None:
    """Import an FMEA: failure modes into the graph and the records store, each row indexed as a citable passage."""
    from industrialmind.console import console, emit_json, progress, settings
    from industrialmind.knowledge.build import import_fmea

    with progress() as bar:
        report = import_fmea(settings(), file, asset_type=asset_type, progress=_progress_callback(bar))
    if json_out:
        emit_json(report)
        return
    console().print(f"{report['failure_modes']} failure modes from {file.name} (ids {report['id_prefix']}:r<row>); "
                    f"{report['passages_indexed']} passages indexed")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the docs, graph and knowledge groups and `import fmea`."""
    app.add_typer(docs_app, name="docs")
    app.add_typer(graph_app, name="graph")
    app.add_typer(knowledge_app, name="knowledge")
    import_app.command("fmea")(import_fmea_cmd)
