"""Figures on a small hand-made dataset, on both stores: counts, shares, median, overdue, change."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.filters import Filters
from dashboard.loader.ingest import load_file
from dashboard.metrics import queries
from dashboard.region import get_region
from geo.figure import region_geometry
from layouts.map_figure import map_figure
from layouts.shell import kpi_tiles
from tests.conftest import NOW

DEMO_REGION = get_region("chuvashia")

ROWS = """external_id,source,created_at,first_response_at,status,sector,municipality
q1,vk,2026-11-10 10:00,2026-11-10 11:00,answered,zhkh,Чебоксары
q2,vk,2026-11-11 10:00,2026-11-11 13:00,answered,zhkh,Чебоксары
q3,pos,2026-11-12 10:00,2026-11-13 10:00,answered,roads,Канаш
q4,vk,2026-11-12 10:00,,new,zhkh,Канаш
q5,telegram,2026-11-20 10:00,,new,health,Канаш
q6,vk,2026-11-14 10:00,2026-11-14 15:00,answered,zhkh,Чебоксары
q7,vk,2026-11-15 10:00,,rejected,other,Чебоксары
"""
PERIOD = Filters(date(2026, 11, 11), date(2026, 11, 20))


@pytest.fixture
def loaded(engine, tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(ROWS, encoding="utf-8")
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 7
    return engine


def test_summary_counts_shares_median_and_overdue(loaded, region):
    data = queries.summary(loaded, PERIOD, NOW, region)
    cur = data["current"]
    assert cur["messages"] == 6
    assert cur["answered"] == 3
    assert cur["answered_share"] == pytest.approx(0.5)
    # Kaplan–Meier: answers after 3, 5 and 24 h; q5 still open at 5 h (12:00 UTC is 15:00 in Cheboksary), q4 at
    # 197 h; q7 closed unanswered is left out. S: 4/5 at 3 h, 3/5 at 5 h (q5 at risk: answers come first), 3/10 at
    # 24 h; each answer's mass 1/5, 1/5, 3/10 puts the median's positions at 0.1, 0.3, 0.55: 5 + 0.8·19 = 20.2 h.
    assert cur["median_first_response_hours"] == pytest.approx(20.2)
    assert cur["p90_first_response_hours"] is None  # S never falls to 0.1 within the follow-up: not known yet
    assert cur["median_provisional"] is True and cur["answered_24h_share"] == pytest.approx(0.7)  # 1 − S(24 h)
    # q4 (ЖКХ, 8 h target) is past its deadline; q5 is 5 h old with an 8 h target; q7 was rejected as spam
    assert cur["overdue_of_period"] == 1
    assert data["overdue_now"] == 1
    # within target, of the messages whose outcome is known: q5's target is still ahead; q3 answered after 24 h
    # (roads, 24 h target: in time); q7 (rejected, never answered) counts as not in time
    assert cur["within_sla_share"] == pytest.approx(3 / 5)
    # the period runs to today (15:00 in Cheboksary): the previous one is counted to 10 November 15:00 — q1 (10:00)
    assert data["compared_until"] == "2026-11-10T15:00:00+03:00"
    assert data["previous"]["messages"] == 1
    # the data begins on 10 November, inside the previous period (1–10 November): no change is claimed
    assert not data["previous_covered"]
    assert data["change_pct"] == dict.fromkeys(data["change_pct"])


def test_change_needs_data_over_the_whole_previous_period(loaded, region, tmp_path):
    heat = queries.heatmap(loaded, PERIOD, NOW, region)
    assert heat["change_pct"].isna().all()
    geometry = region_geometry(region.boundaries_path)
    notes = lambda frame: [  # noqa: E731
        a["text"] for a in map_figure(frame, geometry, metric="change_pct")["layout"]["annotations"]
    ]
    assert any("изменение не вычисляется" in n for n in notes(heat))  # the map says why it is grey
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(ROWS.splitlines()[0] + "\nq0,vk,2026-11-01 09:00,,new,zhkh,Чебоксары\n", encoding="utf-8")
    assert load_file(earlier, loaded, now=NOW, region=DEMO_REGION).new == 1
    data = queries.summary(loaded, PERIOD, NOW, region)
    assert data["previous_covered"]
    assert data["previous"]["messages"] == 2
    assert data["change_pct"]["messages"] is None  # 6 against 2: both tiny, no «+200 %»
    heat = queries.heatmap(loaded, PERIOD, NOW, region).set_index("name")
    assert heat.loc["Чебоксары", "previous_messages"] == 2  # q2, q6, q7 against q0, q1
    assert heat["change_pct"].isna().all()  # every place has a handful: no change in percent anywhere
    assert not any("изменение не вычисляется" in n for n in notes(queries.heatmap(loaded, PERIOD, NOW, region)))


def test_the_kpi_tiles_say_what_the_change_is_against(loaded, region):
    def versus(summary) -> set[str]:
        compared = [tile.children[2].children for tile in kpi_tiles(summary)]
        return {line[1].children for line in compared if line}

    assert versus(queries.summary(loaded, PERIOD, NOW, region)) == {"нет данных для сравнения"}
    today = Filters(date(2026, 11, 20), date(2026, 11, 20))  # its previous day, 19 November, is covered
    assert versus(queries.summary(loaded, today, NOW, region)) == {"к этому же времени вчера"}
    days = Filters(date(2026, 11, 17), date(2026, 11, 20))
    assert versus(queries.summary(loaded, days, NOW, region)) == {"к этому же времени прошлого периода"}
    over = Filters(date(2026, 11, 19), date(2026, 11, 19))
    assert versus(queries.summary(loaded, over, NOW, region)) == {"к предыдущему периоду"}


def test_filters_by_sector_municipality_and_source(loaded, region):
    def messages(**kw):
        return queries.summary(loaded, Filters(PERIOD.date_from, PERIOD.date_to, **kw), NOW, region)["current"][
            "messages"
        ]

    assert messages(sectors=("zhkh",)) == 3
    assert messages(municipalities=("97707000",)) == 3
    assert messages(sources=("vk",)) == 4
    assert messages(sectors=("zhkh",), municipalities=("97707000",)) == 1


def test_overdue_old_days_come_from_rollups(loaded, region):
    # a long time later every still-open message is overdue, counted from rollups
    from datetime import timedelta

    assert queries.overdue_of_period(loaded, PERIOD, NOW + timedelta(days=30), region) == 2


def test_empty_period_has_zero_and_no_median(loaded, region):
    data = queries.summary(loaded, Filters(date(2025, 1, 1), date(2025, 1, 31)), NOW, region)
    assert data["current"]["messages"] == 0
    assert data["current"]["median_first_response_hours"] is None
    assert data["change_pct"]["messages"] is None
