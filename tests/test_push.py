"""``POST /api/v1/messages``: an integration (role feed) pushes messages — the same validation as a file, idempotent
on (source, external_id), only its own channels, only with a token in the header, limited; and it reads nothing."""

from __future__ import annotations

import contextlib
import json
import threading
import time

import pytest
from sqlalchemy import func, select

from dashboard import accounts
from dashboard.accounts import AccountError
from dashboard.loader.ingest import Ingestor
from dashboard.loader.push import PushRefused, push, read_batch
from dashboard.loader.readers import BLANK
from dashboard.store import late
from dashboard.store.schema import load_runs, messages, rollup_late
from tests import test_auth
from tests.test_auth import PASSWORD, basic, login, make_app
from tests.test_roles import route_page

service = test_auth.service  # the fixture: a store with the hand-made rows and the accounts

ROUTE = "/api/v1/messages"


def record(n: int, **extra) -> dict:
    return {
        "external_id": f"push-{n}",
        "created_at": f"2026-11-1{n % 10} 09:{n % 60:02d}",
        "sector": "zhkh",
        "municipality": "Чебоксары",
        "status": "new",
        "text": f"сообщение {n}",
        **extra,
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def feed(service):
    """The token of a feed account that writes the POS channel."""
    return accounts.add_user(service.engine, "pos-feed", "feed", sources=("pos",))


def stored(engine, source: str = "pos") -> int:
    """Pushed messages (``push-…``) stored under ``source``."""
    m = messages.c
    query = select(func.count()).where(m.source == source, m.external_id.like("push-%"))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def test_a_feed_account_needs_a_channel_and_gets_a_token_not_a_password(service):
    with pytest.raises(AccountError, match="источник"):
        accounts.add_user(service.engine, "nofeed", "feed")
    with pytest.raises(AccountError, match="неизвестный источник"):
        accounts.add_user(service.engine, "badfeed", "feed", sources=("fax",))
    with pytest.raises(AccountError, match="пароля"):
        accounts.add_user(service.engine, "pwfeed", "feed", PASSWORD, sources=("vk",))
    with pytest.raises(AccountError, match="только роли feed"):
        accounts.add_user(service.engine, "headsrc", "head", PASSWORD, sources=("vk",))
    token = accounts.add_user(service.engine, "vk-feed", "feed", sources=("vk", "ok"))
    assert token and token.startswith("tsur_")
    found = accounts.check_token(service.engine, token)
    assert (found.role, found.sources, found.texts) == ("feed", ("ok", "vk"), False)
    assert {a.name: a.sources for a in accounts.list_users(service.engine)}["vk-feed"] == ("ok", "vk")


def test_a_pushed_batch_loads_once_and_a_change_updates(service, feed, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    batch = [record(n) for n in range(10)]
    first = client.post(ROUTE, json=batch, headers=bearer(feed))
    assert first.status_code == 200, first.get_json()
    assert {k: first.get_json()[k] for k in ("rows", "new", "updated", "unchanged", "rejected")} == {
        "rows": 10,
        "new": 10,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert stored(service.engine) == 10  # no source in the items: the feed's one channel
    again = client.post(ROUTE, json=batch, headers=bearer(feed)).get_json()
    assert (again["new"], again["unchanged"]) == (0, 10)
    batch[3]["status"] = "resolved"
    batch[3]["resolved_at"] = "2026-11-19 10:00"
    changed = client.post(ROUTE, json={"messages": batch}, headers=bearer(feed)).get_json()
    assert (changed["new"], changed["updated"], changed["unchanged"]) == (0, 1, 9)
    assert stored(service.engine) == 10
    with service.engine.connect() as conn:
        labels = conn.execute(select(load_runs.c.file).where(load_runs.c.file.like("api:%"))).scalars().all()
    assert labels == ["api:pos-feed"] * 3  # every push is a run of its own, named by its account


def test_json_lines_with_a_broken_line_refuse_that_line_alone(service, feed, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    lines = [json.dumps(record(1)), "{not json", json.dumps(record(2, sector="nosuch")), json.dumps(record(3))]
    answer = client.post(
        ROUTE, data="\n".join(lines), content_type="application/x-ndjson", headers=bearer(feed)
    ).get_json()
    assert (answer["new"], answer["rejected"]) == (2, 2)
    refused = {item["item"]: item["code"] for item in answer["rejected_rows"]}
    assert refused == {2: "bad_row", 3: "unknown_sector"}
    assert stored(service.engine) == 2


def test_a_feed_writes_only_its_own_channels(service, feed, tmp_path):
    """Each row is held to the feed's channels after it is read — whatever column or synonym names the channel, in
    whichever chunk it comes — and a row naming none is of the feed's one channel."""
    client = make_app(service, tmp_path, batch_size=100).server.test_client()
    batch = [record(n, канал="vk") for n in range(100)]  # a chunk of its own, the channel under a synonym
    batch += [record(100, source="pos"), record(101), record(102, source="ВКонтакте"), record(103, source=" ")]
    answer = client.post(ROUTE, json=batch, headers=bearer(feed)).get_json()
    assert (answer["new"], answer["rejected"]) == (3, 101)
    assert {item["code"] for item in answer["rejected_rows"]} == {"foreign_source"}
    assert stored(service.engine) == 3 and stored(service.engine, "vk") == 0


def test_a_feed_reads_nothing(service, feed, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    for path in ("/api/v1/summary", "/api/v1/messages", "/api/v1/sources", "/api/v1/users", "/", "/wall", "/briefing"):
        assert client.get(path, headers=bearer(feed)).status_code == 403, path
    assert route_page(client, "/").status_code == 401  # no session either
    assert client.get(f"/wall?token={feed}").status_code == 401  # its token opens no session
    assert route_page(client, "/wall").status_code == 401
    for shell in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash"):  # a page's start-up: it has no page
        assert client.get(shell, headers=bearer(feed)).status_code == 403, shell


@pytest.mark.parametrize("role", ["head", "minister", "wall"])
def test_only_feed_and_admin_may_write(service, tmp_path, role):
    client = make_app(service, tmp_path).server.test_client()
    if role == "wall":
        token = accounts.add_user(service.engine, "screen", "wall")
    else:
        token = accounts.issue_token(service.engine, role)
    assert client.post(ROUTE, json=[record(1)], headers=bearer(token)).status_code == 403
    admin = client.post(ROUTE, json=[record(1, source="pos")], headers=basic("admin"))
    assert admin.status_code == 200 and admin.get_json()["new"] == 1


def test_a_signed_in_browser_cannot_write_so_no_other_site_can_make_it(service, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    login(client, "admin")
    assert client.get("/api/v1/summary").status_code == 200  # the session works
    answer = client.post(ROUTE, json=[record(1, source="pos")])
    assert answer.status_code == 403 and "Authorization" in answer.get_json()["error"]
    assert stored(service.engine) == 0


def test_wrong_bodies_are_refused_whole_with_the_reason(service, feed, tmp_path):
    client = make_app(service, tmp_path, feed_batch=5).server.test_client()
    too_many = client.post(ROUTE, json=[record(n) for n in range(6)], headers=bearer(feed))
    assert too_many.status_code == 413 and "не больше 5" in too_many.get_json()["error"]
    form = client.post(ROUTE, data={"external_id": "x"}, headers=bearer(feed))
    assert form.status_code == 415
    broken = client.post(ROUTE, data="[{", content_type="application/json", headers=bearer(feed))
    assert broken.status_code == 400
    unnamed = client.post(ROUTE, json=[{"text": "без номера и даты"}], headers=bearer(feed))
    assert unnamed.status_code == 400 and "external_id" in unnamed.get_json()["error"]
    assert client.post(ROUTE, json=[], headers=bearer(feed)).status_code == 400
    assert stored(service.engine) == 0


def test_a_body_over_the_byte_limit_is_refused_unread(service, feed, tmp_path):
    client = make_app(service, tmp_path, feed_max_bytes=2048).server.test_client()
    answer = client.post(ROUTE, json=[record(n) for n in range(40)], headers=bearer(feed))
    assert answer.status_code == 413 and "2048" in answer.get_json()["error"]


def test_pushes_are_rate_limited_per_account(service, feed, tmp_path):
    client = make_app(service, tmp_path, feed_limit="2/minute").server.test_client()
    codes = [client.post(ROUTE, json=[record(1)], headers=bearer(feed)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    late = client.post(ROUTE, json=[record(1)], headers=bearer(feed))
    assert int(late.headers["Retry-After"]) >= 1


def test_two_pushes_of_the_same_batch_at_once_store_it_once(service, feed, tmp_path):
    """Both read «not stored» and insert: the second meets the unique key (or, in PostgreSQL, the two deadlock when
    their orders differ), reads again and finds them stored."""
    app = make_app(service, tmp_path, feed_limit="100/minute")
    batch = [record(n) for n in range(200)]
    answers: list[dict] = []

    def send(items: list[dict]) -> None:
        answers.append(app.server.test_client().post(ROUTE, json=items, headers=bearer(feed)).get_json())

    threads = [threading.Thread(target=send, args=(items,)) for items in (batch, batch[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stored(service.engine) == 200
    assert sum(a["new"] for a in answers) == 200 and all(a["rejected"] == 0 for a in answers), answers


def test_read_batch_keeps_each_items_place():
    items = read_batch(b'{"a": 1}\n\n[1]\n{bad\n', "application/x-ndjson; charset=utf-8", 10)
    assert [type(i).__name__ for i in items] == ["dict", "object", "list", "Unreadable"] and items[1] is BLANK
    with pytest.raises(PushRefused) as refused:
        read_batch(b"\xff\xfe", "application/json", 10)
    assert refused.value.status == 400


def test_numbers_stay_the_numbers_sent(service, feed, tmp_path):
    """A column of numbers with a gap became floats: id 1001 stored as «1001.0» (a second message when sent again
    alone), two 17-digit ids rounded into one, OKTMO 97701000 unknown as «97701000.0»."""
    client = make_app(service, tmp_path).server.test_client()
    batch = [
        record(1, external_id=1001),
        record(2, external_id=None),
        record(3, external_id=9007199254740993),
        record(4, external_id=9007199254740992),
        record(5, municipality=97701000),
        record(6, municipality=None, lat=56.13, lon=47.25),
    ]
    first = client.post(ROUTE, json=batch, headers=bearer(feed)).get_json()
    assert (first["new"], first["rejected"]) == (5, 1)
    again = client.post(ROUTE, json=[record(1, external_id=1001)], headers=bearer(feed)).get_json()
    assert (again["new"], again["unchanged"]) == (0, 1)
    with service.engine.connect() as conn:
        ids = set(conn.execute(select(messages.c.external_id).where(messages.c.source == "pos")).scalars())
    assert {"1001", "9007199254740993", "9007199254740992"} <= ids


def test_odd_json_is_refused_with_a_reason_never_a_crash(service, feed, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    deep = "[" * 100_000 + "]" * 100_000
    assert client.post(ROUTE, data=deep, content_type="application/json", headers=bearer(feed)).status_code == 400
    lines = "\n".join(
        [json.dumps(record(1)), deep, '{"external_id": "s1", "created_at": "2026-11-12", "text": "x\\ud800y"}']
    )
    answer = client.post(ROUTE, data=lines, content_type="application/x-ndjson", headers=bearer(feed))
    assert answer.status_code == 200
    assert {(i["item"], i["code"]) for i in answer.get_json()["rejected_rows"]} == {(2, "bad_row"), (3, "bad_row")}
    separators = [record(7, text="строка\u2028вторая"), record(8, text="конец\x85")]
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in separators)
    kept = client.post(ROUTE, data=lines.encode(), content_type="application/x-ndjson", headers=bearer(feed))
    assert (kept.get_json()["new"], kept.get_json()["rejected"]) == (2, 0)  # U+2028, U+0085 are no line breaks


def test_json_lines_items_are_numbered_by_line(service, feed, tmp_path):
    client = make_app(service, tmp_path).server.test_client()
    lines = "\n".join([json.dumps(record(1)), "", "", json.dumps(record(2, sector="nosuch"))])
    answer = client.post(ROUTE, data=lines, content_type="application/x-ndjson", headers=bearer(feed)).get_json()
    assert [(i["item"], i["code"]) for i in answer["rejected_rows"]] == [(4, "unknown_sector")]


def test_thousands_of_other_keys_cost_nothing(service, feed, tmp_path):
    """Records each with a key of its own made a table of items × keys: 10 s for 2000 such records."""
    client = make_app(service, tmp_path).server.test_client()
    batch = [record(n, **{f"extra_{n}": "x"}) for n in range(2000)]
    started = time.perf_counter()
    answer = client.post(ROUTE, json=batch, headers=bearer(feed))
    assert answer.status_code == 200 and answer.get_json()["new"] == 2000
    assert time.perf_counter() - started < 5


def test_a_huge_batch_is_refused_before_it_is_all_read(service, feed, tmp_path):
    client = make_app(service, tmp_path, feed_batch=10).server.test_client()
    many = "[" + ",".join(["{}"] * 300_000) + "]"
    answer = client.post(ROUTE, data=many, content_type="application/json", headers=bearer(feed))
    assert answer.status_code == 413
    wrapped = '{"messages": ' + many + "}"
    assert client.post(ROUTE, data=wrapped, content_type="application/json", headers=bearer(feed)).status_code == 413
    lines = "\n".join(["{}"] * 300_000)
    assert client.post(ROUTE, data=lines, content_type="application/x-ndjson", headers=bearer(feed)).status_code == 413


def _late_totals(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.sum(rollup_late.c.starts), func.sum(rollup_late.c.ends))).one())


def test_two_writers_changing_one_message_at_once_count_its_change_once(service, feed, region, monkeypatch):
    """Both read the stored version, then both swap its late events for the new ones: the overdue backlog counted
    the answer twice (and went negative). The second writer now finds the message changed and reads again."""
    engine = service.engine
    push(items=[record(1)], engine=engine, account="a", sources=("pos",), region=region)
    read = Ingestor._existing
    barrier = threading.Barrier(2, timeout=30)

    def both_read_first(self, conn, good):
        found = read(self, conn, good)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(Ingestor, "_existing", both_read_first)
    answered = record(1, status="answered", first_response_at="2026-11-25 10:00")
    results: list = []

    def send() -> None:
        results.append(push([answered], engine, account="a", sources=("pos",), region=region).summary)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(Ingestor, "_existing", read)
    assert sorted((r.updated, r.unchanged) for r in results) == [(0, 1), (1, 0)]
    counted = _late_totals(engine)
    with engine.begin() as conn:
        late.rebuild(conn, region.timezone)
    assert counted == _late_totals(engine)
