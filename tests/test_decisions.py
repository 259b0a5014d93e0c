"""Decisions (поручения): recorded with frozen evidence, moved through statuses with an append-only history, scoped
per role on the API and the CLI, and the centre's KPIs against hand counts — on both stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from dashboard import accounts
from dashboard.decisions import kpi, records
from dashboard.decisions.records import Cell, DecisionError
from dashboard.decisions.service import DecisionService
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.service import DashboardService
from dashboard.store.schema import alerts
from tests.conftest import NOW
from tests.test_auth import PASSWORD, basic, login, make_app
from tests.test_auth import SHIPPED_SECTORS as KNOWN

TODAY = NOW.date()
PERIOD = (TODAY - timedelta(days=6), TODAY)
ROUTE = "/api/v1/decisions"


@pytest.fixture
def store(engine, region):
    """Two months of demo messages, and an account of every role."""
    frame = generate(region, messages=6000, days=70, seed=21, now=NOW)
    load_frame(frame, engine, "demo", region, now=NOW)
    for name, role in (("admin", "admin"), ("head", "head"), ("operator", "operator")):
        accounts.add_user(engine, name, role, PASSWORD)
    accounts.add_user(engine, "minister", "minister", PASSWORD, ("zhkh",), KNOWN)
    return DashboardService(engine, region, clock=lambda: NOW)


def hottest(service: DashboardService, sector: str = "zhkh") -> dict:
    points = service.tension(service.read_filters({"from": [PERIOD[0].isoformat()], "to": [PERIOD[1].isoformat()]}))
    return points.points[points.points["sector"] == sector].iloc[0].to_dict()


def add(service, **extra) -> int:
    point = hottest(service)
    values = {
        "title": "Проверить котельную",
        "agency": "Минстрой",
        "due": TODAY + timedelta(days=10),
        "sector": "zhkh",
        "oktmo": point["oktmo"],
        "period": PERIOD,
        **extra,
    }
    return DecisionService(service).record(**values)


def test_the_evidence_is_the_figures_shown_then_and_stays_so(store, engine, region):
    point = hottest(store)
    decision_id = add(store)
    evidence = records.get(engine, decision_id).evidence
    assert evidence["messages"] == point["observed"] and evidence["level"] == point["level"]
    assert evidence["index"] == pytest.approx(point["index"], abs=0.05)
    assert evidence["period"] == {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}
    more = generate(region, messages=3000, days=5, seed=99, now=NOW)
    more = more[more["sector"] == "zhkh"].assign(municipality=point["oktmo"])
    more["external_id"] = [f"later-{i}" for i in range(len(more))]
    load_frame(more, engine, "later", region, now=NOW)
    fresh = DashboardService(engine, region, clock=lambda: NOW)
    assert hottest(fresh)["observed"] > point["observed"]  # the figures moved on…
    assert records.get(engine, decision_id).evidence == evidence  # …the decision's evidence did not


def test_a_decision_without_evidence_is_recorded_as_not_backed(store, engine):
    decision_id = DecisionService(store).record(title="Совещание", agency="Правительство", due=TODAY)
    found = records.get(engine, decision_id)
    assert found.evidence is None and not found.backed and found.status == "assigned"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": " "}, "Что сделать"),
        ({"due": TODAY - timedelta(days=1)}, "срок"),
        ({"sector": "nosuch"}, "неизвестная отрасль"),
        ({"oktmo": None}, "вместе"),
        ({"period": None}, "период"),
        ({"period": (TODAY, TODAY + timedelta(days=1))}, "не позже сегодня"),
    ],
)
def test_what_cannot_be_recorded_is_refused_with_the_reason(store, values, message):
    with pytest.raises(DecisionError, match=message):
        add(store, **values)


def test_a_refusal_reads_in_the_readers_language(store, tmp_path):
    with pytest.raises(DecisionError) as empty:
        add(store, title=" ")
    assert empty.value.in_language("en") == "What is to be done: required"
    with pytest.raises(DecisionError) as late:
        add(store, due=TODAY - timedelta(days=1))
    assert late.value.in_language("en").startswith("Due date: from today up to")
    client = make_app(store, tmp_path).server.test_client()
    answer = client.post(f"{ROUTE}?lang=en", json={**body(store), "title": " "}, headers=basic("head"))
    assert answer.status_code == 400 and answer.get_json()["error"] == "What is to be done: required"
    russian = client.post(ROUTE, json={**body(store), "title": " "}, headers=basic("head"))
    assert russian.get_json()["error"] == "Что сделать: нужно заполнить"
    english = {
        f"{ROUTE}?lang=en": (400, "Unknown sector: nope", {**body(store), "sector": "nope"}),
        f"{ROUTE}/999?lang=en": (404, "There is no decision No. 999", None),
        f"{ROUTE}?status=weird&lang=en": (400, "Unknown status «weird»", None),
    }
    for route, (status, said, sent) in english.items():
        answer = (
            client.post(route, json=sent, headers=basic("head")) if sent else client.get(route, headers=basic("head"))
        )
        assert answer.status_code == status and answer.get_json()["error"].startswith(said), answer.get_json()
    decision_id = client.post(ROUTE, json=body(store), headers=basic("head")).get_json()["id"]
    client.post(f"{ROUTE}/{decision_id}/status", json={"status": "done"}, headers=basic("head"))
    back = client.post(f"{ROUTE}/{decision_id}/status?lang=en", json={"status": "assigned"}, headers=basic("head"))
    assert back.get_json()["error"] == "A decision cannot go from «done» to «assigned»"


def test_statuses_move_as_allowed_and_every_change_is_kept(store, engine):
    decision_id = add(store)
    service = DecisionService(store)
    service.set_status(decision_id, "in_progress")
    with pytest.raises(DecisionError, match="нельзя перейти"):
        service.set_status(decision_id, "assigned")
    service.set_status(decision_id, "done")
    found = records.get(engine, decision_id)
    assert found.status == "done" and found.done_at is not None
    events = records.history(engine, decision_id)
    assert [e.action for e in events] == ["created", "status", "status"]
    assert [e.details.get("status") for e in events[1:]] == [["assigned", "in_progress"], ["in_progress", "done"]]
    assert all(e.actor == "tsur" for e in events)


def test_the_history_cannot_be_changed_even_by_hand(store, engine):
    decision_id = add(store)
    for statement in ("UPDATE decision_events SET actor = 'x'", "DELETE FROM decision_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(records.history(engine, decision_id)) == 1


def test_an_open_decision_past_its_deadline_is_overdue(store, engine):
    decision_id = add(store, due=TODAY)
    found = records.get(engine, decision_id)
    assert not found.overdue(TODAY) and found.overdue(TODAY + timedelta(days=1))
    assert not records.Decision(**{**found.__dict__, "status": "done"}).overdue(TODAY + timedelta(days=1))


def bearer(engine, name: str) -> dict:
    return {"Authorization": f"Bearer {accounts.issue_token(engine, name)}"}


def body(store) -> dict:
    return {
        "title": "Проверить котельную",
        "agency": "Минстрой",
        "due": (TODAY + timedelta(days=7)).isoformat(),
        "sector": "zhkh",
        "municipality": hottest(store)["oktmo"],
        "from": PERIOD[0].isoformat(),
        "to": PERIOD[1].isoformat(),
    }


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("head", 201), ("operator", 201), ("minister", 403)])
def test_who_may_record_a_decision(store, engine, tmp_path, role, status):
    client = make_app(store, tmp_path).server.test_client()
    answer = client.post(ROUTE, json=body(store), headers=basic(role))
    assert answer.status_code == status, answer.get_json()
    if status == 201:
        assert answer.get_json()["backed_by_data"] and answer.get_json()["created_by"] == role
        assert answer.get_json()["evidence"]["messages"] == hottest(store)["observed"]


def test_screens_and_feeds_neither_read_nor_write_decisions(store, engine, tmp_path):
    client = make_app(store, tmp_path).server.test_client()
    wall = {"Authorization": f"Bearer {accounts.add_user(engine, 'screen', 'wall')}"}
    feed = {"Authorization": f"Bearer {accounts.add_user(engine, 'bridge', 'feed', sources=('pos',))}"}
    for headers in (wall, feed):
        assert client.get(ROUTE, headers=headers).status_code == 403
        assert client.post(ROUTE, json=body(store), headers=headers).status_code == 403


def test_a_browser_session_does_not_write(store, tmp_path):
    client = make_app(store, tmp_path).server.test_client()
    login(client, "head")
    answer = client.post(ROUTE, json=body(store))
    assert answer.status_code == 403 and "Authorization" in answer.get_json()["error"]
    assert client.get(ROUTE).status_code == 200  # reading in the session is fine


def test_a_minister_reads_only_his_sectors_decisions(store, engine, tmp_path):
    mine = add(store)
    roads = DecisionService(store).record(
        title="Ямочный ремонт",
        agency="Минтранс",
        due=TODAY,
        sector="roads",
        oktmo=hottest(store, "roads")["oktmo"],
        period=PERIOD,
    )
    general = DecisionService(store).record(title="Совещание", agency="Правительство", due=TODAY)
    client = make_app(store, tmp_path).server.test_client()
    listed = client.get(ROUTE, headers=basic("minister")).get_json()["items"]
    assert [item["id"] for item in listed] == [mine]
    assert client.get(f"{ROUTE}/{roads}", headers=basic("minister")).status_code == 404
    assert client.get(f"{ROUTE}/{general}", headers=basic("minister")).status_code == 404
    assert client.get(f"{ROUTE}?sector=roads", headers=basic("minister")).status_code == 403
    everything = client.get(ROUTE, headers=basic("head")).get_json()["items"]
    assert {item["id"] for item in everything} == {mine, roads, general}
    one = client.get(f"{ROUTE}/{mine}", headers=basic("minister")).get_json()
    assert [event["action"] for event in one["history"]] == ["created"]


def test_status_over_the_api_and_its_refusals(store, engine, tmp_path):
    client = make_app(store, tmp_path).server.test_client()
    decision_id = client.post(ROUTE, json=body(store), headers=basic("operator")).get_json()["id"]
    moved = client.post(f"{ROUTE}/{decision_id}/status", json={"status": "in_progress"}, headers=basic("head"))
    assert moved.status_code == 200 and moved.get_json()["status"] == "in_progress"
    wrong = client.post(f"{ROUTE}/{decision_id}/status", json={"status": "assigned"}, headers=basic("head"))
    assert wrong.status_code == 400
    assert client.post(f"{ROUTE}/999/status", json={"status": "done"}, headers=basic("head")).status_code == 404
    bad = client.post(ROUTE, json={**body(store), "due": "31.02.2027"}, headers=basic("head"))
    assert bad.status_code == 400 and "due" in bad.get_json()["error"]
    history = client.get(f"{ROUTE}/{decision_id}", headers=basic("head")).get_json()["history"]
    assert [(e["actor"], e["action"]) for e in history] == [("operator", "created"), ("head", "status")]


def alert(engine, sector: str, oktmo: str, day: date, hour: int = 9) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(alerts).values(
                day=day,
                sector=sector,
                oktmo=oktmo,
                tension_index=80.0,
                reason="",
                payload="{}",
                created_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
                attempts=0,
            )
        )


def test_the_centres_kpi_against_a_hand_count(store, engine, region):
    """Spells: A (days 1–3, decided 30 h after its first alert, done on day 4), B (day 2, decided 5 days later: too
    late), C (day 4, an open decision from before it), A again (day 6: the first one done, none new), D (today, none
    yet: pending). Decisions recorded in the period: A's and B's with evidence, one without."""
    d = lambda n: TODAY - timedelta(days=10 - n)  # noqa: E731
    cells = {
        "A": ("zhkh", "97401000"),
        "B": ("roads", "97401000"),
        "C": ("zhkh", "97410000"),
        "D": ("health", "97401000"),
    }
    for day in (d(1), d(2), d(3)):
        alert(engine, *cells["A"], day)
    alert(engine, *cells["B"], d(2))
    alert(engine, *cells["C"], d(4))
    alert(engine, *cells["D"], TODAY)
    alert(engine, *cells["A"], d(6))  # a second spell of A: begins anew (d(4), d(5) had none), gets no decision

    def decided(cell, at: datetime, backed: bool = True, **extra) -> int:
        sector, oktmo = cells[cell]
        cell_of = Cell(sector, oktmo, None, d(0), d(1)) if backed else Cell(None, None, None, None, None)
        return records.record(
            engine, title="т", agency="а", due=TODAY, actor="head", cell=cell_of, evidence={} if backed else None,
            now=at, **extra,
        )  # fmt: skip

    first_a = decided("A", datetime.combine(d(1), datetime.min.time(), UTC) + timedelta(hours=9 + 30))
    records.set_status(engine, first_a, "done", "head", now=datetime.combine(d(4), datetime.min.time(), UTC))
    decided("B", datetime.combine(d(7), datetime.min.time(), UTC) + timedelta(hours=12))
    decided("C", datetime.combine(d(0) - timedelta(days=3), datetime.min.time(), UTC))  # before the period, open
    decided("A", datetime.combine(d(8), datetime.min.time(), UTC), backed=False)
    service = DecisionService(DashboardService(engine, region, clock=lambda: NOW), within_days=3)
    found = service.kpi((d(0), TODAY))
    # recorded in the period: A, B, the unbacked one (C's is from before it)
    assert (found.backed.part, found.backed.whole) == (2, 3)
    # spells begun in the period: A1, B, C, A2, D; D pending; A1 and C decided (B too late, A2 none)
    assert (found.critical_decided.part, found.critical_decided.whole, found.critical_pending) == (2, 4, 1)
    assert found.hours_to_decision == pytest.approx(30.0)
    assert found.with_effect.whole == 0  # nothing done four weeks ago
    public = found.public()
    assert public["critical_points_decided"] == {"part": 2, "of": 4, "share": 0.5, "pending": 1}


def test_spells_are_runs_of_consecutive_days(engine):
    for n in (1, 2, 4):
        alert(engine, "zhkh", "97401000", TODAY - timedelta(days=10 - n))
    spells = kpi.critical_spells(engine)
    assert [s.first_day for s in spells] == [TODAY - timedelta(days=9), TODAY - timedelta(days=6)]


def test_the_kpi_over_the_api_is_the_same_for_every_reader_of_the_same_scope(store, engine, tmp_path):
    add(store)
    client = make_app(store, tmp_path).server.test_client()
    head = client.get(f"{ROUTE}/kpi?period=30d", headers=basic("head")).get_json()
    operator = client.get(f"{ROUTE}/kpi?period=30d", headers=basic("operator")).get_json()
    assert head == operator and head["backed_by_data"] == {"part": 1, "of": 1, "share": 1.0}
    minister = client.get(f"{ROUTE}/kpi?period=30d", headers=basic("minister")).get_json()
    assert minister["backed_by_data"]["of"] == 1  # the zhkh decision is his sector's


def test_the_command_line_records_lists_and_moves_decisions(store, engine, monkeypatch):
    from typer.testing import CliRunner

    from dashboard import cli

    monkeypatch.setattr(cli, "_decisions", lambda: DecisionService(store))  # the test's store and clock
    runner = CliRunner()
    oktmo = hottest(store)["oktmo"]
    args = ["decision", "add", "--title", "Проверить котельную", "--agency", "Минстрой", "--due"]
    added = runner.invoke(
        cli.app,
        [*args, (TODAY + timedelta(days=3)).isoformat(), "--sector", "zhkh", "--municipality", oktmo,
         "--from", PERIOD[0].isoformat(), "--to", PERIOD[1].isoformat()],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "с основанием" in added.output
    refused = runner.invoke(cli.app, [*args, "2020-01-01"])
    assert refused.exit_code == 2 and "срок" in refused.output
    listed = json.loads(runner.invoke(cli.app, ["decision", "list", "--json"]).output)
    assert [row["evidence"]["messages"] for row in listed] == [hottest(store)["observed"]]
    moved = runner.invoke(cli.app, ["decision", "status", str(listed[0]["id"]), "done"])
    assert moved.exit_code == 0, moved.output
    assert records.get(engine, listed[0]["id"]).status == "done"


def test_the_briefing_carries_the_centres_figures_and_each_points_decision(store, engine):
    from io import BytesIO

    from openpyxl import load_workbook

    from dashboard.reports import briefing

    decision_id = add(store)
    service = DecisionService(store)
    filters = store.read_filters({"from": [PERIOD[0].isoformat()], "to": [PERIOD[1].isoformat()]})
    data = briefing.build(store, filters, "ru", service)
    points = data.points.rows
    point = hottest(store)
    decided = points[points["decision"].notna()]
    assert len(decided) == 1 and decided.iloc[0]["decision"].startswith(f"поручение №{decision_id} · назначено")
    assert decided.iloc[0]["municipality"] == store.region.name_of(point["oktmo"])
    centre = data.decisions.rows.set_index("indicator")
    assert centre.loc["Решений на данных ЦУР", "value"] == 1.0
    assert centre.loc["Решений на данных ЦУР", "basis"] == "1 из 1"
    workbook = load_workbook(BytesIO(briefing.xlsx(data, "ru")))
    assert "Решения ЦУР" in workbook.sheetnames
    assert workbook["Решения ЦУР"]["B2"].value == 1.0  # a share as a number, formatted as one


def test_only_an_open_decision_makes_a_point_handled(store, engine):
    """A decision done weeks ago still says so on its point, but the point — critical again — is not «handled»: the
    wall's strip stays red for it."""
    from dashboard.decisions.service import marked

    decision_id = add(store)
    service = DecisionService(store)
    cells = hottest(store)
    frame = pd.DataFrame({"sector": ["zhkh"], "oktmo": [cells["oktmo"]]})
    assert marked(frame, service.marks())["handling"].tolist() == [True]
    service.set_status(decision_id, "done")
    shown = marked(frame, service.marks())
    assert shown["handling"].tolist() == [False] and shown["decision"].iloc[0].startswith(f"поручение №{decision_id}")


def test_a_cancelled_decision_is_no_decision_for_the_kpi(store, engine, region):
    d = TODAY - timedelta(days=5)
    alert(engine, "waste", "97701000", d)
    cell = Cell("waste", "97701000", None, d - timedelta(days=6), d)
    at = datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=10)
    decision_id = records.record(engine, title="т", agency="а", due=TODAY, actor="head", cell=cell, evidence={}, now=at)
    records.set_status(engine, decision_id, "cancelled", "head", now=at + timedelta(hours=1))
    found = DecisionService(DashboardService(engine, region, clock=lambda: NOW)).kpi((d, TODAY))
    assert (found.critical_decided.part, found.critical_decided.whole) == (0, 1) and found.hours_to_decision is None


def test_a_sectors_decision_without_evidence_keeps_a_ministers_share_honest(store, engine, tmp_path):
    add(store)
    DecisionService(store).record(title="Совещание отрасли", agency="Минстрой", due=TODAY, sector="zhkh")
    client = make_app(store, tmp_path).server.test_client()
    share = client.get(f"{ROUTE}/kpi?period=30d", headers=basic("minister")).get_json()["backed_by_data"]
    assert share == {"part": 1, "of": 2, "share": 0.5}


def test_an_agency_is_found_whatever_its_letters_case(store, engine):
    add(store, agency="Минстрой Чувашии")
    found = DecisionService(store).listed(agency=" минстрой  ЧУВАШИИ ")
    assert len(found) == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"title": "x\x00y"}, 400),
        ({"from": "0001-01-01"}, 400),
        ({"topic": "т" * 201}, 400),
        ({"title": "\u200b\u200b"}, 400),
        ({"sector": None, "municipality": None}, 400),  # a period without a cell
        ({"due": "2099-01-01"}, 400),
    ],
)
def test_odd_input_is_refused_with_a_reason(store, tmp_path, change, status):
    client = make_app(store, tmp_path).server.test_client()
    answer = client.post(ROUTE, json={**body(store), **change}, headers=basic("head"))
    assert answer.status_code == status, answer.get_json()


def test_a_lone_surrogate_and_a_huge_number_are_refused_not_a_crash(store, tmp_path):
    client = make_app(store, tmp_path).server.test_client()
    raw = json.dumps({**body(store), "title": "x"}).replace('"x"', '"\\ud800"')
    answer = client.post(ROUTE, data=raw, content_type="application/json", headers=basic("head"))
    assert answer.status_code == 400
    huge = 10**30
    assert client.get(f"{ROUTE}/{huge}", headers=basic("head")).status_code == 404
    assert client.post(f"{ROUTE}/{huge}/status", json={"status": "done"}, headers=basic("head")).status_code == 404


def test_a_title_keeps_its_lines(store, engine):
    decision_id = add(store, title="Первое:  проверить\n\nВторое: доложить ")
    assert records.get(engine, decision_id).title == "Первое: проверить\nВторое: доложить"
