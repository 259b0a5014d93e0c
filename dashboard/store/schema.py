"""SQLAlchemy Core schema, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()
FUTURE_TOLERANCE = timedelta(days=1)  # a message's created_at may lie this far past the loader's clock, no further

municipalities = Table(
    "municipalities",
    metadata,
    Column("oktmo", String(11), primary_key=True),
    Column("region", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200)),
    Column("kind", String(20), nullable=False),
    Column("population", Integer),
    Column("population_year", SmallInteger),
    Column("population_source", Text),
)

sectors = Table(
    "sectors",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_ru", String(120), nullable=False),
    Column("name_en", String(120), nullable=False),
)

load_runs = Table(
    "load_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file", Text, nullable=False),
    Column("checksum", String(64)),
    Column("format", String(16)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("rows_total", Integer, nullable=False, default=0),
    Column("rows_new", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),
    Column("error", Text),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(32), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("first_response_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    Column("sector", String(32), nullable=False),
    Column("topic", String(200)),
    Column("oktmo", String(11), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("text", Text),
    Column("agency", String(300)),
    # which dates were given as days without a time (bits: 1 created_at, 2 first_response_at, 4 resolved_at); such
    # a time reads as the day's start, or as the message's moment on its own day (dashboard/loader/validate.py)
    Column("date_only", SmallInteger, nullable=False, server_default=text("0")),
    # derived at load time
    Column("day", Date, nullable=False),  # created_at's date in the region's time zone
    Column("response_hours", Float),
    Column("resolution_hours", Float),
    Column("sla_hours", Float, nullable=False),
    Column("due_at", DateTime(timezone=True)),  # created_at + sla_hours: overdue is «due_at < now» in any database
    Column("answered_in_sla", Boolean),
    Column("content_hash", String(32), nullable=False),
    Column("load_id", Integer, ForeignKey("load_runs.id")),
    UniqueConstraint("external_id", "source", name="uq_messages_source_external_id"),
)
Index("ix_messages_day_oktmo", messages.c.day, messages.c.oktmo)
# by time, with the channel: the channels' newest messages and usual hours (dashboard/metrics/freshness.py) are read
# from the index alone; led by time, so no query filtering a channel over days picks it over the cube's indexes
Index("ix_messages_created_at_source", messages.c.created_at, messages.c.source)
# a municipality's newest messages (its card): in this order whatever else filters them
Index("ix_messages_oktmo_day_created_at", messages.c.oktmo, messages.c.day, messages.c.created_at)
# unanswered messages are a few per cent of all: overdue counts and the oldest-overdue list read this index only;
# in the order the last days' overdue counts group by (queries.recent_overdue), so they need no sort
Index(
    "ix_messages_unanswered",
    messages.c.day,
    messages.c.sector,
    messages.c.oktmo,
    messages.c.agency,
    messages.c.source,
    messages.c.status,
    messages.c.due_at,
    messages.c.created_at,
    sqlite_where=messages.c.first_response_at.is_(None),
    postgresql_where=messages.c.first_response_at.is_(None),
)
# samples for the density layer (queries.point_density): every 8th / 64th / 1024th message with a point
for _rate in (8, 64, 1024):
    Index(  # covering: the density query reads nothing else, so a sampled year needs no table lookups
        f"ix_messages_sample_{_rate}",
        messages.c.day,
        messages.c.oktmo,
        messages.c.sector,
        messages.c.source,
        messages.c.lat,
        messages.c.lon,
        sqlite_where=text(f"id % {_rate} = 0 AND lat IS NOT NULL"),
        postgresql_where=text(f"id % {_rate} = 0 AND lat IS NOT NULL"),
    )

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("load_id", Integer, ForeignKey("load_runs.id"), index=True),
    Column("file", Text, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("reason_code", String(40), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
)

# The rollup cube (dashboard/store/cube.py): day or month × a slice of the dimensions; a dropped dimension holds ''.
# Keyed and indexed with the channel right after grain and slice: every cube read pins the channel, so one under a
# channel filter walks that channel's rows only (migration 0012).
rollups = Table(
    "rollups",
    metadata,
    # grain: 0 day, 1 month (day = its 1st), 2 calendar week (day = its Monday)
    Column("grain", SmallInteger, nullable=False, autoincrement=False),
    Column("dims", SmallInteger, nullable=False, autoincrement=False),  # bit mask of the dimensions kept
    Column("day", Date, nullable=False),
    Column("oktmo", String(11), nullable=False),
    Column("sector", String(32), nullable=False),
    Column("source", String(32), nullable=False),
    Column("agency", String(300), nullable=False),
    Column("messages", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("resolved", Integer, nullable=False),
    Column("open_unanswered", Integer, nullable=False),
    Column("answered_in_sla", Integer, nullable=False),
    Column("response_hours_sum", Float, nullable=False),
    # each measure's durations and the creation times of its messages still open (dashboard/store/histograms.py)
    Column("fr_hours", LargeBinary, nullable=False),
    Column("fr_open", LargeBinary, nullable=False),
    Column("rs_hours", LargeBinary, nullable=False),
    Column("rs_open", LargeBinary, nullable=False),
    PrimaryKeyConstraint("grain", "dims", "source", "day", "oktmo", "sector", "agency"),
    sqlite_with_rowid=False,
)
Index("ix_rollups_oktmo", rollups.c.grain, rollups.c.dims, rollups.c.source, rollups.c.oktmo, rollups.c.day)
Index("ix_rollups_sector", rollups.c.grain, rollups.c.dims, rollups.c.source, rollups.c.sector, rollups.c.day)

# the topic cube (dashboard/store/cube.py TOPICS): day or month × a slice of (oktmo, sector, source) × topic
topic_rollups = Table(
    "topic_rollups",
    metadata,
    Column("grain", SmallInteger, nullable=False, autoincrement=False),
    Column("dims", SmallInteger, nullable=False, autoincrement=False),
    Column("day", Date, nullable=False),
    Column("oktmo", String(11), nullable=False),
    Column("sector", String(32), nullable=False),
    Column("source", String(32), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("messages", Integer, nullable=False),
    PrimaryKeyConstraint("grain", "dims", "source", "day", "oktmo", "sector", "topic"),
    sqlite_with_rowid=False,
)
Index(
    "ix_topic_rollups_oktmo",
    topic_rollups.c.grain,
    topic_rollups.c.dims,
    topic_rollups.c.source,
    topic_rollups.c.oktmo,
    topic_rollups.c.day,
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),  # the region's date the point was found critical
    Column("sector", String(32), nullable=False),
    Column("oktmo", String(11), nullable=False),
    Column("tension_index", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the JSON body sent to the webhook
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    UniqueConstraint("day", "sector", "oktmo", name="uq_alerts_day_sector_oktmo"),
)

# a channel found silent (dashboard/metrics/freshness.py): one alert a silence, keyed by the channel's last message
# before it; delivered through the same webhook as the tension alerts
source_alerts = Table(
    "source_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(32), nullable=False),
    Column("silent_since", DateTime(timezone=True), nullable=False),  # the channel's last message before the silence
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    UniqueConstraint("source", "silent_since", name="uq_source_alerts_source_since"),
)

# late events for the overdue backlog (dashboard/store/late.py): +starts on the day a target passed, +ends on the day a
# late message was answered; per slice of (oktmo, sector, source), a dropped dimension holds ''
rollup_late = Table(
    "rollup_late",
    metadata,
    Column("dims", SmallInteger, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("oktmo", String(11), primary_key=True),
    Column("sector", String(32), primary_key=True),
    Column("source", String(32), primary_key=True),
    Column("starts", Integer, nullable=False),
    Column("ends", Integer, nullable=False),
    sqlite_with_rowid=False,
)
# a place's events without reading the slice's every day (the backlog before a period under a municipality filter
# summed 300 000 rows of the finest slice at 10M)
Index("ix_rollup_late_place", rollup_late.c.dims, rollup_late.c.oktmo, rollup_late.c.sector, rollup_late.c.day)

# the data version of each day: set by every load that changed the day's rollups; cache keys read the newest
# version of the days a figure reaches, so a load invalidates the figures of the days it touched and no others
day_versions = Table(
    "day_versions",
    metadata,
    Column("day", Date, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

rollup_dirty = Table("rollup_dirty", metadata, Column("day", Date, primary_key=True))

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # admin | head | minister | wall | feed
    Column("password_hash", Text),  # argon2id; none for a wall screen (token only)
    Column("token_hash", String(64), unique=True),  # SHA-256 of the API / wall token
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
    # sessions carry the value they began with; sign-out, a new password or token, disabling and enabling raise it,
    # which ends every open session of the account at its next request
    Column("session_version", Integer, nullable=False, server_default="0"),
)

user_sectors = Table(
    "user_sectors",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sector", String(32), ForeignKey("sectors.code"), primary_key=True),
)

# the channels a feed account (an integration pushing messages) may write; it must have one at least
user_sources = Table(
    "user_sources",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(32), primary_key=True),
)

# where a pull from a remote feed (Open311 GeoReport v2) has read up to: it moves only after what it covers is stored
pull_cursors = Table(
    "pull_cursors",
    metadata,
    Column("feed", String(300), primary_key=True),  # "open311 <url>"
    Column("read_to", DateTime(timezone=True), nullable=False),  # requests registered before it are stored
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# decisions (поручения) taken on the centre's data: what, who, by when, on which evidence (dashboard/decisions/)
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),  # what is to be done
    Column("agency", String(300), nullable=False),  # the responsible agency
    Column("person", String(200)),  # the responsible official, if named
    Column("due", Date, nullable=False),
    Column("status", String(16), nullable=False),  # assigned | in_progress | done | cancelled
    # the evidence: the cell (sector × municipality [× topic]) and period it rests on, and the figures shown then
    Column("sector", String(32)),
    Column("oktmo", String(11)),
    Column("topic", String(200)),
    Column("period_from", Date),
    Column("period_to", Date),
    Column("evidence", Text),  # JSON: the snapshot (dashboard/decisions/evidence.py); none: not backed by data
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
)
Index("ix_decisions_cell", decisions.c.sector, decisions.c.oktmo)

# every change of a decision, never changed itself (database triggers refuse UPDATE and DELETE): the audit trail
decision_events = Table(
    "decision_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # created | status | edited
    Column("details", Text, nullable=False),  # JSON: the fields set, as {field: [before, after]}
)

# the server's own Chromium opens the briefing with a single-use token: its nonce's digest is here until spent
render_tokens = Table(
    "render_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the token's nonce
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
