"""The web layer: HTTP routes and their error handlers (web/routes.py), the JSON API, sign-in and roles, security
headers, the figures' shared cache. The core (``dashboard``) imports neither Flask nor Dash; this package gives it
what it needs of a request — who is asking, a memo per request, a cache — through ``DashboardService.hooks``."""
