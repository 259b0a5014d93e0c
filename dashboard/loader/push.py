"""Messages pushed by an integration (``POST /api/v1/messages``): the body read as a batch and loaded as a file would
be — the same field synonyms, validation, upsert on (source, external_id) and rollups — each row held to the
channels its account may write. What is HTTP about it (sign-in, rate, size) is the web layer's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Engine, select

from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import LoadSummary, load_records
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import Mapping
from dashboard.loader.readers import BLANK, Unreadable, json_items
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
    """The items of a JSON array (or an object with a ``messages`` list) or of JSON Lines — each line in its place
    (``BLANK`` for an empty one, ``Unreadable`` for one that is no JSON: refused alone). More than ``most`` items:
    refused whole (413), found before they are all read."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PushRefused(f"тело запроса должно быть в UTF-8: {exc}") from exc
    if kind in JSON_TYPES:
        items = _json_array(text, most)
    elif kind in JSONL_TYPES:
        lines = text.split("\n")  # not splitlines(): U+2028, U+0085 … may stand inside a JSON string
        if sum(1 for line in lines if line.strip()) > most:
            raise PushRefused(f"в одном запросе не больше {most} сообщений", status=413)
        items = [_line(line.rstrip("\r")) if line.strip() else BLANK for line in lines]
        while items and items[-1] is BLANK:
            items.pop()
    else:
        raise PushRefused("Content-Type: application/json (массив) или application/x-ndjson (JSON Lines)", status=415)
    if not any(item is not BLANK for item in items):
        raise PushRefused("в запросе нет ни одного сообщения")
    return items


WRAPPED = re.compile(r'\{\s*"(?:messages|items|data|requests|results)"\s*:\s*(?=\[)')


def _json_array(text: str, most: int) -> list:
    """A JSON array — bare, or the list of an object whose first key names it (``{"messages": [...]}``) — read
    item by item: refused at item ``most`` + 1, not after a million empty objects are built. Another object is read
    whole (its size is held by the byte limit)."""
    try:
        at = _skip(text, 0)
        wrapped = WRAPPED.match(text, at)
        if text[at : at + 1] == "[" or wrapped:
            items, at = _array(text, wrapped.end() if wrapped else at, most)
            if wrapped:
                at = _skip(text, at)
                if text[at : at + 1] != "}":
                    raise ValueError("после списка сообщений ожидается «}»")
                at += 1
            if text[_skip(text, at) :]:
                raise ValueError(f"лишнее после JSON на позиции {at}")
            return items
        found = json_items(json.loads(text))
        if len(found) > most:
            raise PushRefused(f"в одном запросе не больше {most} сообщений, получено {len(found)}", status=413)
        return found
    except PushRefused:
        raise
    except (ValueError, LoadError, RecursionError) as exc:
        reason = "слишком глубокая вложенность" if isinstance(exc, RecursionError) else exc
        raise PushRefused(f"тело запроса не является JSON-массивом сообщений: {reason}") from exc


def _array(text: str, at: int, most: int) -> tuple[list, int]:
    """The array starting at ``text[at]`` (a «[»), and where it ends."""
    decoder = json.JSONDecoder()
    items: list = []
    at = _skip(text, at + 1)
    if text[at : at + 1] == "]":
        return items, at + 1
    while True:
        item, at = decoder.raw_decode(text, at)
        items.append(item)
        if len(items) > most:
            raise PushRefused(f"в одном запросе не больше {most} сообщений", status=413)
        at = _skip(text, at)
        if text[at : at + 1] == "]":
            return items, at + 1
        if text[at : at + 1] != ",":
            raise ValueError(f"ожидается «,» или «]» на позиции {at}")
        at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _line(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError as exc:
        return Unreadable(line.strip(), f"неверный JSON: {exc}")
    except RecursionError:
        return Unreadable(line.strip()[:200], "неверный JSON: слишком глубокая вложенность")


def contract_records(items: list) -> list:
    """Each record as its contract fields alone (``Mapping.of_record``): what other keys it holds is never read, and
    a batch of records with thousands of other keys costs no table as wide."""
    reader = Mapping()
    return [reader.of_record(item) if isinstance(item, dict) else item for item in items]


def push(
    items: list,
    engine: Engine,
    *,
    account: str,
    sources: tuple[str, ...],
    region: Region,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> PushResult:
    """Load a pushed batch; the run is recorded as ``api:<account>``; a row of a channel outside ``sources`` (a
    feed's) is refused alone, a row naming none is of the feed's channel when it has one. Raises PushRefused
    (nothing written) when the batch cannot be read as messages, LoadError when the store fails."""
    try:
        summary = load_records(
            contract_records(items), engine, label=f"api:{account}", region=region, limits=limits, sources=sources
        )
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
