"""Settings from the environment (prefix ``TSUR_``) and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret"  # noqa: S105 - only accepted in development mode
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TSUR_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str = DEV_SECRET
    region: str = "chuvashia"
    regions_dir: Path = PROJECT_ROOT / "geo" / "regions"
    sectors_file: Path | None = None
    sla_file: Path | None = None
    glossary_file: Path | None = None  # English names of topics and agencies (None: dashboard/defaults/glossary.toml)
    language: Literal["ru", "en"] = "ru"
    cache_type: Literal["SimpleCache", "FileSystemCache", "RedisCache", "NullCache"] = "SimpleCache"
    cache_redis_url: str = "redis://127.0.0.1:6379/0"
    cache_timeout: int = Field(default=300, ge=0)
    tile_url: str | None = None
    # federal view: other regions' dashboards, by federal map slug, e.g. {"kaluga-region": "https://…/"}
    region_links: dict[str, str] = Field(default_factory=dict)
    # alerts: new critical tension points are POSTed here as JSON (signed with HMAC-SHA256 if a secret is set)
    alert_webhook_url: str | None = None
    alert_webhook_secret: str | None = None
    alert_webhook_timeout: float = Field(default=5.0, gt=0)
    public_url: str | None = None  # the dashboard's address, for links in alerts
    # the briefing's PDF: headless Chromium on the server (found on PATH when unset); base address it opens
    chromium: str | None = None
    render_base_url: str | None = None  # e.g. http://127.0.0.1:8050 behind a proxy; default: the request's own
    batch_size: int = Field(default=20_000, ge=100)
    # a load rebuilds the rollups of the days it wrote so far this often (s), so they show before it ends
    rollup_checkpoint_seconds: float = Field(default=60.0, ge=0)
    # a message's text longer than this is cut to it at load and marked «… [обрезано]» (counted in the summary)
    max_text_chars: int = Field(default=10_000, ge=100)
    # rows a load keeps in memory (~35 bytes each) to build the rollups of the days it filled without reading them
    # back; past it, the days of further rows are read from the store as before
    load_memory_rows: int = Field(default=20_000_000, ge=0)
    # accounts: always on in production; in development off unless TSUR_AUTH=true
    auth: bool | None = None
    hide_texts: bool = False  # no message texts anywhere (UI, API, exports), masked or not
    session_hours: int = Field(default=12, ge=1)  # a person's session; a wall screen's lasts wall_session_days
    wall_session_days: int = Field(default=30, ge=1)
    cookie_secure: bool | None = None  # Secure session cookie; default: on in production
    frame_ancestors: list[str] = Field(default_factory=list)  # origins that may frame pages (a wall's host)
    # a critical tension point counts as decided when a decision on its cell came within this many days (KPI)
    decision_within_days: int = Field(default=3, ge=1, le=60)
    # POST /api/v1/messages (role feed): requests per account, messages and bytes per request
    feed_limit: str = "120/minute"
    feed_batch: int = Field(default=5_000, ge=1)
    feed_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    login_limit: str = "10/minute"  # failed logins per client address
    login_limit_pair: str = "20/hour"  # failed logins per client address and account name (never per name alone)
    rate_limit_storage: str | None = None  # limits' storage URL; default: Redis if the cache is, else memory
    proxy_hops: int = Field(default=0, ge=0)  # reverse proxies in front (client address and scheme from X-Forwarded-*)
    statement_timeout_ms: int = Field(default=15_000, ge=100)  # a query running longer is cancelled
    # a request's Python work (masking a page of messages) past this answers 503 instead of holding a worker
    request_budget_ms: int = Field(default=20_000, ge=100)
    # PostgreSQL connections per worker process: keep pool_size + max_overflow ≥ gunicorn threads per worker +
    # read_threads (a request's independent reads run side by side on read_threads more connections)
    db_pool_size: int = Field(default=5, ge=1)
    db_connect_timeout: int = Field(default=3, ge=2)  # s to open a PostgreSQL connection (libpq's minimum is 2)
    # s an engine without a statement timeout (the loader's, migrations') waits for any one answer of PostgreSQL;
    # the dashboard's waits at most its statement timeout and 5 s
    db_read_timeout: int = Field(default=1800, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    read_threads: int = Field(default=4, ge=1)  # per worker process, PostgreSQL only; 1: every read in line
    # PostgreSQL settings of the dashboard's connections (the loader keeps the server's): its reads are short index
    # walks, for which a parallel plan's workers and JIT compilation cost more than they save (the tension index's
    # topic counts of a month: 10 ms with two workers, 4 ms without, on 2 cores; docs/benchmarks.md)
    pg_read_settings: dict[str, str] = Field(
        default_factory=lambda: {"max_parallel_workers_per_gather": "0", "jit": "off"}
    )

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.env == "production" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 16):
            raise ValueError("TSUR_SECRET_KEY must be set to a random string of at least 16 characters in production")
        if self.env == "production" and self.auth is False:
            raise ValueError("TSUR_AUTH cannot be turned off in production")
        return self

    @property
    def auth_enabled(self) -> bool:
        return self.env == "production" or bool(self.auth)

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure

    @property
    def limit_storage_url(self) -> str:
        if self.rate_limit_storage:
            return self.rate_limit_storage
        return self.cache_redis_url if self.cache_type == "RedisCache" else "memory://"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tsur.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
