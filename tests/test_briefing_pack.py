"""«Главное» and the PPTX deck: sentences read from the briefing's own tables, and a deck PowerPoint and LibreOffice
open, with the same figures, a vector map whose labels never overlap, and native charts."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from app import create_app
from dashboard.decisions.service import DecisionService
from dashboard.i18n import t
from dashboard.reports import briefing
from dashboard.reports.headlines import AGENCY_MIN_MESSAGES, headlines
from dashboard.service import DashboardService
from dashboard.settings import Settings
from layouts.label_placement import overlapping, place
from tests.test_tension import NOW, PERIOD, loaded  # noqa: F401 - the fixture

SEARCH = "?period=custom&from=2026-11-13&to=2026-11-19"
NUMBER = re.compile(r"\d+(?:[\u00a0 ]\d{3})*(?:,\d+)?")


@pytest.fixture
def service(loaded, region):  # noqa: F811
    return DashboardService(loaded, region, clock=lambda: NOW)


@pytest.fixture
def app(service, tmp_path):
    return create_app(Settings(data_dir=tmp_path, cache_type="NullCache"), service)


def _summary(messages=(206, 148, 39.2), overdue=(7, 5, 6), lang: str = "ru") -> pd.DataFrame:
    """The summary's rows a headline reads; ``overdue``: now, at the period's start, at its end."""
    rows = [
        {"indicator": t("kpi_messages", lang), "current": messages[0], "previous": messages[1], "change": messages[2]},
        {"indicator": t("kpi_overdue", lang), "current": overdue[0], "previous": None, "change": None},
        {"indicator": t("overdue_at_start", lang), "current": overdue[1], "previous": None, "change": None},
        {"indicator": t("overdue_at_end", lang), "current": overdue[2], "previous": None, "change": None},
    ]
    return pd.DataFrame(rows)


def _points(*rows) -> pd.DataFrame:
    columns = ["sector", "municipality", "observed", "change"]
    return pd.DataFrame(list(rows), columns=columns)


def _agencies(*rows) -> pd.DataFrame:
    rows = [row if len(row) == 4 else (*row, False) for row in rows]
    return pd.DataFrame(rows, columns=["agency", "messages", "median_hours", "provisional"])


def test_headlines_say_what_the_tables_show_and_no_more():
    said = headlines(
        _summary(),
        _points(("ЖКХ", "Новочебоксарск", 70, 400.0), ("Дороги", "Канаш", 21, -5.0), ("ТКО", "Алатырь", 11, 80.0)),
        _agencies(("А", 40, 2.0), ("Б", AGENCY_MIN_MESSAGES - 1, 0.5), ("не указано", 500, 0.1), ("В", 90, 30.0)),
        critical=3,
        critical_handled=2,
        running=False,
    )
    texts = [line.text.replace("\u00a0", " ") for line in said]  # no-break spaces read as spaces
    assert texts[0] == "За период поступило 206 сообщений — на 39,2 % больше, чем за предыдущий (148)."
    # rises: only points that rose, the biggest rise first, at most two
    assert texts[1] == (
        "Сильнее всего выросли обращения: ЖКХ — Новочебоксарск, 70 сообщений, +400,0 % к базовому уровню; "
        "ТКО — Алатырь, 11 сообщений, +80,0 % к базовому уровню."
    )
    assert texts[2] == "По индексу напряжённости за период критических точек: 3. Открытое поручение есть по 2 из 3."
    # an ended period: its end against its start (what came after it is not its doing)
    assert texts[3] == "На конец периода было просрочено 6 сообщений — больше, чем в начале периода (5)."
    # an agency below the floor, and messages without an agency, are never called fastest
    assert texts[4].startswith("Быстрее всех отвечает «А» (медиана первого ответа 2,0 ч), дольше всех — «В»")
    assert [line.table for line in said] == [
        "briefing_summary", "tension_points", "tension_points", "briefing_summary", "briefing_agencies"
    ]  # fmt: skip


def test_headlines_leave_out_what_cannot_be_said():
    said = headlines(
        _summary(messages=(4, 2, None), overdue=(1, 1, None)),
        _points(("Дороги", "Канаш", 21, -5.0)),
        _agencies(("А", 40, 2.0)),  # one agency: no fastest and slowest
        critical=0,
        critical_handled=None,
        running=True,
    )
    texts = [line.text.replace("\u00a0", " ") for line in said]  # no-break spaces read as spaces
    assert texts[0].startswith("За период поступило 4 сообщения; с предыдущим периодом не сравнить")
    assert texts[1] == "Среди точек выше нормы нет ни одной с ростом к базовому уровню."
    assert texts[2] == "По индексу напряжённости за период критических точек нет."
    assert texts[3] == "Сейчас просрочено 1 сообщение — столько же, сколько в начале периода."
    assert len(texts) == 4
    english = headlines(_summary(lang="en"), _points(), _agencies(), 1, 0, running=True, lang="en")
    assert english[0].text == (
        "So far the period brought 206 messages, 39.2% more than the previous one by the same point (148)."
    )
    assert english[1].text == "No tension points above normal."
    assert english[2].text == "Critical points in the period's tension index: 1. It has no open decision."
    assert headlines(_summary(), _points(), _agencies(), 2, 0, running=False)[2].text.endswith(
        "критических точек: 2. Открытых поручений по ним нет."
    )


def test_headlines_do_not_call_a_tie_a_change_or_a_preliminary_median_final():
    same = headlines(_summary(messages=(500, 500, 0.0)), _points(), _agencies(), 0, None, running=False)
    assert same[0].text == "За период поступило 500\u00a0сообщений — столько же, сколько за предыдущий (500)."
    tie = headlines(_summary(), _points(), _agencies(("А", 40, 4.71), ("Б", 50, 4.74)), 0, None, running=False)
    assert [line.table for line in tie].count("briefing_agencies") == 0  # 4,7 ч and 4,7 ч: nobody is faster
    moving = headlines(_summary(), _points(), _agencies(("А", 40, 2.0, True), ("Б", 50, 9.0)), 0, None, running=True)
    assert moving[-1].text.endswith("Предварительно: часть сообщений ещё без ответа, медианы могут сдвинуться.")


def test_every_number_said_is_in_the_table_it_points_to(app, service):
    with app.server.app_context():
        data = briefing.build(service, PERIOD, "ru")
    assert 3 <= len(data.headlines) <= 6
    for line in data.headlines:
        shown = " ".join(" ".join(row) for row in data.table(line.table).texts("ru"))
        for number in NUMBER.findall(line.text):
            assert number in shown or number == str(AGENCY_MIN_MESSAGES), (number, line.text)
    assert data.headlines[1].text.startswith("Сильнее всего выросли обращения: ЖКХ — Новочебоксарск, 70\u00a0сообщений")


def test_label_placement_never_overlaps_and_keeps_inside():
    crowded = [(f"Город {i}", 100 + i * 3, 100 + (i % 2) * 2, 60, 14) for i in range(8)]  # nearly one point
    placed = place(crowded, (0, 0, 400, 300), gap=4)
    boxes = [p.box for p in placed]
    assert not overlapping(boxes)
    assert all(b[0] >= 0 and b[2] <= 400 and b[1] >= 0 and b[3] <= 300 for b in boxes)
    assert len(placed) >= 6 and any(p.leader for p in placed)  # the far ring: joined by a line


def _deck(app, query: str = SEARCH):
    answer = app.server.test_client().get(f"/briefing/export.pptx{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return answer.data, Presentation(io.BytesIO(answer.data))


def _title(slide) -> str:
    return slide.shapes[0].text_frame.text


def test_deck_holds_the_briefing_as_native_tables_charts_and_a_vector_map(app, service, region):
    body, deck = _deck(app)
    with app.server.app_context():
        data = briefing.build(service, PERIOD, "ru", DecisionService(service, Settings().decision_within_days))
    titles = [_title(slide) for slide in deck.slides]
    assert titles[0] == "Справка по обращениям граждан"
    assert titles[1:] == [
        "Главное", "Карта: На 10 000 жителей (с поправкой на малые числа)", "Сводка", "Точки напряжённости",
        "Динамика", "Отрасли", "Отрасли", "Ведомства с наибольшим числом сообщений: 1 из 1",
    ]  # fmt: skip
    said = deck.slides[1].shapes[1].text_frame.paragraphs
    assert [p.runs[0].text.strip("• ").strip() for p in said] == [line.text for line in data.headlines]

    shapes = list(deck.slides[2].shapes)
    polygons = [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.FREEFORM]
    assert {s.name for s in polygons} == set(region.municipalities.index)  # every municipality, as vector shapes
    labels = [s for s in shapes if s.name.startswith("label: ")]
    assert {s.name[7:] for s in labels} >= {"Чебоксары", "Новочебоксарск"}
    boxes = [(s.left, s.top, s.left + s.width, s.top + s.height) for s in labels]
    assert not overlapping(boxes)
    assert any("OpenStreetMap" in s.text_frame.text for s in shapes if s.has_text_frame)

    kpis = next(s for s in deck.slides[3].shapes if s.has_table).table
    assert [kpis.cell(1, c).text for c in range(3)] == ["Сообщений", "206", "148"]
    points = next(s for s in deck.slides[4].shapes if s.has_table).table
    assert [points.cell(1, c).text for c in (2, 3, 4)] == ["ЖКХ", "Новочебоксарск", "70"]
    charts = [s.chart for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert [len(chart.plots[0].categories) for chart in charts] == [7, 7, len(data.sectors.rows)]
    messages = charts[0].plots[0].series[0].values
    assert sum(messages) == 206  # the figures, not a picture of them
    assert b"http://" not in body.replace(b"http://schemas", b"")  # nothing fetched from outside


def test_a_period_without_messages_still_gives_a_deck(app):
    _, deck = _deck(app, "?period=custom&from=2020-01-01&to=2020-01-07")  # was a 500: a chart without categories
    texts = [shape.text_frame.text for shape in deck.slides[6].shapes if shape.has_text_frame]
    assert texts == ["Отрасли", "нет данных за период"]


def test_deck_in_english_and_refuses_a_bad_filter(app):
    _, deck = _deck(app, SEARCH + "&lang=en")
    assert _title(deck.slides[1]) == "Key points"
    agencies = next(s for s in deck.slides[8].shapes if s.has_table).table
    assert agencies.cell(1, 0).text == "not given"  # the glossary's English name, not «не указано»
    bad = app.server.test_client().get("/briefing/export.pptx?period=custom&from=2026-11-19&to=2026-11-13")
    assert bad.status_code == 400


@pytest.mark.sqlite  # LibreOffice reading the file, not the store: once, in the SQLite pass
@pytest.mark.skipif(shutil.which("soffice") is None, reason="no LibreOffice on this machine")
def test_libreoffice_opens_the_deck_and_draws_every_slide(app, tmp_path):
    body, deck = _deck(app)
    (tmp_path / "deck.pptx").write_bytes(body)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    from pypdf import PdfReader

    pdf = PdfReader(tmp_path / "deck.pdf")
    assert len(pdf.pages) == len(deck.slides)
    assert "Главное" in pdf.pages[1].extract_text()
    assert "Новочебоксарск" in pdf.pages[2].extract_text()  # the map's labels, drawn
