"""Rows that load but contradict themselves are counted and shown with examples, with the rule that decided."""

from __future__ import annotations

from sqlalchemy import select

from dashboard.loader.ingest import load_file
from dashboard.region import get_region
from dashboard.store.schema import messages
from tests.conftest import NOW
from tests.test_loader import HEADER, write

DEMO_REGION = get_region("chuvashia")

CHEBOKSARY_POINT = "56.13,47.25"  # a point in Cheboksary


def test_contradictions_are_counted_with_examples_and_the_rows_load(engine, tmp_path):
    body = (
        HEADER
        + "\n".join(
            [
                f"n1,vk,2026-11-01 10:00,,,new,zhkh,,Канаш,{CHEBOKSARY_POINT},",  # the name and the point disagree
                f"n2,vk,2026-11-01 10:00,,,new,zhkh,,Неведомск,{CHEBOKSARY_POINT},",  # unknown: placed by the point
                "n3,vk,2026-11-01 10:00,,,resolved,zhkh,,Канаш,,,",  # resolved, no time of it
                "n4,vk,2026-11-01 10:00,2026-11-03 12:00,2026-11-03 11:00,resolved,zhkh,,Канаш,,,",  # answered after
                "n5,vk,2026-11-01 10:00,,,new,zhkh,,Чебоксары,{CHEBOKSARY_POINT},".replace(
                    "{CHEBOKSARY_POINT}", CHEBOKSARY_POINT
                ),
            ]
        )
        + "\n"
    )
    summary = load_file(write(tmp_path, "e.csv", body), engine, now=NOW, region=DEMO_REGION)
    assert (summary.new, summary.rejected) == (5, 0)
    assert dict(summary.notes) == {
        "name_disagrees_with_point": 1,
        "placed_by_point": 1,
        "resolved_without_time": 1,
        "answer_after_resolution": 1,
    }
    assert list(summary.note_values["name_disagrees_with_point"]) == ["«Канаш», точка: Чебоксары"]
    assert list(summary.note_values["placed_by_point"]) == ["«Неведомск» → Чебоксары"]
    region = get_region("chuvashia")
    kanash = region.matcher().resolve("Канаш")
    with engine.connect() as conn:
        placed = dict(conn.execute(select(messages.c.external_id, messages.c.oktmo)).all())
    assert placed["n1"] == kanash  # the name decides (documented in errors.NOTES and the README)
    assert placed["n2"] == region.matcher().resolve("Чебоксары")
    notes = {note["code"]: note for note in summary.as_dict()["notes"]}
    assert notes["answer_after_resolution"]["examples"] == [("2026-11-03 12:00 > 2026-11-03 11:00", 1)]
