"""The folders are the layers: the core (``dashboard``) imports neither Flask nor Dash; HTTP routes and error handlers
are registered only by the web layer; every setting is documented in the README."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.settings import PROJECT_ROOT, Settings

WEB_ONLY = ("flask", "flask_caching", "flask_compress", "werkzeug", "dash", "limits")


def imports(path: Path) -> set[str]:
    """The top-level packages a module imports, wherever in it (a function's own imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


CORE = sorted((PROJECT_ROOT / "dashboard").rglob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_core_imports_no_web_framework(path):
    assert not imports(path) & set(WEB_ONLY), f"{path.name} imports {imports(path) & set(WEB_ONLY)}"


def test_the_core_does_not_import_the_layers_above_it():
    """Only the command line reaches up, and only in ``tsur serve``, which starts the whole application."""
    above = {"web", "callbacks", "layouts", "app"}
    offenders = {str(p.relative_to(PROJECT_ROOT)): imports(p) & above for p in CORE if imports(p) & above}
    assert offenders == {"dashboard/cli.py": {"app"}}


def test_routes_and_error_handlers_are_registered_by_the_web_layer_only():
    """Outside web/ no module adds a route, a blueprint or an error handler to the server (Dash's own aside)."""
    registering = ("errorhandler", "add_url_rule", "register_blueprint", "register_error_handler")
    outside = []
    for folder in ("dashboard", "callbacks", "layouts", "geo"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in registering]
            outside += [f"{path.relative_to(PROJECT_ROOT)}:{n.lineno} {n.attr}" for n in calls]
    assert outside == []


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in Settings.model_fields if f"`TSUR_{name.upper()}`" not in readme]
    assert undocumented == []


def core_imports(package: str) -> set[str]:
    """The core packages and modules ``dashboard/<package>`` imports (``dashboard.metrics``, ``dashboard.i18n``)."""
    found = set()
    for path in (PROJECT_ROOT / "dashboard" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dashboard."):
                found.add(".".join(node.module.split(".")[:2]))
    return found - {f"dashboard.{package}"}


@pytest.mark.parametrize(
    ("package", "never"),
    [
        ("runtime", {"dashboard.store", "dashboard.loader", "dashboard.metrics", "dashboard.reports"}),
        ("store", {"dashboard.loader", "dashboard.metrics", "dashboard.reports", "dashboard.service"}),
        ("loader", {"dashboard.metrics", "dashboard.reports", "dashboard.service"}),
        ("metrics", {"dashboard.loader", "dashboard.reports", "dashboard.service"}),
    ],
)
def test_the_core_packages_depend_downwards(package, never):
    """runtime and store at the bottom; the loader writes the store; the metrics read it; reports and the service
    sit on the metrics."""
    assert core_imports(package) & never == set()


ENTRY_POINTS = {"app.py", "dashboard/cli.py", "dashboard/store/migrations/env.py", "dashboard/settings.py"}


def test_only_the_entry_points_read_the_settings():
    """The core is handed what it needs of the settings (a region with its catalogues, the engine's connections,
    the loader's limits, the read threads) by the app's factory and the command line; nothing below them calls
    ``get_settings()`` — so a ``Settings`` passed to ``create_app`` is the one that counts."""
    readers = set()
    for folder in ("dashboard", "web", "callbacks", "layouts", "geo"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.Name) and n.id == "get_settings" for n in ast.walk(tree)):
                readers.add(str(path.relative_to(PROJECT_ROOT)))
    assert readers <= ENTRY_POINTS, sorted(readers - ENTRY_POINTS)


def test_the_defaults_handed_down_are_the_settings_defaults():
    from dashboard.loader.limits import DEFAULT_LIMITS, LoadLimits
    from dashboard.runtime import fanout
    from dashboard.store.db import Connections

    defaults = Settings(_env_file=None)
    assert LoadLimits.of(defaults) == DEFAULT_LIMITS
    assert Connections.of(defaults) == Connections()
    assert defaults.read_threads == fanout.threads()
