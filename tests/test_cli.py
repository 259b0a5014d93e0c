"""The command line: exit codes, summaries and stats as a user sees them."""

from __future__ import annotations

import json
import tomllib

import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.region import get_region
from dashboard.settings import get_settings
from dashboard.store.db import get_engine
from tests.test_loader import BAD, GOOD, HEADER

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TSUR_DATABASE_URL", raising=False)
    for cached in (get_settings, get_engine, get_region):
        cached.cache_clear()
    yield tmp_path
    for cached in (get_settings, get_engine, get_region):
        cached.cache_clear()


def test_load_prints_summary_and_exits_zero_with_rejected_rows(env):
    path = env / "export.csv"
    path.write_text(HEADER + "\n".join([*GOOD, BAD["unknown_sector"]]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "новых" in result.output and "unknown_sector" in result.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert stats["messages"] == 3
    assert stats["rejected"] == 1
    assert stats["rejected_by_reason"] == {"unknown_sector": 1}


def test_unreadable_file_exits_non_zero(env):
    result = runner.invoke(app, ["load", str(env / "missing.csv")])
    assert result.exit_code == 1
    assert "не найден" in result.output


def test_load_json_summary(env):
    path = env / "export.csv"
    path.write_text(HEADER + GOOD[0] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", "--json", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["new"] == 1


def test_demo_command(env):
    result = runner.invoke(app, ["demo", "--messages", "3000", "--days", "30", "--seed", "5"])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert 2800 < stats["messages"] <= 3000
    assert stats["rejected"] == 0


@pytest.mark.parametrize("command", ["init-db", "load", "check", "demo", "stats", "rollups", "serve"])
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_user_commands_add_list_disable_and_refuse_bad_input(env):
    minister = ["user", "add", "minzdrav", "--role", "minister", "-p", "correct horse 1", "-s", "health"]
    added = runner.invoke(app, minister)
    assert added.exit_code == 0, added.output
    wall = runner.invoke(app, ["user", "add", "ekran", "--role", "wall"])
    assert wall.exit_code == 0 and "tsur_" in wall.output  # the token, shown once
    no_sector = runner.invoke(app, ["user", "add", "x", "--role", "minister", "-p", "correct horse 1"])
    assert no_sector.exit_code == 2 and "отрасль" in no_sector.output
    assert runner.invoke(app, ["user", "disable", "minzdrav"]).exit_code == 0
    assert runner.invoke(app, ["user", "disable", "nobody"]).exit_code == 2
    listed = json.loads(runner.invoke(app, ["user", "list", "--json"]).output)
    assert {u["name"]: (u["role"], u["sectors"], u["disabled"]) for u in listed} == {
        "ekran": ("wall", [], False),
        "minzdrav": ("minister", ["health"], True),
    }


def test_the_summary_counts_texts_cut_to_the_limit(env, monkeypatch):
    monkeypatch.setenv("TSUR_MAX_TEXT_CHARS", "100")
    get_settings.cache_clear()
    path = env / "export.csv"
    path.write_text(HEADER + GOOD[0].replace(",Холодно", "," + "х" * 500) + "\n" + GOOD[1] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert "текстов обрезано" in result.output and "длиннее 100" in result.output
    again = runner.invoke(app, ["load", "--json", str(path)])
    assert json.loads(again.output)[0]["truncated"] == 1 and json.loads(again.output)[0]["unchanged"] == 2


def test_user_add_refuses_unsafe_names_and_weak_passwords(env):
    html_name = runner.invoke(app, ["user", "add", "<b>x</b>", "--role", "head", "-p", "correct horse 1"])
    assert html_name.exit_code == 2 and "имя" in html_name.output
    weak = runner.invoke(app, ["user", "add", "glava", "--role", "head", "-p", "qwerty12345"])
    assert weak.exit_code == 2 and "распространённый пароль" in weak.output
    assert runner.invoke(app, ["user", "add", "glava", "--role", "head", "-p", "correct horse 1"]).exit_code == 0
    repeated = runner.invoke(app, ["user", "password", "glava", "-p", "glava-glava-glava"])
    assert repeated.exit_code == 2 and "имя" in repeated.output


def test_every_broken_rule_of_a_row_is_reported_at_once_with_the_lines_that_cure_it(env):
    """A real export's analyst fixed the mapping in rounds: unknown channel «Мобильное приложение» (2 131 rows), then
    unknown sector, then unknown status «Отменено». One load now names them all, with their frequent values."""
    path = env / "export.csv"
    broken = [f"r{i},Мобильное приложение,2026-11-01 10:00,,,Отменено,Котельная,,Канаш,,," for i in range(3)]
    path.write_text(HEADER + "\n".join([*GOOD, *broken]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", "--json", str(path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)[0]
    assert (summary["new"], summary["rejected"]) == (3, 3)
    by_code = {reason["code"]: reason for reason in summary["reasons"]}
    assert {code: reason["rows"] for code, reason in by_code.items()} == {
        "unknown_source": 3,
        "unknown_status": 3,
        "unknown_sector": 3,
    }
    assert by_code["unknown_status"]["frequent_values"] == [["Отменено", 3]]
    with get_engine(get_settings().resolved_database_url).connect() as conn:
        from sqlalchemy import select

        from dashboard.store.schema import rejected_rows

        stored = conn.execute(select(rejected_rows.c.reason_code, rejected_rows.c.reason)).all()
    assert {code for code, _ in stored} == {"unknown_source"}  # the first broken rule keys the row
    assert all("«Отменено»" in reason and "«Котельная»" in reason for _, reason in stored)  # its text has them all

    get_engine.cache_clear()
    path.write_text(HEADER + "\n".join(broken).replace("r", "s") + "\n", encoding="utf-8")
    second = runner.invoke(app, ["load", str(path)])
    assert second.exit_code == 0, second.output
    shown = second.output
    assert "«Мобильное приложение» ×3" in shown and "«Отменено» ×3" in shown
    cure = tomllib.loads(shown.split("(выберите код):\n", 1)[1].split("Отклонённые строки", 1)[0])  # pastes as is
    assert cure["values"]["source"]["Мобильное приложение"].startswith("<vk|")
    assert set(cure["values"]) == {"source", "status", "sector"} and "Отменено" in cure["values"]["status"]


def test_check_says_what_a_load_would_and_writes_nothing(env):
    path = env / "export.csv"
    broken = "c1,Мобильное приложение,2026-11-01 10:00,,,new,zhkh,,Канаш,,,"
    path.write_text(HEADER + "\n".join([*GOOD, broken]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--json", str(path)])
    assert result.exit_code == 0, result.output
    dry = json.loads(result.output)
    assert (dry["rows"], dry["would_load"], dry["rejected"]) == (4, 3, 1)
    assert dry["columns"]["created_at"] == "created_at" and dry["reasons"][0]["code"] == "unknown_source"
    assert [row["external_id"] for row in dry["preview"]] == ["a1", "a2", "a3"]
    assert dry["preview"][2]["municipality"] == "Цивильский муниципальный округ"
    shown = runner.invoke(app, ["check", str(path)])
    assert shown.exit_code == 0 and "ничего не записано" in shown.output and "«Мобильное приложение» ×1" in shown.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert stats["messages"] == 0 and stats["rejected"] == 0  # nothing was written
    loaded = json.loads(runner.invoke(app, ["load", "--json", str(path)]).output)[0]
    assert (loaded["new"], loaded["rejected"]) == (dry["would_load"], dry["rejected"])  # the load agrees


def test_check_refuses_what_a_load_refuses(env):
    path = env / "export.csv"
    path.write_text("external_id,created_at\nx1,01/02/2026 10:00\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1 and "читаются двояко" in result.output


ENGLISH_EXPORT = (
    "Unique Key,Created Date,Closed Date,Agency,Complaint Type,Borough,Status,Open Data Channel Type\n"
    "u1,01/02/2026 09:00:00 AM,01/03/2026 10:00:00 AM,Housing,Heating,Канаш,Closed,MOBILE\n"
    "u2,01/05/2026 09:00:00 PM,,Roads,Pothole,Чебоксары,Open,PHONE\n"
)


def test_mapping_init_writes_a_starter_that_check_then_reads(env):
    """An English 311 export: the synonyms find the columns, the unknown values are listed with guesses, the
    ambiguous dates say so; once the «?» are filled, the mapping loads the file."""
    path, out = env / "311.csv", env / "mapping.toml"
    path.write_text(ENGLISH_EXPORT, encoding="utf-8")
    result = runner.invoke(app, ["mapping", "init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    starter = tomllib.loads(out.read_text(encoding="utf-8"))  # valid TOML as written
    assert starter["columns"] == {
        "external_id": "Unique Key",
        "source": "Open Data Channel Type",
        "created_at": "Created Date",
        "resolved_at": "Closed Date",
        "status": "Status",
        "topic": "Complaint Type",
        "municipality": "Borough",
        "agency": "Agency",
    }
    text = out.read_text(encoding="utf-8")
    assert starter["values"] == {"source": {}} and '# "MOBILE" = "?"' in text  # PHONE, Closed are known
    assert '# sector = "?"' in text
    assert "читаются двояко" in text  # 01/02/2026, 01/03/2026, 01/05/2026: the order is for the analyst to say
    assert runner.invoke(app, ["mapping", "init", str(path), "--out", str(out)]).exit_code == 1  # no overwrite

    edited = text.replace('# "MOBILE" = "?"', '"MOBILE" = "pos"').replace("# dayfirst = true", "dayfirst = false")
    edited += '\n[formats]\ncreated_at = "%m/%d/%Y %I:%M:%S %p"\nresolved_at = "%m/%d/%Y %I:%M:%S %p"\n'
    edited += '\n[defaults]\nsector = "zhkh"\n'
    out.write_text(edited.replace("[options]\n", "[options]\n", 1), encoding="utf-8")
    checked = runner.invoke(app, ["check", "--json", str(path), "--mapping", str(out)])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["would_load"] == 2


def test_mapping_init_on_a_russian_export_needs_little(env):
    path, out = env / "ru.csv", env / "m.toml"
    body = "Номер;Дата регистрации;Канал;Статус;Отрасль;Муниципалитет\nr1;03.04.2026 10:00;ВКонтакте;Новое;ЖКХ;Канаш\n"
    path.write_bytes(body.encode("cp1251"))
    assert runner.invoke(app, ["mapping", "init", str(path), "--out", str(out)]).exit_code == 0
    starter = tomllib.loads(out.read_text(encoding="utf-8"))
    assert set(starter["columns"]) >= {"external_id", "created_at", "source", "status", "sector", "municipality"}
    assert "values" not in starter and "options" not in starter  # every value known, dots say day first


def test_dates_in_an_unknown_format_come_with_the_formats_line_that_reads_them(env):
    """«01.11.2026 10.00» (dots in the time) is no format the loader knows: the load names the line to paste, and
    with it every row loads."""
    path = env / "export.csv"
    rows = [f"m{i},vk,0{i}.11.2026 10.00,,,new,zhkh,,Канаш,,," for i in range(1, 4)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    first = runner.invoke(app, ["load", str(path)])
    assert first.exit_code == 0, first.output
    cure = first.output.split("(выберите код):\n", 1)[1].split("Отклонённые строки", 1)[0]
    formats = tomllib.loads(cure)["formats"]
    assert formats == {"created_at": "%d.%m.%Y %H.%M"}
    mapping = env / "m.toml"
    mapping.write_text(cure, encoding="utf-8")
    get_engine.cache_clear()
    second = runner.invoke(app, ["load", "--json", "--mapping", str(mapping), str(path)])
    assert json.loads(second.output)[0]["new"] == 3, second.output


def test_a_date_of_the_other_order_gets_no_format_line_that_would_break_its_field(env):
    path = env / "export.csv"
    rows = ["o1,vk,12/31/2025 10:00,,,new,zhkh,,Канаш,,,", "o2,vk,31/12/2025 10:00,,,new,zhkh,,Канаш,,,"]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = env / "m.toml"
    mapping.write_text("[options]\ndayfirst = false\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "bad_created_at" in result.output and "[formats]" not in result.output
