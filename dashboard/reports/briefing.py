"""The briefing: the period against the previous one, as typed tables and series.

The page formats the tables for the language; the XLSX export writes the same tables with numbers as numbers
(one source for both). Everything comes from the service, so the briefing shares the dashboard's cache.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dashboard import formatting as fmt
from dashboard.decisions.service import DecisionService, marked
from dashboard.filters import Filters
from dashboard.i18n import t
from dashboard.metrics import tension
from dashboard.metrics.queries import change_pct
from dashboard.metrics.response_times import NO_AGENCY, granularity
from dashboard.metrics.small_numbers import count_change
from dashboard.reports.headlines import Headline, headlines
from dashboard.runtime.fanout import fan_out
from dashboard.service import DashboardService

POINTS_LISTED = 15
AGENCIES_LISTED = 10  # the busiest, as many as share a sheet with the sectors; the response page lists them all
# how each kind of value is shown on the page and which number format it gets in Excel
KINDS = {
    "text": (lambda v, lang: "—" if v is None or pd.isna(v) else str(v), "@"),
    "int": (lambda v, lang: fmt.number(_num(v), lang), "#,##0"),
    "decimal": (lambda v, lang: fmt.number(_num(v), lang, 1), "#,##0.0"),
    "share": (lambda v, lang: fmt.share(_num(v), lang), "0.0%"),
    "hours": (lambda v, lang: fmt.hours(_num(v), lang), "0.0"),
    "change": (lambda v, lang: fmt.change(_num(v), lang), '+0.0"%";-0.0"%";0.0"%"'),
}


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # an i18n key
    kind: str  # a key of KINDS, or "row" when each row says its own kind in the ``kind`` column


@dataclass(frozen=True)
class Table:
    title: str  # an i18n key; also the XLSX sheet's name
    columns: tuple[Column, ...]
    rows: pd.DataFrame

    def texts(self, lang: str) -> list[tuple[str, ...]]:
        """Each row's cells as the page shows them (formatted column by column: ``to_dict`` of a small frame costs
        more than formatting it)."""
        kinds = self.rows["kind"].tolist() if "kind" in self.rows else []
        columns = []
        for column in self.columns:
            values = self.rows[column.key].tolist()
            if column.kind == "row":
                columns.append([KINDS[kind][0](v, lang) for kind, v in zip(kinds, values, strict=True)])
            else:
                show = KINDS[column.kind][0]
                columns.append([show(v, lang) for v in values])
        return list(zip(*columns, strict=True))


@dataclass(frozen=True)
class Briefing:
    filters: Filters
    generated_at: datetime
    summary: Table
    points: Table
    sectors: Table
    municipalities: Table
    heatmap: pd.DataFrame  # the map: one row per municipality (queries.heatmap) plus its tension index
    daily: pd.DataFrame  # day, messages, previous_messages, median_hours, previous_median_hours, provisional
    per_day: bool = False  # steps are weeks and their messages a day's average (partial weeks stay comparable)
    running: bool = False  # the period ends today: its last step is still running
    decisions: Table | None = None  # the centre's figures over the period (dashboard/decisions/kpi.py)
    agencies: Table | None = None
    agencies_total: int = 0  # agencies with messages in the period, of which ``agencies`` lists the busiest
    headlines: tuple[Headline, ...] = ()  # «Главное», each sentence read from one of the tables

    @property
    def tables(self) -> tuple[Table, ...]:
        """The tables in the order of the page and of the workbook's sheets."""
        centre = (self.decisions,) if self.decisions is not None else ()
        agencies = (self.agencies,) if self.agencies is not None else ()
        return (self.summary, self.points, *centre, self.sectors, *agencies, self.municipalities)

    def table(self, title: str) -> Table:
        return next(table for table in self.tables if table.title == title)


def _summary(summary: dict, overdue_at_start: int | None, overdue_at_end: int | None, lang: str) -> Table:
    """The KPIs against the previous period (its messages to the same moment while this one runs); the overdue
    figures are of this moment, with nothing to compare, and the backlog the period began with (and, once it is
    over, the one it ended with)."""
    cur, covered = summary["current"], summary["previous_covered"]
    prev = summary["previous"] if covered else dict.fromkeys(summary["previous"])  # not covered: «—», not a count
    compared = [
        ("kpi_messages", "messages", "int", count_change),
        ("kpi_answered", "answered_24h_share", "share", change_pct),
        ("within_sla_share", "within_sla_share", "share", change_pct),
        ("kpi_median", "median_first_response_hours", "hours", change_pct),
        ("p90", "p90_first_response_hours", "hours", change_pct),
    ]
    rows = [
        {"indicator": t(label, lang), "current": cur[key], "previous": prev[key], "change": change(cur[key], prev[key])}
        | {"kind": kind}
        for label, key, kind, change in compared
    ]
    rows += [
        {"indicator": t(label, lang), "current": value, "previous": None, "change": None, "kind": "int"}
        for label, value in (
            ("kpi_overdue", summary["overdue_now"]),
            ("overdue_at_start", overdue_at_start),
            *([("overdue_at_end", overdue_at_end)] if overdue_at_end is not None else []),
            ("overdue_of_period", cur["overdue_of_period"]),
        )
    ]
    frame = pd.DataFrame(rows)
    columns = (
        Column("indicator", "indicator", "text"),
        Column("current", "this_period", "row"),
        Column("previous", "col_previous", "row"),
        Column("change", "vs_previous_col", "change"),
    )
    return Table("briefing_summary", columns, frame)


def _centre(found: dict, lang: str) -> Table:
    """The centre's four figures (``CentreKpi.public``) as a table: the figure and what it counts."""
    shares = (
        ("kpi_backed", found["backed_by_data"]),
        ("kpi_critical_decided", found["critical_points_decided"]),
        ("kpi_with_effect", found["with_measured_effect"]),
    )
    rows = [
        {
            "indicator": t(label, lang, days=found["within_days"]),
            "value": item["share"],
            "kind": "share",
            "basis": t("kpi_of", lang, part=item["part"], whole=item["of"])
            + (f" · {t('kpi_pending', lang, count=item['pending'])}" if item.get("pending") else ""),
        }
        for label, item in shares
    ]
    rows.insert(2, {"indicator": t("kpi_time_to_decision", lang), "value": found["median_hours_to_decision"],
                    "kind": "hours", "basis": None})  # fmt: skip
    columns = (Column("indicator", "indicator", "text"), Column("value", "this_period", "row"),
               Column("basis", "decision_basis", "text"))  # fmt: skip
    return Table("decisions_title", columns, pd.DataFrame(rows))


def build(
    service: DashboardService, filters: Filters, lang: str = "ru", decisions: DecisionService | None = None
) -> Briefing:
    """Everything the briefing shows for ``filters`` and the equal period before it; with ``decisions``, the
    centre's figures and each point's decision too."""
    previous = filters.previous()
    sectors = service.sectors
    ended = filters.date_to < service.today()
    result, kpis, by_sector, by_agency, backlog, ending, before, heatmap, current_steps, previous_steps = fan_out(
        service.engine,
        lambda: service.tension(filters),  # the longest first: its own reads run side by side in this thread
        lambda: service.summary(filters),
        lambda: service.response_table(filters, "sector"),
        lambda: service.response_table(filters, "agency"),
        lambda: service.backlog(previous),  # its last day's end is this period's start
        (lambda: service.backlog(filters)) if ended else None,  # its last day's end: the period's own end
        lambda: service.previous_messages(filters, ("sector",)),
        lambda: service.heatmap(filters),
        lambda: service.response_trend(filters),
        lambda: service.response_trend(previous),
    )
    covered = kpis["previous_covered"]
    summary = _summary(
        kpis,
        int(backlog["overdue"].iloc[-1]) if covered and not backlog.empty else None,
        int(ending["overdue"].iloc[-1]) if ending is not None and not ending.empty else None,
        lang,
    )

    raised = result.points[result.points["level"] != "normal"]
    critical = raised[raised["level"] == "critical"]
    critical_handled = int(marked(critical, decisions.marks(lang))["handling"].sum()) if decisions else None
    points = raised.head(POINTS_LISTED)
    points = pd.DataFrame(
        {
            "index": points["index"],
            "level": [t(f"level_{level}", lang) for level in points["level"]],
            "sector": [sectors.name_of(code, lang) for code in points["sector"]],
            "municipality": [service.region.name_of(code, lang) for code in points["oktmo"]],
            "observed": points["observed"],
            "change": points["change_pct"],
            "reason": tension.reasons(result, points, service.region, lang),
            "decision": marked(points, decisions.marks(lang))["decision"] if decisions else None,
            "sector_code": points["sector"],  # the cell, for a link to record a decision on it (not a column)
            "oktmo": points["oktmo"],
        }
    )
    points_table = Table(
        "tension_points",
        (
            Column("index", "col_index", "int"),
            Column("level", "level", "text"),
            Column("sector", "sector", "text"),
            Column("municipality", "municipality", "text"),
            Column("observed", "kpi_messages", "int"),
            Column("change", "col_vs_baseline", "change"),
            Column("reason", "reason", "text"),
            *([Column("decision", "decision_column", "text")] if decisions else []),
        ),
        points.reset_index(drop=True),
    )

    by_sector = by_sector.set_index("key")
    index_of = result.sectors.set_index("sector")
    previous_counts = pd.Series({code: n for (code,), n in before.items()}, dtype="int64")
    sector_rows = pd.DataFrame(
        {
            "sector": [sectors.name_of(code, lang) for code in by_sector.index],
            "messages": by_sector["messages"],
            "previous": previous_counts.reindex(by_sector.index, fill_value=0) if covered else None,
            "tension": index_of["index"].reindex(by_sector.index),
            "vs_baseline": index_of["change_pct"].reindex(by_sector.index),  # the tiles' «к базовому уровню»
            "median_hours": by_sector["median_hours"],
            "p90_hours": by_sector["p90_hours"],
            "within_sla_share": by_sector["within_sla_share"],
            "overdue_of_period": by_sector["overdue_of_period"],
        }
    )
    sector_rows["change"] = [
        count_change(c, p) for c, p in zip(sector_rows["messages"], sector_rows["previous"], strict=True)
    ]
    sectors_table = Table(
        "briefing_sectors",
        (
            Column("sector", "sector", "text"),
            Column("messages", "this_period", "int"),
            Column("previous", "col_previous", "int"),
            Column("change", "vs_previous_col", "change"),
            Column("tension", "col_index", "int"),
            Column("vs_baseline", "col_vs_baseline", "change"),
            Column("median_hours", "kpi_median", "hours"),
            Column("p90_hours", "p90", "hours"),
            Column("within_sla_share", "within_sla_share", "share"),
            Column("overdue_of_period", "col_overdue", "int"),
        ),
        sector_rows.reset_index(drop=True),
    )

    agencies_table = Table(
        "briefing_agencies",
        (
            Column("agency", "agency", "text"),
            Column("messages", "this_period", "int"),
            Column("median_hours", "kpi_median", "hours"),
            Column("p90_hours", "p90", "hours"),
            Column("within_sla_share", "within_sla_share", "share"),
            Column("overdue_of_period", "col_overdue", "int"),
        ),
        by_agency.head(AGENCIES_LISTED)
        .rename(columns={"key": "agency"})
        .assign(
            named=lambda rows: rows["agency"] != NO_AGENCY,  # «не указано» is no agency to rank (not a column)
            agency=lambda rows: [service.name("agency", name, lang) for name in rows["agency"]],
        )
        .reset_index(drop=True),
    )

    heatmap = heatmap.assign(
        name=[service.region.name_of(code, lang) for code in heatmap.index],
        tension=result.place_index.reindex(heatmap.index),  # the region's, also under a municipality filter
    )
    # ranked as the map's list is: by the rate shrunk toward the region, so a place with two messages is not first
    places = heatmap.sort_values(["per_10k_adjusted", "messages"], ascending=False, na_position="last")
    municipalities_table = Table(
        "briefing_municipalities",
        (
            Column("name", "municipality", "text"),
            Column("messages", "this_period", "int"),
            Column("previous_messages", "col_previous", "int"),
            Column("change_pct", "vs_previous_col", "change"),
            Column("per_10k", "per_10k", "decimal"),
            Column("per_10k_adjusted", "per_10k_adjusted", "decimal"),
            Column("tension", "col_index", "int"),
            Column("median_first_response_hours", "kpi_median", "hours"),
            Column("overdue_share", "overdue_share", "share"),
        ),
        places.reset_index(drop=True),
    )
    return Briefing(
        filters=filters,
        generated_at=service.now(),
        summary=summary,
        points=points_table,
        sectors=sectors_table,
        municipalities=municipalities_table,
        heatmap=heatmap,
        daily=_daily(service, filters, current_steps, previous_steps, covered),
        per_day=granularity(filters) == "week",
        running=filters.date_to == service.today(),
        decisions=_centre(decisions.kpi((filters.date_from, filters.date_to), filters.sectors).public(), lang)
        if decisions
        else None,
        agencies=agencies_table,
        agencies_total=len(by_agency),
        headlines=headlines(
            summary.rows,
            points_table.rows,
            agencies_table.rows,
            len(critical),
            critical_handled,
            running=not ended,
            lang=lang,
        ),
    )


def _daily(
    service: DashboardService, filters: Filters, current: pd.DataFrame, before: pd.DataFrame, covered: bool
) -> pd.DataFrame:
    """The period's days (or weeks, for long periods) beside the same step of the previous period (empty where the
    data does not cover it); ``current`` and ``before`` are the two periods' response trends."""
    current = current.reset_index(drop=True)
    before = before.reset_index(drop=True)
    if granularity(filters) == "week":  # a period's first and last weeks are partial: a day's average, not a fall
        today = tension.elapsed_share(filters, service.now(), service.region)  # of the last day, when it is today
        days = _days_in_weeks(current["period_start"], filters)
        days[-1:] -= 1 - today
        current = current.assign(messages=current["messages"] / days)
        before = before.assign(messages=before["messages"] / _days_in_weeks(before["period_start"], filters.previous()))
    if not covered:
        before = before.assign(messages=np.nan, median_hours=np.nan)
    return pd.DataFrame(
        {
            "day": current["period_start"],
            "messages": current["messages"],
            "previous_messages": before["messages"].reindex(current.index),
            "median_hours": current["median_hours"],
            "previous_median_hours": before["median_hours"].reindex(current.index),
            "provisional": current["provisional"].astype(bool),  # the median can still move
        }
    )


def _days_in_weeks(starts: pd.Series, filters: Filters) -> np.ndarray:
    """How many of the period's days each week (by its Monday) holds."""
    first = np.maximum(starts, pd.Timestamp(filters.date_from))
    last = np.minimum(starts + pd.Timedelta(days=6), pd.Timestamp(filters.date_to))
    return ((last - first).dt.days + 1).to_numpy(dtype=float)


def xlsx(briefing: Briefing, lang: str = "ru") -> bytes:
    """The briefing's tables, one sheet each, numbers as numbers with their formats, headers bold."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if briefing.headlines:  # «Главное» first, each sentence beside the sheet its figures are on
            name = t("headlines_title", lang)[:31]
            lines = pd.DataFrame(
                {
                    t("headlines_title", lang): [line.text for line in briefing.headlines],
                    t("headline_sheet", lang): [t(line.table, lang)[:31] for line in briefing.headlines],
                }
            )
            fmt.spreadsheet_safe(lines).to_excel(writer, index=False, sheet_name=name)
            sheet = writer.sheets[name]
            sheet.column_dimensions["A"].width = 120
            sheet.column_dimensions["B"].width = 28
            for cell in sheet["A"]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        for table in briefing.tables:
            sheet_name = t(table.title, lang)[:31]
            rows = table.rows
            frame = pd.DataFrame({_header(c, lang): rows[c.key] for c in table.columns})
            if "kind" in rows:  # a table of mixed rows: the unit goes into the row's label
                first = table.columns[0].key
                unit = [f", {t('unit_hours', lang)}" if kind == "hours" else "" for kind in rows["kind"]]
                frame.iloc[:, 0] = rows[first].astype(str) + unit
            fmt.spreadsheet_safe(frame).to_excel(writer, index=False, sheet_name=sheet_name)
            sheet = writer.sheets[sheet_name]
            for number, column in enumerate(table.columns, start=1):
                letter = get_column_letter(number)
                sheet[f"{letter}1"].font = Font(bold=True)
                width = max(12, min(60, len(_header(column, lang)) + 2))
                if column.kind == "text":  # an empty table (no points above normal) keeps its header's width
                    width = max(width, min(60, max(rows[column.key].astype(str).str.len(), default=0) + 2))
                sheet.column_dimensions[letter].width = width
                for row_number, (_, row) in enumerate(rows.iterrows(), start=2):
                    kind = row["kind"] if column.kind == "row" else column.kind
                    sheet.cell(row=row_number, column=number).number_format = KINDS[kind][1]
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def _header(column: Column, lang: str) -> str:
    """A column's header in the workbook: hours carry their unit there, since cells hold bare numbers."""
    label = t(column.label, lang)
    return f"{label}, {t('unit_hours', lang)}" if column.kind == "hours" else label
