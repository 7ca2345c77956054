"""What every command shares: the settings read once per command, JSON output, Rich consoles and progress bars.

Command modules (`<room>/commands.py`) import these instead of the entry point, so nothing imports
`industrialmind.cli`.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from industrialmind.config import Settings


def settings() -> Settings:
    """Read the settings once per command (environment IM_*) and apply IM_LOG_LEVEL."""
    from industrialmind.config import get_settings

    current = get_settings()
    configure_logging(current.log_level)
    return current


def configure_logging(level: str) -> None:
    """Send the project's own loggers (industrialmind.*) to stderr at `level`; the handler is added once."""
    import logging

    logger = logging.getLogger("industrialmind")
    if not any(getattr(h, "_im_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler._im_handler = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


def emit_json(data: Any) -> None:
    """Print data as JSON with stable keys (datetimes as ISO 8601 UTC, +00:00), converted by the one `jsonable`."""
    from industrialmind.jsonable import jsonable

    sys.stdout.write(json.dumps(jsonable(data, zulu=False), indent=2, default=str, sort_keys=False) + "\n")


def console() -> Console:
    """A Rich console on stdout."""
    from rich.console import Console

    return Console()


def err_console() -> Console:
    """A Rich console on stderr (for progress and messages that must not pollute --json output)."""
    from rich.console import Console

    return Console(stderr=True)


def progress() -> Progress:
    """A Rich progress bar on stderr for long work."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console(), transient=False)
