"""Sign-in and the principal of every request: session cookie, HTTP Basic, bearer token, a wall screen's URL token.

Off in development (everyone is the local administrator) unless ``TSUR_AUTH=true``; always on in production.
Everything is closed unless listed in ``PUBLIC``. What a principal may *see* is decided by
:func:`dashboard.access.scope` in the service; here only which addresses a role may open.
"""

from __future__ import annotations

import re
import secrets
import time
from html import escape
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from flask import Flask, Response, g, jsonify, redirect, request, session
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import accounts
from dashboard.access import AccessDenied, Principal
from dashboard.catalog import SectorCatalog
from dashboard.filters import SECTOR_PATH, sector_of_path
from dashboard.i18n import t
from dashboard.reports.render_tokens import RenderTokens, page
from dashboard.settings import Settings
from web import areas

# the maps' shapes (/geo/) are assets like the others: the project's own public OpenStreetMap boundaries
PUBLIC = (
    "/login",
    "/healthz",
    "/assets/",
    "/geo/",
    "/_dash-component-suites/",
    "/_favicon.ico",
    "/api/v1/openapi.json",
)
MACHINE = ("/api/", "/_dash-", "/_reload-hash")  # answered in JSON (401/403), never redirected to the login page
DEVELOPER = Principal("developer", "admin")
DENIED = {  # why a role may not open an address outside its areas: the role's own reason, else the area's
    "wall": "экрану доступна только страница /wall и её обработчики",
    "feed": "каналу доступна только запись: POST /api/v1/messages",
    "decide": "решения записывают руководитель, оператор ЦУР и администратор",
    "feed_area": "сообщения записывают интеграции (роль feed) и администратор",
}


def answers_json(path: str) -> bool:
    """Machine addresses and the briefing's downloads answer errors in JSON (a script fetches them), pages in text."""
    return path.startswith(MACHINE) or path.startswith("/briefing/export")


def error_answer(message: str, status: int) -> Response:
    """An error answered in JSON where a script asks (``answers_json``), as plain text elsewhere."""
    if answers_json(request.path):
        response = jsonify(error=message)
        response.status_code = status
        return response
    return Response(message, status=status, mimetype="text/plain")


def request_language(default: str) -> str:
    """The request's ``lang`` where it is one the product speaks, else ``default``."""
    lang = request.args.get("lang", "")
    return lang if lang in ("ru", "en") else default


def is_public(path: str) -> bool:
    """Open without sign-in: a PUBLIC address itself, or below a PUBLIC folder — ``/loginX`` is neither."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC)


class Auth:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.limit_storage_url))
        self.per_address = parse(settings.login_limit)
        self.per_pair = parse(settings.login_limit_pair)
        self.render_tokens = RenderTokens(engine, settings.secret_key)
        self.callbacks: dict[str, areas.Callback] = {}  # the app's server callbacks, set once they are registered

    # --- the principal of a request -------------------------------------------------------------------------

    def before_request(self) -> Response | None:
        if not self.settings.auth_enabled:
            g.principal = Principal(DEVELOPER.name, DEVELOPER.role, texts=not self.settings.hide_texts)
            return self._authorize(g.principal)  # may open everything; a malformed callback request is still a 400
        if is_public(request.path):
            return None
        found = self._from_header()
        if isinstance(found, Response):
            return found
        if found is None and request.method == "GET" and ("token" in request.args or "render_token" in request.args):
            token = request.args.get("token")
            found = accounts.check_token(self.engine, token, self._hide) if token else self._render_principal()
            if found is not None and found.role == "feed":  # a feed's token never opens a session (web/feed.py)
                found = None
            if found is None:
                self._failed("")
                return self._unauthenticated(t("login_failed", self.settings.language))
            self.start_session(found)  # a wall screen keeps its session; the token leaves the address bar
            query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("token", "render_token")]
            return redirect(request.path + ("?" + urlencode(query) if query else ""))
        principal = found or self._from_session()
        if principal is None:
            return self._unauthenticated()
        g.principal = principal
        return self._authorize(principal)

    @property
    def _hide(self) -> bool:
        return self.settings.hide_texts

    def _from_header(self) -> Principal | Response | None:
        """HTTP Basic or a bearer token (API clients, cron): checked on every request, no session."""
        credentials = request.authorization
        if credentials is None:
            return None
        name = (credentials.username or "") if credentials.type == "basic" else ""
        blocked = self._throttled(name)
        if blocked is not None:
            return blocked
        if credentials.type == "basic":
            principal = accounts.check_password(self.engine, name, credentials.password or "", self._hide)
        elif credentials.type == "bearer":
            principal = accounts.check_token(self.engine, credentials.token or "", self._hide)
        else:
            principal = None
        if principal is None:
            self._failed(name)
            return self._unauthenticated(t("login_failed", self.settings.language))
        return principal

    def _from_session(self) -> Principal | None:
        """The session's account, read from the store on every request: a session ends at once, in every worker,
        when its account's session version moves on (sign-out, new password or token, disabled) or it is deleted."""
        account_id, version = session.get("uid"), session.get("ver")
        if not isinstance(account_id, int) or not isinstance(version, int):  # none, or from before versions
            return None
        days = self.settings.wall_session_days if session.get("role") == "wall" else None
        lifetime = days * 86400 if days else self.settings.session_hours * 3600
        if time.time() - session.get("login_at", 0) > lifetime:
            session.clear()
            return None
        try:
            current = accounts.session_principal(self.engine, account_id, version, self._hide)
        except SQLAlchemyError:  # database away: the signed cookie still says who it is (there is no data anyway)
            sectors = tuple(session.get("sectors", ()))
            current = Principal(session["user"], session["role"], sectors, bool(session.get("texts")), account_id)
        if current is None:  # revoked, disabled or deleted
            session.clear()
        return current

    def start_session(self, principal: Principal) -> None:
        session.clear()  # a fresh session at every sign-in (no fixation)
        session.permanent = True
        session.update(
            user=principal.name,
            uid=principal.account_id,
            ver=principal.session_version,
            role=principal.role,
            sectors=list(principal.sectors),
            texts=principal.texts,
            login_at=int(time.time()),
            csrf=secrets.token_urlsafe(16),
        )

    def render_token(self, principal: Principal, target: str) -> str:
        """A single-use token for the server's own headless Chromium to open ``target`` (a render_tokens.page)
        as this principal — as long as its sessions are not ended meanwhile."""
        return self.render_tokens.issue([principal.account_id, principal.session_version], target)

    def _render_principal(self) -> Principal | None:
        """The principal of a render token valid for this very page (spent now, whether or not)."""
        target = page(request.path, list(request.args.items(multi=True)))
        found = self.render_tokens.redeem(request.args.get("render_token", ""), target)
        if not (isinstance(found, list) and len(found) == 2 and all(isinstance(v, int) for v in found)):
            return None
        return accounts.session_principal(self.engine, found[0], found[1], self._hide)

    # --- what a role may open --------------------------------------------------------------------------------

    def _authorize(self, principal: Principal) -> Response | None:
        """The role's areas (web.areas) for the address or the callback asked for, then a restricted
        principal's sectors named in the address."""
        path = request.path
        if path == areas.CALLBACKS:
            try:
                needed = areas.requested_callback(request.get_json(silent=True), self.callbacks).areas
            except areas.BadCallback as exc:
                response = jsonify(error=str(exc))
                response.status_code = 400
                return response
        else:
            area = areas.route_area(path, request.method)
            needed = frozenset({area}) if area else frozenset()
        if not needed and path != "/logout" and not areas.has_pages(principal.role):
            raise AccessDenied(DENIED.get(principal.role, "только для администратора"))  # no page: no page's shell
        if needed and not areas.may_open(principal.role, needed):
            area = next(iter(needed)) if len(needed) == 1 else ""
            reason = DENIED.get(principal.role) or DENIED.get("feed_area" if area == "feed" else area)
            raise AccessDenied(reason or "только для администратора")
        if not principal.restricted or path.startswith(MACHINE):
            return None  # machine paths meet the scoping rule in the service
        asked = request.args.getlist("sector")
        if sector_of_path(path):
            asked.append(sector_of_path(path))
        outside = [code for code in asked if not principal.may_see_sector(code)]
        if outside:
            raise AccessDenied.for_sectors(outside)
        if path == "/" and principal.role == "minister" and len(principal.sectors) == 1:
            query = request.query_string.decode()
            return redirect(f"{SECTOR_PATH}{principal.sectors[0]}" + (f"?{query}" if query else ""))
        return None

    # --- answers ---------------------------------------------------------------------------------------------

    def _unauthenticated(self, message: str | None = None) -> Response:
        if request.path.startswith(MACHINE) or request.method != "GET" or request.authorization:
            response = jsonify(error=message or "нужен вход: сессия, HTTP Basic или токен (Authorization: Bearer)")
            response.status_code = 401
            # Bearer, not Basic: a Basic challenge would make browsers pop their own dialog over the dashboard
            response.headers["WWW-Authenticate"] = 'Bearer realm="tsur"'
            return response
        if message:  # a wrong wall token
            return Response(escape(message), status=401, mimetype="text/plain")
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))

    def _client(self) -> str:
        return request.remote_addr or "unknown"

    def _limits(self, name: str) -> list[tuple[RateLimitItem, str, str]]:
        """The counters a sign-in meets: its address's, and its address's with that name — never the name's alone,
        or anyone could lock an account out by failing on its name."""
        address = self._client()
        found = [(self.per_address, "login", address)]
        if name:
            found.append((self.per_pair, "login-pair", f"{address}|{name[: accounts.MAX_NAME]}"))
        return found

    def _throttled(self, name: str) -> Response | None:
        """429 while the address, or the address with that name, has used up its failed attempts."""
        for item, scope, key in self._limits(name):
            if not self.limiter.test(item, scope, key):
                reset = self.limiter.get_window_stats(item, scope, key).reset_time
                seconds = max(1, int(reset - time.time()) + 1)
                message = t("login_throttled", self.settings.language, seconds=seconds)
                if request.path.startswith("/login") and not request.authorization:
                    response = Response(login_page(self.settings.language, message, ""), 429, mimetype="text/html")
                else:
                    response = jsonify(error=message)
                    response.status_code = 429
                response.headers["Retry-After"] = str(seconds)
                return response
        return None

    def _failed(self, name: str) -> None:
        for item, scope, key in self._limits(name):
            self.limiter.hit(item, scope, key)

    # --- pages -----------------------------------------------------------------------------------------------

    def login(self) -> Response:
        target = _safe_next(request.values.get("next"))
        # the page speaks the language of the page it leads to (``/login?next=/?lang=en``) unless asked otherwise
        asked = request.args.get("lang") or parse_qs(urlsplit(target).query).get("lang", [""])[0]
        lang = asked if asked in ("ru", "en") else self.settings.language
        if request.method == "GET":
            if not self.settings.auth_enabled:
                return redirect(target)
            session.setdefault("csrf", secrets.token_urlsafe(16))
            return Response(login_page(lang, None, session["csrf"], target), mimetype="text/html")
        name = request.form.get("name", "").strip()
        if not _same_origin() or not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "-")):
            session["csrf"] = secrets.token_urlsafe(16)
            page = login_page(lang, t("login_expired", lang), session["csrf"], target)
            return Response(page, 400, mimetype="text/html")
        blocked = self._throttled(name)
        if blocked is not None:
            return blocked
        principal = accounts.check_password(self.engine, name, request.form.get("password", ""), self._hide)
        if principal is None:
            self._failed(name)
            page = login_page(lang, t("login_failed", lang), session["csrf"], target, name)
            return Response(page, 401, mimetype="text/html")
        self.start_session(principal)
        return redirect(target)

    def logout(self) -> Response:
        """Ends every session of the account, copies of this cookie included (not its API token: a script's
        credential outlives a browser's sign-out; ``tsur user token`` or ``disable`` end that)."""
        if _same_origin():
            principal = g.get("principal")
            if principal is not None and principal.account_id is not None:
                accounts.end_sessions(self.engine, principal.name)
            session.clear()
        return redirect("/login")


def _same_origin() -> bool:
    """A form post from this site: the Origin header (sent by browsers on POST) names this host, if present."""
    origin = request.headers.get("Origin")
    return origin is None or origin.rstrip("/") == request.host_url.rstrip("/")


# a path and query on this site in printable ASCII: no space, control character, backslash or fragment
LOCAL_TARGET = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")
MAX_TARGET = 2000


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` — the login form is no open redirect.

    Browsers drop tabs and line breaks from an address, read ``\\`` as ``/`` and ``//host`` as another site, so
    only a plain local path passes; its path is checked decoded once more too (``/%2F%2Fhost``, ``/%5Chost``)."""
    if not target or len(target) > MAX_TARGET or not LOCAL_TARGET.fullmatch(target):
        return "/"
    if not LOCAL_TARGET.fullmatch(unquote(target.split("?", 1)[0]) or "/"):
        return "/"
    return target


def login_page(lang: str, error: str | None, csrf: str, target: str = "/", name: str = "") -> str:
    error_html = f'<p class="login-error" role="alert">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t("login_title", lang))}</title><link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-body"><main class="login-box">
<h1>{escape(t("title", lang))}</h1><h2>{escape(t("login_title", lang))}</h2>{error_html}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{escape(csrf)}"><input type="hidden" name="next" value="{escape(target)}">
<label>{escape(t("login_name", lang))}<input name="name" value="{escape(name)}" autocomplete="username" required
 autofocus></label>
<label>{escape(t("login_password", lang))}<input name="password" type="password" autocomplete="current-password"
 required></label>
<button type="submit">{escape(t("login_submit", lang))}</button>
</form></main></body></html>"""


def forbidden_page(message: str, lang: str) -> str:
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>403</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-body"><main class="login-box"><h1>{escape(t("forbidden", lang))}</h1>
<p>{escape(message)}</p><p><a href="/">{escape(t("title", lang))}</a></p>
<form method="post" action="/logout"><button type="submit">{escape(t("logout", lang))}</button></form>
</main></body></html>"""


def init_auth(server: Flask, engine: Engine, settings: Settings, sectors: SectorCatalog) -> Auth:
    """Session cookie settings, the per-request principal, /login, /logout and 403 answers."""
    if settings.proxy_hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    server.config.update(
        SESSION_COOKIE_NAME="tsur_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=settings.wall_session_days * 86400,
    )
    auth = Auth(engine, settings)
    server.extensions["tsur_auth"] = auth
    server.before_request(auth.before_request)
    server.add_url_rule("/login", "login", auth.login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", auth.logout, methods=["POST"])

    @server.errorhandler(AccessDenied)
    def forbidden(exc: AccessDenied) -> Response:
        lang = request_language(settings.language)
        if answers_json(request.path):
            return error_answer(exc.in_language(lang, sectors), 403)
        return Response(forbidden_page(exc.in_language(lang, sectors), lang), 403, mimetype="text/html")

    return auth
