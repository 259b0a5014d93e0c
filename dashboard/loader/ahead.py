"""Chunks validated in a second process, one chunk ahead of the writes.

Mapping and validating a chunk is about a fifth of a load, and pandas holds the GIL for most of it: in a thread it
overlapped the database's work by ~5 %. A worker process forked from the loader inherits the validation context
(municipality matcher, point locator, catalogues, the load's clock) as it is; each chunk goes to it pickled and comes
back validated while the loader writes the one before.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from dashboard.loader.errors import LoadError
from dashboard.loader.readers import RawChunk
from dashboard.loader.validate import Checked

Prepared = tuple[Checked, int]  # a validated chunk and the bytes read up to its end
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
PARENT_POLL_SECONDS = 1.0  # without prctl: how often the worker checks that the loader is still there
_prepare: Callable[[RawChunk], Checked] | None = None  # the worker's, set when it starts


def prepared_ahead(prepare: Callable[[RawChunk], Checked], chunks: Iterator[RawChunk]) -> Iterator[Prepared]:
    """``prepare(chunk)`` of every chunk, in order, computed in a worker process while the caller handles the chunk
    before (so at most two are in flight). An exception in ``prepare`` or in reading a chunk is raised here after
    the chunks before it were yielded; where ``fork`` is not available the chunks are prepared in this process."""
    if "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield prepare(chunk), chunk.bytes_read
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(1, context, initializer=_install, initargs=(prepare, os.getpid()))
    try:
        gc.freeze()  # the worker is forked on the first submit: the collector then leaves its inherited pages alone
        try:
            pending = _submit(pool, next(chunks, None))
        finally:
            gc.unfreeze()
        while pending is not None:
            future, bytes_read = pending
            failure = None
            try:
                pending = _submit(pool, next(chunks, None))
            except Exception as exc:  # the next chunk could not be read: raised once this one is handled
                pending, failure = None, exc
            yield future.result(), bytes_read
            if failure is not None:
                raise failure
    except BrokenProcessPool as exc:
        raise LoadError(
            "процесс проверки строк завершился без ответа (нехватка памяти или сигнал); записаны только целые "
            "пакеты до него — запустите загрузку ещё раз, записанное не удвоится"
        ) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _install(prepare: Callable[[RawChunk], Checked], loader: int) -> None:
    global _prepare
    _prepare = prepare
    _die_with(loader)


def _die_with(loader: int) -> None:
    """End this worker when the loader ends, however it ends: a loader killed with SIGKILL left its worker at PPID 1
    (264 MB, the loader's database connections inherited) until killed by hand. On Linux the kernel sends SIGKILL
    when the parent goes (PR_SET_PDEATHSIG: strictly, the parent's thread that forked it — the one that reads the
    worker's results, so it outlives its use); elsewhere a thread polls the parent's pid."""
    if not _parent_death_signal():
        threading.Thread(target=_watch_parent, args=(loader,), name="tsur-watch-loader", daemon=True).start()
    if os.getppid() != loader:  # the loader died before the signal was asked for
        os._exit(1)


def _parent_death_signal() -> bool:
    """Ask Linux for SIGKILL when the parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(loader: int) -> None:
    while os.getppid() == loader:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _run(chunk: RawChunk) -> Checked:
    assert _prepare is not None
    return _prepare(chunk)


def _submit(pool: ProcessPoolExecutor, chunk: RawChunk | None) -> tuple[Future, int] | None:
    return None if chunk is None else (pool.submit(_run, chunk), chunk.bytes_read)
