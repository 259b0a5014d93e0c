"""Property-based loader tests (hypothesis): files of random good, malformed and hostile rows.

Whatever the file holds, the loader does not crash; every row is loaded or rejected with a known reason; the
counts add up; every good row is in the store; loading the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dashboard.loader.errors import REASONS
from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.store.schema import messages, rejected_rows
from tests.conftest import NOW

DEMO_REGION = get_region("chuvashia")

HEADER = ["external_id", "source", "created_at", "first_response_at", "status", "sector", "municipality", "text"]
SECTORS = ["zhkh", "roads", "health", "ЖКХ", "Дороги"]
PLACES = ["Чебоксары", "Канаш", "г. Новочебоксарск", "97701000"]
_ids = itertools.count()

junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
good_row = st.builds(
    lambda minutes, answer, status, sector, place, text: [
        f"good-{next(_ids)}",
        "vk",
        (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M"),
        (NOW - timedelta(minutes=minutes) + timedelta(minutes=answer)).strftime("%Y-%m-%d %H:%M") if answer else "",
        status,
        sector,
        place,
        text,
    ],
    st.integers(60 * 24, 60 * 24 * 300),
    st.one_of(st.none(), st.integers(1, 60 * 23)),
    st.sampled_from(["new", "in_progress", "answered", "resolved"]),
    st.sampled_from(SECTORS),
    st.sampled_from(PLACES),
    junk,
)
# anything in any field: dates that are not dates, unknown codes, markup, formulas, empty ids, huge values
bad_row = st.lists(
    st.one_of(
        junk,
        st.sampled_from(["", '=HYPERLINK("http://x")', "<script>alert(1)</script>", "31.02.2026", "9" * 30]),
    ),
    min_size=len(HEADER),
    max_size=len(HEADER),
).map(lambda fields: [f"bad-{next(_ids)}-{fields[0]}"[:100], *fields[1:]])
# a row of the wrong width (a lone empty field is a blank line: not a record at all)
# a line of one field with nothing but spaces and NULs is a blank line to the reader (NUL is never data: dropped
# as the file is read), skipped as blank lines are — not a row of the wrong width
wrong_width = st.lists(junk, min_size=1, max_size=12).filter(
    lambda f: len(f) != len(HEADER) and not (len(f) == 1 and not f[0].replace("\x00", "").strip())
)


def write(path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def stored(engine, ids: list[str]) -> set[str]:
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found |= set(conn.execute(select(messages.c.external_id).where(messages.c.external_id.in_(part))).scalars())
    return found


def message_count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(messages)).scalar())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.one_of(good_row.map(lambda r: ("good", r)), bad_row.map(lambda r: ("bad", r))), min_size=1, max_size=60
    ),
    broken=st.lists(wrong_width, max_size=5),
)
def test_every_row_is_loaded_or_rejected_with_a_reason(engine, tmp_path_factory, rows, broken):
    path = tmp_path_factory.mktemp("prop") / "export.csv"
    records = [r for _, r in rows] + broken
    write(path, records)
    before = message_count(engine)

    summary = load_file(path, engine, now=NOW, region=DEMO_REGION)

    assert summary.rows_total == len(records)  # nothing silently skipped
    assert summary.new + summary.updated + summary.unchanged + summary.rejected == summary.rows_total
    assert message_count(engine) - before == summary.new
    assert set(summary.reasons) <= set(REASONS)
    with engine.connect() as conn:
        recorded = conn.execute(
            select(rejected_rows.c.reason_code, rejected_rows.c.reason).where(
                rejected_rows.c.load_id == summary.load_id
            )
        ).all()
    assert len(recorded) == summary.rejected and all(code in REASONS and reason for code, reason in recorded)
    good_ids = [r[0] for kind, r in rows if kind == "good"]
    assert stored(engine, good_ids) == set(good_ids)  # never drop a good row
    assert summary.rejected >= len(broken)

    again = load_file(path, engine, now=NOW, region=DEMO_REGION)  # the same file again: nothing new, nothing twice
    assert again.new == 0 and again.updated == 0
    assert again.unchanged == summary.new + summary.updated and again.rejected == summary.rejected
    assert message_count(engine) - before == summary.new


def test_a_stray_nul_is_dropped_on_both_stores(engine, tmp_path):
    """Found by the property test: one NUL in one text refused the whole file (and PostgreSQL cannot store it)."""
    path = tmp_path / "nul.csv"
    write(path, [["n1", "vk", "2026-11-19 12:00", "", "new", "zhkh", "Канаш", "вода\x00 не идёт"]])
    assert load_file(path, engine, now=NOW, region=DEMO_REGION).new == 1
    with engine.connect() as conn:
        assert conn.execute(select(messages.c.text)).scalar() == "вода не идёт"
