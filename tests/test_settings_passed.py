"""A ``Settings`` handed to ``create_app`` is the one that counts: its sectors and answer targets reach the pages,
the API, the filters' validation and the store — not the environment's, not the shipped ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from dashboard.loader.demo import generate
from dashboard.loader.ingest import load_frame
from dashboard.region import get_region, region_of
from dashboard.settings import Settings

SECTORS = """
[[sector]]
code = "zhkh"
name_ru = "Коммунальное хозяйство"
name_en = "Utilities"

[[sector]]
code = "parks"
name_ru = "Парки и скверы"
name_en = "Parks"
"""

SLA = 'default_hours = 48\n[sector_hours]\nparks = "240h"\n'


@pytest.fixture
def custom(tmp_path: Path) -> Settings:
    (tmp_path / "sectors.toml").write_text(SECTORS, encoding="utf-8")
    (tmp_path / "sla.toml").write_text(SLA, encoding="utf-8")
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        sectors_file=tmp_path / "sectors.toml",
        sla_file=tmp_path / "sla.toml",
    )


def test_the_region_of_settings_carries_their_catalogues(custom):
    region = region_of(custom)
    assert region.catalog.sectors.codes == ["zhkh", "parks"]
    assert region.catalog.sla.max_hours == 240
    shipped = get_region("chuvashia")
    assert "parks" not in shipped.catalog.sectors.codes and shipped.catalog.sla.max_hours != 240


def test_create_app_serves_the_sectors_of_the_settings_it_was_given(custom):
    app = create_app(custom)
    service = app.server.extensions["tsur"]
    frame = generate(service.region, messages=3000, days=60, seed=2, now=service.now())
    summary = load_frame(frame, service.engine, "demo", service.region, now=service.now())
    assert summary.new == (frame["sector"] == "zhkh").sum()  # the rest name sectors this deployment has not
    assert summary.rejected == len(frame) - summary.new
    client = app.server.test_client()
    assert client.get("/api/v1/heatmap?sector=parks").status_code == 200
    refused = client.get("/api/v1/heatmap?sector=health")  # a shipped sector this deployment does not have
    assert refused.status_code == 400 and "health" in refused.get_json()["error"]
    tension = client.get("/api/v1/tension?lang=en&period=30d").get_json()
    assert {row["sector"]: row["name"] for row in tension["sectors"]} == {"zhkh": "Utilities"}


def test_the_command_line_checks_a_ministers_sectors_against_the_configured_catalogue(custom, monkeypatch):
    """Found by review: sectors were checked against the store's table, which keeps every catalogue it was set up
    with — a minister for «roads» was accepted by a deployment whose catalogue has no roads."""
    from typer.testing import CliRunner

    from dashboard.cli import app as cli
    from dashboard.settings import get_settings
    from dashboard.store.db import get_engine

    runner = CliRunner()
    monkeypatch.setenv("TSUR_DATABASE_URL", custom.resolved_database_url)
    for cached in (get_settings, get_engine, get_region):
        cached.cache_clear()
    try:
        password = ["--password", "correct horse battery staple"]
        monkeypatch.delenv("TSUR_SECTORS_FILE", raising=False)
        assert runner.invoke(cli, ["init-db"]).exit_code == 0  # the shipped catalogue first: roads is in the store
        monkeypatch.setenv("TSUR_SECTORS_FILE", str(custom.sectors_file))
        get_settings.cache_clear()
        refused = runner.invoke(cli, ["user", "add", "m1", "--role", "minister", "--sector", "roads", *password])
        assert refused.exit_code == 2 and "roads" in refused.output
        accepted = runner.invoke(cli, ["user", "add", "m2", "--role", "minister", "--sector", "parks", *password])
        assert accepted.exit_code == 0, accepted.output
    finally:
        for cached in (get_settings, get_engine, get_region):
            cached.cache_clear()


def test_the_command_line_hands_the_read_threads_down(custom, monkeypatch):
    """Found by review: only the app configured the read threads; ``tsur`` commands used the default."""
    from typer.testing import CliRunner

    from dashboard.cli import app as cli
    from dashboard.runtime import fanout
    from dashboard.settings import get_settings

    monkeypatch.setenv("TSUR_DATABASE_URL", custom.resolved_database_url)
    monkeypatch.setenv("TSUR_READ_THREADS", "1")
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli, ["init-db"]).exit_code == 0
        assert fanout.threads() == 1
    finally:
        fanout.configure(4)
        get_settings.cache_clear()


def test_each_app_titles_its_pages_in_its_own_language(tmp_path):
    """Found by review: Dash's page registry is the process's; a static title there made the last app's language
    every app's tab title."""
    from layouts import ids
    from tests.test_roles import route_page

    russian = create_app(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'ru.db'}"))
    create_app(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'en.db'}", language="en"))
    routed = route_page(russian.server.test_client(), "/")
    assert routed.get_json()["response"][ids.PAGE_STORE]["data"]["title"] == "ЦУР · обращения граждан"


def test_the_app_starts_where_asgiref_is_installed(tmp_path, monkeypatch):
    """Found by review: Dash turns itself async when it can import asgiref, and its pages' router hook is then
    another: the app refused to start."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "asgiref", types.ModuleType("asgiref"))
    app = create_app(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    assert app.server.test_client().get("/healthz").status_code == 200
