"""The /decisions page: the centre's figures, recording a decision on the cell the address names (from a tension
point's link), and every decision of the reader's scope with its evidence, status and effect."""

from __future__ import annotations

from datetime import date, datetime

from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.catalog import SectorCatalog
from dashboard.decisions.records import STATUSES, TRANSITIONS
from dashboard.i18n import t
from dashboard.region import Region
from layouts import ids
from layouts.accessible import CONTENT, skip_link


def decisions_page(region: Region, sectors: SectorCatalog, lang: str = "ru") -> html.Div:
    """``sectors``: the reader's (a minister's own), offered in the list's filter."""
    return html.Div(
        className="page decisions-page",
        children=[
            skip_link(lang),
            dcc.Location(id=ids.DECISIONS_URL, refresh=False),
            dcc.Store(id=ids.DECISION_CHANGED, data=0),
            dcc.Store(id=ids.DECISION_CANCEL_PENDING),
            dcc.ConfirmDialog(id=ids.DECISION_CANCEL_CONFIRM),
            html.Header(
                className="topbar",
                children=[
                    html.Div([html.H1(t("decisions_title", lang))], className="brand"),
                    html.A(
                        t("back_to_dashboard", lang), href="/" if lang == "ru" else "/?lang=en", className="lang-switch"
                    ),
                ],
            ),
            html.Main(
                id=CONTENT,
                tabIndex="-1",
                className="content",
                children=[
                    html.Section(id=ids.DECISION_KPIS, className="kpis decision-kpis"),
                    record_form(lang),
                    html.Div(id=ids.DECISION_SAVED, className="status", role="status"),
                    html.Section(
                        className="panel",
                        children=[
                            html.H2(t("decisions_list", lang)),
                            list_filters(region, sectors, lang),
                            html.Div(id=ids.DECISION_LIST, **{"aria-live": "polite"}),
                        ],
                    ),
                ],
            ),
        ],
    )


def list_filters(region: Region, sectors: SectorCatalog, lang: str = "ru") -> html.Div:
    """The list's own filters: sector, municipality, status, agency, and the days the decisions were recorded on."""

    def choice(label: str, control) -> html.Div:
        return html.Div([html.Label(label, htmlFor=control.id), control], className="filter")

    places = region.municipalities
    return html.Div(
        className="filters decision-filters",
        children=[
            choice(
                t("sector", lang),
                dcc.Dropdown(
                    id=ids.DECISION_SECTOR_FILTER,
                    multi=True,
                    placeholder=t("all", lang),
                    options=[{"label": s.name(lang), "value": s.code} for s in sectors.sectors],
                ),
            ),
            choice(
                t("municipality", lang),
                dcc.Dropdown(
                    id=ids.DECISION_PLACE_FILTER,
                    multi=True,
                    placeholder=t("all", lang),
                    options=[{"label": region.name_of(oktmo, lang), "value": oktmo} for oktmo in places.index],
                ),
            ),
            choice(
                t("decision_status", lang),
                dcc.Dropdown(
                    id=ids.DECISION_STATUS_FILTER,
                    multi=True,
                    options=[{"label": t(f"decision_{s}", lang), "value": s} for s in STATUSES],
                    placeholder=t("all", lang),
                ),
            ),
            choice(
                t("decision_agency", lang),
                dcc.Input(id=ids.DECISION_AGENCY_FILTER, type="text", debounce=True, maxLength=300),
            ),
            choice(t("decision_recorded_from", lang), dcc.Input(id=ids.DECISION_FROM_FILTER, type="date")),
            choice(t("decision_recorded_to", lang), dcc.Input(id=ids.DECISION_TO_FILTER, type="date")),
        ],
    )


def record_form(lang: str = "ru") -> html.Section:
    """Recording a decision on the cell the address names: hidden until a tension point's link opens the page; its
    cell and period, and whether the reader may write, are filled in by the page's callback."""

    def field(label: str, control) -> html.Label:
        """A field; a required one says so to the eye (*) and, by its ``required``, to a screen reader."""
        needed = getattr(control, "required", False)
        mark = [html.Span(" *", className="required-mark", **{"aria-hidden": "true"})] if needed else []
        return html.Label([html.Span([label, *mark]), control], className="decision-field")

    return html.Section(
        id=ids.DECISION_FORM,
        className="panel decision-form",
        hidden=True,
        children=[
            html.H2(t("decision_record", lang)),
            html.P(id=ids.DECISION_CELL, className="decision-cell"),
            html.Div(
                id=ids.DECISION_FIELDS,
                children=[
                    field(t("decision_what", lang), dcc.Textarea(id=ids.DECISION_TITLE, maxLength=2000, required=True)),
                    field(t("decision_agency", lang), dcc.Input(id=ids.DECISION_AGENCY, maxLength=300, required=True)),
                    field(t("decision_person", lang), dcc.Input(id=ids.DECISION_PERSON, maxLength=200)),
                    field(t("decision_due_label", lang), dcc.Input(id=ids.DECISION_DUE, type="date", required=True)),
                    html.P(t("required_fields", lang), className="hint"),
                    html.Button(t("decision_save", lang), id=ids.DECISION_SAVE, n_clicks=0, className="primary"),
                ],
            ),
            html.P(t("decision_writers_only", lang), id=ids.DECISION_READ_ONLY, className="muted", hidden=True),
        ],
    )


def kpi_cards(found: dict, period: str, lang: str = "ru") -> list:
    """The centre's four figures (dashboard/decisions/kpi.py ``CentreKpi.public``) over ``period`` (its words)."""

    def share(item: dict) -> str:
        return fmt.share(item["share"], lang, 0)

    decided = found["critical_points_decided"]
    hours = found["median_hours_to_decision"]
    cards = [
        (t("kpi_backed", lang), share(found["backed_by_data"]), _of(found["backed_by_data"], lang)),
        (
            t("kpi_critical_decided", lang, days=found["within_days"]),
            share(decided),
            _of(decided, lang)
            + (f" · {t('kpi_pending', lang, count=decided['pending'])}" if decided["pending"] else ""),
        ),
        (t("kpi_time_to_decision", lang), "—" if hours is None else fmt.hours(hours, lang), ""),
        (t("kpi_with_effect", lang), share(found["with_measured_effect"]), _of(found["with_measured_effect"], lang)),
    ]
    heading = html.H2(t("decisions_kpi_heading", lang, period=period), className="decision-kpis-heading")
    return [heading] + [
        html.Div(
            className="kpi",
            children=[
                html.Div(label, className="kpi-label"),
                html.Div(value, className="kpi-value"),
                html.Div(note, className="kpi-note"),
            ],
        )
        for label, value, note in cards
    ]


def _of(item: dict, lang: str) -> str:
    return t("kpi_of", lang, part=fmt.number(item["part"], lang), whole=fmt.number(item["of"], lang))


def decision_rows(items: list[dict], may_write: bool, lang: str = "ru") -> html.Table | html.P:
    """Every decision: number, what, agency, due, status (with its moves for a writer), evidence and effect."""
    if not items:
        return html.P(t("decisions_none", lang), className="muted")
    head = html.Thead(html.Tr([html.Th(t(key, lang), scope="col") for key in DECISION_COLUMNS]))
    return html.Table(
        className="decisions-table", children=[head, html.Tbody([_row(i, may_write, lang) for i in items])]
    )


DECISION_COLUMNS = ("decision_no", "decision_what", "decision_agency", "decision_due_label", "decision_status",
                    "decision_evidence", "decision_effect")  # fmt: skip


def _row(item: dict, may_write: bool, lang: str) -> html.Tr:
    evidence = item["evidence"]
    if evidence:
        change = "" if evidence.get("change_pct") is None else f", {fmt.change(evidence['change_pct'], lang)}"
        basis = [
            html.Div(
                f"{item['sector_name']} · {item['municipality']}" + (f" · «{item['topic']}»" if item["topic"] else "")
            ),
            html.Div(
                t(
                    "decision_evidence_line",
                    lang,
                    messages=evidence["messages"],
                    index=fmt.number(evidence["index"], lang),
                    level=t(f"level_{evidence['level']}", lang),
                )
                + change,
                className="muted",
            ),
        ]
    else:
        basis = [html.Span(t("decision_not_backed", lang), className="muted")]
    due = fmt.day(date.fromisoformat(item["due"]), lang)
    status = [html.Span(t(f"decision_{item['status']}", lang), className=f"decision-status status-{item['status']}")]
    if item["overdue"]:
        status.append(html.Span(" · " + t("decision_overdue", lang), className="overdue"))
    if may_write:
        status += [
            html.Button(
                t(f"decision_to_{target}", lang),
                id={"type": ids.DECISION_MOVE, "id": item["id"], "to": target},
                n_clicks=0,
                className="decision-move",
            )
            for target in TRANSITIONS[item["status"]]
        ]
    if item.get("history"):
        status.append(_history(item["history"], lang))
    effect = item["effect"]["text"] if item["effect"] else "—"
    person = f" ({item['person']})" if item["person"] else ""
    return html.Tr(
        [
            html.Td(f"№{item['id']}"),
            html.Td(item["title"]),
            html.Td(item["agency"] + person),
            html.Td(due),
            html.Td(status),
            html.Td(basis),
            html.Td(effect),
        ]
    )


def cell_line(sector: str, place: str, period: tuple[date, date], lang: str = "ru") -> str:
    """The cell a decision is being recorded on, as the form's heading says it."""
    start, end = period
    days = (end - start).days + 1
    shown = t("period_label", lang, start=fmt.day(start, lang), end=fmt.day(end, lang), days=days)
    return f"{sector} · {place} · {shown}"


def decision_strip(found: dict, link: str, lang: str = "ru", every_place: bool = False) -> list:
    """The centre's figures in one line on the main page (the head's first screen), linking to /decisions; the
    same figures and words as the page's cards. ``every_place``: the page is narrowed to municipalities, which the
    centre's figures are not (they are kept per sector) — the line says so."""
    backed, decided = found["backed_by_data"], found["critical_points_decided"]
    hours = found["median_hours_to_decision"]
    pending = f" · {t('kpi_pending', lang, count=decided['pending'])}" if decided["pending"] else ""
    parts = [
        t("strip_backed", lang, share=fmt.share(backed["share"], lang, 0), of=_of(backed, lang)),
        t("strip_decided", lang, of=_of(decided, lang), days=found["within_days"]) + pending,
        t("strip_time", lang, time="—" if hours is None else fmt.hours(hours, lang)),
        t("strip_effect", lang, of=_of(found["with_measured_effect"], lang)),
    ]
    scope = [html.Span(f" ({t('strip_every_place', lang)})", className="muted")] if every_place else []
    return [html.Strong(t("decisions_title", lang) + ": "), html.Span(" · ".join(parts)), *scope, " ",
            html.A(t("decisions_open", lang), href=link)]  # fmt: skip


def _history(events: list[dict], lang: str) -> html.Details:
    """Who changed what and when (the append-only history), folded."""
    lines = []
    for event in events:
        at = datetime.fromisoformat(event["at"])
        what = (
            t("decision_history_created", lang)
            if event["action"] == "created"
            else " · ".join(
                f"{t(f'decision_{before}', lang)} → {t(f'decision_{after}', lang)}"
                for field, (before, after) in event["changes"].items()
                if field == "status"
            )
        )
        lines.append(html.Li(f"{fmt.day(at.date(), lang)} {at:%H:%M} · {event['actor']} · {what}"))
    summary = html.Summary(t("decision_history", lang, count=len(events)))
    return html.Details([summary, html.Ul(lines)], className="decision-history")
