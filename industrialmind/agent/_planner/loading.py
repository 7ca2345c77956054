"""Where the planner's asset registry comes from: an explicit list, the bound tools' own context (the registry the
tools resolve against), the records store, or else the demo plant."""

from __future__ import annotations

from typing import Any, Callable


def load_registry(assets: Any, lines: Any, tools: list[Any], settings: Callable[[], Any]) -> tuple[list[Any], list[Any]]:
    """Assets and lines to link against; settings is called only when the records store must be opened."""
    if assets is not None:
        return list(assets), list(lines or [])
    for tool in tools:  # the tools' own context: the same registry the tools resolve against
        ctx = (getattr(tool, "metadata", None) or {}).get("context")
        if ctx is not None and hasattr(ctx, "assets"):
            try:
                return list(ctx.assets()), list(ctx.lines()) if hasattr(ctx, "lines") else []
            except Exception:  # noqa: BLE001 - fall through to the records store
                break
    try:
        from industrialmind.stores.records import open_records

        store = open_records(settings().resolved.records)
        try:
            found = list(store.list_assets())
            lister = getattr(store, "list_lines", None)
            found_lines = list(lister()) if lister else []
        finally:
            getattr(store, "close", lambda: None)()
        if found:
            return found, found_lines or _demo_lines(found)
    except Exception:  # noqa: BLE001 - no records store yet: the demo plant
        pass
    from industrialmind.plant.demo import demo_plant

    plant = demo_plant()
    return list(plant.assets), list(plant.lines)


def _demo_lines(assets: list[Any]) -> list[Any]:
    from industrialmind.plant.demo import demo_plant

    plant = demo_plant()
    ids = {a.id for a in assets}
    return list(plant.lines) if any(a.id in ids for a in plant.assets) else []
