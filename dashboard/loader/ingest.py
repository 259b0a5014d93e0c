"""Load a file (or a frame) into the store: batches upserted in transactions, rejected rows kept."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from dashboard.frames import rows_frame
from dashboard.loader.ahead import prepared_ahead
from dashboard.loader.dates import DateRules
from dashboard.loader.errors import LoadError, LoadStopped
from dashboard.loader.export import OpenedExport, Preparer, open_export, open_records, validation_context
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.mapping import Mapping
from dashboard.loader.readers import ROW, RawChunk
from dashboard.loader.validate import Checked
from dashboard.region import Region
from dashboard.store import late, rollups
from dashboard.store.bulk import in_values, insert_frame
from dashboard.store.db import analyze, growing_statistics
from dashboard.store.rollup_inputs import Inserted
from dashboard.store.schema import load_runs, messages, rejected_rows

MESSAGE_COLUMNS = [
    "source",
    "external_id",
    "created_at",
    "first_response_at",
    "resolved_at",
    "status",
    "sector",
    "topic",
    "oktmo",
    "lat",
    "lon",
    "text",
    "agency",
    "date_only",
    "day",
    "response_hours",
    "resolution_hours",
    "sla_hours",
    "due_at",
    "answered_in_sla",
    "content_hash",
]

Progress = Callable[[int, int], None]  # (rows processed, bytes read)
WRITE_ATTEMPTS = 3  # a batch whose insert met another writer's rows is read and written again
CHECKPOINT_SHARE = 9  # loading time between two rollup checkpoints, at least, per second a checkpoint took


@dataclass
class LoadSummary:
    file: str
    format: str
    load_id: int = 0
    rows_total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    truncated: int = 0  # loaded rows whose text was cut to TSUR_MAX_TEXT_CHARS
    reasons: Counter = field(default_factory=Counter)  # every broken rule of the rejected rows, by code
    values: dict[str, Counter] = field(default_factory=dict)  # a rule's offending values, by code
    notes: Counter = field(default_factory=Counter)  # contradictions in rows that loaded (errors.NOTES), by code
    note_values: dict[str, Counter] = field(default_factory=dict)  # what was seen, by code
    seconds: float = 0.0

    def count(self, checked: Checked) -> None:
        """Add a validated chunk's rows, rejections (every broken rule, with its values) and notes."""
        rejected = checked.rejected
        self.rows_total += len(checked.good) + len(rejected)
        self.rejected += len(rejected)
        self.truncated += checked.truncated
        if len(rejected):
            every_rule = rejected["broken"] if "broken" in rejected else pd.Series([None] * len(rejected))
            for code, every in zip(rejected["reason_code"], every_rule, strict=True):
                for broken, value in every if isinstance(every, list) else [(code, "")]:
                    self.reasons[broken] += 1
                    if value:
                        self.values.setdefault(broken, Counter())[value] += 1
        for code, seen in checked.notes.items():
            if len(seen):
                self.notes[code] += len(seen)
                self.note_values.setdefault(code, Counter()).update(seen.astype(str).str.slice(0, 200).tolist())

    def frequent_values(self, code: str, most: int = 3) -> list[tuple[str, int]]:
        """The values that broke rule ``code`` most often."""
        return self.values.get(code, Counter()).most_common(most)

    @property
    def loaded(self) -> int:
        return self.new + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "load_id": self.load_id,
            "rows": self.rows_total,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "truncated": self.truncated,
            "top_reasons": self.reasons.most_common(5),
            "reasons": [
                {"code": code, "rows": rows, "frequent_values": self.frequent_values(code)}
                for code, rows in self.reasons.most_common()
            ],
            "notes": [
                {"code": code, "rows": rows, "examples": self.note_values.get(code, Counter()).most_common(3)}
                for code, rows in self.notes.most_common()
            ],
            "seconds": round(self.seconds, 3),
        }


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Written:
    """What one batch's upsert wrote: the inserted rows, how many were updated or unchanged, the days updates
    left or reached."""

    inserted: pd.DataFrame
    updated: int
    unchanged: int
    updated_days: set[date]


class Ingestor:
    """Validates and upserts chunks for one load run."""

    def __init__(
        self,
        engine: Engine,
        label: str,
        fmt: str,
        mapping: Mapping,
        region: Region,
        now: datetime | None = None,
        checksum: str | None = None,
        dates: DateRules | None = None,
        limits: LoadLimits = DEFAULT_LIMITS,
        sources: tuple[str, ...] = (),
    ) -> None:
        self.engine = engine
        self.region = region
        self.limits = limits
        self.mapping = mapping
        self.summary = LoadSummary(file=label, format=fmt)
        self.checksum = checksum
        self.preparer = Preparer(fmt, mapping, validation_context(self.region, mapping, now, dates, limits, sources))
        self._started = time.perf_counter()
        self._next_checkpoint = time.monotonic() + limits.rollup_checkpoint_seconds
        self._grown = growing_statistics(engine)
        with engine.begin() as conn:
            self.summary.load_id = conn.execute(
                insert(load_runs).values(
                    file=label,
                    checksum=checksum,
                    format=fmt,
                    started_at=datetime.now(UTC),
                    status="running",
                    rows_total=0,
                    rows_new=0,
                    rows_updated=0,
                    rows_unchanged=0,
                    rows_rejected=0,
                )
            ).inserted_primary_key[0]
            self.inserted = Inserted(self.summary.load_id, limits.load_memory_rows)
            if checksum:
                # runs of this file that never finished (killed, database lost) are marked as such
                conn.execute(
                    update(load_runs)
                    .where(load_runs.c.checksum == checksum, load_runs.c.status == "running")
                    .where(load_runs.c.id != self.summary.load_id)
                    .values(status="interrupted")
                )
                # a re-load of the same file replaces the rejected rows recorded by earlier runs
                earlier = select(load_runs.c.id).where(
                    load_runs.c.checksum == checksum, load_runs.c.id != self.summary.load_id
                )
                conn.execute(delete(rejected_rows).where(rejected_rows.c.load_id.in_(earlier)))

    def prepare(self, chunk: RawChunk) -> Checked:
        """The chunk mapped and validated (no database work, so the next chunk can be prepared while this one is
        written)."""
        return self.preparer(chunk)

    def write(self, checked: Checked) -> None:
        """Upsert the good rows and record the rejected ones, in one transaction."""
        good, rejected = checked.good, checked.rejected
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                written = self._write(good, rejected)
                break
            except (IntegrityError, ChangedMeanwhile, OperationalError) as exc:
                # another writer (a second worker's push, tsur watch, tsur load) inserted or changed some of these
                # messages between our read and our write, or the two deadlocked: the batch was rolled back whole;
                # read again, and they update
                if attempt == WRITE_ATTEMPTS or not _concurrent(exc):
                    raise
        s = self.summary
        s.count(checked)
        if written is not None:
            self.inserted.add(written.inserted, written.updated_days)  # committed: the rollups may be built from it
            s.new += len(written.inserted)
            self._grown(s.new)
            s.updated += written.updated
            s.unchanged += written.unchanged
        if written is not None and time.monotonic() >= self._next_checkpoint:
            self._checkpoint()

    def _write(self, good: pd.DataFrame, rejected: pd.DataFrame) -> _Written | None:
        """One transaction: the good rows upserted, the rejected ones recorded."""
        with self.engine.begin() as conn:
            written = self._upsert(conn, good) if len(good) else None
            if len(rejected):
                conn.execute(
                    insert(rejected_rows),
                    [
                        {
                            "load_id": self.summary.load_id,
                            "file": self.summary.file,
                            "row_number": int(r.row),
                            "reason_code": r.reason_code,
                            "reason": r.reason,
                            "raw": r.raw,
                        }
                        for r in rejected.itertuples()
                    ],
                )
        return written

    def _checkpoint(self) -> None:
        """Rebuild the rollups of the days written so far, so the dashboard shows them while the load goes on — and
        after it is killed: a first load killed mid-file left its written days' messages with no rollups at all
        until a re-run («rollups empty, 102 days marked dirty»). Each day's old rows are replaced in the rebuild's
        own transaction (never left deleted). The next one comes after TSUR_ROLLUP_CHECKPOINT_SECONDS, and at least
        CHECKPOINT_SHARE times this one's length later, so they take at most a tenth of a load."""
        started = time.monotonic()
        rollups.refresh(self.engine, self.region.timezone, self.inserted.snapshot())
        spent = time.monotonic() - started
        self._next_checkpoint = time.monotonic() + max(self.limits.rollup_checkpoint_seconds, CHECKPOINT_SHARE * spent)

    def _upsert(self, conn: Connection, good: pd.DataFrame) -> _Written:
        existing = self._existing(conn, good)
        # in key order: two writers of overlapping batches take the unique index's locks in the same order
        merged = good.merge(existing, how="left", on=["source", "external_id"]).sort_values(["source", "external_id"])
        is_new = merged["id"].isna()
        changed = ~is_new & (merged["content_hash"] != merged["old_hash"])
        fresh = merged.loc[is_new, MESSAGE_COLUMNS].copy()
        fresh["load_id"] = self.summary.load_id
        insert_frame(conn, messages, fresh)
        if changed.any():
            rows = merged.loc[changed, [*MESSAGE_COLUMNS, "id", "old_hash"]].rename(columns={"id": "_id"})
            values = {c: bindparam(c) for c in MESSAGE_COLUMNS if c not in ("source", "external_id")}
            values["load_id"] = bindparam("load_id")
            # only the version read: another writer's change since (its late events applied) makes this batch read
            # again — else both would swap the same old events out and count the new ones twice
            where = (messages.c.id == bindparam("_id"), messages.c.content_hash == bindparam("old_hash"))
            done = conn.execute(
                update(messages).where(*where).values(**values), _records(rows, self.summary.load_id, id_column="_id")
            ).rowcount
            if done != len(rows):
                raise ChangedMeanwhile(f"{len(rows) - done} сообщений изменены другой загрузкой")
        updated_days = set(merged.loc[changed, "day"]) | set(merged.loc[changed, "old_day"])
        rollups.mark_dirty(conn, set(fresh["day"]) | updated_days)
        late.apply(conn, self._late_delta(merged, is_new, changed))
        return _Written(fresh, int(changed.sum()), int((~is_new & ~changed).sum()), updated_days)

    def _late_delta(self, merged: pd.DataFrame, is_new: pd.Series, changed: pd.Series) -> pd.DataFrame:
        """Late events the batch adds: those of new and changed messages, less those the changed ones had."""
        tz = self.preparer.context.timezone
        added = late.events(merged.loc[is_new | changed, late.EVENT_COLUMNS], tz)
        if not changed.any():
            return added
        before = merged.loc[changed, ["source", *[f"old_{c}" for c in late.EVENT_COLUMNS if c != "source"]]]
        removed = late.events(before.rename(columns=lambda c: c.removeprefix("old_")), tz)
        removed[["starts", "ends"]] *= -1
        return pd.concat([added, removed], ignore_index=True)

    def _existing(self, conn: Connection, good: pd.DataFrame) -> pd.DataFrame:
        """Stored messages with the batch's ids: their row id, hash and day, and (prefixed old_) what their late
        events were computed from, so a change can swap them."""
        m = messages.c
        history = [m[c].label(f"old_{c}") for c in late.EVENT_COLUMNS if c != "source"]
        columns = ["id", "source", "external_id", "old_hash", "old_day", *[c.name for c in history]]
        ids = good["external_id"].unique().tolist()
        query = select(
            m.id, m.source, m.external_id, m.content_hash.label("old_hash"), m.day.label("old_day"), *history
        ).where(in_values(m.external_id, ids, conn.dialect.name))
        found = conn.execute(query).all() if ids else []
        return rows_frame(found, columns=columns).drop_duplicates(["source", "external_id"])

    def abandon(self, error: str, status: str = "failed") -> None:
        """Record a failed run and refresh the rollups of its whole batches, if the database still answers (if
        not, the days they touched stay marked and the next load or ``tsur rollups`` refreshes them)."""
        with contextlib.suppress(SQLAlchemyError):  # away: the run stays "running"; the next load marks it
            self.finish(status, error)

    def finish(self, status: str = "done", error: str | None = None) -> LoadSummary:
        rollups.refresh(self.engine, self.region.timezone, self.inserted)
        if self.summary.new or self.summary.updated:
            analyze(self.engine)
        s = self.summary
        s.seconds = time.perf_counter() - self._started
        with self.engine.begin() as conn:
            conn.execute(
                update(load_runs)
                .where(load_runs.c.id == s.load_id)
                .values(
                    finished_at=datetime.now(UTC),
                    status=status,
                    error=error,
                    rows_total=s.rows_total,
                    rows_new=s.new,
                    rows_updated=s.updated,
                    rows_unchanged=s.unchanged,
                    rows_rejected=s.rejected,
                )
            )
        return s


class ChangedMeanwhile(Exception):
    """A batch's update found a message changed by another writer since it was read."""


def _concurrent(exc: Exception) -> bool:
    """An error another writer caused, which reading again cures: a unique key met, a row changed meanwhile, a
    deadlock or a serialization failure (PostgreSQL's SQLSTATE 40P01, 40001)."""
    if isinstance(exc, IntegrityError | ChangedMeanwhile):
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40P01", "40001")


def _records(frame: pd.DataFrame, load_id: int, id_column: str | None = None) -> list[dict]:
    """Plain Python values for the DB driver: None for every missing value, datetimes, ints."""
    columns: dict[str, list] = {}
    for name in frame.columns:
        col = frame[name]
        missing = col.isna().to_numpy()
        if name in ("created_at", "first_response_at", "resolved_at"):
            values = pd.Series(col.dt.to_pydatetime(), dtype=object).to_numpy(copy=True)
        elif name == id_column:
            values = col.fillna(-1).astype("int64").to_numpy(dtype=object, copy=True)
        else:
            values = col.to_numpy(dtype=object, copy=True)
        values[missing] = None
        columns[name] = values.tolist()
    n = len(frame)
    columns["load_id"] = [load_id] * n
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*(columns[c] for c in names), strict=True)]


def load_file(
    path: Path,
    engine: Engine,
    fmt: str = "auto",
    mapping_path: Path | None = None,
    *,
    region: Region,
    progress: Progress | None = None,
    now: datetime | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> LoadSummary:
    """Load one export of ``region``. Raises LoadError when the file cannot be read at all."""
    export = open_export(Path(path), fmt, mapping_path, region, limits)
    return _load(export, engine, file_checksum(Path(export.label)), progress, now, limits)


def load_records(
    items: list,
    engine: Engine,
    *,
    label: str,
    region: Region,
    fmt: str = "json",
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
    sources: tuple[str, ...] = (),
) -> LoadSummary:
    """Load records already read (a pushed batch, an Open311 answer: ``fmt`` json or open311) as a file would be:
    the same mapping, validation, upsert on (source, external_id) and rollups; ``sources``: the only channels a row
    may be of (a feed's; with one, a row naming none is of it). Raises LoadError as load_file."""
    export = open_records(items, label, fmt, mapping or Mapping(), region, limits)
    return _load(export, engine, None, progress, now, limits, sources)


def _load(
    export: OpenedExport,
    engine: Engine,
    checksum: str | None,
    progress: Progress | None,
    now: datetime | None,
    limits: LoadLimits,
    sources: tuple[str, ...] = (),
) -> LoadSummary:
    try:
        ingestor = Ingestor(
            engine,
            export.label,
            export.fmt,
            export.mapping,
            export.region,
            now,
            checksum,
            export.dates,
            limits,
            sources,
        )
    except SQLAlchemyError as exc:
        raise LoadError(f"база данных недоступна, ничего не загружено: {_first_line(exc)}") from exc
    try:
        for checked, bytes_read in prepared_ahead(ingestor.prepare, export.chunks()):
            ingestor.write(checked)
            if progress:
                progress(ingestor.summary.rows_total, bytes_read)
    except SQLAlchemyError as exc:
        # every batch is one transaction: what was written is whole batches, and a re-run adds only the rest
        done = ingestor.summary.rows_total
        ingestor.abandon(f"database error: {_first_line(exc)}")
        raise LoadError(
            f"база данных стала недоступна во время загрузки ({_first_line(exc)}). Записано {done} строк "
            "целыми пакетами, недописанных нет; запустите ту же загрузку ещё раз — записанное не удвоится."
        ) from exc
    except LoadStopped as exc:
        ingestor.abandon(str(exc), "interrupted")
        raise
    except Exception as exc:
        ingestor.abandon(str(exc) if isinstance(exc, LoadError) else repr(exc))
        raise
    return ingestor.finish()


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]


def load_frame(
    frame: pd.DataFrame,
    engine: Engine,
    label: str,
    region: Region,
    now: datetime | None = None,
    progress: Progress | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
) -> LoadSummary:
    """Load contract-shaped records (strings) through the same validation as files (used by the demo)."""
    ingestor = Ingestor(engine, label, "frame", Mapping(), region, now, limits=limits)
    size = limits.batch_size

    def chunks() -> Iterator[RawChunk]:
        for start in range(0, len(frame), size):
            part = frame.iloc[start : start + size].copy()
            part[ROW] = range(start + 1, start + 1 + len(part))
            yield RawChunk(part.reset_index(drop=True))

    try:
        for checked, _ in prepared_ahead(ingestor.prepare, chunks()):
            ingestor.write(checked)
            if progress:
                progress(ingestor.summary.rows_total, 0)
    except LoadStopped as exc:
        ingestor.abandon(str(exc), "interrupted")
        raise
    except Exception as exc:
        ingestor.abandon(str(exc) if isinstance(exc, LoadError) else repr(exc))
        raise
    return ingestor.finish()
