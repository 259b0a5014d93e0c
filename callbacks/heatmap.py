"""Heat map: figure from the URL state, side panel (ranking or card), clicks that drill down and back."""

from __future__ import annotations

import pandas as pd
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_page, query_of
from dashboard.decisions.service import DecisionService, marked
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.runtime.fanout import fan_out
from dashboard.service import DashboardService
from geo.federal import FEDERAL_MAP, federal_regions, region_of
from geo.figure import region_geometry
from layouts import ids
from layouts.map_figure import DEFAULT_METRIC, map_figure, town_labels
from layouts.map_panel import federal_ranking, municipality_card, ranking


def register(
    app: Dash,
    service: DashboardService,
    decisions: DecisionService,
    tile_url: str | None = None,
    region_links: dict[str, str] | None = None,
    default_lang: str = "ru",
) -> None:
    region = service.region
    # town names on the map stay Cyrillic in every language: offline, MapLibre draws non-Latin scripts with the
    # browser's fonts but needs a glyph server for Latin ones (English labels would be blank)
    labels = town_labels(region.municipalities, "ru")
    links = region_links or {}
    federal_ids = list(federal_regions().index)
    own_prefix = region_of(pd.Series([region.capital]), federal_ids).iloc[0]

    app.clientside_callback(
        ClientsideFunction(namespace="tsur", function_name="mapSize"),
        Output(ids.MAP_SIZE, "data"),
        Input(ids.URL, "pathname"),
    )

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_SIDE, "children"),
        Input(ids.URL, "search"),
        Input(ids.MAP_SIZE, "data"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def draw(search, size, _tick, pathname):
        state = parse_page(search, pathname, default_lang)
        lang = state.lang
        try:
            filters = service.read_filters(query_of(search), pathname)
            if state.view == "federal":
                return draw_federal(filters, state.metric, size, lang)
            selected = state.municipalities[0] if len(state.municipalities) == 1 else None
            by_place, frame, density, card = fan_out(
                service.engine,
                # the tension index first (the map's metric, the card's section): the longest read, and in this
                # thread its own reads run side by side
                (lambda: service.map_tension(filters)) if state.metric == "tension" or selected else None,
                lambda: service.heatmap(filters),
                (lambda: service.density(filters)) if state.density else None,
                (lambda: service.municipality_card(filters, selected)) if selected else None,
            )
            if lang != "ru":
                frame = frame.assign(name=[region.name_of(oktmo, lang) for oktmo in frame.index])
            if state.metric == "tension":
                frame = frame.assign(tension=by_place.reindex(frame.index))
            # the card's points with their decisions, as every list of points shows them
            card_tension = (
                marked(service.place_tension(filters, selected, lang), decisions.marks(lang)) if selected else None
            )
        except (FilterError, SQLAlchemyError):
            return no_update, no_update  # the KPI callback shows the message banner
        figure = map_figure(
            frame,
            region_geometry(region.boundaries_path),
            metric=state.metric,
            density=density,
            selected=selected,
            labels=labels,
            attribution=t("attribution", lang),
            tile_url=tile_url,
            lang=lang,
            size=tuple(size) if size else (1000, 640),
        )
        if card is not None:
            side = municipality_card(
                card,
                service.sectors,
                card_tension,
                lang,
                (filters.date_from, filters.date_to),
                region.catalog.glossary,
            )
        else:
            side = ranking(frame, state.metric, state.municipalities, lang)
        return figure, side

    def draw_federal(filters, metric: str, size, lang: str):
        frame = service.federal(filters)
        if lang != "ru":
            frame = frame.assign(name=federal_regions()["name_en"].reindex(frame.index).fillna(frame["name"]))
        metric = metric if metric in frame.columns else DEFAULT_METRIC  # tension is computed per municipality only
        figure = map_figure(
            frame,
            region_geometry(FEDERAL_MAP),
            metric=metric,
            selected=own_prefix,
            attribution=t("attribution", lang),
            tile_url=tile_url,
            lang=lang,
            size=tuple(size) if size else (1000, 640),
        )
        return figure, federal_ranking(frame, metric, links, lang)

    @app.callback(
        Output(ids.MUNICIPALITY, "value", allow_duplicate=True),
        Output(ids.MAP_VIEW, "value", allow_duplicate=True),
        Output(ids.NAVIGATE, "href"),
        Input(ids.MAP, "clickData"),
        Input({"type": ids.RANK_ITEM, "oktmo": ALL}, "n_clicks"),
        Input({"type": ids.MAP_BACK, "index": ALL}, "n_clicks"),
        Input({"type": ids.FEDERAL_ITEM, "prefix": ALL}, "n_clicks"),
        State(ids.MAP_VIEW, "value"),
        prevent_initial_call=True,
    )
    def drill(click, _ranked, _back, _federal, view):
        """A click on a municipality filters the dashboard to it («back» clears it); on the federal map a
        click on this region opens its municipalities, on another region its own dashboard when linked."""
        trigger = ctx.triggered_id
        if trigger == ids.MAP:
            points = (click or {}).get("points") or []
            place = points[0].get("location") if points else None
            if view == "federal":
                return open_region(place)
            if place and place in region.municipalities.index:
                return [place], no_update, no_update
            return no_update, no_update, no_update
        if not any(item["value"] for item in ctx.triggered):  # buttons just re-rendered, nobody clicked
            return no_update, no_update, no_update
        if isinstance(trigger, dict) and trigger.get("type") == ids.RANK_ITEM:
            return [trigger["oktmo"]], no_update, no_update
        if isinstance(trigger, dict) and trigger.get("type") == ids.MAP_BACK:
            return [], no_update, no_update
        if isinstance(trigger, dict) and trigger.get("type") == ids.FEDERAL_ITEM:
            return open_region(trigger["prefix"])
        return no_update, no_update, no_update

    def open_region(prefix: str | None):
        if prefix == own_prefix:
            return [], "region", no_update
        slug = federal_regions()["slug"].get(prefix) if prefix else None
        if slug and slug in links:
            return no_update, no_update, links[slug]
        return no_update, no_update, no_update
