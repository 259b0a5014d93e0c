"""The /decisions page: the centre's figures over the address's period, the form for a decision on the cell the
address names (``?sector=&municipality=&from=&to=``, a tension point's link), the list with its status moves; and
the centre's figures in a line on the main page."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from callbacks.urlstate import parse_search, query_of
from dashboard import formatting as fmt
from dashboard.access import AccessDenied
from dashboard.decisions.records import DecisionError, DecisionNotFound
from dashboard.decisions.service import DecisionService
from dashboard.filters import EARLIEST, LATEST, FilterError, parse_date
from dashboard.i18n import t
from dashboard.service import DashboardService
from layouts import ids
from layouts.decisions import cell_line, decision_rows, decision_strip, kpi_cards


def register(app: Dash, service: DashboardService, decisions: DecisionService, default_lang: str = "ru") -> None:
    @app.callback(
        Output(ids.DECISION_KPIS, "children"),
        Output(ids.DECISION_FORM, "hidden"),
        Output(ids.DECISION_CELL, "children"),
        Output(ids.DECISION_FIELDS, "hidden"),
        Output(ids.DECISION_READ_ONLY, "hidden"),
        Output(ids.DECISION_LIST, "children"),
        Input(ids.DECISIONS_URL, "search"),
        Input(ids.DECISION_CHANGED, "data"),
        Input(ids.DECISION_STATUS_FILTER, "value"),
        Input(ids.DECISION_SECTOR_FILTER, "value"),
        Input(ids.DECISION_PLACE_FILTER, "value"),
        Input(ids.DECISION_AGENCY_FILTER, "value"),
        Input(ids.DECISION_FROM_FILTER, "value"),
        Input(ids.DECISION_TO_FILTER, "value"),
    )
    def draw(search, _changed, statuses, sectors, places, agency, recorded_from, recorded_to):
        lang = parse_search(search, default_lang).lang
        query = query_of(search)
        try:
            filters = service.read_filters(query)
            cell = len(filters.sectors) == 1 and len(filters.municipalities) == 1 and "sector" in query
            # the centre's figures: over the address's period — but a cell's address holds its evidence period
            judged = service.read_filters({"lang": [lang]}) if cell else filters
            found = decisions.kpi(
                (judged.date_from, judged.date_to), filters.sectors if "sector" in query else ()
            ).public()
            items = decisions.listed(
                sectors=tuple(sectors or ()) or (filters.sectors if "sector" in query else ()),
                municipalities=tuple(places or ()) or filters.municipalities,
                statuses=tuple(statuses or ()),
                period=_recorded(recorded_from, recorded_to),
                agency_part=agency,
            )
            tz = service.region.timezone
            listed = [
                {
                    **decisions.public(item, lang),
                    "history": [_local(e.public(), tz) for e in decisions.history(item.id)],
                }
                for item in items
            ]
        except (FilterError, DecisionError) as exc:  # the list's own filters: said where the list stands
            return (*(no_update,) * 5, html.P(exc.in_language(lang), className="banner error", role="alert"))
        except AccessDenied as exc:
            return (*(no_update,) * 5, html.P(str(exc), className="banner error", role="alert"))
        except SQLAlchemyError:
            return (no_update,) * 6
        writer = decisions.may_write()
        where = ""
        if cell:
            where = cell_line(
                service.sectors.name_of(filters.sectors[0], lang),
                service.region.name_of(filters.municipalities[0], lang),
                (filters.date_from, filters.date_to),
                lang,
            )
        over = t("period_label", lang, start=fmt.day(judged.date_from, lang), end=fmt.day(judged.date_to, lang),
                 days=judged.days)  # fmt: skip
        return kpi_cards(found, over, lang), not cell, where, not writer, writer, decision_rows(listed, writer, lang)

    @app.callback(
        Output(ids.DECISION_SAVED, "children"),
        Output(ids.DECISION_CHANGED, "data"),
        Output(ids.DECISION_TITLE, "value"),
        Output(ids.DECISION_AGENCY, "value"),
        Output(ids.DECISION_PERSON, "value"),
        Output(ids.DECISION_DUE, "value"),
        Input(ids.DECISION_SAVE, "n_clicks"),
        State(ids.DECISION_TITLE, "value"),
        State(ids.DECISION_AGENCY, "value"),
        State(ids.DECISION_PERSON, "value"),
        State(ids.DECISION_DUE, "value"),
        State(ids.DECISIONS_URL, "search"),
        State(ids.DECISION_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def save(clicks, title, agency, person, due, search, changed):
        lang = parse_search(search, default_lang).lang
        if not clicks:
            return (no_update,) * 6
        try:
            filters = service.read_filters(query_of(search))
            if len(filters.sectors) != 1 or len(filters.municipalities) != 1:
                raise DecisionError(t("decision_cell_missing"), "decision_cell_missing")
            decision_id = decisions.record(
                title=title or "",
                agency=agency or "",
                person=person or None,
                due=parse_date(due) if due else _required("decision_due_label"),
                sector=filters.sectors[0],
                oktmo=filters.municipalities[0],
                period=(filters.date_from, filters.date_to),
            )
        except DecisionError as exc:
            return exc.in_language(lang), *(no_update,) * 5
        except FilterError as exc:
            return exc.in_language(lang), *(no_update,) * 5
        except AccessDenied as exc:
            return str(exc), *(no_update,) * 5
        # the form emptied: a second click records nothing twice
        return t("decision_saved", lang, id=decision_id), (changed or 0) + 1, "", "", "", None

    @app.callback(
        Output(ids.DECISION_SAVED, "children", allow_duplicate=True),
        Output(ids.DECISION_CHANGED, "data", allow_duplicate=True),
        Output(ids.DECISION_CANCEL_CONFIRM, "displayed"),
        Output(ids.DECISION_CANCEL_CONFIRM, "message"),
        Output(ids.DECISION_CANCEL_PENDING, "data"),
        Input({"type": ids.DECISION_MOVE, "id": ALL, "to": ALL}, "n_clicks"),
        State(ids.DECISION_CHANGED, "data"),
        State(ids.DECISIONS_URL, "search"),
        prevent_initial_call=True,
    )
    def move(_clicks, changed, search):
        """A status move; cancelling asks first (a cancelled decision cannot be reopened)."""
        lang = parse_search(search, default_lang).lang
        nothing = (no_update,) * 5
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(item["value"] for item in ctx.triggered):
            return nothing  # the buttons were drawn, nobody clicked
        decision_id, status = trigger.get("id"), trigger.get("to")
        if not isinstance(decision_id, int) or isinstance(decision_id, bool) or not isinstance(status, str):
            return nothing  # not a button the page drew
        if status == "cancelled":
            return no_update, no_update, True, t("decision_cancel_confirm", lang, id=decision_id), decision_id
        return (*_moved(decision_id, status, changed, lang), no_update, no_update, no_update)

    @app.callback(
        Output(ids.DECISION_SAVED, "children", allow_duplicate=True),
        Output(ids.DECISION_CHANGED, "data", allow_duplicate=True),
        Input(ids.DECISION_CANCEL_CONFIRM, "submit_n_clicks"),
        State(ids.DECISION_CANCEL_PENDING, "data"),
        State(ids.DECISION_CHANGED, "data"),
        State(ids.DECISIONS_URL, "search"),
        prevent_initial_call=True,
    )
    def cancel(confirmed, decision_id, changed, search):
        if not confirmed or not isinstance(decision_id, int) or isinstance(decision_id, bool):
            return no_update, no_update
        return _moved(decision_id, "cancelled", changed, parse_search(search, default_lang).lang)

    def _moved(decision_id: int, status: str, changed: int | None, lang: str) -> tuple:
        try:
            decisions.set_status(decision_id, status)
        except (DecisionError, DecisionNotFound) as exc:
            return exc.in_language(lang), no_update
        except (LookupError, AccessDenied) as exc:
            return str(exc), no_update
        return "", (changed or 0) + 1

    @app.callback(
        Output(ids.DECISION_STRIP, "children"),
        Input(ids.URL, "search"),
        Input(ids.REFRESH, "n_intervals"),
        State(ids.URL, "pathname"),
    )
    def strip(search, _tick, pathname):
        """The centre's figures over the page's period, for the reader's scope."""
        lang = parse_search(search, default_lang).lang
        try:
            filters = service.read_filters(query_of(search), pathname)
            found = decisions.kpi((filters.date_from, filters.date_to), filters.sectors).public()
        except (FilterError, SQLAlchemyError):
            return no_update
        query = urlencode({"period": "custom", "from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(),
                           "lang": lang})  # fmt: skip
        # the centre's figures are kept per sector, not per place: under a municipality filter the line says so
        return decision_strip(found, f"/decisions?{query}", lang, every_place=bool(filters.municipalities))


def _local(event: dict, tz) -> dict:
    """A history event with its moment in the region's time (stored in UTC)."""
    return {**event, "at": datetime.fromisoformat(event["at"]).astimezone(tz).isoformat()}


def _required(field: str):
    raise DecisionError(f"{t(field)}: нужно заполнить", "decision_err_required", field=field)


def _recorded(start: str | None, end: str | None) -> tuple[date, date] | None:
    """The list's «recorded from … to» as days; one end open reaches to the calendar's edge."""
    if not start and not end:
        return None
    first = parse_date(start) if start else EARLIEST
    last = parse_date(end) if end else LATEST
    if first > last:
        raise DecisionError("начало позже конца", "decision_err_order")
    return first, last
