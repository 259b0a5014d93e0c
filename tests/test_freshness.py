"""Channel freshness: a channel that stops is late, then silent, judged against its own hours of the week; a channel
quiet at night as always stays ok; a young channel is not judged; the API and the page say the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard.filters import Filters
from dashboard.loader.ingest import load_frame
from dashboard.metrics import freshness as fresh
from dashboard.service import DashboardService

MOSCOW = ZoneInfo("Europe/Moscow")
STOP = datetime(2026, 11, 18, 10, 0, tzinfo=MOSCOW)  # phone's last message, a Wednesday morning


def records(source: str, times: list[datetime]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "external_id": [f"{source}-{i}" for i in range(len(times))],
            "source": source,
            "created_at": [t.isoformat() for t in times],
            "status": "new",
            "sector": "zhkh",
            "municipality": "Чебоксары",
        }
    )


def phone_times() -> list[datetime]:
    """Every 20 minutes from 08:00 to 20:00 local for 30 days, to STOP; nothing at night."""
    times = []
    day = (STOP - timedelta(days=30)).replace(hour=0, minute=0)
    while day <= STOP:
        times += [day.replace(hour=8) + timedelta(minutes=20 * k) for k in range(37)]
        day += timedelta(days=1)
    return [t for t in times if t <= STOP]


@pytest.fixture
def store(engine, region):
    at = STOP + timedelta(days=3)
    vk = [STOP - timedelta(days=30) + timedelta(hours=k) for k in range(30 * 24 + 60)]  # hourly, day and night
    email = [STOP - timedelta(days=3) + timedelta(hours=2 * k) for k in range(30)]  # young: 2.5 days of history
    frame = pd.concat([records("phone", phone_times()), records("vk", vk), records("email", email)], ignore_index=True)
    summary = load_frame(frame, engine, "channels", region, now=at)
    assert summary.rejected == 0
    return engine


def judged(store, region, now: datetime) -> dict[str, fresh.ChannelFreshness]:
    found = fresh.freshness(store, Filters(now.date() - timedelta(days=60), now.date()), now.astimezone(UTC), region)
    return {c.source: c for c in found.channels}


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (timedelta(minutes=30), "ok"),
        (timedelta(hours=1, minutes=10), "ok"),
        (timedelta(hours=1, minutes=50), "late"),
        (timedelta(hours=3), "silent"),
    ],
)
def test_a_channel_that_stops_is_late_then_silent(store, region, after, status):
    """Phone usually sends 3 an hour by day: 30 minutes of nothing is ordinary (1.5 expected), 70 minutes too (3.5:
    e^−3.5 = 3 %, which eight channels would reach by chance too often), 110 minutes is late (5.5: 0.4 %), 3 hours is
    silence (9 expected)."""
    phone = judged(store, region, STOP + after)["phone"]
    assert phone.status == status
    assert phone.expected_in_gap == pytest.approx(3 * after.total_seconds() / 3600, rel=0.05)


def test_a_channel_quiet_at_night_as_always_stays_ok(store, region):
    evening = STOP.replace(hour=20, minute=0) - timedelta(days=1)  # Tuesday 20:00 — phone's last of the day
    night = judged(store, region, STOP.replace(hour=7, minute=30))  # Wednesday 07:30, before its first
    # the day before STOP is in the store; judged at 07:30 its last message is 20:00 the evening before
    assert night["phone"].last_message_at == evening.astimezone(UTC)
    # the 20:00 hour's usual one (sent at 20:00 sharp) and nothing from 21:00 to 08:00
    assert night["phone"].expected_in_gap == pytest.approx(1, abs=0.05) and night["phone"].status == "ok"


def test_a_young_channel_is_not_judged(store, region):
    email = judged(store, region, STOP + timedelta(days=2))["email"]
    assert email.usual_24h is None and email.expected_in_gap is None and email.status == "ok"


def test_the_last_24_hours_against_the_usual(store, region):
    vk = judged(store, region, STOP + timedelta(hours=12))["vk"]
    assert vk.last_24h == 24 and vk.usual_24h == pytest.approx(24, abs=0.5) and vk.status == "ok"


def test_the_profile_is_the_rate_of_each_hour_of_the_week():
    start = datetime(2026, 11, 2, tzinfo=MOSCOW)  # a Monday
    hours = pd.Series([int((start + timedelta(days=7 * w, hours=9)).timestamp() // 3600) for w in range(2)])
    rates = fresh.rates_by_hour_of_week(hours, pd.Series([2, 2]), start, start + timedelta(weeks=2), MOSCOW)
    assert rates[9] == 2 and rates.sum() == 2  # Monday 09:00–10:00: two a week, every week
    assert fresh.expected(rates, start + timedelta(hours=9), start + timedelta(hours=9, minutes=15), MOSCOW) == 0.5
    assert np.isclose(fresh.expected(rates, start, start + timedelta(weeks=1), MOSCOW), 2)


def test_the_api_and_the_service_say_the_same(store, region):
    from app import create_app
    from dashboard.settings import Settings

    now = (STOP + timedelta(hours=3)).astimezone(UTC)
    service = DashboardService(store, region, clock=lambda: now)
    client = create_app(Settings(_env_file=None), service).server.test_client()
    answer = client.get("/api/v1/sources?lang=en").get_json()
    by_source = {row["source"]: row for row in answer["sources"]}
    assert by_source["phone"]["status"] == "silent" and by_source["phone"]["name"] == "Phone"
    assert by_source["vk"]["status"] == "ok"
    assert answer["data_at"] == service.freshness().data_at.isoformat()
    assert {c.source: c.status for c in service.freshness().channels} == {k: v["status"] for k, v in by_source.items()}


def test_a_silent_channel_is_alerted_once_a_silence(store, region):
    from dashboard.reports import alerts
    from dashboard.settings import Settings
    from tests.test_tension import Hook

    hook = Hook()
    try:
        settings = Settings(_env_file=None, alert_webhook_url=hook.url)
        silent_at = (STOP + timedelta(hours=3)).astimezone(UTC)
        report = alerts.check(store, region, settings, silent_at)
        assert (report.silent, report.silent_recorded, report.sent) == (1, 1, 1)
        body = json.loads(hook.received[0][1])
        assert body["event"] == "source.silent" and body["source"] == "phone" and body["source_name"] == "Телефон"
        assert body["silent_since"] == STOP.astimezone(UTC).isoformat() and body["expected_in_gap"] >= 6.9
        later = alerts.check(store, region, settings, silent_at + timedelta(hours=2))  # the same silence, longer
        assert (later.silent, later.silent_recorded, later.sent) == (1, 0, 0) and len(hook.received) == 1
    finally:
        hook.server.shutdown()


def test_a_channel_quiet_for_weeks_is_read_alone_and_silent(store, region):
    """Past RECENT a channel's own messages are read on their own (the shared read of the last weeks misses its
    history): its profile still ends at its newest message."""
    later = judged(store, region, STOP + timedelta(days=10))
    assert later["phone"].last_message_at == STOP.astimezone(UTC) and later["phone"].status == "silent"
    assert later["phone"].usual_24h == pytest.approx(37, abs=1)  # its usual day: 37 messages from 08:00 to 20:00
