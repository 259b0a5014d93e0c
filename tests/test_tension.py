"""Tension index on a hand-built region: a planted spike, a small noisy cell, overdue, no baseline, API, alerts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from app import create_app
from dashboard.filters import Filters
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.metrics import tension
from dashboard.reports import alerts
from dashboard.service import DashboardService
from dashboard.settings import Settings
from dashboard.store.schema import alerts as alerts_table
from tests.conftest import store_of_run

CHEB, NOVOCHEB, KANASH = "97701000", "97710000", "97707000"
PERIOD = Filters(date(2026, 11, 13), date(2026, 11, 19))
FIRST_DAY = date(2026, 9, 18)  # exactly eight weeks of baseline before the period
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _rows(sector: str, oktmo: str, day: date, n: int, topic: str = "Прочее", overdue: int = 0) -> list[dict]:
    """``n`` messages on ``day`` at 10:00 local time, answered after an hour except ``overdue`` of them."""
    created = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
    return [
        {
            "external_id": f"{sector}-{oktmo}-{day:%Y%m%d}-{i}",
            "source": "vk",
            "created_at": created.isoformat(),
            "first_response_at": "" if i < overdue else (created + timedelta(hours=1)).isoformat(),
            "status": "new" if i < overdue else "answered",
            "sector": sector,
            "topic": topic,
            "municipality": oktmo,
            "text": "Обращение",
        }
        for i in range(n)
    ]


def build_region_frame() -> pd.DataFrame:
    """Steady cells for eight weeks and the period, plus: a 5× heating spike in Новочебоксарск, a small cell
    going from one message a week to three, and a cell with half of the period's messages overdue."""
    rows: list[dict] = []
    day = FIRST_DAY
    while day <= PERIOD.date_to:
        in_period = day >= PERIOD.date_from
        rows += _rows("zhkh", CHEB, day, 10)
        rows += _rows("roads", CHEB, day, 4)
        rows += _rows("zhkh", KANASH, day, 3)
        rows += _rows("health", KANASH, day, 2, overdue=1 if in_period else 0)
        rows += _rows("zhkh", NOVOCHEB, day, 2, topic="Горячая вода")
        if in_period:  # the spike: eight more a day, on one topic
            rows += [dict(r, external_id=r["external_id"] + "s") for r in _rows("zhkh", NOVOCHEB, day, 8, "Отопление")]
        if day.weekday() == 0 and not in_period:
            rows += _rows("waste", KANASH, day, 1)
        day += timedelta(days=1)
    rows += [dict(r, external_id=f"small-{i}") for i, r in enumerate(_rows("waste", KANASH, date(2026, 11, 17), 3))]
    return pd.DataFrame(rows)


@pytest.fixture
def loaded(engine, region):
    summary = load_frame(build_region_frame(), engine, "tension-test", region, now=NOW)
    assert summary.rejected == 0
    return engine


def point(result: tension.TensionResult, sector: str, oktmo: str) -> pd.Series:
    points = result.points
    return points[(points["sector"] == sector) & (points["oktmo"] == oktmo)].iloc[0]


def test_spike_is_the_top_critical_point_with_its_reason(loaded, region):
    result = tension.tension(loaded, PERIOD, NOW, region)
    top = result.points.iloc[0]
    assert (top["sector"], top["oktmo"], top["level"]) == ("zhkh", NOVOCHEB, "critical")
    assert top["observed"] == 70 and top["expected"] == pytest.approx(14.0)
    [reason] = tension.reasons(result, result.points.head(1), region)
    assert reason.startswith("ЖКХ · Новочебоксарск: +400\u00a0% к базовому уровню")
    assert "тема «Отопление»: 56 обращ." in reason
    assert result.points["index"].is_monotonic_decreasing
    assert result.baseline == (FIRST_DAY, date(2026, 11, 12))


def test_steady_and_small_cells_stay_normal(loaded, region):
    result = tension.tension(loaded, PERIOD, NOW, region)
    steady = point(result, "zhkh", CHEB)
    assert steady["level"] == "normal" and steady["s_volume"] == 0 and steady["change_pct"] == pytest.approx(0)
    small = point(result, "waste", KANASH)  # three messages instead of one a week: not a crisis
    assert small["observed"] == 3 and small["change_pct"] == pytest.approx(200.0)
    assert small["level"] == "normal" and small["s_volume"] == 0
    assert (result.points["level"] == "critical").sum() == 1


def test_overdue_share_raises_the_index_and_is_named(loaded, region):
    result = tension.tension(loaded, PERIOD, NOW, region)
    late = point(result, "health", KANASH)
    assert late["overdue"] == 7 and late["overdue_share"] == pytest.approx(0.5)
    assert late["s_overdue"] > 0.5 and late["index"] == pytest.approx(
        tension.WEIGHTS["overdue"] * late["s_overdue"] + tension.WEIGHTS["spread"] * late["s_spread"], abs=0.06
    )
    [reason] = tension.reasons(result, result.points[result.points["sector"] == "health"], region)
    assert "50\u00a0% поступивших просрочено" in reason


@pytest.mark.parametrize(
    "period",
    [
        PERIOD,
        Filters(PERIOD.date_from, PERIOD.date_to, sectors=("zhkh", "roads"), sources=("vk",)),
    ],
)
def test_rollups_and_raw_messages_give_the_same_indices(loaded, region, period):
    from_rollups = tension.compute(tension.inputs_from_rollups(loaded, period, NOW, region), region)
    from_raw = tension.compute(tension.inputs_from_messages(loaded, period, NOW, region), region)
    key = ["sector", "oktmo"]
    a = from_rollups.points.sort_values(key).reset_index(drop=True)
    b = from_raw.points.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        a[[*key, "observed", "expected", "overdue"]], b[[*key, "observed", "expected", "overdue"]]
    )
    np.testing.assert_allclose(a["index"], b["index"])
    np.testing.assert_allclose(
        from_rollups.sectors.sort_values("sector")["index"], from_raw.sectors.sort_values("sector")["index"]
    )


@pytest.fixture(scope="module")
def half_year(tmp_path_factory, region):
    """220 days of demo messages, loaded once for the long-period tests."""
    engine, cleanup = store_of_run(region, tmp_path_factory.mktemp("half_year"))
    load_frame(generate(region, messages=12_000, days=220, seed=8, now=NOW), engine, "demo", region, now=NOW)
    yield engine
    cleanup()


@pytest.mark.parametrize(
    ("first", "last", "baseline_days"),
    [
        (date(2026, 8, 22), date(2026, 11, 20), 91),  # a quarter: sums and baseline by month, spread by week
        (date(2026, 10, 7), date(2026, 11, 20), 56),  # 45 days: longer than one pass
        (date(2026, 5, 4), date(2026, 11, 20), 20),  # 201 days, data from 20 days before: a short baseline
        (date(2026, 1, 1), date(2026, 11, 20), 0),  # all of the data: no baseline at all
    ],
)
def test_long_periods_from_rollups_equal_the_raw_count(half_year, region, first, last, baseline_days):
    """Periods past a month read their sums at month grain and the spread from the last eight weeks only."""
    period = Filters(first, last)
    inputs = tension.inputs_from_rollups(half_year, period, NOW, region)
    assert (inputs.baseline is None) == (baseline_days == 0)
    if inputs.baseline:
        assert (inputs.baseline[1] - inputs.baseline[0]).days + 1 == baseline_days
    from_rollups = tension.compute(inputs, region)
    from_raw = tension.compute(tension.inputs_from_messages(half_year, period, NOW, region), region)
    key = ["sector", "oktmo"]
    a = from_rollups.points.sort_values(key).reset_index(drop=True)
    b = from_raw.points.sort_values(key).reset_index(drop=True)
    assert a["observed"].sum() > 1000
    pd.testing.assert_frame_equal(a[[*key, "observed", "baseline"]], b[[*key, "observed", "baseline"]])
    np.testing.assert_allclose(a["index"], b["index"])
    pd.testing.assert_frame_equal(
        from_rollups.sectors[["sector", "index", "level"]], from_raw.sectors[["sector", "index", "level"]]
    )


def test_sector_tiles_are_sorted_and_carry_their_hottest_place(loaded, region):
    result = tension.tension(loaded, PERIOD, NOW, region)
    sectors = result.sectors
    assert next(iter(sectors["sector"])) == "zhkh" and sectors["index"].is_monotonic_decreasing
    zhkh = sectors.iloc[0]
    assert zhkh["hottest_municipality"] == "Новочебоксарск"
    assert zhkh["index"] >= 0.7 * result.points.iloc[0]["index"] - 0.05  # one critical town makes the sector tense
    assert zhkh["level"] in ("tension", "critical")
    assert len(zhkh["spark"]) == len(result.days) == 7 + 28 and zhkh["spark"][-1] == 10 + 3 + 10
    assert sum(zhkh["spark"][-7:]) == zhkh["observed"]


def test_a_municipality_filter_chooses_points_and_leaves_every_figure_as_it_is(loaded, region):
    whole = tension.tension(loaded, PERIOD, NOW, region)
    narrowed = tension.tension(loaded, replace(PERIOD, municipalities=(CHEB,)), NOW, region)
    assert set(narrowed.points["oktmo"]) == {CHEB}
    pd.testing.assert_frame_equal(narrowed.points, whole.points[whole.points["oktmo"] == CHEB])
    pd.testing.assert_frame_equal(narrowed.sectors, whole.sectors)  # a sector's index is the region's
    zhkh = whole.sectors.set_index("sector").loc["zhkh"]
    assert zhkh["level"] in ("tension", "critical") and zhkh["hottest_oktmo"] == NOVOCHEB


def test_the_highest_index_by_place_is_over_the_chosen_sectors_for_every_place(loaded, region):
    whole = tension.tension(loaded, PERIOD, NOW, region)
    narrowed = tension.tension(loaded, replace(PERIOD, municipalities=(CHEB,)), NOW, region)
    expected = whole.points.groupby("oktmo")["index"].max()
    assert len(expected) > 1
    pd.testing.assert_series_equal(whole.place_index, expected)
    pd.testing.assert_series_equal(narrowed.place_index, expected)
    roads = tension.tension(loaded, replace(PERIOD, sectors=("roads",)), NOW, region).place_index
    cells = whole.points[whole.points["sector"] == "roads"].set_index("oktmo")["index"]
    assert roads.dropna().to_dict() == cells.to_dict() and roads.index.equals(whole.place_index.index)


FILTER_CHOICES = [
    {},
    {"sectors": ("zhkh",)},
    {"sectors": ("health", "waste")},
    {"municipalities": (NOVOCHEB,)},
    {"municipalities": (CHEB, KANASH), "sectors": ("zhkh",)},
    {"sources": ("vk",)},
    {"sources": ("phone",), "sectors": ("roads",)},
]


@pytest.mark.parametrize("choice", FILTER_CHOICES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "all")
def test_a_cells_tension_is_the_same_under_every_filter(loaded, region, choice):
    """The issue's first contradiction: ЖКХ · Новочебоксарск read «внимание» on / and «норма» with ?sector=zhkh.
    Every cell and sector a filter shows carries exactly the unfiltered region's values."""
    whole = tension.tension(loaded, PERIOD, NOW, region)
    chosen = tension.tension(loaded, replace(PERIOD, **choice), NOW, region)
    keyed = whole.points.set_index(["sector", "oktmo"])
    shown = chosen.points.set_index(["sector", "oktmo"])
    pd.testing.assert_frame_equal(shown, keyed.loc[shown.index])
    pd.testing.assert_frame_equal(
        chosen.sectors.set_index("sector"), whole.sectors.set_index("sector").loc[chosen.sectors["sector"]]
    )
    wanted = choice.get("sectors") or tuple(whole.sectors["sector"])
    assert set(chosen.sectors["sector"]) == set(wanted) & set(whole.sectors["sector"])
    if "municipalities" in choice:
        assert set(shown.index.get_level_values("oktmo")) <= set(choice["municipalities"])


def test_no_baseline_means_no_volume_alarm(loaded, region):
    early = Filters(FIRST_DAY, FIRST_DAY + timedelta(days=6))
    result = tension.tension(loaded, early, NOW, region)
    assert result.baseline is None
    assert (result.points["s_volume"] == 0).all() and (result.points["level"] != "critical").all()
    assert "нет базового периода для сравнения" in tension.reasons(result, result.points.head(1), region)[0]


def test_rise_score_needs_both_significance_and_size():
    score, p, change = tension.rise_score(np.array([3, 100, 150]), np.array([1.0, 20.0, 100.0]), [8, 160, 800], 0.0, 7)
    assert score[0] == 0 and p[0] > 0.05  # 3 instead of 1
    assert score[1] == pytest.approx(1.0)  # 5× on a baseline of 20 a week
    assert 0 < score[2] < 0.3 and p[2] < 1e-4  # +50 % on a big cell: very significant, a modest rise
    assert change[1] == pytest.approx(400.0)


def test_levels_and_the_weekday_profile():
    assert [tension.level_of(v) for v in (0, 29.9, 30, 49.9, 50, 69.9, 70, 100)] == [
        "normal",
        "normal",
        "attention",
        "attention",
        "tension",
        "tension",
        "critical",
        "critical",
    ]
    days = pd.date_range("2026-10-05", "2026-11-15").date  # six weeks with 4 November (a Wednesday holiday)
    counts = pd.Series([20 if d.weekday() < 5 and d != date(2026, 11, 4) else 10 for d in days], index=list(days))
    profile = tension.weekday_profile(counts)
    assert profile[0] == pytest.approx(profile[2]) and profile[5] == pytest.approx(profile[6])
    assert profile[0] / profile[6] == pytest.approx(2.0)
    assert list(tension.day_types([date(2026, 11, 4), date(2026, 11, 5)])) == [6, 3]


def test_tension_api(loaded, region, tmp_path):
    app = create_app(Settings(data_dir=tmp_path), DashboardService(loaded, region, clock=lambda: NOW))
    client = app.server.test_client()
    body = client.get("/api/v1/tension?from=2026-11-13&to=2026-11-19").get_json()
    assert body["baseline"] == {"from": "2026-09-18", "to": "2026-11-12"}
    assert next(s["sector"] for s in body["sectors"]) == "zhkh"
    assert len({s["sector"] for s in body["sectors"]}) == len(body["sectors"])
    indices = [p["index"] for p in body["points"]]
    assert indices == sorted(indices, reverse=True)
    top = body["points"][0]
    assert {k: top[k] for k in ("sector", "oktmo", "municipality", "level")} == {
        "sector": "zhkh",
        "oktmo": NOVOCHEB,
        "municipality": "Новочебоксарск",
        "level": "critical",
    }
    assert top["reason"].startswith("ЖКХ · Новочебоксарск: +400")
    assert {p["level"] for p in body["points"]} <= {"normal", "attention", "tension", "critical"}
    english = client.get("/api/v1/tension?from=2026-11-13&to=2026-11-19&lang=en&limit=1").get_json()
    assert len(english["points"]) == 1 and "vs baseline" in english["points"][0]["reason"]
    assert english["points"][0]["reason"].startswith("Housing and utilities · Novocheboksarsk: +400")
    assert "hottest: Novocheboksarsk" in english["sectors"][0]["reason"]
    only_cheb = client.get(f"/api/v1/tension?from=2026-11-13&to=2026-11-19&municipality={CHEB}").get_json()
    assert {p["oktmo"] for p in only_cheb["points"]} == {CHEB}
    assert client.get("/api/v1/tension?limit=0").status_code == 400
    assert client.get("/api/v1/tension?sector=nope").status_code == 400


class Hook:
    """A local webhook receiver: records every POST; answers ``status`` (changeable between calls)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((dict(self.headers), body))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


def tension_posts(hook: Hook) -> list[tuple[dict, bytes]]:
    """The webhook's tension alerts (the synthetic region's one channel also falls silent on NOW's day: its own)."""
    return [(headers, raw) for headers, raw in hook.received if json.loads(raw)["event"] == "tension.critical"]


def test_alert_is_posted_once_per_point_per_day(loaded, region, hook):
    settings = Settings(alert_webhook_url=hook.url, alert_webhook_secret="s3cret", public_url="https://tsur.example/")
    report = alerts.check(loaded, region, settings, NOW)
    assert (report.critical, report.recorded, report.failed) == (1, 1, 0)
    assert report.sent == 1 + report.silent_recorded
    [(headers, raw)] = tension_posts(hook)
    body = json.loads(raw)
    assert body["event"] == "tension.critical" and body["level"] == "critical"
    assert (body["sector"], body["oktmo"], body["municipality"]) == ("zhkh", NOVOCHEB, "Новочебоксарск")
    assert body["day"] == "2026-11-20" and body["reason"].startswith("ЖКХ · Новочебоксарск")
    assert body["url"].startswith("https://tsur.example/?sector=zhkh&municipality=97710000")
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert headers["X-TSUR-Signature"] == expected

    again = alerts.check(loaded, region, settings, NOW + timedelta(hours=3))
    assert (again.critical, again.recorded, again.sent) == (1, 0, 0) and len(tension_posts(hook)) == 1
    next_day = alerts.check(loaded, region, settings, NOW + timedelta(days=1))
    assert next_day.recorded == 1 and len(tension_posts(hook)) == 2  # a new day may alert again


def test_failed_delivery_is_kept_and_retried(loaded, region, hook):
    settings = Settings(alert_webhook_url=hook.url)
    hook.status = 500
    report = alerts.check(loaded, region, settings, NOW)
    assert (report.recorded, report.sent) == (1, 0) and report.failed == 1 + report.silent_recorded
    assert "500" in report.errors[0]
    with loaded.connect() as conn:
        row = conn.execute(select(alerts_table.c.sent_at, alerts_table.c.attempts, alerts_table.c.last_error)).one()
    assert row.sent_at is None and row.attempts == 1 and "500" in row.last_error
    hook.status = 200
    retry = alerts.check(loaded, region, settings, NOW + timedelta(minutes=10))
    assert (retry.recorded, retry.failed) == (0, 0) and retry.sent == report.failed
    assert len(tension_posts(hook)) == 2  # the failed attempt and the retry
    with loaded.connect() as conn:
        assert conn.execute(select(alerts_table.c.sent_at)).scalar() is not None
    assert len(alerts.recent(loaded, date(2026, 11, 20))) == 1


def test_unreachable_webhook_is_an_error_not_a_crash(loaded, region):
    settings = Settings(alert_webhook_url="http://127.0.0.1:9/nothing-listens", alert_webhook_timeout=1)
    report = alerts.check(loaded, region, settings, NOW)
    assert report.recorded == 1 and report.failed == 1 + report.silent_recorded and report.sent == 0


def test_an_empty_database_gives_empty_lists_not_errors(engine, region, tmp_path):
    app = create_app(Settings(data_dir=tmp_path), DashboardService(engine, region, clock=lambda: NOW))
    response = app.server.test_client().get("/api/v1/tension")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["sectors"], body["points"], body["baseline"]) == ([], [], None)
    assert alerts.check(engine, region, Settings(), NOW).critical == 0


def test_unknown_population_scales_the_other_components_instead_of_counting_zero(region):
    """Янтиковский has no population figure: a 10× rise spread over topics must still be critical there."""
    yantikovo = "97558000"
    assert pd.isna(region.municipalities.loc[yantikovo, "population"])
    days = [FIRST_DAY + timedelta(days=i) for i in range((PERIOD.date_to - FIRST_DAY).days + 1)]
    daily = pd.DataFrame(
        [("zhkh", yantikovo, d, 20 if d >= PERIOD.date_from else 2) for d in days]
        + [("zhkh", CHEB, d, 30) for d in days],
        columns=["sector", "oktmo", "day", "messages"],
    )
    topics = pd.DataFrame(
        [("zhkh", yantikovo, f"t{k}", 28, 22) for k in range(5)] + [("zhkh", CHEB, "t0", 210, 1680)],
        columns=["sector", "oktmo", "topic", "period", "baseline"],
    )
    inputs = tension.TensionInputs.from_daily(
        (PERIOD.date_from, PERIOD.date_to),
        (FIRST_DAY, PERIOD.date_from - timedelta(days=1)),
        daily,
        topics,
        {},
    )
    spike = point(tension.compute(inputs, region), "zhkh", yantikovo)
    assert spike["s_volume"] == pytest.approx(1.0) and spike["s_spread"] == 0
    weights = tension.WEIGHTS
    plain = weights["volume"] * spike["s_volume"] + weights["repeats"] * spike["s_repeats"]
    assert spike["index"] == pytest.approx(plain / (1 - weights["spread"] / 100), abs=0.06)
    assert spike["level"] == "critical"


def test_todays_alerts_in_english_name_the_sector_and_place(loaded, region):
    alerts.check(loaded, region, Settings(), NOW)
    service = DashboardService(loaded, region, clock=lambda: NOW)
    russian = service.alerts_today(PERIOD)
    assert russian["reason"].iloc[0].startswith("ЖКХ · Новочебоксарск: +")
    english = service.alerts_today(PERIOD, "en")
    assert list(english["reason"]) == ["Housing and utilities · Novocheboksarsk"]


def test_nbinom_tail_matches_scipy_stats():
    """The light-weight tail (scipy.special only) equals scipy.stats.nbinom.sf, zero counts included."""
    from scipy import stats

    rng = np.random.default_rng(3)
    k = rng.integers(-1, 400, 5000).astype(float)
    size, mu = rng.uniform(0.5, 150, 5000), rng.uniform(0.05, 250, 5000)
    ours = tension.nbinom_sf(k, size, mu)
    assert np.allclose(ours, stats.nbinom.sf(k, size, size / (size + mu)), rtol=1e-9, atol=1e-13)
    assert tension.nbinom_sf(np.array([-1.0]), np.array([3.0]), np.array([2.0]))[0] == 1.0


def test_the_wall_refresh_draws_its_points_when_some_are_above_normal(loaded, region, tmp_path):
    """Found by review: the wall passed (lang, region) where tension.reasons takes (region, lang) — a 500 on every
    refresh once a point was above normal, exactly when the wall matters."""
    from layouts import ids
    from tests.test_roles import callback_body, server_callbacks

    app = create_app(Settings(data_dir=tmp_path), DashboardService(loaded, region, clock=lambda: NOW))
    output = next(o for o in server_callbacks(app) if f"{ids.WALL_POINTS}.children" in o)
    body = callback_body(app, output, {f"{ids.WALL_CONFIG}.data": {"period": "7d", "lang": "ru"}})
    answer = app.server.test_client().post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "Новочебоксарск" in json.dumps(answer.get_json()["response"][ids.WALL_POINTS], ensure_ascii=False)
