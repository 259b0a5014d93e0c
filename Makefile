# ЦУР dashboard — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_MESSAGES ?= 250000
PORT ?= 8050

.PHONY: run test setup demo lint bench screenshots clean

$(BIN)/tsur: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

# axe-core for the accessibility tests, pinned by its lock file and served to the page from disk (never fetched at run time)
AXE := tests/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --silent
	@touch $@

setup: $(BIN)/tsur $(AXE)

# Runs the dashboard on the embedded default (SQLite + Chuvashia demo data), http://127.0.0.1:$(PORT)/
run: setup
	@if [ ! -f data/tsur.db ]; then $(BIN)/tsur demo --messages $(DEMO_MESSAGES); fi
	$(BIN)/tsur serve --port $(PORT)

demo: setup
	$(BIN)/tsur demo --messages $(DEMO_MESSAGES)

# Lint plus the whole suite — unit, integration, API, headless-browser tests — once on SQLite and once on PostgreSQL.
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --headless
	TSUR_TEST_STORE=postgres $(BIN)/python -m pytest -n 2 --headless

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

bench: setup
	$(BIN)/python benchmarks/bench_callbacks.py --messages 1000000 --store sqlite --load
	$(BIN)/python benchmarks/bench_callbacks.py --messages 1000000 --store postgres --load

# The browser tests' screenshots into docs/screenshots (a plain test run keeps them in tests/__screenshots__): the set
# is exactly what the tests draw now
screenshots: setup
	rm -f docs/screenshots/*.png
	TSUR_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -n 2 --headless tests/test_browser*.py

clean:
	rm -rf data .pytest_cache .ruff_cache
