"""The briefing's downloads: GET routes with the page's own query (``/briefing/export.pdf?period=7d&sector=zhkh``), so
a link can be mailed or fetched by cron as well as clicked. The PDF is the briefing page printed by the server's
headless Chromium; the XLSX and the PPTX deck (layouts/deck.py) are built from the same figures
(dashboard/reports/briefing.py)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, request

from dashboard.decisions.service import DecisionService
from dashboard.filters import Filters
from dashboard.i18n import t
from dashboard.reports import briefing
from dashboard.reports.render import RenderError, find_chromium, own_address, render_pdf
from dashboard.reports.render_tokens import page_of
from dashboard.service import DashboardService
from dashboard.settings import Settings
from geo.figure import region_geometry
from layouts.deck import deck
from layouts.map_figure import METRICS, town_labels
from web.auth import request_language

PDF_ROUTE = "/briefing/export.pdf"
XLSX_ROUTE = "/briefing/export.xlsx"
PPTX_ROUTE = "/briefing/export.pptx"


def briefing_files(service: DashboardService, decisions: DecisionService, settings: Settings) -> Blueprint:
    files = Blueprint("briefing_files", __name__)

    def page() -> tuple[str, Filters]:
        """The page's language and filters, from the download's own query (the briefing page's)."""
        return request_language(settings.language), service.read_filters(request.args.to_dict(flat=False))

    @files.get(PDF_ROUTE)
    def briefing_pdf() -> Response:
        lang, filters = page()  # a bad filter is a 400 before Chromium starts
        chromium = find_chromium(settings.chromium)
        if chromium is None:
            return Response(t("pdf_unavailable", lang), status=503, mimetype="text/plain")
        base = settings.render_base_url or own_address(request.environ)  # never a request header
        if base is None:
            return Response(t("pdf_no_address", lang), status=503, mimetype="text/plain")
        target = page_of("/briefing", request.query_string.decode())
        principal = service.principal()
        if settings.auth_enabled and principal is not None:  # the server's Chromium opens the page as this user
            token = current_app.extensions["tsur_auth"].render_token(principal, target)
            target += ("&" if "?" in target else "?") + urlencode({"render_token": token})
        try:
            pdf = render_pdf(base.rstrip("/") + target, chromium)
        except RenderError as exc:  # Chromium's own words go to the log, not to the user
            current_app.logger.warning("briefing PDF failed: %s", exc)
            return Response(t("pdf_failed", lang), status=503, mimetype="text/plain")
        return _download(pdf, "application/pdf", filters, lang, "pdf")

    @files.get(XLSX_ROUTE)
    def briefing_xlsx() -> Response:
        lang, filters = page()
        workbook = briefing.xlsx(briefing.build(service, filters, lang, decisions), lang)
        xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(workbook, xlsx_type, filters, lang, "xlsx")

    @files.get(PPTX_ROUTE)
    def briefing_pptx() -> Response:
        lang, filters = page()
        data = briefing.build(service, filters, lang, decisions)
        region = service.region
        metric = request.args.get("metric", "per_10k")
        metric = metric if metric in data.heatmap.columns and metric in METRICS else "per_10k"
        body = deck(
            data,
            region,
            region_geometry(region.boundaries_path),
            town_labels(region.municipalities, lang),
            filters.describe(lang, service.name),
            metric,
            lang,
        )
        pptx_type = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        return _download(body, pptx_type, filters, lang, "pptx")

    return files


def _download(body: bytes, mimetype: str, filters: Filters, lang: str, extension: str) -> Response:
    """An attachment named in the page's language for browsers that read RFC 5987, «briefing-…» for the rest."""
    dates = f"{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.{extension}"
    name = f"{t('briefing', lang).replace(' ', '-')}-{dates}"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=\"briefing-{dates}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )
