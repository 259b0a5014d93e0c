"""Reads run side by side on PostgreSQL: order of results, real overlap, errors after every call, the request's
context; on SQLite in line. The calls here touch no database: an engine only names the store."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask, g
from sqlalchemy import create_engine

from dashboard.runtime import fanout

POSTGRES = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")  # never connects
SQLITE = create_engine("sqlite://")


def fan_out(*calls):
    return fanout.fan_out(POSTGRES, *calls)


def test_results_come_in_the_calls_order_and_the_calls_overlap():
    both_running = threading.Barrier(3, timeout=5)  # passes only when three calls wait at once

    def meet(value):
        def call():
            both_running.wait()
            return value

        return call

    assert fan_out(meet("a"), meet("b"), meet("c")) == ["a", "b", "c"]


def test_an_error_is_raised_once_every_call_has_finished():
    finished = []

    def slow():
        time.sleep(0.2)
        finished.append("slow")
        return 1

    def broken():
        raise ValueError("no such sector")

    with pytest.raises(ValueError, match="no such sector"):
        fan_out(broken, slow)
    assert finished == ["slow"]


def test_the_first_error_in_the_calls_order_wins():
    def fails(message):
        def call():
            raise RuntimeError(message)

        return call

    with pytest.raises(RuntimeError, match="first"):
        fan_out(lambda: 0, fails("first"), fails("second"))


def test_calls_on_the_pool_see_the_request_and_its_memo():
    app = Flask(__name__)
    with app.test_request_context("/?period=7d"):
        g.principal = "minister"
        seen = fan_out(*[lambda: (g.principal, threading.current_thread().name) for _ in range(3)])
        g.setdefault("memo", {})
        fan_out(lambda: None, lambda: g.memo.setdefault("figure", 42))
        assert g.memo == {"figure": 42}  # what a pooled call memoises, the request keeps
    assert {who for who, _ in seen} == {"minister"}
    assert any(name.startswith("tsur-read") for _, name in seen)


def test_a_call_on_the_pool_runs_its_own_fan_out_in_line():
    def nested():
        outer = threading.current_thread()
        inner = fan_out(threading.current_thread, threading.current_thread)
        return outer, inner

    more_than_the_pool_holds = fanout.threads() + 2  # and no deadlock
    results = fan_out(*[nested for _ in range(more_than_the_pool_holds)])
    for outer, inner in results[1:]:  # the first ran in this thread, the rest on the pool
        assert inner == [outer, outer]


def test_one_read_thread_runs_everything_in_line():
    fanout.configure(1)
    try:
        here = threading.current_thread()
        assert fan_out(threading.current_thread, threading.current_thread) == [here, here]
    finally:
        fanout.configure(4)


def test_reads_of_sqlite_run_in_line():
    here = threading.current_thread()
    assert fanout.fan_out(SQLITE, threading.current_thread, threading.current_thread) == [here, here]


def test_a_figure_not_wanted_gives_none_in_its_place():
    assert fan_out(None, lambda: 1, None) == [None, 1, None]
    assert fanout.fan_out(SQLITE, lambda: 1, None) == [1, None]
