"""Decisions (поручения): recorded with their evidence, moved through their statuses, every change kept.

A decision says what is to be done, by which agency (and official), by when, and on what evidence: the cell —
sector × municipality, optionally a topic — and the period whose figures were shown, frozen at that moment
(dashboard/decisions/evidence.py). One may be recorded without evidence, so that the share of decisions backed by
data means something. Statuses: назначено → в работе → выполнено / отменено (``TRANSITIONS``); a decision still
open past its deadline is overdue. Every change is an event in ``decision_events``, which the database itself keeps
append-only (triggers of migration 0019): who, when, what changed from what.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from dashboard.i18n import TEXTS, t
from dashboard.store.schema import decision_events, decisions

STATUSES = ("assigned", "in_progress", "done", "cancelled")
OPEN = ("assigned", "in_progress")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "assigned": ("in_progress", "done", "cancelled"),
    "in_progress": ("done", "cancelled"),
    "done": ("in_progress",),  # reopened: the work turned out not finished (the effect is then not measured)
    "cancelled": (),
}
STATUS_NAMES = {"assigned": "назначено", "in_progress": "в работе", "done": "выполнено", "cancelled": "отменено"}
MAX_TITLE = 2000
MAX_AGENCY = 300
MAX_PERSON = 200
MAX_TOPIC = 200  # decisions.topic
MAX_ID = 2**31 - 1  # decisions.id: a larger number names none (and PostgreSQL's integer would refuse it)


class DecisionError(ValueError):
    """A decision that cannot be recorded or changed as asked: the message (Russian) for logs and the CLI; ``key``
    names its text in dashboard.i18n, so a page or the API answers in the reader's language."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params

    def in_language(self, lang: str) -> str:
        if not self.key:
            return str(self)

        def shown(name: str, value: object) -> object:
            if name == "field":  # a field: its text's key
                return t(str(value), lang)
            if name in ("before", "after", "status"):  # a status code
                return t(f"decision_{value}", lang) if f"decision_{value}" in TEXTS else value
            return value

        return t(self.key, lang, **{name: shown(name, value) for name, value in self.params.items()})


class DecisionNotFound(LookupError):
    """No decision of that number (in the reader's scope): a 404, said in the reader's language."""

    def __init__(self, decision_id: int) -> None:
        super().__init__(f"нет решения №{decision_id}")
        self.decision_id = decision_id

    def in_language(self, lang: str) -> str:
        return t("decision_err_missing", lang, id=self.decision_id)


@dataclass(frozen=True)
class Cell:
    """What a decision rests on: sector × municipality (× topic) over a period."""

    sector: str | None
    oktmo: str | None
    topic: str | None
    period_from: date | None
    period_to: date | None

    @property
    def located(self) -> bool:
        return bool(self.sector and self.oktmo)


@dataclass(frozen=True)
class Decision:
    id: int
    title: str
    agency: str
    person: str | None
    due: date
    status: str
    cell: Cell
    evidence: dict[str, Any] | None  # the figures frozen when it was recorded; None: not backed by data
    created_at: datetime
    created_by: str
    updated_at: datetime
    done_at: datetime | None

    @property
    def backed(self) -> bool:
        return self.evidence is not None

    def overdue(self, today: date) -> bool:
        return self.status in OPEN and self.due < today

    def public(self, today: date) -> dict[str, Any]:
        """The decision as JSON (the API's and the CLI's)."""
        return {
            "id": self.id,
            "title": self.title,
            "agency": self.agency,
            "person": self.person,
            "due": self.due.isoformat(),
            "status": self.status,
            "overdue": self.overdue(today),
            "sector": self.cell.sector,
            "oktmo": self.cell.oktmo,
            "topic": self.cell.topic,
            "period": _period(self.cell),
            "backed_by_data": self.backed,
            "evidence": self.evidence,
            "created_at": _iso(self.created_at),
            "created_by": self.created_by,
            "updated_at": _iso(self.updated_at),
            "done_at": _iso(self.done_at),
        }


def _period(cell: Cell) -> dict[str, str] | None:
    if cell.period_from is None or cell.period_to is None:
        return None
    return {"from": cell.period_from.isoformat(), "to": cell.period_to.isoformat()}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _aware(moment).isoformat()


INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # characters that show nothing


def _text(value: str | None, name: str, most: int, required: bool = True, lines: bool = False) -> str | None:
    """A field's text: spaces tidied (line breaks kept where ``lines``), refused when empty but required, too long,
    holding a NUL or a lone surrogate (neither can be stored or shown)."""
    value = (value or "").translate(INVISIBLE)
    if "\x00" in value:
        raise DecisionError(f"{t(name)}: недопустимый символ NUL", "decision_err_nul", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DecisionError(f"{t(name)}: недопустимые символы", "decision_err_surrogate", field=name) from exc
    if lines:
        value = "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
    else:
        value = " ".join(value.split())
    if not value:
        if required:
            raise DecisionError(f"{t(name)}: нужно заполнить", "decision_err_required", field=name)
        return None
    if len(value) > most:
        raise DecisionError(f"{t(name)}: не длиннее {most} знаков", "decision_err_long", field=name, most=most)
    return value


def record(
    engine: Engine,
    *,
    title: str,
    agency: str,
    due: date,
    actor: str,
    cell: Cell,
    evidence: dict[str, Any] | None,
    person: str | None = None,
    now: datetime | None = None,
) -> int:
    """A new decision, status «назначено», and its first event; returns its id. ``evidence`` is the snapshot the
    caller made of the cell's figures (never the client's numbers)."""
    title = _text(title, "decision_what", MAX_TITLE, lines=True)
    agency = _text(agency, "decision_agency", MAX_AGENCY)
    person = _text(person, "decision_person", MAX_PERSON, required=False)
    topic = _text(cell.topic, "decision_topic", MAX_TOPIC, required=False)
    cell = Cell(cell.sector, cell.oktmo, topic, cell.period_from, cell.period_to)
    if evidence is not None and not cell.located:
        raise DecisionError("основание решения — отрасль и муниципалитет", "decision_err_cell")
    if cell.period_from and cell.period_to and cell.period_from > cell.period_to:
        raise DecisionError("период основания: начало позже конца", "decision_err_order")
    moment = now or datetime.now(UTC)
    values = {
        "title": title,
        "agency": agency,
        "person": person,
        "due": due,
        "status": "assigned",
        "sector": cell.sector,
        "oktmo": cell.oktmo,
        "topic": cell.topic,
        "period_from": cell.period_from,
        "period_to": cell.period_to,
        "evidence": json.dumps(evidence, ensure_ascii=False, sort_keys=True) if evidence is not None else None,
        "created_at": moment,
        "created_by": actor,
        "updated_at": moment,
    }
    with engine.begin() as conn:
        decision_id = conn.execute(insert(decisions).values(**values)).inserted_primary_key[0]
        shown = {k: v for k, v in values.items() if k not in ("created_at", "updated_at", "evidence")}
        _event(conn, decision_id, moment, actor, "created", {k: [None, _plain(v)] for k, v in shown.items()})
    return int(decision_id)


def set_status(engine: Engine, decision_id: int, status: str, actor: str, now: datetime | None = None) -> None:
    """Move a decision to ``status`` if its current one allows it (``TRANSITIONS``)."""
    if status not in STATUSES:
        raise DecisionError(
            f"статус {status!r} неизвестен; допустимы: {', '.join(STATUSES)}",
            "decision_err_status",
            value=status,
            allowed=", ".join(STATUSES),
        )
    moment = now or datetime.now(UTC)
    if not 0 < decision_id <= MAX_ID:
        raise DecisionError(f"нет решения №{decision_id}", "decision_err_missing", id=decision_id)
    with engine.begin() as conn:
        current = conn.execute(select(decisions.c.status).where(decisions.c.id == decision_id)).scalar()
        if current is None:
            raise DecisionError(f"нет решения №{decision_id}", "decision_err_missing", id=decision_id)
        if status == current:
            return
        if status not in TRANSITIONS[current]:
            raise DecisionError(
                f"из «{STATUS_NAMES[current]}» нельзя перейти в «{STATUS_NAMES[status]}»",
                "decision_err_move",
                before=current,
                after=status,
            )
        done_at = moment if status == "done" else None
        changed = (
            update(decisions)
            .where(decisions.c.id == decision_id, decisions.c.status == current)  # nobody changed it meanwhile
            .values(status=status, updated_at=moment, done_at=done_at)
        )
        if not conn.execute(changed).rowcount:
            raise DecisionError(
                f"решение №{decision_id} только что изменили; обновите страницу", "decision_err_changed", id=decision_id
            )
        _event(conn, decision_id, moment, actor, "status", {"status": [current, status]})


def _event(conn: Connection, decision_id: int, at: datetime, actor: str, action: str, details: dict) -> None:
    conn.execute(
        insert(decision_events).values(
            decision_id=decision_id,
            at=at,
            actor=actor,
            action=action,
            details=json.dumps(details, ensure_ascii=False, sort_keys=True),
        )
    )


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decision(row: Any) -> Decision:
    return Decision(
        id=row.id,
        title=row.title,
        agency=row.agency,
        person=row.person,
        due=row.due,
        status=row.status,
        cell=Cell(row.sector, row.oktmo, row.topic, row.period_from, row.period_to),
        evidence=json.loads(row.evidence) if row.evidence else None,
        created_at=_aware(row.created_at),
        created_by=row.created_by,
        updated_at=_aware(row.updated_at),
        done_at=_aware(row.done_at) if row.done_at else None,
    )


def _aware(moment: datetime) -> datetime:
    """A stored moment in UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def get(engine: Engine, decision_id: int) -> Decision | None:
    if not 0 < decision_id <= MAX_ID:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).first()
    return _decision(row) if row is not None else None


def listed(
    engine: Engine,
    *,
    sectors: Collection[str] = (),
    municipalities: Collection[str] = (),
    statuses: Collection[str] = (),
    agency: str | None = None,
    created: tuple[datetime, datetime] | None = None,
    only_sectors: Collection[str] | None = None,
) -> list[Decision]:
    """Decisions, newest first. ``only_sectors``: a restricted reader's sectors — decisions of other sectors, and
    those tied to no sector, are not theirs to see."""
    d = decisions.c
    query = select(decisions).order_by(d.created_at.desc(), d.id.desc())
    if sectors:
        query = query.where(d.sector.in_(list(sectors)))
    if only_sectors is not None:
        query = query.where(d.sector.in_(list(only_sectors)))
    if municipalities:
        query = query.where(d.oktmo.in_(list(municipalities)))
    if statuses:
        query = query.where(d.status.in_(list(statuses)))
    if created is not None:  # [from, to) in UTC: a period's days in the region's time zone (the caller's)
        query = query.where(d.created_at >= created[0], d.created_at < created[1])
    with engine.connect() as conn:
        found = [_decision(row) for row in conn.execute(query)]
    if agency:  # compared here: SQLite's lower() folds only Latin letters
        wanted = " ".join(agency.split()).casefold()
        found = [d for d in found if d.agency.casefold() == wanted]
    return found


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    details: dict[str, list]

    def public(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "actor": self.actor, "action": self.action, "changes": self.details}


def history(engine: Engine, decision_id: int) -> list[Event]:
    e = decision_events.c
    query = select(e.at, e.actor, e.action, e.details).where(e.decision_id == decision_id).order_by(e.id)
    with engine.connect() as conn:
        found = conn.execute(query).all()
    return [Event(_aware(at), actor, action, json.loads(details)) for at, actor, action, details in found]
