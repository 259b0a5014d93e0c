"""Read-only JSON API (same query functions as the dashboard). See docs/api.md."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import yaml
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard import accounts
from dashboard.filters import FilterError
from dashboard.i18n import t
from dashboard.metrics import deadlines, tension
from dashboard.metrics.response_times import granularity
from dashboard.service import DashboardService
from dashboard.store.probe import database_answers

api = Blueprint("api", __name__)
OPENAPI = Path(__file__).resolve().parent / "openapi.yaml"


def service() -> DashboardService:
    return current_app.extensions["tsur"]


def _filters():
    return service().read_filters(request.args.to_dict(flat=False))


@api.errorhandler(FilterError)
def _bad_filter(exc: FilterError) -> tuple[Response, int]:
    """400 with the reason in the request's language (``lang``, else the deployment's) where it has one."""
    lang = request.args.get("lang")
    if lang not in ("ru", "en"):
        lang = current_app.extensions["tsur_auth"].settings.language
    return jsonify(error=exc.in_language(lang)), 400


@api.errorhandler(SQLAlchemyError)
def _db_down(exc: SQLAlchemyError) -> tuple[Response, int]:
    current_app.logger.warning("database error: %s", exc)
    return jsonify(error="база данных недоступна, повторите запрос позже"), 503


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 if the database answered ``SELECT 1`` within 1 s, else 503 — in time whatever the database does."""
    if not database_answers(service().engine):
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok", region=service().region.id), 200


@api.get("/api/v1/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API (web/openapi.yaml)."""
    return jsonify(openapi_document())


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


@api.get("/api/v1/summary")
def summary() -> Response:
    filters = _filters()
    data = service().summary(filters)
    cur = data["current"]
    return jsonify(
        period=data["period"],
        filters={
            "sector": list(filters.sectors),
            "municipality": list(filters.municipalities),
            "source": list(filters.sources),
        },
        messages=cur["messages"],
        answered=cur["answered"],
        answered_share=cur["answered_share"],
        answered_24h_share=cur["answered_24h_share"],
        within_sla_share=cur["within_sla_share"],
        median_first_response_hours=cur["median_first_response_hours"],
        p90_first_response_hours=cur["p90_first_response_hours"],
        median_provisional=cur["median_provisional"],
        overdue_now=data["overdue_now"],
        overdue_of_period=cur["overdue_of_period"],
        previous=data["previous"],
        compared_until=data["compared_until"],
        change_pct=data["change_pct"],
    )


def _number(value: object) -> float | int | bool | None:
    """JSON-safe scalar: NaN and missing become null."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value  # type: ignore[return-value]


@api.get("/api/v1/heatmap")
def heatmap() -> Response:
    """One item per municipality of the region, zeros included (the municipality filter narrows the items)."""
    filters = _filters()
    frame = service().heatmap(filters)
    if filters.municipalities:
        frame = frame.loc[list(filters.municipalities)]
    fields = (
        "messages",
        "low_count",
        "previous_messages",
        "population",
        "population_year",
        "per_10k",
        "per_10k_adjusted",
        "change_pct",
        "answered_share",
        "median_first_response_hours",
        "overdue_of_period",
        "overdue_share",
        "overdue_share_adjusted",
    )
    whole = ("population", "population_year")  # counts and years, never 2021.0
    items = [
        {
            "oktmo": str(oktmo),
            "name": row["name"],
            **{key: _number(row[key]) for key in fields},
            **{key: None if pd.isna(row[key]) else int(row[key]) for key in whole},
        }
        for oktmo, row in frame.iterrows()
    ]
    return jsonify(
        period={"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days},
        filters={"sector": list(filters.sectors), "source": list(filters.sources)},
        items=items,
    )


@api.get("/api/v1/response-times")
def response_times_api() -> Response:
    """First-response (or ``measure=resolution``) times: period totals and a series by day or week."""
    filters = _filters()
    measure = request.args.get("measure", "first")
    if measure not in ("first", "resolution"):
        raise FilterError(f"неизвестная мера {measure!r}: first или resolution")
    total = service().response_totals(filters, measure)
    series = service().response_trend(filters, "none", measure)
    return jsonify(
        period={"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days},
        measure=measure,
        granularity=granularity(filters),
        total={key: _number(value) for key, value in total.items()},
        series=[
            {
                "period_start": row["period_start"].date().isoformat(),
                **{
                    key: _number(row[key])
                    for key in (
                        "messages",
                        "answered",
                        "median_hours",
                        "p90_hours",
                        "within_sla_share",
                        "answered_24h_share",
                        "provisional",
                    )
                },
            }
            for _, row in series.iterrows()
        ],
    )


def _limit(default: int = 50, most: int = 1000) -> int:
    value = request.args.get("limit", str(default))
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= most:  # «²».isdigit(), int(«²») fails
        raise FilterError(t("bad_limit", most=most), "bad_limit", most=most)
    return int(value)


def _lang() -> str:
    return request.args.get("lang", "ru")


@api.before_request
def _known_language() -> None:
    """``lang`` is ru or en on every route (it was refused by one and ignored by the others)."""
    if request.path.startswith("/api/") and request.args.get("lang", "ru") not in ("ru", "en"):  # not /healthz
        raise FilterError(t("bad_lang"), "bad_lang")


ROUNDING = {"change_pct": 1, "overdue_share": 4, "per_capita_ratio": 2, "expected": 1}


def _tension_fields(row, names: tuple[str, ...]) -> dict:
    """JSON-safe, rounded fields of a sector or point row (p-values to three significant digits)."""
    out = {}
    for key in names:
        value = _number(row[key])
        if isinstance(value, float) and key in ROUNDING:
            value = round(value, ROUNDING[key])
        elif isinstance(value, float) and key == "p_value":
            value = float(f"{value:.3g}")
        out[key] = value
    return out


def _components(row) -> dict:
    return {name: round(float(row[f"s_{name}"]), 3) for name in ("volume", "repeats", "overdue", "spread")}


@api.get("/api/v1/tension")
def tension_api() -> Response:
    """Tension index per sector and the tension points (sector × municipality), highest index first."""
    filters = _filters()
    limit, lang = _limit(), _lang()
    result = service().tension(filters)
    points = result.points.head(limit)
    common = ("expected", "index", "level", "change_pct", "p_value", "overdue", "overdue_share", "topic")
    return jsonify(
        period={"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days},
        baseline=None
        if result.baseline is None
        else {"from": result.baseline[0].isoformat(), "to": result.baseline[1].isoformat()},
        filters={
            "sector": list(filters.sectors),
            "municipality": list(filters.municipalities),
            "source": list(filters.sources),
        },
        sectors=[
            {
                "sector": row["sector"],
                "name": service().sectors.name_of(row["sector"], lang),
                "messages": int(row["observed"]),
                **_tension_fields(row, common),
                "hottest_municipality": row["hottest_municipality"],
                "components": _components(row),
                "reason": reason,
                "daily": {"from": result.days[0].isoformat(), "counts": [int(v) for v in row["spark"]]},
            }
            for (_, row), reason in zip(
                result.sectors.iterrows(), tension.reasons(result, result.sectors, service().region, lang), strict=True
            )
        ],
        points=[
            {
                "sector": row["sector"],
                "oktmo": row["oktmo"],
                "municipality": row["municipality"],
                "messages": int(row["observed"]),
                **_tension_fields(row, (*common, "per_capita_ratio")),
                "components": _components(row),
                "reason": reason,
            }
            for (_, row), reason in zip(
                points.iterrows(), tension.reasons(result, points, service().region, lang), strict=True
            )
        ],
    )


@api.get("/api/v1/messages")
def messages_api() -> Response:
    """Single messages, newest first, texts masked; ``cursor`` from ``next_cursor`` gives the next page."""
    filters = _filters()
    limit = _limit(default=100)
    result = service().messages(filters, tuple(request.args.getlist("status")), limit, request.args.get("cursor"))
    following = None
    if result.next_cursor:
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        following = request.path + "?" + urlencode([*query, ("cursor", result.next_cursor)])
    return jsonify(
        period={"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(), "days": filters.days},
        filters={
            "sector": list(filters.sectors),
            "municipality": list(filters.municipalities),
            "source": list(filters.sources),
            "status": request.args.getlist("status"),
        },
        limit=limit,
        items=result.items,
        next_cursor=result.next_cursor,
        next=following,
    )


@api.get("/api/v1/deadlines")
def deadlines_api() -> Response:
    """Open unanswered messages whose answer deadline falls within the next 24 hours, soonest first."""
    filters, lang, limit = _filters(), _lang(), _limit(100)
    due = service().due_soon(filters)
    names = service().name
    return jsonify(
        now=service().now().isoformat(),
        window_hours=deadlines.WINDOW_HOURS,
        filters={
            "sector": list(filters.sectors),
            "municipality": list(filters.municipalities),
            "source": list(filters.sources),
        },
        total=len(due),
        by_agency=[
            {
                "agency": row.agency or None,
                "sector": row.sector,
                "sector_name": names("sector", row.sector, lang),
                "messages": int(row.messages),
                "soonest_hours": round(float(row.soonest_hours), 2),
            }
            for row in deadlines.by_agency(due).itertuples()
        ],
        items=[
            {
                "id": int(row.id),
                "external_id": row.external_id,
                "source": row.source,
                "sector": row.sector,
                "agency": row.agency or None,
                "oktmo": row.oktmo,
                "municipality": names("municipality", row.oktmo, lang) if row.oktmo else None,
                "created_at": row.created_at.isoformat(),
                "due_at": row.due_at.isoformat(),
                "hours_left": round(float(row.hours_left), 2),
            }
            for row in due.head(limit).itertuples()
        ],
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@api.get("/api/v1/sources")
def sources_api() -> Response:
    """Every channel's freshness: its newest message, its last 24 hours against its usual, ok | late | silent."""
    lang = _lang()
    found = service().freshness()
    return jsonify(
        now=service().now().isoformat(),
        data_at=_iso(found.data_at),
        loaded_at=_iso(found.loaded_at),
        sources=[
            {
                "source": c.source,
                "name": service().name("source", c.source, lang),
                "status": c.status,
                "last_message_at": _iso(c.last_message_at),
                "last_load_at": _iso(c.last_load_at),
                "last_24h": c.last_24h,
                "usual_24h": c.usual_24h,
                "silent_hours": None if c.silent_hours is None else round(c.silent_hours, 2),
                "expected_in_gap": c.expected_in_gap,
            }
            for c in found.channels
        ],
    )


@api.get("/api/v1/users")
def users_api() -> Response:
    """Accounts without secrets (administrators only: the role rule is in web.auth)."""
    return jsonify(users=[a.public() for a in accounts.list_users(service().engine)])


@api.route("/api/<path:rest>")
def unknown(rest: str) -> tuple[Response, int]:
    """Without this, Dash's catch-all page route would answer unknown API paths with HTML."""
    return jsonify(error=f"нет такого адреса: /api/{rest}"), 404
