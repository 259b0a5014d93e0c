"""ЦУР dashboard core: settings, store, loader, metrics, queries, demo data, CLI (no Dash imports)."""

__version__ = "0.1.0"
