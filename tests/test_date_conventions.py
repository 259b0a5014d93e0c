"""Each date field of a load is read in one convention, never two (dashboard/loader/dates.py).

Reproduces a real export read silently wrong: without ``dayfirst = false`` its ``12/31/2017`` was read month first
(it cannot be otherwise) and its ``01/02/2018`` as 1 February in the same column."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import load_file
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.region import get_region
from dashboard.store.schema import messages, rejected_rows
from tests.conftest import NOW
from tests.test_loader import count, write

DEMO_REGION = get_region("chuvashia")

HEADER = "external_id,source,created_at,first_response_at,status,sector,municipality\n"
US = "%m/%d/%Y %I:%M:%S %p"


def rows(*dates: tuple[str, str]) -> str:
    return HEADER + "".join(
        f"d{i},vk,{created},{answered},answered,zhkh,Канаш\n" for i, (created, answered) in enumerate(dates)
    )


def created(engine) -> dict[str, datetime]:
    with engine.connect() as conn:
        found = conn.execute(select(messages.c.external_id, messages.c.created_at)).all()
    return {key: (at if at.tzinfo else at.replace(tzinfo=UTC)) for key, at in found}


def load(engine, tmp_path, body: str, mapping: str | None = None, limits: LoadLimits = DEFAULT_LIMITS):
    path = write(tmp_path, "export.csv", body)
    stated = write(tmp_path, "m.toml", mapping) if mapping is not None else None
    return load_file(path, engine, mapping_path=stated, now=NOW, region=DEMO_REGION, limits=limits)


def test_a_column_that_tells_its_order_is_read_in_it_throughout(engine, tmp_path):
    """31 is no month: the column is month first, and 01/02/2026 is 2 January, not 1 February."""
    body = rows(("10/31/2026 09:00", "10/31/2026 11:00"), ("01/02/2026 09:00", "01/02/2026 10:00"))
    assert load(engine, tmp_path, body).new == 2
    at = created(engine)
    assert (at["d1"].month, at["d1"].day) == (1, 2)  # 2 January, 06:00 UTC (09:00 in Cheboksary, UTC+3)


def test_a_column_that_cannot_tell_is_refused_with_examples(engine, tmp_path):
    body = rows(("01/02/2026 09:00", ""), ("03/04/2026 10:00", ""))
    with pytest.raises(LoadError) as refused:
        load(engine, tmp_path, body)
    message = str(refused.value)
    assert "поле created_at" in message and "«01/02/2026 09:00»" in message and "dayfirst" in message
    assert count(engine, messages) == 0


def test_a_column_in_both_orders_is_refused(engine, tmp_path):
    body = rows(("12/31/2025 09:00", ""), ("31/12/2025 10:00", ""))
    with pytest.raises(LoadError, match="в двух порядках сразу") as refused:
        load(engine, tmp_path, body)
    assert "«12/31/2025 09:00»" in str(refused.value) and "«31/12/2025 10:00»" in str(refused.value)
    assert count(engine, messages) == 0


def test_the_stated_order_reads_the_column_and_rejects_the_other_order_with_its_row(engine, tmp_path):
    body = rows(("01/02/2026 09:00", ""), ("12/31/2025 10:00", ""))
    summary = load(engine, tmp_path, body, "[options]\ndayfirst = true\n")
    assert (summary.new, summary.rejected) == (1, 1)
    assert (created(engine)["d0"].month, created(engine)["d0"].day) == (2, 1)  # 1 February, as stated
    with engine.connect() as conn:
        assert conn.execute(select(rejected_rows.c.reason_code)).scalar() == "bad_created_at"


def test_a_stated_format_reads_twelve_hour_times(engine, tmp_path):
    body = rows(("01/02/2026 09:15:00 PM", "01/03/2026 08:00:00 AM"))
    mapping = f'[formats]\ncreated_at = "{US}"\nfirst_response_at = "{US}"\n'
    assert load(engine, tmp_path, body, mapping).new == 1
    assert created(engine)["d0"] == datetime(2026, 1, 2, 18, 15, tzinfo=UTC)  # 21:15 in Cheboksary


def test_the_other_date_fields_tell_an_undecided_one(engine, tmp_path):
    """created_at cannot tell, the answers' column can: an export writes its dates one way."""
    body = rows(("01/02/2026 09:00", "01/13/2026 10:00"))
    assert load(engine, tmp_path, body).new == 1
    assert (created(engine)["d0"].month, created(engine)["d0"].day) == (1, 2)


def test_dotted_and_iso_dates_need_no_mapping(engine, tmp_path):
    body = rows(("03.04.2026 09:00", "03.04.2026 10:00"), ("2026-04-05 09:00", ""))
    assert load(engine, tmp_path, body).new == 2
    assert (created(engine)["d0"].month, created(engine)["d0"].day) == (4, 3)  # 3 April


def test_a_format_for_a_field_that_is_no_date_is_refused(engine, tmp_path):
    with pytest.raises(LoadError, match=r"\[formats\]: не поля даты sector"):
        load(engine, tmp_path, rows(("2026-04-05 09:00", "")), '[formats]\nsector = "%d"\n')


SMALL_BATCHES = LoadLimits(batch_size=100)  # what decides a field's order must be the whole file, not its first chunk


def test_a_later_chunk_tells_the_order_of_the_whole_file(engine, tmp_path):
    """Sorted by date, its first chunk holds only days 1–12 (either order fits); the 13th tells: month first."""
    early = [(f"01/{1 + i % 12:02d}/2026 09:00", "") for i in range(150)]
    late = [(f"01/{13 + i % 10}/2026 09:00", "") for i in range(50)]
    summary = load(engine, tmp_path, rows(*early, *late), limits=SMALL_BATCHES)
    assert (summary.new, summary.rejected) == (200, 0)
    assert {(at.month, at.day) for at in created(engine).values()} == {(1, day) for day in range(1, 23)}


def test_the_first_chunk_cannot_decide_alone_for_a_later_one(engine, tmp_path):
    """Every value of the first chunk reads the same either way; a later one can only be month first."""
    same = [("05/05/2026 09:00", "")] * 120
    summary = load(
        engine, tmp_path, rows(*same, ("12/31/2025 09:00", ""), ("01/02/2026 09:00", "")), limits=SMALL_BATCHES
    )
    assert (summary.new, summary.rejected) == (122, 0)
    assert (created(engine)["d121"].month, created(engine)["d121"].day) == (1, 2)


def test_dots_decide_their_own_field_before_another_fields_order(engine, tmp_path):
    body = rows(("03.04.2026 09:00", "04/15/2026 10:00"))
    assert load(engine, tmp_path, body).new == 1
    assert (created(engine)["d0"].month, created(engine)["d0"].day) == (4, 3)  # 3 April, not 4 March


@pytest.mark.parametrize(
    ("name", "mapping", "said"),
    [
        ("m.toml", '[options]\ndayfirst = "false"\n', "нужно true или false без кавычек"),
        ("m.toml", '[values]\nstatus = "new"\n', "[values.status]: нужна таблица значений"),
        ("m.yaml", "options:\ncolumns:\n  external_id: external_id\n", None),  # empty sections are no error
    ],
)
def test_mapping_files_with_odd_shapes_are_answered_clearly(engine, tmp_path, name, mapping, said):
    path = write(tmp_path, "export.csv", rows(("2026-04-05 09:00", "")))
    stated = write(tmp_path, name, mapping)
    if said is None:
        assert load_file(path, engine, mapping_path=stated, now=NOW, region=DEMO_REGION).new == 1
        return
    with pytest.raises(LoadError) as refused:
        load_file(path, engine, mapping_path=stated, now=NOW, region=DEMO_REGION)
    assert said in str(refused.value)


def test_offsets_in_every_form_and_bare_dates_are_read_without_a_crash(engine, tmp_path):
    """``+03`` (no minutes) made the whole load fail with a TypeError; a bare ``2026-04-03`` is local midnight."""
    body = rows(("2026-04-03 10:00:00+03", ""), ("2026-04-03T10:00:00+0300", ""), ("2026-04-03", ""))
    assert load(engine, tmp_path, body).new == 3
    at = created(engine)
    assert at["d0"] == at["d1"] == datetime(2026, 4, 3, 7, 0, tzinfo=UTC)
    assert at["d2"] == datetime(2026, 4, 2, 21, 0, tzinfo=UTC)  # midnight in Cheboksary (UTC+3)


def stored(engine, key: str) -> dict:
    m = messages.c
    with engine.connect() as conn:
        row = conn.execute(
            select(m.created_at, m.first_response_at, m.response_hours, m.date_only).where(m.external_id == key)
        ).one()
    return row._asdict()


def test_a_same_day_answer_given_as_a_date_is_that_day_not_before_the_message(engine, tmp_path):
    """The real export's date-only closing times (midnight) fell before the same day's message: 12 complaints were
    rejected «решение раньше обращения». A date is a day: the row loads, exact to the day, and says so."""
    body = rows(("05.01.2026 14:30", "05.01.2026"), ("05.01.2026 09:00", "07.01.2026"), ("05.01.2026 10:00", ""))
    summary = load(engine, tmp_path, body)
    assert (summary.new, summary.rejected) == (3, 0)
    assert summary.notes["answered_same_day"] == 1
    same_day = stored(engine, "d0")
    assert same_day["response_hours"] == 0 and same_day["date_only"] == 2  # the answer's date had no time
    later = stored(engine, "d1")  # two days later: from that day's start, 06:00 → 00:00 two days on
    assert later["response_hours"] == pytest.approx(39.0) and later["date_only"] == 2
    assert stored(engine, "d2")["date_only"] == 0


def test_a_field_of_midnights_holds_dates_and_a_field_with_times_keeps_its_rule(engine, tmp_path):
    """``01/05/2026 12:00:00 AM`` in a field whose every value is midnight is a date; in a field that has times
    elsewhere, a midnight before the message is still an answer before the question."""
    mapping = f'[formats]\ncreated_at = "{US}"\nfirst_response_at = "{US}"\n'
    midnights = rows(("01/05/2026 02:30:00 PM", "01/05/2026 12:00:00 AM"), ("01/06/2026 09:00:00 AM", ""))
    summary = load(engine, tmp_path, midnights, mapping)
    assert (summary.new, summary.rejected) == (2, 0)
    assert stored(engine, "d0")["response_hours"] == 0 and stored(engine, "d0")["date_only"] == 2
    times = rows(
        ("01/05/2026 02:30:00 PM", "01/05/2026 12:00:00 AM"), ("01/06/2026 09:00:00 AM", "01/06/2026 10:15:00 AM")
    )
    summary = load(engine, tmp_path, times.replace("d0,", "t0,").replace("d1,", "t1,"), mapping)
    assert (summary.new, summary.rejected) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(rejected_rows.c.reason_code)).scalar() == "answer_before_question"
