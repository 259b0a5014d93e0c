"""Loader rules on both stores: every rejection reason, reloads, updates, formats, bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from dashboard.loader.ahead import prepared_ahead
from dashboard.loader.demo import generate
from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import Ingestor, load_file, load_frame
from dashboard.loader.limits import LoadLimits
from dashboard.loader.readers import ROW, RawChunk
from dashboard.region import get_region
from dashboard.store import cube, db
from dashboard.store.schema import messages, rejected_rows, rollups
from tests.conftest import NOW

DEMO_REGION = get_region("chuvashia")


def rolled(conn, measure: str) -> int:
    """A measure summed over the cube's base slice at day grain: what the rollups say of all messages."""
    r = rollups.c
    return conn.execute(select(func.sum(r[measure])).where(r.grain == cube.DAY, r.dims == cube.MESSAGES.base)).scalar()


HEADER = "external_id,source,created_at,first_response_at,resolved_at,status,sector,topic,municipality,lat,lon,text\n"
GOOD = [
    "a1,vk,2026-11-01T10:00:00+03:00,2026-11-01T12:00:00+03:00,,answered,zhkh,Отопление,Чебоксары,,,Холодно",
    "a2,telegram,02.11.2026 09:00,,,new,,Ямы на дорогах,,56.13,47.25,Яма",  # sector inferred, place from point
    "a3,pos,2026-11-03 08:00,2026-11-03 09:00,2026-11-05 10:00,resolved,Здравоохранение,,Цивильский район,,,",
]


def write(tmp_path: Path, name: str, body: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def reasons(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(rejected_rows.c.row_number, rejected_rows.c.reason_code)).all())


BAD = {
    "missing_external_id": ",vk,2026-11-01 10:00,,,new,zhkh,,Чебоксары,,,",
    "unknown_source": "b1,fax,2026-11-01 10:00,,,new,zhkh,,Чебоксары,,,",
    "bad_created_at": "b2,vk,вчера,,,new,zhkh,,Чебоксары,,,",
    "future_date": "b3,vk,2031-01-01 10:00,,,new,zhkh,,Чебоксары,,,",
    "bad_first_response_at": "b4,vk,2026-11-01 10:00,скоро,,answered,zhkh,,Чебоксары,,,",
    "bad_resolved_at": "b5,vk,2026-11-01 10:00,,никогда,resolved,zhkh,,Чебоксары,,,",
    "answer_before_question": "b6,vk,2026-11-02 10:00,2026-11-01 10:00,,answered,zhkh,,Чебоксары,,,",
    "resolved_before_created": "b7,vk,2026-11-02 10:00,,2026-11-01 10:00,resolved,zhkh,,Чебоксары,,,",
    "unknown_status": "b8,vk,2026-11-01 10:00,,,потеряно,zhkh,,Чебоксары,,,",
    "unknown_sector": "b9,vk,2026-11-01 10:00,,,new,Космос,,Чебоксары,,,",
    "bad_coordinates": "b10,vk,2026-11-01 10:00,,,new,zhkh,,Чебоксары,95.5,47.2,",
    "point_outside_region": "b11,vk,2026-11-01 10:00,,,new,zhkh,,,55.75,37.62,",
    "unknown_municipality": "b12,vk,2026-11-01 10:00,,,new,zhkh,,Москва,,,",
    "duplicate_in_file": "a1,vk,2026-11-01T10:00:00+03:00,,,new,zhkh,,Чебоксары,,,",
}


def test_every_rejection_reason_is_recorded_and_good_rows_load(engine, tmp_path):
    # the duplicate of a1 comes first, so the later a1 row wins and the earlier one is rejected
    rows = [
        BAD["duplicate_in_file"],
        *GOOD,
        *[v for k, v in BAD.items() if k != "duplicate_in_file"],
        "b13,vk,2026-11-01 10:00,too,many,fields,here,x,y,z,w,v,u",
    ]
    path = write(tmp_path, "mixed.csv", HEADER + "\n".join(rows) + "\n")
    summary = load_file(path, engine, now=NOW, region=DEMO_REGION)
    assert summary.new == 3
    assert summary.rejected == len(BAD) + 1
    assert summary.rows_total == summary.loaded + summary.rejected == len(rows)
    found = set(reasons(engine).values())
    assert found == set(BAD) | {"bad_row"}
    assert reasons(engine)[2] == "duplicate_in_file"  # row 2 = first data line
    with engine.connect() as conn:
        got = dict(conn.execute(select(messages.c.external_id, messages.c.sector)).all())
        places = dict(conn.execute(select(messages.c.external_id, messages.c.oktmo)).all())
    assert got == {"a1": "zhkh", "a2": "roads", "a3": "health"}
    assert places == {"a1": "97701000", "a2": "97701000", "a3": "97541000"}


def test_reloading_the_same_file_changes_nothing(engine, tmp_path):
    path = write(tmp_path, "good.csv", HEADER + "\n".join([*GOOD, BAD["unknown_sector"]]) + "\n")
    first = load_file(path, engine, now=NOW, region=DEMO_REGION)
    with engine.connect() as conn:
        rollup_before = rolled(conn, "messages")
    second = load_file(path, engine, now=NOW, region=DEMO_REGION)
    assert (first.new, first.rejected) == (3, 1)
    assert (second.new, second.updated, second.unchanged, second.rejected) == (0, 0, 3, 1)
    assert count(engine, messages) == 3
    assert count(engine, rejected_rows) == 1  # the re-load's rejected rows replace the first run's
    with engine.connect() as conn:
        assert rolled(conn, "messages") == rollup_before == 3


def test_newer_export_updates_messages_and_rollups(engine, tmp_path):
    load_file(write(tmp_path, "v1.csv", HEADER + "\n".join(GOOD) + "\n"), engine, now=NOW, region=DEMO_REGION)
    newer = GOOD[1].replace(",,,new,", ",2026-11-02 10:30,,answered,")
    summary = load_file(
        write(tmp_path, "v2.csv", HEADER + "\n".join([GOOD[0], newer]) + "\n"), engine, now=NOW, region=DEMO_REGION
    )
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 1)
    with engine.connect() as conn:
        status = conn.execute(select(messages.c.status).where(messages.c.external_id == "a2")).scalar()
        answered = rolled(conn, "answered")
    assert status == "answered"
    assert answered == 3


def test_cp1251_semicolon_csv_with_quoted_multiline_field(engine, tmp_path):
    body = (
        "Номер;Канал;Дата обращения;Статус;Отрасль;Муниципалитет;Текст\r\n"
        'c1;ВКонтакте;01.11.2026 10:00;Новое;ЖКХ;г. Новочебоксарск;"Первая строка;\r\nвторая строка"\r\n'
        "c2;Телеграм;01.11.2026 11:00;в работе;Дороги;Канашский район;Ямы\r\n"
    )
    summary = load_file(write(tmp_path, "export.csv", body, "cp1251"), engine, now=NOW, region=DEMO_REGION)
    assert (summary.new, summary.rejected) == (2, 0)
    with engine.connect() as conn:
        text_value = conn.execute(select(messages.c.text).where(messages.c.external_id == "c1")).scalar()
    assert text_value == "Первая строка;\r\nвторая строка"


def test_utf8_bom_csv(engine, tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeff" + HEADER + GOOD[0] + "\n")
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 1


def test_excel(engine, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "Канал", "Дата создания", "Статус", "Сфера", "Район"])
    ws.append(["x1", "vk", "2026-11-01 10:00", "новое", "ЖКХ", "Ядринский район"])
    ws.append([2, "ok", "05.11.2026", "решено", "дороги", "97558000"])
    ws.append(["x3", "vk", "2026-11-01 10:00", "новое", "ЖКХ", "Атлантида"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    summary = load_file(path, engine, now=NOW, region=DEMO_REGION)
    assert (summary.new, summary.rejected) == (2, 1)
    assert set(reasons(engine).values()) == {"unknown_municipality"}


def test_open311_georeport_v2(engine, tmp_path):
    requests = [
        {
            "service_request_id": "638344",
            "status": "closed",
            "service_name": "Ямы на дорогах",
            "service_code": "roads",
            "description": "Большая яма",
            "requested_datetime": "2026-11-01T10:00:00+03:00",
            "updated_datetime": "2026-11-03T10:00:00+03:00",
            "address": "",
            "lat": 56.12,
            "long": 47.27,
            "agency_responsible": "Минтранс",
        },
        {
            "service_request_id": "638345",
            "status": "open",
            "service_name": "Вывоз мусора",
            "requested_datetime": "2026-11-02T10:00:00+03:00",
            "address": "Алатырь",
            "lat": None,
            "long": None,
        },
        {
            "service_request_id": "638346",
            "status": "open",
            "service_name": "Вывоз мусора",
            "requested_datetime": "2026-11-02T10:00:00+03:00",
            "lat": 59.9,
            "long": 30.3,
        },
    ]
    path = write(tmp_path, "requests.json", json.dumps(requests, ensure_ascii=False))
    mapping = write(tmp_path, "open311.toml", '[defaults]\nsource = "pos"\n')
    summary = load_file(path, engine, mapping_path=mapping, now=NOW, region=DEMO_REGION)
    assert summary.format == "open311"
    assert (summary.new, summary.rejected) == (2, 1)
    with engine.connect() as conn:
        row = conn.execute(select(messages).where(messages.c.external_id == "638344")).mappings().one()
    assert (row["status"], row["sector"], row["source"], row["oktmo"]) == ("resolved", "roads", "pos", "97701000")
    assert row["resolved_at"] is not None


def test_json_lines_with_a_broken_line(engine, tmp_path):
    lines = [
        json.dumps(
            {
                "external_id": "j1",
                "source": "vk",
                "created_at": "2026-11-01T10:00:00",
                "status": "new",
                "sector": "zhkh",
                "municipality": "Шумерля",
            },
            ensure_ascii=False,
        ),
        "{not json",
        "[1,2]",
    ]
    summary = load_file(write(tmp_path, "m.jsonl", "\n".join(lines) + "\n"), engine, now=NOW, region=DEMO_REGION)
    assert (summary.new, summary.rejected) == (1, 2)
    assert set(reasons(engine)) == {2, 3}


@pytest.mark.parametrize("suffix", ["toml", "yaml"])
def test_mapping_file_maps_foreign_columns_and_values(engine, tmp_path, suffix):
    body = (
        "Рег. номер|Откуда|Когда|Этап|Категория обращения|Территория\n"
        "m1|Соцсеть ВК|2026-11-01 10:00|Принято|Коммуналка|Канаш\n"
    )
    if suffix == "toml":
        mapping = (
            '[columns]\nexternal_id = "Рег. номер"\nsource = "Откуда"\ncreated_at = "Когда"\nstatus = "Этап"\n'
            'sector = "Категория обращения"\nmunicipality = "Территория"\n'
            '[values.source]\n"Соцсеть ВК" = "vk"\n[values.status]\n"Принято" = "new"\n'
            '[values.sector]\n"Коммуналка" = "zhkh"\n'
        )
    else:
        mapping = (
            "columns:\n  external_id: Рег. номер\n  source: Откуда\n  created_at: Когда\n  status: Этап\n"
            "  sector: Категория обращения\n  municipality: Территория\nvalues:\n  source: {Соцсеть ВК: vk}\n"
            "  status: {Принято: new}\n  sector: {Коммуналка: zhkh}\n"
        )
    summary = load_file(
        write(tmp_path, "foreign.csv", body),
        engine,
        mapping_path=write(tmp_path, f"m.{suffix}", mapping),
        now=NOW,
        region=DEMO_REGION,
    )
    assert (summary.new, summary.rejected) == (1, 0)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("empty.csv", b"", "пуст"),
        ("header_only.csv", b"external_id,created_at\n", "нет строк"),
        ("nothing.csv", "колонка1,колонка2\nx,y\n".encode(), "обязательные столбцы"),
        ("bad.json", b"{not json", "JSON"),
        ("binary.csv", bytes(range(256)) * 4, "кодировк"),
    ],
)
def test_unreadable_files_raise_a_clear_error(engine, tmp_path, name, body, message):
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(LoadError, match=message):
        load_file(path, engine, now=NOW, region=DEMO_REGION)


def test_utf16_excel_unicode_text_export(engine, tmp_path):
    body = "external_id\tsource\tcreated_at\tstatus\tsector\tmunicipality\nu1\tvk\t2026-11-01 10:00\tnew\tЖКХ\tКанаш\n"
    assert load_file(write(tmp_path, "unicode.txt", body, "utf-16"), engine, now=NOW, region=DEMO_REGION).new == 1


def test_missing_file(engine, tmp_path):
    with pytest.raises(LoadError, match="не найден"):
        load_file(tmp_path / "nope.csv", engine, now=NOW, region=DEMO_REGION)


def test_load_run_is_recorded(engine, tmp_path):
    load_file(write(tmp_path, "good.csv", HEADER + "\n".join(GOOD) + "\n"), engine, now=NOW, region=DEMO_REGION)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, rows_new, rows_rejected, checksum FROM load_runs")).one()
    assert row[0] == "done" and row[1] == 3 and row[2] == 0 and len(row[3]) == 64


@pytest.mark.postgres
def test_a_long_load_into_postgresql_refreshes_the_statistics_as_the_table_doubles(pg_engine, region, monkeypatch):
    """Autovacuum may be off (it is on this machine): the loader analyzes the messages itself as they double, or the
    stored-id lookup is planned for an empty table and scans. ``reltuples`` is −1 until the first ANALYZE."""
    monkeypatch.setattr(db, "GROWING_FROM", 500)
    seen = []

    def estimate(_rows: int, _bytes: int) -> None:
        with pg_engine.connect() as conn:
            seen.append(conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'messages'::regclass")).scalar())

    frame = generate(region, messages=3000, days=20, seed=3, now=NOW)
    load_frame(frame, pg_engine, "long", region, now=NOW, limits=LoadLimits(batch_size=500), progress=estimate)
    assert len(seen) == 6 and seen[0] >= 400  # analyzed after the first 500 rows
    assert sorted(set(seen)) == sorted(set(seen), key=seen.index) and len(set(seen)) == 2  # again at ~1 500


def _logged(monkeypatch, log: Path) -> None:
    """Every prepare (in the validating worker) and write (here) appended to ``log`` as it starts."""
    prepare, write = Ingestor.prepare, Ingestor.write

    def note(word: str) -> None:
        with log.open("a") as fh:
            fh.write(word + "\n")

    monkeypatch.setattr(Ingestor, "prepare", lambda self, chunk: note("prepare") or prepare(self, chunk))
    monkeypatch.setattr(Ingestor, "write", lambda self, checked: note("write") or write(self, checked))


def test_batches_are_validated_one_ahead_of_the_writes_and_nothing_is_lost(engine, region, monkeypatch, tmp_path):
    """The next batch is validated in a worker process while one is written: never far ahead (memory), and
    every row still ends loaded or rejected, once, with its own row number."""
    frame = generate(region, messages=1200, days=20, seed=5, now=NOW)
    frame.loc[950, "created_at"] = "вчера"  # a bad row in a later batch
    log = tmp_path / "order.log"
    _logged(monkeypatch, log)

    summary = load_frame(frame, engine, "batched", region, now=NOW, limits=LoadLimits(batch_size=100))

    events = log.read_text().split()
    batches = -(-len(frame) // 100)
    assert events.count("prepare") == events.count("write") == batches
    ahead = [events[:i].count("prepare") - events[:i].count("write") for i in range(len(events) + 1)]
    assert max(ahead) <= 2  # the batch being written and the one being validated
    assert (summary.new, summary.rejected) == (len(frame) - 1, 1)
    assert reasons(engine) == {951: "bad_created_at"}
    assert count(engine, messages) == len(frame) - 1
    with engine.connect() as conn:
        assert rolled(conn, "messages") == len(frame) - 1


def test_an_error_while_validating_a_later_batch_surfaces_after_the_batches_before_it(engine, region, monkeypatch):
    """The demo's path (``load_frame``) ends a failed run like ``load_file``: recorded failed, with the error, and
    the rollups counting the whole batches it wrote."""
    frame = generate(region, messages=800, days=20, seed=6, now=NOW)
    prepare = Ingestor.prepare

    def failing(self, chunk):
        if chunk.frame[ROW].iloc[0] > 500:
            raise ValueError("сбой проверки")
        return prepare(self, chunk)

    monkeypatch.setattr(Ingestor, "prepare", failing)
    with pytest.raises(ValueError, match="сбой проверки"):
        load_frame(frame, engine, "failing", region, now=NOW, limits=LoadLimits(batch_size=100))
    assert count(engine, messages) == 500  # the five whole batches before it, nothing of the rest
    with engine.connect() as conn:
        status, error = conn.execute(text("SELECT status, error FROM load_runs")).one()
        assert rolled(conn, "messages") == 500
    assert status == "failed" and "сбой проверки" in error


def test_a_validating_process_that_dies_is_a_clear_error(engine, region, monkeypatch):
    frame = generate(region, messages=400, days=20, seed=6, now=NOW)
    prepare = Ingestor.prepare

    def dying(self, chunk):
        if chunk.frame[ROW].iloc[0] > 200:
            os._exit(3)  # killed: out of memory, a signal
        return prepare(self, chunk)

    monkeypatch.setattr(Ingestor, "prepare", dying)
    with pytest.raises(LoadError, match="процесс проверки строк завершился"):
        load_frame(frame, engine, "dying", region, now=NOW, limits=LoadLimits(batch_size=100))
    assert count(engine, messages) == 200


def test_a_read_error_after_some_chunks_surfaces_after_them_validated():
    """A file that breaks off mid-way: the chunks read before the break are still handed over, then the error."""

    def chunks():
        for i in range(3):
            yield RawChunk(pd.DataFrame({ROW: [i]}), bytes_read=10 * i)
        raise LoadError("файл оборвался")

    seen = []
    with pytest.raises(LoadError, match="оборвался"):
        for prepared, bytes_read in prepared_ahead(lambda chunk: int(chunk.frame[ROW].iloc[0]), chunks()):
            seen.append((prepared, bytes_read))
    assert seen == [(0, 0), (1, 10), (2, 20)]


def test_a_text_longer_than_the_limit_is_cut_marked_and_counted(engine, tmp_path):
    """The hostile tester loaded a 60 000-character message (its day's API page then took 10.9 s to mask): a load
    keeps at most TSUR_MAX_TEXT_CHARS of a text, says so in the text and counts it in the summary."""
    from dashboard.loader.validate import TRUNCATED
    from dashboard.settings import get_settings

    huge = "Ж" * 60_000
    body = HEADER + GOOD[0] + "\n" + GOOD[1].replace(",Яма", f",{huge}") + "\n"
    summary = load_file(write(tmp_path, "long.csv", body), engine, now=NOW, region=DEMO_REGION)
    assert (summary.new, summary.truncated, summary.as_dict()["truncated"]) == (2, 1, 1)
    most = get_settings().max_text_chars
    with engine.connect() as conn:
        stored = dict(conn.execute(select(messages.c.external_id, messages.c.text)).all())
    assert stored["a1"] == "Холодно"
    assert stored["a2"] == "Ж" * most + TRUNCATED and stored["a2"].endswith("… [обрезано]")
