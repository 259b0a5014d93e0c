"""The messages' secondary indexes held back during a first load and built once after it.

A first import (the demo, a region's archive) writes millions of rows into an empty table. Kept up row by row, the
six secondary indexes cost more than the rows themselves: every batch inserts into seven B-trees at random places,
and past the page cache each insert reads pages back. Built afterwards from the finished table, each one is a
single sort. So a load that starts on an empty ``messages`` drops them (the unique key stays: the loader looks
stored ids up by it) and ``build`` recreates them before the rollups are rebuilt from the messages.

The drop is recorded in ``meta`` in its own transaction, so a load killed midway leaves a mark: the next load's end
or the next start of the dashboard (``init_db``) builds what is missing. Nothing is read wrongly meanwhile, only
more slowly.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Index, delete, exists, insert, select
from sqlalchemy.schema import CreateIndex, DropIndex

from dashboard.store.schema import messages, meta

DEFERRED_KEY = "message_indexes_deferred"
DEFERRED: tuple[Index, ...] = tuple(sorted((ix for ix in messages.indexes if not ix.unique), key=lambda ix: ix.name))
# PostgreSQL sorts an index build in this much memory before it spills to disk (its default is 64 MB)
BUILD_MEMORY = "512MB"


def defer_if_empty(engine: Engine) -> bool:
    """Drop the secondary indexes when the messages table is empty; True when they are now deferred."""
    with engine.begin() as conn:
        if conn.execute(select(exists().select_from(messages))).scalar():
            return False
        for index in DEFERRED:
            conn.execute(DropIndex(index, if_exists=True))
        if not _is_deferred(conn):
            conn.execute(insert(meta).values(key=DEFERRED_KEY, value="1"))
    return True


def build(engine: Engine) -> bool:
    """Create the deferred indexes, if any are; True when it built them."""
    with engine.begin() as conn:
        if not _is_deferred(conn):
            return False
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        else:
            conn.exec_driver_sql("PRAGMA threads = 2")  # the sorter's helper threads (per connection)
        for index in DEFERRED:
            conn.execute(CreateIndex(index, if_not_exists=True))
        conn.execute(delete(meta).where(meta.c.key == DEFERRED_KEY))
    return True


def _is_deferred(conn: Connection) -> bool:
    return conn.execute(select(exists().where(meta.c.key == DEFERRED_KEY))).scalar()
