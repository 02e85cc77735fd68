# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# GOV.UK Frontend's built CSS, JS, fonts and images, served by the portal at /assets (ADR 0010).
PORTAL_ASSETS := src/tellonce/entrypoints/portal/static/govuk
DATA_DIR ?= var
export TELLONCE_DATA_DIR ?= $(abspath $(DATA_DIR))

.PHONY: run test screenshots lint format demo bench clean install

$(STAMP): pyproject.toml requirements/dev.lock package.json package-lock.json
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements/dev.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(PORTAL_ASSETS) && mkdir -p $(PORTAL_ASSETS)
	cp -R node_modules/govuk-frontend/dist/govuk/assets/. $(PORTAL_ASSETS)/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(PORTAL_ASSETS)/
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	TELLONCE_MODE=demo $(BIN)/tellonce db upgrade
	TELLONCE_MODE=demo $(BIN)/tellonce catalogue load catalogue
	TELLONCE_MODE=demo $(BIN)/tellonce serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	scripts/ensure-chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# docs/screenshots, taken by the browser tests that show each page: once each (SQLite, JavaScript on).
screenshots: $(STAMP)
	scripts/ensure-chromium
	TELLONCE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/browser -k "sqlite and not js-off"

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

demo: $(STAMP)
	$(BIN)/tellonce demo

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
