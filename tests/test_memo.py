"""memo.once: a read shared by the figures of one request, and by the threads that request fans out to."""

from __future__ import annotations

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.runtime.memo import once, scope


def counter():
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)  # long enough for a second thread to arrive while the first computes
        return object()

    return calls, compute


def test_outside_a_request_every_call_computes():
    calls, compute = counter()
    assert once("k", compute) is not once("k", compute)
    assert len(calls) == 2


def test_within_a_request_a_key_is_computed_once_and_each_request_starts_afresh():
    calls, compute = counter()
    with scope():
        first = once("k", compute)
        assert once("k", compute) is first
        assert once("other", compute) is not first
    with scope():
        assert once("k", compute) is not first
    assert len(calls) == 3


def test_threads_of_one_request_wait_for_one_computation():
    calls, compute = counter()
    gate = threading.Barrier(3)

    def ask():
        gate.wait()
        return once("k", compute)

    with scope(), ThreadPoolExecutor(3) as pool:
        results = [f.result() for f in [pool.submit(contextvars.copy_context().run, ask) for _ in range(3)]]
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_a_failed_computation_is_not_kept():
    def fail():
        raise RuntimeError("store away")

    calls, compute = counter()
    with scope():
        with pytest.raises(RuntimeError):
            once("k", fail)
        assert once("k", compute) is once("k", compute)
    assert len(calls) == 1
