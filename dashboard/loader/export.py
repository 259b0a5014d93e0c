"""An export opened for reading — its format, mapping checked against its headers, its first chunk — and the
validation of its chunks: what a load and a dry run (``tsur check``) share, so they cannot say different things."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dashboard.catalog import resolve_source, resolve_status
from dashboard.loader.dates import DateRules
from dashboard.loader.errors import LoadError
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import DATE_FIELDS, REQUIRED_ANY, Mapping
from dashboard.loader.readers import (
    ROW,
    RawChunk,
    detect_format,
    open311_defaults,
    prepare_open311,
    read_chunks,
    records_chunks,
)
from dashboard.loader.validate import Checked, Context, check
from dashboard.region import Region
from geo.locate import locator_for


@dataclass
class OpenedExport:
    label: str  # the file's path, or what a batch of records is called (``api:<account>``, ``open311:<url>``)
    fmt: str
    mapping: Mapping  # what the load applies (Open311's own names under the analyst's)
    region: Region
    columns: list[str]  # the file's headers
    dates: DateRules  # each date field's order, decided from the whole file
    first: RawChunk
    rest: Iterator[RawChunk]

    def chunks(self) -> Iterator[RawChunk]:
        yield self.first
        yield from self.rest


def open_export(
    path: Path, fmt: str, mapping_path: Path | None, region: Region, limits: LoadLimits = DEFAULT_LIMITS
) -> OpenedExport:
    """The export opened and its mapping checked against its headers and the known codes, before a row is read.
    Raises LoadError when the file cannot be read at all or the mapping does not fit it."""
    if not path.exists():
        raise LoadError(f"файл не найден: {path}")
    if path.stat().st_size == 0:
        raise LoadError(f"файл пуст: {path}")
    fmt = detect_format(path) if fmt == "auto" else fmt
    stated = Mapping.load(mapping_path)  # what the analyst wrote, checked against the file below
    return _opened(str(path), fmt, stated, region, lambda: read_chunks(path, fmt, limits.batch_size))


def open_records(
    items: list, label: str, fmt: str, stated: Mapping, region: Region, limits: LoadLimits = DEFAULT_LIMITS
) -> OpenedExport:
    """Records already read (a pushed batch, an Open311 answer) opened as an export of format ``json`` or
    ``open311``: the same mapping checks, date survey and row numbers (the item's place in ``items``, from 1)."""
    if not items:
        raise LoadError("нет ни одного сообщения")
    return _opened(label, fmt, stated, region, lambda: records_chunks(items, limits.batch_size), every_column=False)


def _opened(
    label: str,
    fmt: str,
    stated: Mapping,
    region: Region,
    read: Callable[[], Iterator[RawChunk]],
    every_column: bool = True,
) -> OpenedExport:
    """``every_column``: a column the mapping names must be in the export — not so for records (JSON leaves out
    empty fields: one window of an Open311 server may hold no request with an address)."""
    mapping = stated.merged(open311_defaults()) if fmt == "open311" else stated
    chunks = read()
    first = next(chunks, None)
    if first is None:
        raise LoadError(f"в файле нет строк с данными: {label}")
    second = next(chunks, None)
    dates = DateRules(mapping.dayfirst, dict(mapping.formats))
    # the survey re-reads a file of several chunks (~10 % of a load, 2.1 of 20.8 s for 200 000 rows) unless nothing
    # is left to learn: a file with one header and a mapping that states every date field's order
    told = mapping.dayfirst is not None or set(DATE_FIELDS) <= set(mapping.formats)
    whole = [first] if second is None or (told and fmt in ("csv", "xlsx")) else read()
    columns = _survey(whole, fmt, mapping, dates)
    if len(first.frame):  # a file of only a header: the mapping has nothing to read (answered below)
        stated.check(columns, resolvers(region), every_column)
    if len(first.frame) and not set(REQUIRED_ANY) <= set(mapping.recognised(columns)):
        raise LoadError(
            "не найдены обязательные столбцы (external_id, created_at). "
            f"В файле: {', '.join(columns[:12])}. Укажите файл сопоставления --mapping."
        )
    dates.settle()
    rest = chunks if second is None else itertools.chain([second], chunks)
    return OpenedExport(label, fmt, mapping, region, columns, dates, first, rest)


def _survey(chunks: Iterable[RawChunk], fmt: str, mapping: Mapping, dates: DateRules) -> list[str]:
    """Every header of the export (JSON records need not share their keys), each date field's values noted by
    ``dates`` — over the whole file, so no chunk decides alone (a file sorted by date whose first chunk holds only
    days 1–12 would be refused, or read the wrong way)."""
    columns: dict[str, None] = {}
    for chunk in chunks:
        frame = prepare_open311(chunk.frame.copy()) if fmt == "open311" else chunk.frame
        columns.update(dict.fromkeys(c for c in frame.columns if c != ROW))
        dates.survey({name: mapping.values_of(name, frame) for name in DATE_FIELDS})
    return list(columns)


def resolvers(region: Region) -> dict[str, Callable[[str], str | None]]:
    """A contract field's value → its code (None when unknown), for the fields a mapping may translate."""
    return {
        "source": resolve_source,
        "status": resolve_status,
        "sector": region.catalog.sectors.resolve,
        "municipality": region.matcher().resolve,
    }


def validation_context(
    region: Region,
    mapping: Mapping,
    now: datetime | None,
    dates: DateRules | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
    sources: tuple[str, ...] = (),
) -> Context:
    """What validating a load's rows needs: the region's places and clock, the catalogues, the date rules (a
    survey's, or ones that decide on the first values that tell)."""
    return Context(
        matcher=region.matcher(),
        locator=locator_for(region.boundaries_path),
        sectors=region.catalog.sectors,
        sla=region.catalog.sla,
        timezone=region.timezone,
        now=now or datetime.now(UTC),
        dates=dates or DateRules(mapping.dayfirst, dict(mapping.formats)),
        max_text_chars=limits.max_text_chars,
        sources=sources,
    )


@dataclass
class Preparer:
    """Maps and validates chunks of one export: good rows typed, every other row with its reasons."""

    fmt: str
    mapping: Mapping
    context: Context

    def __call__(self, chunk: RawChunk) -> Checked:
        raw = chunk.frame
        rejected_parts = []
        if chunk.broken:
            rejected_parts.append(
                pd.DataFrame(
                    [
                        {"row": r, "reason_code": "bad_row", "reason": f"строка не разобрана: {d}", "raw": txt}
                        for r, txt, d in chunk.broken
                    ]
                )
            )
        good, truncated, notes = pd.DataFrame(), 0, {}
        if len(raw):
            if self.fmt == "open311":
                raw = prepare_open311(raw)
            mapped = self.mapping.apply(raw.drop(columns=[ROW]))
            checked = check(mapped, raw[ROW], raw, self.context)
            good, truncated, notes = checked.good, checked.truncated, checked.notes
            rejected_parts.append(checked.rejected)
        rejected = pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame()
        return Checked(good, rejected, truncated, notes)
