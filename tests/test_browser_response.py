"""The response-times panel in headless Chromium: charts drawn from data, a sortable table, the split switch."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.conftest import save_screenshot
from tests.test_browser import VIEW, dashboard  # noqa: F401 - the fixture is shared

pytestmark = pytest.mark.browser


def figure(dash_duo, graph_id: str) -> list[dict]:
    return dash_duo.driver.execute_script(f"return document.querySelector('#{graph_id} .js-plotly-plot').data;")


def test_response_panel_draws_trend_sla_table_and_oldest(dash_duo, dashboard):  # noqa: F811
    dash_duo.start_server(dashboard)
    dash_duo.driver.get(dash_duo.server_url + VIEW)
    dash_duo.wait_for_element("#resp-table .ag-row", timeout=15)
    dash_duo.wait_for_element("#resp-trend .js-plotly-plot .scatterlayer .trace", timeout=15)
    trend = figure(dash_duo, "resp-trend")
    names = [trace["name"] for trace in trend if trace.get("showlegend", True)]
    assert names[:3] == ["Медиана", "предварительно", "90-й перцентиль"]  # one legend entry for the dotted steps
    assert any("прошлый период" in n for n in names)
    assert len(trend[0]["x"]) == 10  # ten days, one point each
    # 12.11's median can still move (q4 of that day is open; with q3 answered in 24 h the median is not known yet):
    # from there on the line is dotted and hollow, joined to 11.11, the last settled point before it
    settled, tail = trend[0], trend[1]
    assert settled["y"][0] == 3 and all(y is None for y in settled["y"][1:])
    assert tail["line"]["dash"] == "dot" and tail["marker"]["symbol"] == "circle-open"
    assert tail["x"] == settled["x"] and "ещё ждёт ответа" in tail["hovertemplate"]
    sla = figure(dash_duo, "resp-sla")
    assert [t["type"] for t in sla] == ["bar", "scatter"] and max(sla[1]["y"]) == 1
    first_row = dash_duo.find_element("#resp-table .ag-center-cols-container .ag-row[row-index='0']")
    assert "ЖКХ" in first_row.text and "3" in first_row.text  # most messages first
    header = dash_duo.find_element("#resp-table .ag-header-cell[col-id='median_hours']")
    header.click()  # sort by median, highest first
    dash_duo.wait_for_contains_text(
        "#resp-table .ag-center-cols-container .ag-row[row-index='0']", "Дороги", timeout=10
    )
    assert "Канаш" in dash_duo.find_element("#resp-oldest").text

    dash_duo.driver.execute_script("document.querySelector('.resp-panel').scrollIntoView()")
    save_screenshot(dash_duo.driver, "response-times-1920x1080.png")

    splits = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#resp-split label")
    next(s for s in splits if s.text == "По каналам").click()
    dash_duo.wait_for_contains_text("#resp-trend .legend", "ВКонтакте", timeout=10)
    assert dash_duo.get_logs() == []
