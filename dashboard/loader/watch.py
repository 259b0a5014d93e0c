"""Folders watched for exports (``tsur watch``): every new or changed file loaded once, a file that cannot be loaded
moved to a quarantine folder with a report beside it; and Open311 servers pulled at every look
(dashboard/loader/open311.py).

- **Complete files only.** A file is read once its size and modification time stayed the same over two looks at
  least ``settle`` seconds after it was last written; names a writer uses while writing (``.part``, ``.tmp``,
  ``.crdownload``, ``~``, hidden files) are never read — writing to such a name and renaming it is the safe way in.
- **Each content once.** The store's own record of loads is the ledger: a file whose content hash (SHA-256) a
  finished load already carries is skipped, so a restart, a copy under another name or a renamed file loads nothing
  twice; a changed export (new content under the same name) loads again, updating what changed.
- **Failures.** A file the loader refuses as a whole (unreadable, no recognisable columns, a mapping that does not
  fit) goes to ``<folder>/quarantine/`` with ``<name>.report.json`` (the reason, when, the hash). Rows refused one by
  one are not a failure: they are recorded with the load, as with ``tsur load``. A database that does not answer is
  not the file's fault: the file stays and is tried again at the next look.
- **Stopping.** ``stop()`` (SIGTERM, SIGINT) ends a load between two batches: every batch is one transaction, so
  what was written is whole batches, the run is recorded as interrupted, and the next start loads the rest — the
  batches already written count as unchanged, none twice.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.loader.errors import LoadError, LoadStopped
from dashboard.loader.ingest import LoadSummary, file_checksum, load_file
from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
from dashboard.loader.open311 import Open311Pull, PullFailed
from dashboard.region import Region
from dashboard.store.schema import load_runs

log = logging.getLogger("tsur.watch")

QUARANTINE = "quarantine"
WRITING = (".part", ".tmp", ".crdownload", ".partial", ".swp", "~")  # names of files still being written
EXPORTS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class Outcome:
    """What one look did with one file or one Open311 server (``path`` is then its address): ``loaded``, ``skipped``
    (its content was loaded before), ``quarantined``, ``retry`` (the database or the server did not answer) or
    ``stopped``."""

    path: Path | str
    action: str
    summary: LoadSummary | None = None
    error: str | None = None


@dataclass
class _Seen:
    size: int
    mtime_ns: int


@dataclass
class Watcher:
    engine: Engine
    region: Region
    folders: list[Path]
    mapping: Path | None = None
    fmt: str = "auto"
    limits: LoadLimits = DEFAULT_LIMITS
    settle: float = 2.0  # seconds a file must be left alone before it is read
    clock: Callable[[], float] = time.time  # wall-clock seconds, compared with the files' modification times
    pulls: list[Open311Pull] = field(default_factory=list)  # Open311 servers pulled at every look
    _seen: dict[Path, _Seen] = field(default_factory=dict)  # files not yet dealt with, as last seen
    _done: dict[Path, _Seen] = field(default_factory=dict)  # files dealt with, as they were then
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for pull in self.pulls:
            pull.stop = self._stop  # a stop ends a pull's back-off wait too

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def candidates(self) -> list[Path]:
        """The exports in the folders (not in their quarantine), oldest first."""
        found = []
        for folder in self.folders:
            for path in folder.iterdir():
                name = path.name.lower()
                written = not name.startswith(".") and not name.endswith(WRITING)
                if written and name.endswith(EXPORTS) and path.is_file():
                    found.append(path)
        return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def ready(self, path: Path) -> bool:
        """Whether ``path`` is complete: unchanged since the last look and left alone ``settle`` seconds."""
        stat = path.stat()
        now_seen = _Seen(stat.st_size, stat.st_mtime_ns)
        before = self._seen.get(path)
        self._seen[path] = now_seen
        quiet = self.clock() - stat.st_mtime_ns / 1e9 >= self.settle
        return before == now_seen and quiet

    def look(self) -> list[Outcome]:
        """One look at the folders: every complete file not dealt with yet loaded, skipped or quarantined."""
        outcomes = []
        present = set()
        for path in self.candidates():
            present.add(path)
            if self.stopping:
                break
            try:
                stat = path.stat()
                if self._done.get(path) == _Seen(stat.st_size, stat.st_mtime_ns) or not self.ready(path):
                    continue
            except FileNotFoundError:  # moved away between the listing and the look
                continue
            outcomes.append(self._take(path))
        self._seen = {path: seen for path, seen in self._seen.items() if path in present}
        self._done = {path: seen for path, seen in self._done.items() if path in present}
        return outcomes + [self._pull(pull) for pull in self.pulls if not self.stopping]

    def _pull(self, pull: Open311Pull) -> Outcome:
        try:
            summary = pull.pull()
        except (PullFailed, LoadError, SQLAlchemyError) as exc:
            log.error("%s: %s", pull.url, exc)
            return Outcome(pull.url, "retry", error=str(exc))
        except Exception as exc:  # whatever a server's answer does, the folders keep being watched
            log.exception("%s: непредвиденная ошибка, курсор на месте", pull.url)
            return Outcome(pull.url, "retry", error=repr(exc))
        if summary.rows_total:
            log.info(
                "%s: новых %d, обновлено %d, без изменений %d, отклонено %d",
                pull.url,
                summary.new,
                summary.updated,
                summary.unchanged,
                summary.rejected,
            )
        return Outcome(pull.url, "loaded", summary)

    def pending(self) -> int:
        """Files seen but not dealt with yet (still being written, or waiting for the database)."""
        return len(self._seen)

    def _take(self, path: Path) -> Outcome:
        checksum = file_checksum(path)
        try:
            seen_before = self._loaded_before(checksum)
        except SQLAlchemyError as exc:
            log.error("%s: база данных не ответила, файл будет загружен позже: %s", path.name, exc)
            return Outcome(path, "retry", error=str(exc))
        if seen_before:
            log.info("%s: уже загружен (то же содержимое), пропущен", path.name)
            self._settle(path)
            return Outcome(path, "skipped")
        try:
            summary = load_file(
                path, self.engine, self.fmt, self.mapping, region=self.region, limits=self.limits, progress=self._check
            )
        except LoadStopped:
            log.warning("%s: остановлено на границе пакета; записанное цело, остальное загрузится при запуске", path)
            return Outcome(path, "stopped")
        except LoadError as exc:
            if isinstance(exc.__cause__, SQLAlchemyError):
                log.error("%s: база данных не ответила, файл останется и будет загружен позже: %s", path.name, exc)
                return Outcome(path, "retry", error=str(exc))
            moved = self._quarantine(path, checksum, str(exc))
            log.error("%s: не загружен, перемещён в %s: %s", path.name, moved.parent, exc)
            return Outcome(moved, "quarantined", error=str(exc))
        log.info(
            "%s: новых %d, обновлено %d, без изменений %d, отклонено %d",
            path.name,
            summary.new,
            summary.updated,
            summary.unchanged,
            summary.rejected,
        )
        self._settle(path)
        return Outcome(path, "loaded", summary)

    def _check(self, _rows: int, _bytes: int) -> None:
        """The load's progress after each written batch: where a stop is honoured."""
        if self.stopping:
            raise LoadStopped("остановка tsur watch")

    def _settle(self, path: Path) -> None:
        """``path`` dealt with: not looked at again unless it changes."""
        seen = self._seen.pop(path, None)
        if seen is not None:
            self._done[path] = seen

    def _forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def _loaded_before(self, checksum: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(load_runs.c.id).where(load_runs.c.checksum == checksum, load_runs.c.status == "done").limit(1)
            ).first()
        return found is not None

    def _quarantine(self, path: Path, checksum: str, error: str) -> Path:
        folder = path.parent / QUARANTINE
        folder.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = folder / f"{stamp}-{path.name}"
        shutil.move(path, target)
        report = {"file": path.name, "moved_to": target.name, "at": stamp, "sha256": checksum, "error": error}
        (folder / f"{target.name}.report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        self._forget(path)
        return target

    def run(self, interval: float, once: bool = False, on_look: Callable[[Iterable[Outcome]], None] | None = None):
        """Look every ``interval`` seconds until stopped (``on_look`` hears every look's outcomes, none included);
        ``once``: until every file present was dealt with, each server pulled once."""
        while not self.stopping:
            outcomes = self.look()
            if on_look:
                on_look(outcomes)
            files_waiting = any(o.action == "retry" and isinstance(o.path, Path) for o in outcomes)
            if once and not self.pending() and not files_waiting:  # a server that fails is tried once
                return
            self._stop.wait(interval)
