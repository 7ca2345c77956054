"""Importers for real plant data: AssetOpsBench (a building's chiller plant), SKAB (a pump testbed) and any CSV.

Each `import_*` function reads files where they are, maps them onto the domain model and writes the stores;
every one is idempotent. The names below load lazily so `industrialmind --help` imports no pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ImportReport", "SkippedRow", "import_assetopsbench", "import_csv", "import_skab", "parse_csv"]

_WHERE = {
    "ImportReport": "report", "SkippedRow": "report", "import_assetopsbench": "assetopsbench",
    "import_csv": "csv_import", "parse_csv": "csv_import", "import_skab": "skab",
}


def __getattr__(name: str) -> Any:
    """Import the named importer on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
