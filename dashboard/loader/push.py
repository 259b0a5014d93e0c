"""Messages pushed by an integration (``POST /api/v1/messages``): the body read as a batch, the channels its account
may write checked, then loaded as a file would be — the same mapping synonyms, validation, upsert on
(source, external_id) and rollups. What is HTTP about it (sign-in, rate, size) is the web layer's."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from dashboard.catalog import resolve_source, source_name
from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import LoadSummary, load_records
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import Mapping
from dashboard.loader.readers import Unreadable, json_items
from dashboard.region import Region
from dashboard.store.schema import rejected_rows

JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


class PushRefused(ValueError):
    """A batch refused whole before anything is written; ``status`` is the HTTP answer (400, 403, 413, 415)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PushResult:
    summary: LoadSummary
    rejected: list[dict]  # each refused item: its number in the batch (from 1), the rule's code, the reason

    def as_dict(self) -> dict:
        counts = self.summary.as_dict()
        counts.pop("file")
        counts.pop("format")
        return {**counts, "rejected_rows": self.rejected}


def read_batch(body: bytes, content_type: str, most: int) -> list:
    """The items of a JSON array (or an object with a ``messages`` list) or of JSON Lines; a line that is no JSON
    stays in its place as ``Unreadable`` and is refused alone. More than ``most`` items: refused whole (413)."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PushRefused(f"тело запроса должно быть в UTF-8: {exc}") from exc
    if kind in JSON_TYPES:
        try:
            items = json_items(json.loads(text))
        except (ValueError, LoadError) as exc:
            raise PushRefused(f"тело запроса не является JSON-массивом сообщений: {exc}") from exc
    elif kind in JSONL_TYPES:
        items = [_line(line) for line in text.splitlines() if line.strip()]
    else:
        raise PushRefused("Content-Type: application/json (массив) или application/x-ndjson (JSON Lines)", status=415)
    if not items:
        raise PushRefused("в запросе нет ни одного сообщения")
    if len(items) > most:
        raise PushRefused(f"в одном запросе не больше {most} сообщений, получено {len(items)}", status=413)
    return items


def _line(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError as exc:
        return Unreadable(line.strip(), f"неверный JSON: {exc}")


def channel_mapping(items: Iterable[object], allowed: tuple[str, ...]) -> Mapping:
    """The mapping a feed's batch is read with: its one channel where an item names none; 403 if an item names a
    channel the account may not write (``allowed`` empty: any)."""
    records = [item for item in items if isinstance(item, dict)]
    columns = list(dict.fromkeys(key for item in records for key in item))
    column = Mapping().column_of("source", columns)
    if allowed and column is not None:
        named = {str(item.get(column) or "").strip() for item in records} - {""}
        foreign = sorted({resolve_source(value) or value for value in named} - set(allowed))
        if foreign:
            names = ", ".join(f"{source_name(code)} ({code})" for code in foreign)
            raise PushRefused(f"этот канал не может писать сообщения источника: {names}", status=403)
    return Mapping(defaults={"source": allowed[0]}) if len(allowed) == 1 else Mapping()


def push(
    items: list,
    engine: Engine,
    *,
    account: str,
    sources: tuple[str, ...],
    region: Region,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> PushResult:
    """Load a pushed batch; the run is recorded as ``api:<account>``. Raises PushRefused (nothing written) when the
    batch cannot be read as messages, LoadError when the store fails."""
    mapping = channel_mapping(items, sources)
    try:
        summary = load_records(items, engine, label=f"api:{account}", region=region, mapping=mapping, limits=limits)
    except LoadError as exc:
        if exc.__cause__ is not None:  # the store failed: not the batch's fault
            raise
        raise PushRefused(str(exc)) from exc
    return PushResult(summary, refused_items(engine, summary.load_id))


def refused_items(engine: Engine, load_id: int) -> list[dict]:
    """The rows a run refused, as recorded with it."""
    r = rejected_rows.c
    query = select(r.row_number, r.reason_code, r.reason).where(r.load_id == load_id).order_by(r.row_number)
    with engine.connect() as conn:
        return [{"item": row, "code": code, "reason": reason} for row, code, reason in conn.execute(query)]
