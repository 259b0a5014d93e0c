"""Name matching of municipalities, sectors, channels and statuses."""

import pytest

from dashboard.catalog import load_glossary, load_sectors, resolve_source, resolve_status
from dashboard.names import place_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Чебоксары", "97701000"),
        ("г. Чебоксары", "97701000"),
        ("г.Чебоксары", "97701000"),
        ("город Чебоксары", "97701000"),
        ("ЧЕБОКСАРЫ", "97701000"),
        ("Чебоксарский район", "97544000"),
        ("Чебоксарский муниципальный округ", "97544000"),
        ("Чебоксарский р-н", "97544000"),
        ("Цивильский округ", "97541000"),
        ("Мариинско-Посадский муниципальный район", "97529000"),
        ("Новочебоксарск", "97710000"),
        ("97541000", "97541000"),
        ("97641000", "97541000"),  # OKTMO of the district before the 2023 reform
        ("97701000001", "97701000"),  # 11-digit settlement code of the city
        ("Alatyr", "97704000"),
        ("Москва", None),
        ("", None),
    ],
)
def test_municipality_names(region, value, expected):
    assert region.matcher().resolve(value) == expected


def test_yo_and_e_are_the_same():
    assert place_key("Ёлкинский район") == place_key("елкинский муниципальный округ")


def test_city_and_district_of_the_same_stem_stay_apart(region):
    m = region.matcher()
    assert m.resolve("Канаш") != m.resolve("Канашский район")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhkh", "zhkh"),
        ("ЖКХ", "zhkh"),
        ("жилищно-коммунальное хозяйство", "zhkh"),
        ("Жилищно-коммунальное хозяйство", "zhkh"),
        ("ЗДРАВООХРАНЕНИЕ", "health"),
        ("Health", "health"),
        ("Госуслуги. МФЦ. Связь", "gosuslugi"),
        ("ТКО", "waste"),
        ("благоустройство", "improvement"),
        ("космос", None),
    ],
)
def test_sector_names(value, expected):
    assert load_sectors().resolve(value) == expected


def test_sector_inferred_from_topic_or_text():
    catalog = load_sectors()
    assert catalog.infer("Отопление", "") == "zhkh"
    assert catalog.infer("", "На дороге огромные ямы") == "roads"
    assert catalog.infer("", "") is None


@pytest.mark.parametrize(
    ("value", "expected"), [("ВКонтакте", "vk"), ("tg", "telegram"), ("ПОС", "pos"), ("fax", None)]
)
def test_sources(value, expected):
    assert resolve_source(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("в работе", "in_progress"), ("Решено", "resolved"), ("in_progress", "in_progress"), ("?", None)],
)
def test_statuses(value, expected):
    assert resolve_status(value) == expected


def test_sla_targets_in_working_days_follow_the_production_calendar():
    import pandas as pd

    from dashboard.catalog import SlaTable, Target

    table = SlaTable(default=Target(24), sector={"zhkh": Target.parse("8h")}, channel={"pos": Target.parse("1wd")})
    created = pd.Series(
        pd.to_datetime(
            [
                "2026-11-13 10:00",  # Friday → end of Monday 16.11
                "2026-11-03 15:00",  # Tuesday before 4 November (a holiday) → end of Thursday 05.11
                "2026-11-14 12:00",  # Saturday → end of Monday 16.11
                "2026-11-13 10:00",  # ЖКХ by VK: 8 calendar hours
            ]
        ).tz_localize("Europe/Moscow")
    )
    sector = pd.Series(["roads", "roads", "roads", "zhkh"])
    source = pd.Series(["pos", "pos", "pos", "vk"])
    hours = table.deadline_hours(created, sector, source).tolist()
    assert hours == [3 * 24 + 14, 2 * 24 + 9, 2 * 24 + 12, 8]
    assert Target.parse("10wd").longest_hours == 22 * 24 and table.max_hours == 13 * 24


def test_the_glossary_names_topics_and_agencies_in_english_where_it_knows_them():
    glossary = load_glossary()
    assert glossary.topic("Отопление", "en") == "Heating"
    assert glossary.topic("  отопление ", "en") == "Heating"  # case and spaces as exports write them
    assert glossary.agency("МИНЗДРАВ ЧУВАШИИ", "en") == "Ministry of Health of Chuvashia"
    assert glossary.topic("Отопление", "ru") == "Отопление"  # Russian pages keep the data's own
    assert glossary.topic("Тема, которой нет", "en") == "Тема, которой нет"  # unknown: as given, never dropped
    assert glossary.agency("", "en") == ""
    from dashboard.loader.demo import AGENCIES, TOPICS

    named = {name for names in TOPICS.values() for name in names}
    assert all(glossary.topic(name, "en") != name for name in named)  # the demo's every topic has its name
    assert all(glossary.agency(name, "en") != name for name in AGENCIES.values())
