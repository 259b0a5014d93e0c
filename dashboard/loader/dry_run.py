"""``tsur check``: everything a load would say about an export — format, columns matched, rows that would load or be
rejected and why, contradictions, a preview of the first mapped rows — without writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from dashboard.loader.export import Preparer, open_export, validation_context
from dashboard.loader.ingest import LoadSummary
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import CONTRACT_FIELDS
from dashboard.region import Region

PREVIEW_COLUMNS = ("external_id", "source", "created_at", "first_response_at", "status", "sector", "oktmo")


@dataclass
class DryRun:
    summary: LoadSummary  # rows read, rejected with every reason, notes; nothing new, updated or unchanged yet
    matched: dict[str, str]  # contract field → the export's column
    preview: pd.DataFrame  # the first rows as they would be stored

    @property
    def would_load(self) -> int:
        return self.summary.rows_total - self.summary.rejected

    def as_dict(self) -> dict:
        counts = self.summary.as_dict()
        for stored in ("load_id", "new", "updated", "unchanged", "seconds"):
            counts.pop(stored)
        return {
            **counts,
            "would_load": self.would_load,
            "columns": self.matched,
            "preview": self.preview.astype(str).to_dict("records"),
        }


def check_file(
    path: Path,
    fmt: str = "auto",
    mapping_path: Path | None = None,
    *,
    region: Region,
    now: datetime | None = None,
    preview: int = 5,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> DryRun:
    """Read and validate the whole export as ``load_file`` would, writing nothing. Raises LoadError when it would."""
    export = open_export(Path(path), fmt, mapping_path, region, limits)
    preparer = Preparer(
        export.fmt, export.mapping, validation_context(export.region, export.mapping, now, export.dates, limits)
    )
    summary = LoadSummary(file=export.label, format=export.fmt)
    shown = pd.DataFrame()
    for chunk in export.chunks():
        checked = preparer(chunk)
        summary.count(checked)
        if len(shown) < preview and len(checked.good):
            shown = pd.concat([shown, checked.good[list(PREVIEW_COLUMNS)]]).head(preview)
    if len(shown):
        shown = shown.assign(municipality=shown["oktmo"].map(export.region.matcher().name))
    matched = {name: column for name in CONTRACT_FIELDS if (column := export.mapping.column_of(name, export.columns))}
    return DryRun(summary, matched, shown.reset_index(drop=True))
