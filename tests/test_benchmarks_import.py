"""The benchmark scripts still import: a refactor that renames what they use breaks them here, not on the day someone
needs a figure (benchmarks/naive.py once imported a function that no longer existed)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from dashboard.settings import PROJECT_ROOT

SCRIPTS = sorted((PROJECT_ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_a_benchmark_imports(path, monkeypatch):
    monkeypatch.syspath_prepend(str(path.parent))  # they import their siblings, as when run as scripts
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)  # the module's top level only: main() runs under ``if __name__ == "__main__"``
    assert module.__doc__, f"{path.name} says what it measures"
