"""``/api/v1/decisions``: the decisions (поручения) taken on the centre's data, their history, effect and the centre's
KPIs; recording and moving them on (roles admin, head, operator — credentials in the ``Authorization`` header, as
every write of the API: a browser's session never writes here). See docs/api.md."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request

from dashboard.decisions.records import DecisionError, DecisionNotFound
from dashboard.decisions.service import DecisionService
from dashboard.filters import FilterError, parse_date
from dashboard.settings import Settings
from web.auth import request_language

PERIOD_KEYS = ("period", "from", "to")


def decision_routes(decisions: DecisionService, settings: Settings) -> Blueprint:
    routes = Blueprint("decisions", __name__)
    dashboard = decisions.dashboard

    def failed(message: str, status: int) -> tuple[Response, int]:
        return jsonify(error=message), status

    @routes.errorhandler(DecisionError)
    def refused(exc: DecisionError) -> tuple[Response, int]:
        return failed(exc.in_language(request_language(settings.language)), 400)

    @routes.errorhandler(LookupError)
    def missing(exc: LookupError) -> tuple[Response, int]:
        if isinstance(exc, DecisionNotFound):
            return failed(exc.in_language(request_language(settings.language)), 404)
        return failed(str(exc.args[0] if exc.args else exc), 404)

    def header_only() -> tuple[Response, int] | None:
        if settings.auth_enabled and request.authorization is None:
            return failed("запись — только с учётными данными в заголовке Authorization (не из сессии браузера)", 403)
        return None

    def body() -> dict:
        found = request.get_json(silent=True)
        if not isinstance(found, dict):
            raise DecisionError("ожидается JSON-объект (Content-Type: application/json)", "decision_err_json")
        return found

    def day(found: dict, key: str, required: bool = False) -> date | None:
        value = found.get(key)
        if value in (None, ""):
            if required:
                raise DecisionError(f"{key}: нужна дата (ГГГГ-ММ-ДД)", "decision_err_date", name=key)
            return None
        if not isinstance(value, str):
            raise DecisionError(f"{key}: дата строкой ГГГГ-ММ-ДД", "decision_err_date", name=key)
        try:
            return parse_date(value)
        except FilterError as exc:
            raise DecisionError(f"{key}: {exc}", "decision_err_date", name=key) from exc

    def text(found: dict, key: str) -> str | None:
        value = found.get(key)
        if value is not None and not isinstance(value, str):
            raise DecisionError(f"{key}: ожидается строка", "decision_err_string", name=key)
        return value

    @routes.get("/api/v1/decisions")
    def listed() -> Response:
        query = request.args.to_dict(flat=False)
        filters = dashboard.read_filters(query)
        period = (filters.date_from, filters.date_to) if any(k in query for k in PERIOD_KEYS) else None
        found = decisions.listed(
            sectors=filters.sectors if "sector" in query else (),
            municipalities=filters.municipalities,
            statuses=tuple(request.args.getlist("status")),
            agency=request.args.get("agency") or None,
            period=period,
        )
        lang = request_language(settings.language)
        return jsonify(
            period=None if period is None else {"from": period[0].isoformat(), "to": period[1].isoformat()},
            items=[decisions.public(d, lang) for d in found],
        )

    @routes.get("/api/v1/decisions/kpi")
    def centre_kpi() -> Response:
        query = request.args.to_dict(flat=False)
        filters = dashboard.read_filters(query)
        found = decisions.kpi((filters.date_from, filters.date_to), filters.sectors if "sector" in query else ())
        period = {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat()}
        return jsonify(period=period, **found.public())

    @routes.get("/api/v1/decisions/<int:decision_id>")
    def one(decision_id: int) -> Response:
        lang = request_language(settings.language)
        found = decisions.get(decision_id)
        history = [event.public() for event in decisions.history(decision_id)]
        return jsonify(**decisions.public(found, lang), history=history)

    @routes.post("/api/v1/decisions")
    def record() -> tuple[Response, int]:
        refused_write = header_only()
        if refused_write:
            return refused_write
        found = body()
        first, last = day(found, "from"), day(found, "to")
        if (first is None) != (last is None):
            raise DecisionError("период основания: from и to вместе", "decision_err_from_to")
        decision_id = decisions.record(
            title=text(found, "title") or "",
            agency=text(found, "agency") or "",
            person=text(found, "person"),
            due=day(found, "due", required=True),
            sector=text(found, "sector") or None,
            oktmo=text(found, "municipality") or None,
            topic=text(found, "topic") or None,
            period=(first, last) if first and last else None,
        )
        lang = request_language(settings.language)
        return jsonify(decisions.public(decisions.get(decision_id), lang, with_effect=False)), 201

    @routes.post("/api/v1/decisions/<int:decision_id>/status")
    def move(decision_id: int) -> tuple[Response, int]:
        refused_write = header_only()
        if refused_write:
            return refused_write
        decisions.set_status(decision_id, text(body(), "status") or "")
        lang = request_language(settings.language)
        return jsonify(decisions.public(decisions.get(decision_id), lang)), 200

    return routes
