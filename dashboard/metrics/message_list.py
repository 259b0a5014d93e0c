"""Pages of single messages for the API: newest first, keyset pagination, texts masked (topics and agencies too).

A cursor is the (created_at, id) of the last message of the previous page, so a page costs the same at any depth
and a load between two requests neither repeats nor skips messages. Coordinates are not given out (a point
pins a citizen's address); the municipality is.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, tuple_

from dashboard.catalog import STATUSES
from dashboard.filters import FilterError, Filters
from dashboard.masking import mask
from dashboard.metrics.queries import _where
from dashboard.runtime import deadline
from dashboard.store.schema import messages

FIELDS = (
    "id",
    "source",
    "external_id",
    "created_at",
    "day",
    "status",
    "sector",
    "topic",
    "oktmo",
    "agency",
    "first_response_at",
    "resolved_at",
    "response_hours",
    "sla_hours",
    "answered_in_sla",
    "text",
)


@dataclass(frozen=True)
class MessagePage:
    items: list[dict]
    next_cursor: str | None


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC times, PostgreSQL aware ones: the same aware UTC time from both."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def encode_cursor(created_at: datetime, message_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_utc(created_at).isoformat()}|{message_id}".encode()).decode().rstrip("=")


MAX_ID = 2**31 - 1  # messages.id is an INTEGER: a larger id is no message's (PostgreSQL would refuse to compare it)


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (created_at, id) a cursor holds; FilterError for anything ``encode_cursor`` cannot have written."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, message_id = raw.rsplit("|", 1)
        found = _utc(datetime.fromisoformat(stamp)), int(message_id)  # a time zone can push year 1 out of range
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise FilterError("cursor не распознан: возьмите next_cursor из предыдущего ответа") from exc
    if not 0 < found[1] <= MAX_ID:
        raise FilterError("cursor не распознан: возьмите next_cursor из предыдущего ответа")
    return found


def page(
    engine: Engine,
    filters: Filters,
    statuses: tuple[str, ...] = (),
    limit: int = 100,
    cursor: str | None = None,
    texts: bool = True,
) -> MessagePage:
    """One page of the filter's messages; ``texts=False`` leaves every text out (null)."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise FilterError(f"неизвестный статус: {', '.join(unknown)}; допустимы: {', '.join(STATUSES)}")
    m = messages.c
    query = select(*(m[name] for name in FIELDS)).where(_where(messages, filters))
    if statuses:
        query = query.where(m.status.in_(statuses))
    if cursor:
        query = query.where(tuple_(m.created_at, m.id) < tuple_(*decode_cursor(cursor)))
    query = query.order_by(m.created_at.desc(), m.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    items = []
    for row in rows[:limit]:
        deadline.check()  # masking a page of long texts is the request's Python work: within its budget
        items.append(_item(row, texts))
    last = rows[limit - 1] if len(rows) > limit else None
    return MessagePage(items, encode_cursor(last.created_at, last.id) if last is not None else None)


def _item(row, texts: bool) -> dict:
    item = dict(zip(FIELDS, row, strict=True))
    for name in ("created_at", "first_response_at", "resolved_at"):
        item[name] = _utc(item[name]).isoformat() if item[name] is not None else None
    item["day"] = item["day"].isoformat()
    item["text"] = mask(item["text"]) if texts else None
    for name in ("topic", "agency"):  # free text too: a topic or an agency (a sole trader) may name a person
        item[name] = mask(item[name]) if item[name] is not None else None
    return item
