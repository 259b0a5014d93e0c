"""The application shell: header with filters, KPI tiles, footer with attribution."""

from __future__ import annotations

from functools import partial

from dash import dcc, html

from dashboard import formatting as fmt
from dashboard.catalog import SOURCES, SectorCatalog
from dashboard.filters import PRESETS
from dashboard.formatting import change as fmt_change
from dashboard.i18n import t
from dashboard.region import Region
from layouts import ids
from layouts.accessible import CONTENT, hidden_label, skip_link
from layouts.map_panel import map_panel
from layouts.response_panel import response_panel
from layouts.tension_panel import tension_panel

REFRESH_MS = 5 * 60 * 1000  # the page's figures refresh this often
RETRY_MS = 30 * 1000  # … and this often while the database is away


def _dropdown_labels(lang: str) -> dict[str, str]:
    return {
        "select_all": t("select_all", lang),
        "deselect_all": t("deselect_all", lang),
        "selected_count": t("selected_count", lang),
        "search": t("search", lang),
        "clear_search": t("clear", lang),
        "clear_selection": t("clear", lang),
        "no_options_found": t("nothing_found", lang),
    }


def filter_bar(region: Region, sectors: SectorCatalog, lang: str = "ru", scope: str | None = None) -> html.Div:
    """Period, sector, municipality and channel filters; on a minister's page the sector is fixed."""
    municipalities = region.municipalities.sort_values(["kind", "name"], ascending=[True, True])
    return html.Div(
        className="filters",
        children=[
            html.Div(
                className="filter filter-period",
                children=[
                    html.Label(t("period", lang), htmlFor=ids.PERIOD),
                    hidden_label(t("period_dates", lang), ids.DATES),
                    dcc.RadioItems(
                        id=ids.PERIOD,
                        className="presets",
                        inline=True,
                        value="30d",
                        options=[{"label": t(p, lang), "value": p} for p in PRESETS],
                    ),
                    dcc.DatePickerRange(
                        id=ids.DATES,
                        display_format="DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD",
                        first_day_of_week=1,
                        className="dates",
                        clearable=False,
                        start_date_placeholder_text=t("date_start", lang),
                        end_date_placeholder_text=t("date_end", lang),
                    ),
                ],
            ),
            html.Div(
                className="filter",
                children=[
                    html.Label(t("sector", lang), htmlFor=ids.SECTOR),
                    dcc.Dropdown(
                        id=ids.SECTOR,
                        multi=True,
                        disabled=scope is not None,
                        value=[scope] if scope else None,
                        placeholder=t("all", lang),
                        labels=_dropdown_labels(lang),
                        options=[{"label": s.name(lang), "value": s.code} for s in sectors.sectors],
                    ),
                ],
            ),
            html.Div(
                className="filter",
                children=[
                    html.Label(t("municipality", lang), htmlFor=ids.MUNICIPALITY),
                    dcc.Dropdown(
                        id=ids.MUNICIPALITY,
                        multi=True,
                        placeholder=t("all", lang),
                        labels=_dropdown_labels(lang),
                        options=[
                            {
                                "label": row["name_en"] if lang == "en" and row["name_en"] else row["name"],
                                "value": oktmo,
                            }
                            for oktmo, row in municipalities.iterrows()
                        ],
                    ),
                ],
            ),
            html.Div(
                className="filter",
                children=[
                    html.Label(t("source", lang), htmlFor=ids.SOURCE),
                    dcc.Dropdown(
                        id=ids.SOURCE,
                        multi=True,
                        placeholder=t("all", lang),
                        labels=_dropdown_labels(lang),
                        options=[
                            {"label": names[0] if lang == "ru" else names[1], "value": code}
                            for code, names in SOURCES.items()
                        ],
                    ),
                ],
            ),
        ],
    )


def kpi_tile(
    key: str,
    value: str,
    change: float | None,
    good_when: str,
    note: str = "",
    lang: str = "ru",
    versus: str | None = "vs_previous",
) -> html.Div:
    """One KPI: big value, change against the previous period coloured by whether it is good news; ``versus``: the
    text key of what the change is against (None: a figure of this moment, with no change line). The tile's title
    attribute holds the figure's definition (``kpi_<key>_help``)."""
    if change is None or change == 0 or good_when == "neither":
        tone = "neutral"
    elif (change > 0) == (good_when == "up"):
        tone = "good"
    else:
        tone = "bad"
    compared = (
        html.Div(
            [
                html.Span(
                    [
                        fmt_change(change, lang),
                        # good or bad news said in words too, not by colour alone (WCAG 1.4.1)
                        *([html.Span(t(tone, lang), className="kpi-verdict")] if tone != "neutral" else []),
                    ],
                    className=f"kpi-change {tone}",
                ),
                html.Span(t(versus, lang), className="kpi-vs"),
            ]
        )
        if versus
        else html.Div()
    )
    return html.Div(
        className="kpi",
        id=f"kpi-{key}",
        title=t(f"kpi_{key}_help", lang),
        children=[
            html.Div(t(f"kpi_{key}", lang), className="kpi-label"),
            html.Div(value, className="kpi-value"),
            compared,
            html.Div(note, className="kpi-note"),
        ],
    )


def versus_key(summary: dict) -> str:
    """What the KPIs' changes compare with: the previous equal period, the same moment of it while this period runs
    («к этому же времени вчера» for a day), or nothing when the data does not reach back over it."""
    if not summary.get("previous_covered", True):
        return "previous_not_covered"  # a «—» says why (queries.covers_previous)
    if summary.get("compared_until"):
        return "vs_same_time_yesterday" if summary["period"]["days"] == 1 else "vs_same_time_previous"
    return "vs_previous"


def kpi_tiles(summary: dict, lang: str = "ru", due_soon: int | None = None) -> list[html.Div]:
    """The four KPI tiles of a summary (``queries.summary``): messages, answered, median response — against the
    previous period — and overdue now, a figure of this moment with this period's part of it and, given
    ``due_soon``, how many more fall due within 24 hours."""
    cur, change = summary["current"], summary["change_pct"]
    tile = partial(kpi_tile, lang=lang, versus=versus_key(summary))
    of_period = t("overdue_of_period_note", lang, count=fmt.number(cur["overdue_of_period"], lang))
    if due_soon is not None:
        of_period += " · " + t("due_soon_note", lang, count=fmt.number(due_soon, lang))
    return [
        tile("messages", fmt.number(cur["messages"], lang), change["messages"], "neither"),
        tile(
            "answered",
            _or_not_yet(fmt.share(cur["answered_24h_share"], lang), cur["answered_24h_share"], lang),
            change["answered_24h_share"],
            "up",
            note=f"{t('within_sla', lang)}: {fmt.share(cur['within_sla_share'], lang)}",
        ),
        tile(
            "median",
            _or_not_yet(fmt.hours(cur["median_first_response_hours"], lang), cur["median_first_response_hours"], lang),
            change["median_first_response_hours"],
            "down",
            note=" · ".join(
                [f"{t('p90', lang)}: {fmt.hours(cur['p90_first_response_hours'], lang)}"]
                + ([t("provisional_legend", lang)] if cur.get("median_provisional") else [])
            ),
        ),
        tile("overdue", fmt.number(summary["overdue_now"], lang), None, "down", note=of_period, versus=None),
    ]


def _or_not_yet(shown: str, value: object, lang: str) -> str:
    """A figure the data cannot tell yet (today's share answered within 24 h) reads «ещё рано», not «—»."""
    return t("not_yet", lang) if value is None else shown


def shell(
    region: Region, sectors: SectorCatalog, lang: str = "ru", scope: str | None = None, account: str | None = None
) -> html.Div:
    """The dashboard page; ``scope`` fixes it to one sector (a minister's page ``/sector/<code>``);
    ``account``: the signed-in user's name, shown with a sign-out button (none when accounts are off)."""
    name = region.name_ru if lang == "ru" else region.name_en
    if scope:
        name = f"{name} · {t('sector', lang)}: {sectors.name_of(scope, lang)}"
    return html.Div(
        className="page",
        children=[
            skip_link(lang),
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Interval(id=ids.REFRESH, interval=REFRESH_MS),
            html.Header(
                className="topbar",
                children=[
                    html.Div([html.H1(t("title", lang)), html.Div(name, className="region-name")], className="brand"),
                    html.Div(
                        [
                            html.Div(id=ids.DATA_AT, className="data-at-box"),
                            html.Div(id=ids.CHANNELS, className="channel-badges", role="alert"),
                            html.Div(id=ids.PERIOD_LABEL, className="period-label"),
                            html.A(
                                t("briefing", lang), id=ids.BRIEFING_LINK, href="/briefing", className="lang-switch"
                            ),
                            html.A(
                                t("other_language", lang),
                                id=ids.LANG_LINK,
                                href="?lang=en" if lang == "ru" else "?lang=ru",
                                className="lang-switch",
                                lang="en" if lang == "ru" else "ru",
                            ),
                            *([account_box(account, lang)] if account else []),
                        ],
                        className="topbar-right",
                    ),
                ],
            ),
            filter_bar(region, sectors, lang, scope),
            html.Div(id=ids.STATUS, className="status", role="status"),
            html.Div(id=ids.ANNOUNCE, className="sr-only", role="status"),  # a filter's result, said once
            html.Main(
                id=CONTENT,
                tabIndex="-1",
                className="content",
                children=[
                    dcc.Loading(html.Section(id=ids.KPIS, className="kpis"), type="dot", delay_show=300),
                    html.Section(id=ids.TOP_POINTS, className="top-points"),
                    map_panel(lang),
                    # right under the map: the first screen at 1366×768 keeps the whole map
                    html.Section(id=ids.DECISION_STRIP, className="decision-strip"),
                    html.Section(id=ids.DEADLINES, className="deadlines"),
                    tension_panel(lang),
                    response_panel(lang),
                ],
            ),
            html.Footer(className="footer", children=[html.Span(t("attribution", lang))]),
        ],
    )


def account_box(account: str, lang: str) -> html.Form:
    """The user's name and a plain form posting to /logout (works without any callback)."""
    return html.Form(
        [html.Span(account, className="account-name"), html.Button(t("logout", lang), type="submit")],
        method="post",
        action="/logout",
        className="account",
    )
