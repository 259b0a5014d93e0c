"""A mapping is checked against the file before a row is read: a column it names that the file lacks, a key the
format does not have, a value it maps to a code that does not exist — each refused with all problems at once and
nothing written. Before, a mapping with ``resolved_at = "Closed Date"`` on a file saying ``ClosedDate`` loaded
without a word, and 7 877 resolved messages of a real export had no resolution date."""

from __future__ import annotations

import pytest

from dashboard.loader.errors import LoadError
from dashboard.loader.ingest import load_file
from dashboard.loader.limits import LoadLimits
from dashboard.region import get_region
from dashboard.store.schema import load_runs, messages
from tests.conftest import NOW
from tests.test_loader import count, write

DEMO_REGION = get_region("chuvashia")

EXPORT = (
    "Unique Key,Created Date,ClosedDate,Agency,Complaint Type,Borough,Status,Channel\n"
    "s1,2026-11-01 10:00,2026-11-02 10:00,ЖКХ,Отопление,Канаш,Closed,Мобильное приложение\n"
)
COLUMNS = (
    '[columns]\nexternal_id = "Unique Key"\ncreated_at = "Created Date"\nsector = "Agency"\ntopic = "Complaint Type"\n'
    'municipality = "Borough"\nstatus = "Status"\nsource = "Channel"\n'
)
VALUES = '[values.status]\n"Closed" = "resolved"\n[values.source]\n"Мобильное приложение" = "pos"\n'


def load(engine, tmp_path, mapping: str):
    return load_file(
        write(tmp_path, "export.csv", EXPORT),
        engine,
        mapping_path=write(tmp_path, "m.toml", mapping),
        now=NOW,
        region=DEMO_REGION,
    )


def test_a_column_the_file_does_not_have_is_refused_naming_the_closest_headers(engine, tmp_path):
    with pytest.raises(LoadError) as refused:
        load(engine, tmp_path, COLUMNS + 'resolved_at = "Closed Date"\n' + VALUES)
    message = str(refused.value)
    assert "resolved_at = «Closed Date»" in message and "такого столбца в файле нет" in message
    assert "похожие: «ClosedDate»" in message
    assert count(engine, messages) == 0 and count(engine, load_runs) == 0  # refused before a row was read


def test_the_right_column_loads_the_resolution(engine, tmp_path):
    summary = load(engine, tmp_path, COLUMNS + 'resolved_at = "ClosedDate"\n' + VALUES)
    assert (summary.new, summary.rejected) == (1, 0)
    with engine.connect() as conn:
        assert conn.execute(messages.select()).mappings().one()["resolved_at"] is not None


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ('resolvd_at = "ClosedDate"\n', "[columns]: неизвестные поля resolvd_at"),
        ('[value.status]\n"Closed" = "resolved"\n', "неизвестный раздел [value]"),
        ("[options]\ndayfirts = false\n", "[options]: неизвестные параметры dayfirts"),
        ('[defaults]\nchanel = "pos"\n', "[defaults]: неизвестные поля chanel"),
    ],
)
def test_a_key_the_mapping_format_does_not_have_is_refused(engine, tmp_path, extra, said):
    with pytest.raises(LoadError, match="файл сопоставления") as refused:
        load(engine, tmp_path, COLUMNS + VALUES + extra if extra.startswith("[") else COLUMNS + extra + VALUES)
    assert said in str(refused.value)
    assert count(engine, messages) == 0


def test_values_mapped_to_codes_that_do_not_exist_are_refused_all_at_once(engine, tmp_path):
    mapping = (
        COLUMNS
        + 'resolved_at = "ClosedDate"\n'
        + '[values.status]\n"Closed" = "finished"\n'  # the contract says resolved
        + '[values.source]\n"Мобильное приложение" = "mobile_app"\n'
        + '[values.sector]\n"ЖКХ" = "housing"\n'
        + '[defaults]\nsource = "fax"\n'
    )
    with pytest.raises(LoadError) as refused:
        load(engine, tmp_path, mapping)
    message = str(refused.value)
    for said in (
        "[values.status]: неизвестные коды «finished»",
        "[values.source]: неизвестные коды «mobile_app»",
        "[values.sector]: неизвестные коды «housing»",
        "[defaults] source = «fax»: неизвестный код",
    ):
        assert said in message
    assert count(engine, messages) == 0


def test_json_records_need_not_share_their_keys(engine, tmp_path, monkeypatch):
    """A column named by the mapping may first appear in a later chunk of JSON records."""
    import json

    if True:  # chunks of 100 records
        records = [
            {"id": f"j{i}", "created": "2026-11-01 10:00", "sector": "zhkh", "place": "Канаш"} for i in range(150)
        ]
        records[-1]["closed"] = "2026-11-02 10:00"
        path = write(tmp_path, "records.json", json.dumps(records, ensure_ascii=False))
        mapping = (
            '[columns]\nexternal_id = "id"\ncreated_at = "created"\nresolved_at = "closed"\nmunicipality = "place"\n'
        )
        mapping += '[defaults]\nsource = "pos"\nstatus = "new"\n'
        summary = load_file(
            path,
            engine,
            mapping_path=write(tmp_path, "m.toml", mapping),
            now=NOW,
            region=DEMO_REGION,
            limits=LoadLimits(batch_size=100),
        )
        assert (summary.new, summary.rejected) == (150, 0)


def test_the_reference_in_docs_is_the_one_the_code_generates():
    """docs/loading.md's mapping reference cannot drift: regenerate it with `tsur mapping reference`."""
    from pathlib import Path

    from dashboard.loader.reference import BEGIN, END, mapping_reference

    doc = (Path(__file__).resolve().parent.parent / "docs" / "loading.md").read_text(encoding="utf-8")
    assert doc[doc.index(BEGIN) : doc.index(END) + len(END)] == mapping_reference()
