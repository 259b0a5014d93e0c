"""Response-times panel: trend, SLA and backlog, table with exports, oldest overdue."""

from __future__ import annotations

import io

import pandas as pd
from dash import Dash, Input, Output, State, ctx, dcc, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_page, query_of
from dashboard import formatting as fmt
from dashboard.filters import FilterError, Filters
from dashboard.i18n import t
from dashboard.metrics.holidays import holidays_between
from dashboard.service import DashboardService
from layouts import ids
from layouts.response_panel import oldest_items, sla_figure, table_columns, table_records, trend_figure


def register(app: Dash, service: DashboardService, default_lang: str = "ru") -> None:
    def page(search: str | None, pathname: str | None) -> tuple[Filters, str]:
        """The query filters and the language of the page's address."""
        lang = parse_page(search, pathname, default_lang).lang
        return service.read_filters(query_of(search), pathname), lang

    @app.callback(
        Output(ids.RESP_TREND, "figure"),
        Output(ids.RESP_SLA, "figure"),
        Output(ids.RESP_OLDEST, "children"),
        Input(ids.URL, "search"),
        Input(ids.RESP_MEASURE, "value"),
        Input(ids.RESP_SPLIT, "value"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def charts(search, measure, split, _tick, pathname):
        try:
            filters, lang = page(search, pathname)
            current = service.response_trend(filters, split, measure)
            previous = service.response_trend(filters.previous(), "none", measure) if split == "none" else None
            total = current if split == "none" else service.response_trend(filters, "none", measure)
            backlog = service.backlog(filters)
            oldest = service.oldest_overdue(filters)
        except (FilterError, SQLAlchemyError):
            return no_update, no_update, no_update  # the KPI callback shows the message banner
        sectors = service.sectors
        holidays = holidays_between(filters.date_from, filters.date_to)
        trend = trend_figure(
            current,
            previous if previous is not None else current.iloc[0:0],
            split,
            holidays,
            sectors,
            lang,
        )
        return (
            trend,
            sla_figure(total, backlog, lang),
            oldest_items(oldest, sectors, lang, service.region.catalog.glossary),
        )

    @app.callback(
        Output(ids.RESP_TABLE, "rowData"),
        Output(ids.RESP_TABLE, "columnDefs"),
        Input(ids.URL, "search"),
        Input(ids.RESP_TABLE_BY, "value"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def table(search, by, _tick, pathname):
        try:
            filters, lang = page(search, pathname)
            frame = service.response_table(filters, by)
        except (FilterError, SQLAlchemyError):
            return no_update, no_update
        return table_records(frame, by, service.sectors, lang, service.region.catalog.glossary), table_columns(by, lang)

    @app.callback(
        Output(ids.RESP_DOWNLOAD, "data"),
        Input(ids.RESP_EXPORT_CSV, "n_clicks"),
        Input(ids.RESP_EXPORT_XLSX, "n_clicks"),
        State(ids.URL, "search"),
        State(ids.RESP_TABLE_BY, "value"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def export(csv_clicks, xlsx_clicks, search, by, pathname):
        filters, lang = page(search, pathname)
        records = table_records(
            service.response_table(filters, by), by, service.sectors, lang, service.region.catalog.glossary
        )
        columns = table_columns(by, lang)
        frame = fmt.spreadsheet_safe(
            pd.DataFrame(records, columns=[c["field"] for c in columns]).rename(
                columns={c["field"]: c["headerName"] for c in columns}
            )
        )
        stem = f"{t('export_stem', lang)}-{by}-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
        if ctx.triggered_id == ids.RESP_EXPORT_XLSX:
            buffer = io.BytesIO()
            with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
                frame.to_excel(writer, index=False, sheet_name=t("resp_title", lang)[:31])
            return dcc.send_bytes(buffer.getvalue(), f"{stem}.xlsx")
        # UTF-8 with BOM and ";" so Excel in a Russian locale opens it as a table
        return dcc.send_string(frame.to_csv(index=False, sep=";", decimal=","), f"{stem}.csv", type="text/csv")
