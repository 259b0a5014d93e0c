"""A file dropped into the watched folder: the page's figures and «данные на …» change, a silent channel is named
in the header, and the deadlines due within 24 hours are listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from app import create_app
from dashboard.loader.watch import Watcher
from dashboard.service import DashboardService
from dashboard.settings import Settings
from tests.conftest import save_screenshot

pytestmark = pytest.mark.browser
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=MSK).astimezone(UTC)  # Friday 15:00 in Cheboksary
VIEW = "/?period=7d"


def export(name: str, source: str, times: list[datetime], sector: str = "zhkh") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "external_id": [f"{name}-{i}" for i in range(len(times))],
            "source": source,
            "created_at": [t.isoformat() for t in times],
            "status": "new",
            "sector": sector,
            "municipality": "Чебоксары",
        }
    )


def hourly(source: str, until: datetime, days: int) -> list[datetime]:
    return [until - timedelta(hours=k) for k in range(days * 24)]


def test_a_dropped_file_changes_the_figures_and_the_data_time(dash_duo, engine, region, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = Watcher(engine, region, [inbox], settle=0)
    # vk every hour to 12:00; the phone line every hour until Thursday 10:00, then nothing: silent by Friday 15:00
    morning = NOW.astimezone(MSK).replace(hour=12).astimezone(UTC)
    first = pd.concat(
        [
            export("vk", "vk", hourly("vk", morning, 21)),
            export("ph", "phone", hourly("phone", NOW - timedelta(hours=29), 21), sector="health"),
        ]
    )
    first.to_csv(inbox / "first.csv", index=False)
    watcher.look()
    assert [o.action for o in watcher.look()] == ["loaded"]
    app = create_app(Settings(data_dir=tmp_path), DashboardService(engine, region, clock=lambda: NOW))
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_contains_text("#data-at", "данные на 12:00", timeout=15)
    dash_duo.wait_for_contains_text("#channel-warnings", "молчит «Телефон»", timeout=10)
    badge = dash_duo.find_element("#channel-warnings .channel-badge.silent")
    assert badge.get_attribute("title").startswith("Молчит канал «Телефон»: нет сообщений 29,0")
    before = dash_duo.find_element("#kpi-messages .kpi-value").text
    dash_duo.wait_for_contains_text("#deadlines", "Истекает срок в ближайшие 24 ч", timeout=10)
    save_screenshot(dash_duo.driver, "live-before-1920x1080.png")

    later = export("vk2", "vk", [morning + timedelta(hours=k, minutes=30) for k in range(3)])  # to 14:30
    later.to_csv(inbox / "second.csv.part", index=False)
    (inbox / "second.csv.part").rename(inbox / "second.csv")
    watcher.look()
    assert [o.action for o in watcher.look()] == ["loaded"]
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#data-at", "данные на 14:30", timeout=15)
    after = dash_duo.find_element("#kpi-messages .kpi-value").text
    assert int(after.replace("\u00a0", "").replace(" ", "")) == int(before.replace("\u00a0", "").replace(" ", "")) + 3
    assert "Телефон" in dash_duo.find_element("#channel-warnings").text  # still silent: nothing came from it
    save_screenshot(dash_duo.driver, "live-after-1920x1080.png")
    assert dash_duo.get_logs() == [], "browser console has errors"
