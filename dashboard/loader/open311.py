"""Pull from an Open311 GeoReport v2 server (``tsur watch --open311 URL``): new and updated requests, incrementally.

- **Cursor.** The store keeps, per server, the moment up to which every request registered before it is stored
  (``pull_cursors.read_to``). A pull asks for ``[read_to − overlap, now)`` by ``start_date``/``end_date`` — the only
  time filter the standard has, on ``requested_datetime`` — in windows of at most ``window``. The cursor moves to a
  window's end only after that window's requests are stored, so a failure, a kill or a restart never skips one.
- **Updates.** GeoReport v2 cannot ask for «changed since»: a request closed days later is seen again only while it
  lies in the ``overlap`` re-read behind the cursor (one day by default; longer costs one more re-read of that many
  days every look). Re-read requests that did not change cost a hash comparison and are counted unchanged.
- **A full answer.** Servers answer at most some number of requests per query (1000 in the standard's examples);
  an answer that reaches ``page_cap`` may have been cut, so its window is asked again in halves (down to a minute).
- **Faults.** A timeout, a refused connection, a 5xx or 429 answer or a body that is no JSON list is retried after
  1, 2, 4 … s (at most ``max_delay``) up to ``attempts`` times, each failure logged; then the look gives up with the
  cursor where it was, and the next look begins there. A 4xx other than 429 is the request's fault: not retried.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from sqlalchemy import Engine, insert, select, update

from dashboard.loader.ingest import LoadSummary, load_records
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import Mapping
from dashboard.region import Region
from dashboard.store.schema import pull_cursors

log = logging.getLogger("tsur.open311")

SMALLEST_WINDOW = timedelta(minutes=1)
CREDENTIALS = ("api_key", "token", "key")  # query parameters that sign a request, not choose what it answers
FIRST_LOOK_BACK = timedelta(days=90)  # the standard's own default span when a server is asked without dates


class PullFailed(RuntimeError):
    """The server did not give a usable answer after every attempt; the cursor stayed where it was."""


@dataclass
class Open311Pull:
    url: str  # the server's requests.json, e.g. https://311.example/open311/v2/requests.json
    engine: Engine
    region: Region
    mapping: Mapping  # the analyst's (service_code → sector, a default source); Open311's own names come under it
    limits: LoadLimits = DEFAULT_LIMITS
    window: timedelta = timedelta(days=1)
    overlap: timedelta = timedelta(days=1)
    page_cap: int = 1000
    first_start: datetime | None = None  # where a server never pulled from begins (default: 90 days back)
    timeout: float = 30.0
    attempts: int = 5
    first_delay: float = 1.0  # s before the second attempt; doubled before each next one
    max_delay: float = 60.0
    params: dict[str, str] = field(default_factory=dict)  # e.g. {"jurisdiction_id": "…"}, {"api_key": "…"}
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    stop: threading.Event = field(default_factory=threading.Event)
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def feed(self) -> str:
        """The cursor's key: the address and the parameters that choose what it answers (``jurisdiction_id``: one
        server, several cursors) — not the credentials (a new key goes on from the same cursor)."""
        chosen = sorted((k, v) for k, v in self.params.items() if k not in CREDENTIALS)
        key = f"open311 {self.url}" + (f"?{urlencode(chosen)}" if chosen else "")
        if len(key) <= pull_cursors.c.feed.type.length:
            return key
        return f"open311 sha256:{hashlib.sha256(key.encode()).hexdigest()}"

    def cursor(self) -> datetime | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(pull_cursors.c.read_to).where(pull_cursors.c.feed == self.feed)).scalar()
        return found.replace(tzinfo=UTC) if found is not None and found.tzinfo is None else found

    def pull(self) -> LoadSummary:
        """One look: every window from the cursor less the overlap up to now stored, the cursor moved after each.
        Raises PullFailed when the server failed every attempt, LoadError when the store did."""
        now = self.clock().astimezone(UTC)
        stored = self.cursor()
        start = (stored - self.overlap) if stored else (self.first_start or now - FIRST_LOOK_BACK).astimezone(UTC)
        total = LoadSummary(file=self.feed, format="open311")
        while start < now and not self.stop.is_set():
            end = min(start + self.window, now)
            for part in self._read(start, end):
                _add(total, part)
            if stored is None or end > stored:
                self._move(end, first=stored is None)
                stored = end
            start = end
        return total

    def _read(self, start: datetime, end: datetime) -> list[LoadSummary]:
        """The window's requests stored; a window whose answer may have been cut is read in halves."""
        answer = self._fetch(start, end)
        if len(answer) >= self.page_cap and end - start > SMALLEST_WINDOW:
            middle = start + (end - start) / 2
            return self._read(start, middle) + self._read(middle, end)
        items = [item for item in answer if not _outside(item, start, end)]
        if len(answer) >= self.page_cap:
            log.warning(
                "%s: %d заявок за минуту с %s — столько, сколько сервер отдаёт; часть может быть не видна",
                self.url,
                len(answer),
                start.isoformat(),
            )
        if not items:
            return []
        return [
            load_records(
                items,
                self.engine,
                label=self.feed,
                region=self.region,
                fmt="open311",
                mapping=self.mapping,
                limits=self.limits,
            )
        ]

    def _fetch(self, start: datetime, end: datetime) -> list:
        """The server's answer for [start, end] (some servers include the end), retried with back-off."""
        params = {**self.params, "start_date": _iso(start), "end_date": _iso(end)}
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                answer = self.session.get(self.url, params=params, timeout=self.timeout)
                if answer.status_code >= 500 or answer.status_code == 429:
                    raise _Transient(f"сервер ответил {answer.status_code}")
                if answer.status_code >= 400:
                    raise PullFailed(f"{self.url}: сервер отказал ({answer.status_code}): {answer.text[:300]}")
                try:
                    items = answer.json()
                except RecursionError as exc:
                    raise _Transient("ответ: слишком глубокая вложенность JSON") from exc
                if not isinstance(items, list):
                    raise _Transient("ответ не является JSON-списком заявок")
                return items
            except (requests.RequestException, ValueError, _Transient) as exc:
                log.warning("%s: попытка %d из %d не удалась: %s", self.url, attempt, self.attempts, exc)
                if attempt == self.attempts or self.stop.wait(delay):
                    raise PullFailed(f"{self.url}: {exc}; курсор остался на месте") from exc
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")

    def _move(self, to: datetime, first: bool) -> None:
        values = {"read_to": to, "updated_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            if first:
                conn.execute(insert(pull_cursors).values(feed=self.feed, **values))
            else:
                conn.execute(update(pull_cursors).where(pull_cursors.c.feed == self.feed).values(**values))


class _Transient(Exception):
    """An answer worth asking again for."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _outside(item: object, start: datetime, end: datetime) -> bool:
    """A request a server gave outside the window asked for (some include the end): it belongs to the next one."""
    if not isinstance(item, dict) or not isinstance(item.get("requested_datetime"), str):
        return False
    try:
        at = datetime.fromisoformat(item["requested_datetime"].replace("Z", "+00:00"))
    except ValueError:
        return False
    return at.tzinfo is not None and not start <= at < end


def _add(total: LoadSummary, part: LoadSummary) -> None:
    total.rows_total += part.rows_total
    total.new += part.new
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.rejected += part.rejected
    total.reasons.update(part.reasons)
    total.seconds += part.seconds
