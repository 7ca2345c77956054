"""What an import did: counts per kind of record, the rows it skipped (row number and reason), the site it filled."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

# progress(task, done, total): called as work advances; task names a step ("work orders", "sensor points").
ProgressFn = Callable[[str, int, int], None]


class SkippedRow(BaseModel):
    """One input row that was not imported: its 1-based row number (the header is row 1), the file and why."""

    row: int
    reason: str
    file: str = ""


class ImportReport(BaseModel):
    """The summary of one import run; re-running an import gives the same report and duplicates nothing."""

    source: str  # 'assetopsbench', 'skab', 'csv'
    site_id: str
    counts: dict[str, int] = Field(default_factory=dict)  # kind -> how many were imported (sites, assets, ...)
    skipped: list[SkippedRow] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # decisions worth telling the user (time zone taken, ...)
    assets: list[str] = Field(default_factory=list)  # ids of the assets created or updated

    def add(self, kind: str, n: int) -> None:
        """Add n to the count of one kind."""
        self.counts[kind] = self.counts.get(kind, 0) + int(n)

    def skip(self, row: int, reason: str, file: str = "") -> None:
        """Record one skipped row."""
        self.skipped.append(SkippedRow(row=row, reason=reason, file=file))


def no_progress(task: str, done: int, total: int) -> None:
    """The default progress callback: does nothing."""
