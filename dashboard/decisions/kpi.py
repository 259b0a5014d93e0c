"""The centre's own figures (docs/decisions-effect.md §KPI): how many decisions rest on its data, how many critical
points got one, how fast, and how many showed an effect.

* **Backed by data** — of the decisions recorded in the period, those recorded with evidence.
* **Critical points decided** — a critical spell is a run of consecutive days a cell (sector × municipality) was
  found critical (the alerts' record, dashboard/reports/alerts.py); of the spells begun in the period, those whose
  cell had a decision open when it began or recorded within ``within_days`` of it. A spell begun fewer than
  ``within_days`` ago without one yet is not judged (it still may): it is counted as pending, in neither part.
* **Time to decision** — the median time from a spell's first alert to the first decision recorded on its cell
  after it (spells decided within ``within_days``).
* **With a measured effect** — of the done decisions whose weeks after (``EFFECT_DAYS``) ended in the period and
  whose effect can be judged (enough messages), those whose messages fell measurably below the expected.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from sqlalchemy import Engine, select

from dashboard.decisions.effect import Effect, after_window
from dashboard.decisions.records import Decision
from dashboard.filters import today_in
from dashboard.frames import rows_frame
from dashboard.store.schema import alerts


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def public(self) -> dict:
        share = self.value
        return {"part": self.part, "of": self.whole, "share": None if share is None else round(share, 4)}


@dataclass(frozen=True)
class CentreKpi:
    backed: Share
    critical_decided: Share
    critical_pending: int  # spells begun too recently to judge, no decision yet
    hours_to_decision: float | None  # median
    with_effect: Share
    within_days: int

    def public(self) -> dict:
        return {
            "backed_by_data": self.backed.public(),
            "critical_points_decided": {**self.critical_decided.public(), "pending": self.critical_pending},
            "within_days": self.within_days,
            "median_hours_to_decision": None if self.hours_to_decision is None else round(self.hours_to_decision, 1),
            "with_measured_effect": self.with_effect.public(),
        }


@dataclass(frozen=True)
class Spell:
    sector: str
    oktmo: str
    first_day: date
    first_alert: datetime  # when the spell's first alert was recorded


def critical_spells(engine: Engine, sectors: Collection[str] = ()) -> list[Spell]:
    """Runs of consecutive days each cell was found critical, from the alerts' record."""
    a = alerts.c
    query = select(a.sector, a.oktmo, a.day, a.created_at).order_by(a.sector, a.oktmo, a.day)
    if sectors:
        query = query.where(a.sector.in_(list(sectors)))
    with engine.connect() as conn:
        frame = rows_frame(conn.execute(query).all(), ["sector", "oktmo", "day", "created_at"])
    spells: list[Spell] = []
    previous: tuple[str, str, date] | None = None
    for row in frame.itertuples():
        starts = previous is None or previous[:2] != (row.sector, row.oktmo) or (row.day - previous[2]).days > 1
        if starts:
            spells.append(Spell(row.sector, row.oktmo, row.day, _utc(row.created_at)))
        previous = (row.sector, row.oktmo, row.day)
    return spells


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def centre_kpi(
    decided: list[Decision],
    spells: list[Spell],
    period: tuple[date, date],
    now: datetime,
    tz,
    within_days: int,
    effect_of: Callable[[Decision], Effect | None],
) -> CentreKpi:
    """The figures over ``period`` (the region's days) from every decision of the reader's scope (``decided``) and
    the cells' critical spells (``spells``); ``effect_of`` measures a done decision."""
    first, last = period
    today = today_in(tz, now)
    day_of = lambda moment: today_in(tz, moment)  # noqa: E731
    recorded = [d for d in decided if first <= day_of(d.created_at) <= last]
    backed = Share(sum(d.backed for d in recorded), len(recorded))

    by_cell: dict[tuple[str | None, str | None], list[Decision]] = {}
    for d in sorted(decided, key=lambda d: d.created_at):
        by_cell.setdefault((d.cell.sector, d.cell.oktmo), []).append(d)
    decided_spells, pending, hours = 0, 0, []
    begun = [s for s in spells if first <= s.first_day <= last]
    for spell in begun:
        deadline = spell.first_day + timedelta(days=within_days)
        cell = by_cell.get((spell.sector, spell.oktmo), [])
        open_then = any(day_of(d.created_at) < spell.first_day and _open_on(d, spell.first_day, tz) for d in cell)
        # a cancelled decision is none: it counts neither as taken in time nor for the time taken
        after = [d for d in cell if spell.first_day <= day_of(d.created_at) <= deadline and d.status != "cancelled"]
        if open_then or after:
            decided_spells += 1
            if after:
                hours.append(max((after[0].created_at - spell.first_alert).total_seconds() / 3600, 0.0))
        elif deadline >= today:
            pending += 1
    judged = len(begun) - pending

    # the decisions whose weeks after being done ended in the period: their effect became judgeable then
    done = [d for d in decided if d.status == "done" and d.done_at is not None]
    ripe = [d for d in done if first <= after_window(day_of(d.done_at))[1] <= min(last, today - timedelta(days=1))]
    effects = [effect_of(d) for d in ripe]
    judgeable = [e for e in effects if e is not None and e.verdict in ("fell", "rose", "unclear")]
    with_effect = Share(sum(e.verdict == "fell" for e in judgeable), len(judgeable))
    return CentreKpi(
        backed=backed,
        critical_decided=Share(decided_spells, judged),
        critical_pending=pending,
        hours_to_decision=median(hours) if hours else None,
        with_effect=with_effect,
        within_days=within_days,
    )


def _open_on(decision: Decision, day: date, tz) -> bool:
    """Whether the decision was still open on ``day``: neither done nor cancelled before it (cancelling is final, so
    a cancelled one's last change is its cancellation: a later cancellation does not rewrite the past)."""
    if decision.status == "cancelled":
        return today_in(tz, decision.updated_at) >= day
    return decision.done_at is None or today_in(tz, decision.done_at) >= day
