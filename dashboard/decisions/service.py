"""Decisions as a reader and a writer meet them: the same principal and sector scoping as every figure
(dashboard/access.py), the evidence made from the dashboard's own tension result, the effect and the centre's KPIs.

Who may write: ``admin``, ``head`` and ``operator`` (``WRITERS``); everybody who may open the pages reads — a minister
only the decisions of his sectors (a decision tied to no sector is the centre's, not his).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd

from dashboard import formatting as fmt
from dashboard.access import AccessDenied, Principal
from dashboard.decisions import evidence, kpi, measured, records
from dashboard.decisions.effect import Effect
from dashboard.decisions.records import Cell, Decision, DecisionError
from dashboard.filters import EARLIEST, Filters
from dashboard.i18n import t
from dashboard.service import DashboardService

WRITERS = ("admin", "head", "operator")
MAX_DUE_DAYS = 3 * 366  # a deadline further than this is a typo
EFFECTS_KEPT = 2048
_EFFECTS: dict[tuple, Effect | None] = {}  # computed effects by decision, completion, day and data version
DEFAULT_WITHIN_DAYS = 3  # a critical point counts as decided when a decision came within this many days


@dataclass
class DecisionService:
    dashboard: DashboardService
    within_days: int = DEFAULT_WITHIN_DAYS

    @property
    def engine(self):
        return self.dashboard.engine

    def _principal(self) -> Principal | None:
        return self.dashboard.principal()

    def _actor(self) -> str:
        principal = self._principal()
        return principal.name if principal is not None else "tsur"

    def may_write(self) -> bool:
        principal = self._principal()
        return principal is None or principal.role in WRITERS

    def _writer(self) -> None:
        principal = self._principal()
        if principal is not None and principal.role not in WRITERS:
            raise AccessDenied("решения записывают руководитель, оператор ЦУР и администратор")

    def _sectors(self) -> tuple[str, ...] | None:
        """The reader's sectors, None when not restricted."""
        principal = self._principal()
        return principal.sectors if principal is not None and principal.restricted else None

    def _may_see(self, decision: Decision) -> bool:
        sectors = self._sectors()
        return sectors is None or decision.cell.sector in sectors

    # --- writing ---------------------------------------------------------------------------------------------

    def record(
        self,
        *,
        title: str,
        agency: str,
        due: date,
        person: str | None = None,
        sector: str | None = None,
        oktmo: str | None = None,
        topic: str | None = None,
        period: tuple[date, date] | None = None,
    ) -> int:
        """A decision; with a sector, a municipality and a period, its evidence is frozen from the tension index
        of that period as every page shows it."""
        self._writer()
        known = self.dashboard.known()
        if sector is not None and sector not in known.sectors:
            raise DecisionError(f"неизвестная отрасль: {sector}", "decision_err_sector", value=sector)
        if oktmo is not None and oktmo not in known.municipalities:
            raise DecisionError(f"неизвестный муниципалитет: {oktmo}", "decision_err_place", value=oktmo)
        if oktmo is not None and sector is None:
            raise DecisionError(
                "основание — отрасль и муниципалитет вместе; без муниципалитета — только отрасль", "decision_err_cell"
            )
        if topic and oktmo is None:
            raise DecisionError("тема — только вместе с отраслью и муниципалитетом", "decision_err_topic")
        today = self.dashboard.today()
        if not today <= due <= today + timedelta(days=MAX_DUE_DAYS):
            raise DecisionError(
                f"срок исполнения: от сегодняшнего дня до {MAX_DUE_DAYS} дней вперёд",
                "decision_err_due",
                days=MAX_DUE_DAYS,
            )
        if oktmo is not None and period is None:
            raise DecisionError("у основания нужен период, за который показаны цифры", "decision_err_period")
        if period is not None and oktmo is None:
            raise DecisionError(
                "период основания — только вместе с отраслью и муниципалитетом", "decision_err_period_alone"
            )
        if period is not None and not (EARLIEST <= period[0] <= period[1] <= today):
            raise DecisionError(
                "период основания: с 2000 года, начало не позже конца, конец не позже сегодня",
                "decision_err_period_range",
            )
        cell = Cell(sector, oktmo, topic or None, *(period or (None, None)))
        now = self.dashboard.now()
        shown = None
        if cell.located:
            result = self.dashboard.tension(Filters(*period, sectors=(sector,)))
            version = self.dashboard.data_version(date.min, period[1])
            shown = evidence.snapshot(result, cell, now, version)
        return records.record(
            self.engine,
            title=title,
            agency=agency,
            due=due,
            actor=self._actor(),
            cell=cell,
            evidence=shown,
            person=person,
            now=now,
        )

    def set_status(self, decision_id: int, status: str) -> None:
        self._writer()
        self.get(decision_id)  # exists, and is the writer's to see
        records.set_status(self.engine, decision_id, status, self._actor(), self.dashboard.now())

    # --- reading ---------------------------------------------------------------------------------------------

    def get(self, decision_id: int) -> Decision:
        found = records.get(self.engine, decision_id)
        if found is None or not self._may_see(found):  # another sector's: as if there were none
            raise records.DecisionNotFound(decision_id)
        return found

    def history(self, decision_id: int) -> list[records.Event]:
        self.get(decision_id)
        return records.history(self.engine, decision_id)

    def listed(
        self,
        *,
        sectors: tuple[str, ...] = (),
        municipalities: tuple[str, ...] = (),
        statuses: tuple[str, ...] = (),
        agency: str | None = None,
        period: tuple[date, date] | None = None,
        agency_part: str | None = None,
    ) -> list[Decision]:
        """Decisions of the reader's scope, newest first; ``period``: recorded on those days (region's time);
        ``agency``: that agency, ``agency_part``: an agency whose name holds it (the page's search box) — both
        whatever the letters' case."""
        scope = self._sectors()
        outside = [code for code in sectors if scope is not None and code not in scope]
        if outside:
            raise AccessDenied.for_sectors(outside)
        unknown = [s for s in statuses if s not in records.STATUSES]
        if unknown:
            raise DecisionError(
                f"статус {unknown[0]!r} неизвестен; допустимы: {', '.join(records.STATUSES)}",
                "decision_err_status",
                value=unknown[0],
                allowed=", ".join(records.STATUSES),
            )
        found = records.listed(
            self.engine,
            sectors=sectors,
            municipalities=municipalities,
            statuses=statuses,
            agency=agency,
            created=self._utc_days(period) if period else None,
            only_sectors=scope,
        )
        wanted = " ".join((agency_part or "").split()).casefold()
        return [item for item in found if wanted in item.agency.casefold()] if wanted else found

    def _utc_days(self, period: tuple[date, date]) -> tuple[datetime, datetime]:
        tz = self.dashboard.region.timezone
        start = datetime.combine(period[0], time(), tz).astimezone(UTC)
        end = datetime.combine(period[1] + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end

    def effect(self, decision: Decision) -> Effect | None:
        """The decision's effect, computed once per decision, completion, day and data version (in this process):
        the list, the marks, the wall and the KPIs ask for the same ones on every refresh."""
        if decision.status != "done":
            return None
        today = self.dashboard.today()
        key = (repr(self.dashboard), decision.id, decision.done_at, today, self.dashboard.data_version(date.min, today))
        if key not in _EFFECTS:
            if len(_EFFECTS) >= EFFECTS_KEPT:
                _EFFECTS.pop(next(iter(_EFFECTS)))
            _EFFECTS[key] = measured.effect(self.engine, self.dashboard.region, decision, today)
        return _EFFECTS[key]

    def kpi(self, period: tuple[date, date], sectors: tuple[str, ...] = ()) -> kpi.CentreKpi:
        """The centre's figures over ``period`` for ``sectors`` (all of the reader's scope when none): a decision
        tied to no sector counts only for the whole centre."""
        scope = self._sectors()
        outside = [code for code in sectors if scope is not None and code not in scope]
        if outside:
            raise AccessDenied.for_sectors(outside)
        chosen = tuple(sectors) or scope
        decided = records.listed(self.engine, only_sectors=chosen)
        spells = kpi.critical_spells(self.engine, chosen or ())
        return kpi.centre_kpi(
            decided,
            spells,
            period,
            self.dashboard.now(),
            self.dashboard.region.timezone,
            self.within_days,
            self.effect,
        )

    def marks(self, lang: str = "ru") -> dict[tuple[str, str], Mark]:
        """What each cell's decision says next to its tension point, by (sector, oktmo): the newest open one
        («поручение №5 · в работе · срок 20.12.2026», «срок прошёл» past it) — the point is being handled — else the
        newest done one with its effect, which does not make a point that is critical again handled. Cancelled
        ones say nothing. The reader's scope."""
        today = self.dashboard.today()
        found: dict[tuple[str, str], Mark] = {}
        decided = records.listed(
            self.engine, statuses=("assigned", "in_progress", "done"), only_sectors=self._sectors()
        )
        for decision in sorted(decided, key=lambda d: (d.status == "done", -d.created_at.timestamp())):
            cell = decision.cell
            if not cell.located or (cell.sector, cell.oktmo) in found:
                continue
            found[cell.sector, cell.oktmo] = Mark(
                mark(decision, today, self.effect, lang), decision.status in records.OPEN
            )
        return found

    def public(self, decision: Decision, lang: str = "ru", with_effect: bool = True) -> dict[str, Any]:
        """The decision as the API gives it: names, overdue today, its effect where one is measured."""
        today = self.dashboard.today()
        body = decision.public(today)
        cell = decision.cell
        body["sector_name"] = self.dashboard.sectors.name_of(cell.sector, lang) if cell.sector else None
        body["municipality"] = self.dashboard.region.name_of(cell.oktmo, lang) if cell.oktmo else None
        found = self.effect(decision) if with_effect else None
        body["effect"] = found.public(lang) if found is not None else None
        return body


def mark(decision: Decision, today: date, effect_of, lang: str = "ru") -> str:
    """One decision in a line for its tension point."""
    head = t("decision_mark", lang, id=decision.id, status=t(f"decision_{decision.status}", lang))
    if decision.status != "done":
        due = (
            t("decision_overdue", lang)
            if decision.overdue(today)
            else t("decision_due", lang, due=fmt.day(decision.due, lang))
        )
        return f"{head} · {due}"
    found = effect_of(decision)
    return f"{head} · {found.text(lang)}" if found is not None else head


@dataclass(frozen=True)
class Mark:
    text: str
    handling: bool  # an open decision: the point is being handled


def marked(frame: pd.DataFrame, marks: dict[tuple[str, str], Mark]) -> pd.DataFrame:
    """Cells (sector, oktmo) with their decision's line (``decision``, None: none) and whether it is being handled
    (``handling``: an open decision)."""
    found = [marks.get(cell) for cell in zip(frame["sector"], frame["oktmo"], strict=True)]
    return frame.assign(
        decision=[m.text if m else None for m in found], handling=[bool(m and m.handling) for m in found]
    )
