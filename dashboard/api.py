"""Read-only JSON API (same query functions as the dashboard). See docs/api.md."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dashboard.filters import FilterError
from dashboard.service import DashboardService

api = Blueprint("api", __name__)


def service() -> DashboardService:
    return current_app.extensions["tsur"]


def _filters():
    args = request.args
    return service().filters(
        args.get("from"), args.get("to"), args.getlist("sector"), args.getlist("municipality"), args.getlist("source")
    )


@api.errorhandler(FilterError)
def _bad_filter(exc: FilterError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 400


@api.errorhandler(SQLAlchemyError)
def _db_down(exc: SQLAlchemyError) -> tuple[Response, int]:
    current_app.logger.warning("database error: %s", exc)
    return jsonify(error="база данных недоступна, повторите запрос позже"), 503


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        with service().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok", region=service().region.id), 200


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
        within_sla_share=cur["within_sla_share"],
        median_first_response_hours=cur["median_first_response_hours"],
        p90_first_response_hours=cur["p90_first_response_hours"],
        overdue=cur["overdue"],
        previous=data["previous"],
        change_pct=data["change_pct"],
    )


@api.route("/api/<path:rest>")
def unknown(rest: str) -> tuple[Response, int]:
    """Without this, Dash's catch-all page route would answer unknown API paths with HTML."""
    return jsonify(error=f"нет такого адреса: /api/{rest}"), 404
