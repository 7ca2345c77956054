"""Starter prompts for the web chat, built from the loaded plant's registry so they work on any plant."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from industrialmind.config import Settings

FALLBACK = [("What can you do?", "What can you do?")]


def starter_prompts(settings: Settings) -> list[tuple[str, str]]:
    """(label, message) pairs: a line health check, a plot, a manual question and an action, on real asset ids."""
    from industrialmind.stores.records import open_records

    try:
        records = open_records(settings.resolved.records)
    except Exception:  # noqa: BLE001 - an empty or unreachable registry still gets a working start screen
        return FALLBACK
    try:
        assets = records.list_assets()
        lines = records.list_lines()
    except Exception:  # noqa: BLE001
        return FALLBACK
    finally:
        records.close()
    if not assets:
        return FALLBACK
    # the most critical rotating asset with a vibration sensor makes the richest plot
    def rank(a) -> tuple:
        crit = {"A": 0, "high": 0, "B": 1, "medium": 1}.get(str(a.criticality), 2)
        return (not any(s.quantity == "vibration" for s in a.sensors), "pump" not in a.type, crit, a.id)

    star = min(assets, key=rank)
    sensor = next((s for s in star.sensors if s.quantity == "vibration"), star.sensors[0] if star.sensors else None)
    out: list[tuple[str, str]] = []
    line = next((ln for ln in lines if ln.id == star.line_id), lines[0] if lines else None)
    if line is not None:
        out.append((f"Anything abnormal on {line.name}?", f"Is anything abnormal on {line.id}?"))
    if sensor is not None:
        out.append((f"Plot {star.id} {sensor.name.lower()}",
                    f"Plot {star.id} {sensor.name.lower()} over the last 24 hours"))
    out.append((f"{star.id} latest readings", f"What are the latest readings of {star.id}?"))
    out.append((f"What does the manual say about {star.id}?",
                f"What does the manual say about bearing failure on {star.id}?"))
    out.append((f"Open a work order for {star.id}",
                f"Create a work order to inspect the bearing on {star.id}, high priority"))
    return out[:5]
