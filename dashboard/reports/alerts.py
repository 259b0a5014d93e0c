"""Alerts: a new critical tension point is recorded once per point per day, a channel gone silent once per silence,
and both are pushed to a webhook.

``check`` runs after every load (and from ``tsur alerts check`` for a scheduler, and ``tsur watch`` every few
minutes): it computes tension for the last ``ALERT_PERIOD_DAYS`` days, records critical points not yet recorded
today (a unique key on day × sector × municipality makes that hold even with two loaders at once), records a channel
found silent (dashboard/metrics/freshness.py) once per silence — keyed by its last message before it, event
``source.silent`` — and delivers what is undelivered as a JSON POST. A failed delivery is retried by the next check,
up to ``MAX_ATTEMPTS``; an attempt is claimed in the database first, so two processes never send the same alert twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import requests
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.catalog import source_name
from dashboard.filters import Filters, today_in
from dashboard.frames import rows_frame
from dashboard.masking import mask_columns
from dashboard.metrics import freshness, tension
from dashboard.region import Region
from dashboard.settings import Settings
from dashboard.store.schema import alerts, source_alerts

log = logging.getLogger(__name__)
ALERT_PERIOD_DAYS = 7
MAX_ATTEMPTS = 5
RETRY_DAYS = 2  # undelivered alerts older than this are not sent any more (they would be stale)


@dataclass(frozen=True)
class AlertReport:
    critical: int  # critical points now
    recorded: int  # of them, new today
    sent: int
    failed: int
    errors: tuple[str, ...] = ()
    silent: int = 0  # channels silent now
    silent_recorded: int = 0  # of them, newly silent (alerted once)


def alert_filters(region: Region, now: datetime) -> Filters:
    today = today_in(region.timezone, now)
    return Filters(today - timedelta(days=ALERT_PERIOD_DAYS - 1), today)


def payload(row: pd.Series, reason: str, region: Region, filters: Filters, day: date, public_url: str | None) -> dict:
    body = {
        "event": "tension.critical",
        "region": region.id,
        "region_name": region.name_ru,
        "day": day.isoformat(),
        "period": {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat()},
        "sector": row["sector"],
        "sector_name": region.catalog.sectors.name_of(row["sector"]),
        "oktmo": row["oktmo"],
        "municipality": row["municipality"],
        "index": float(row["index"]),
        "level": row["level"],
        "reason": reason,
        "messages": int(row["observed"]),
        "expected": None if pd.isna(row["expected"]) else round(float(row["expected"]), 1),
        "change_pct": None if pd.isna(row["change_pct"]) else round(float(row["change_pct"]), 1),
        "overdue_share": None if pd.isna(row["overdue_share"]) else round(float(row["overdue_share"]), 4),
        "topic": row["topic"] if isinstance(row["topic"], str) else None,
    }
    if public_url:
        query = f"sector={row['sector']}&municipality={row['oktmo']}&from={body['period']['from']}"
        body["url"] = f"{public_url.rstrip('/')}/?{query}&to={body['period']['to']}"
    return body


def record(engine: Engine, region: Region, now: datetime, public_url: str | None = None) -> tuple[int, int]:
    """Store today's critical points not stored yet; returns (critical points, newly recorded)."""
    filters = alert_filters(region, now)
    result = tension.tension(engine, filters, now, region)
    critical = mask_columns(result.points[result.points["level"] == "critical"], "topic")  # the reason names it
    day = filters.date_to
    with engine.connect() as conn:
        rows = conn.execute(select(alerts.c.sector, alerts.c.oktmo).where(alerts.c.day == day))
        known = {(r.sector, r.oktmo) for r in rows}
    recorded = 0
    for (_, row), reason in zip(critical.iterrows(), tension.reasons(result, critical, region), strict=True):
        if (row["sector"], row["oktmo"]) in known:
            continue
        body = payload(row, reason, region, filters, day, public_url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(alerts).values(
                        day=day,
                        sector=row["sector"],
                        oktmo=row["oktmo"],
                        tension_index=float(row["index"]),
                        reason=reason,
                        payload=json.dumps(body, ensure_ascii=False),
                        created_at=now,
                        attempts=0,
                    )
                )
            recorded += 1
        except IntegrityError:  # another process recorded it a moment ago
            continue
    return len(critical), recorded


def record_silences(engine: Engine, region: Region, now: datetime, public_url: str | None = None) -> tuple[int, int]:
    """Store the channels silent now, each silence once; returns (silent channels, newly recorded)."""
    today = today_in(region.timezone, now)
    found = freshness.freshness(
        engine, Filters(today - timedelta(weeks=freshness.PROFILE_WEEKS + 1), today), now, region
    )
    silent = found.with_status("silent")
    recorded = 0
    for channel in silent:
        body = {
            "event": "source.silent",
            "region": region.id,
            "region_name": region.name_ru,
            "source": channel.source,
            "source_name": source_name(channel.source),
            "silent_since": channel.last_message_at.isoformat(),
            "silent_hours": round(channel.silent_hours or 0, 2),
            "expected_in_gap": channel.expected_in_gap,
            "usual_24h": channel.usual_24h,
        }
        if public_url:
            body["url"] = f"{public_url.rstrip('/')}/api/v1/sources"
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(source_alerts).values(
                        source=channel.source,
                        silent_since=channel.last_message_at,
                        payload=json.dumps(body, ensure_ascii=False),
                        created_at=now,
                        attempts=0,
                    )
                )
            recorded += 1
        except IntegrityError:  # this silence was recorded before (or by another process a moment ago)
            continue
    return len(silent), recorded


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(engine: Engine, settings: Settings, now: datetime) -> tuple[int, int, list[str]]:
    """POST every undelivered recent alert — tension points, then silent channels — to the webhook; returns
    (sent, failed, errors)."""
    url = settings.alert_webhook_url
    if not url:
        return 0, 0, []
    since = now - timedelta(days=RETRY_DAYS)
    sent, failed, errors = 0, 0, []
    for table, recent in ((alerts, alerts.c.day >= since.date()), (source_alerts, source_alerts.c.created_at >= since)):
        a = table.c
        with engine.connect() as conn:
            pending = conn.execute(
                select(a.id, a.attempts, a.payload)
                .where(a.sent_at.is_(None), a.attempts < MAX_ATTEMPTS, recent)
                .order_by(a.id)
            ).all()
        for alert_id, attempts, body in pending:
            with engine.begin() as conn:  # claim this attempt; another process that read the same row loses
                claimed = conn.execute(
                    update(table)
                    .where(a.id == alert_id, a.attempts == attempts, a.sent_at.is_(None))
                    .values(attempts=attempts + 1)
                ).rowcount
            if not claimed:
                continue
            data = body.encode()
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "tsur-dashboard"}
            if settings.alert_webhook_secret:
                headers["X-TSUR-Signature"] = signature(settings.alert_webhook_secret, data)
            try:
                response = requests.post(url, data=data, headers=headers, timeout=settings.alert_webhook_timeout)
                response.raise_for_status()
            except requests.RequestException as exc:
                failed += 1
                errors.append(f"{table.name} {alert_id}: {exc}")
                log.warning("%s %s not delivered: %s", table.name, alert_id, exc)
                with engine.begin() as conn:
                    conn.execute(update(table).where(a.id == alert_id).values(last_error=str(exc)[:500]))
                continue
            sent += 1
            with engine.begin() as conn:
                conn.execute(update(table).where(a.id == alert_id).values(sent_at=datetime.now(UTC), last_error=None))
    return sent, failed, errors


def check(engine: Engine, region: Region, settings: Settings, now: datetime | None = None) -> AlertReport:
    now = now or datetime.now(UTC)
    critical, recorded = record(engine, region, now, settings.public_url)
    silent, silent_recorded = record_silences(engine, region, now, settings.public_url)
    sent, failed, errors = deliver(engine, settings, now)
    return AlertReport(critical, recorded, sent, failed, tuple(errors), silent, silent_recorded)


def recent(engine: Engine, since: date, sectors: tuple[str, ...] = ()) -> pd.DataFrame:
    """Alerts recorded since a day, newest first (for the dashboard, the wall screen and the API)."""
    a = alerts.c
    query = select(a.day, a.sector, a.oktmo, a.tension_index, a.reason, a.created_at, a.sent_at).where(a.day >= since)
    if sectors:
        query = query.where(a.sector.in_(sectors))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(a.created_at.desc(), a.tension_index.desc())).all()
    return rows_frame(rows, columns=["day", "sector", "oktmo", "index", "reason", "created_at", "sent_at"])
