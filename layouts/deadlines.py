"""«Истекает срок в ближайшие 24 ч»: the messages due soon by agency and sector, with the soonest one's hours left."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from dash import html

from dashboard import formatting as fmt
from dashboard.i18n import t

SHOWN = 8  # groups listed; the rest are counted


def deadlines_panel(by_agency: pd.DataFrame, total: int, name: Callable[[str, str, str], str], lang: str = "ru"):
    """The panel's content: a heading with the count (its definition in the tooltip) and the biggest groups."""
    heading = html.H2(
        [t("due_soon_title", lang), ": ", html.Strong(fmt.number(total, lang))],
        title=t("due_soon_help", lang),
        className="deadlines-title",
    )
    if not total:
        return [heading, html.P(t("due_soon_none", lang), className="muted")]
    head = html.Tr(
        [html.Th(t(key, lang), scope="col") for key in ("col_key_agency", "sector", "col_messages", "col_soonest")]
    )
    rows = [
        html.Tr(
            [
                html.Td(name("agency", row.agency, lang) if row.agency else "—"),
                html.Td(name("sector", row.sector, lang)),
                html.Td(fmt.number(row.messages, lang), className="num"),
                html.Td(fmt.hours(row.soonest_hours, lang), className="num"),
            ]
        )
        for row in by_agency.head(SHOWN).itertuples()
    ]
    more = len(by_agency) - SHOWN
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="deadlines-table")
    return [heading, table, *([html.P(t("due_soon_more", lang, count=more), className="muted")] if more > 0 else [])]
