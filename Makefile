# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# GOV.UK Frontend's built CSS, JS, fonts and images, served by the portal at /assets (ADR 0010).
PORTAL_ASSETS := src/tellonce/entrypoints/portal/static/govuk
DATA_DIR ?= var
# Server processes for `make run` (`tellonce serve --workers`): 2 uses both cores of a small machine.
WORKERS ?= 1
# The loopback OpenID provider's port for `make run`.
OIDC_PORT ?= 9000
export TELLONCE_DATA_DIR ?= $(abspath $(DATA_DIR))

.PHONY: run test test-clock faults screenshots lint format demo bench clean install

$(STAMP): pyproject.toml requirements/dev.lock package.json package-lock.json src/tellonce/entrypoints/portal/brand/brand.scss src/tellonce/entrypoints/portal/brand/_settings.scss
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements/dev.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(PORTAL_ASSETS) && mkdir -p $(PORTAL_ASSETS)
	cp -R node_modules/govuk-frontend/dist/govuk/assets/. $(PORTAL_ASSETS)/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(PORTAL_ASSETS)/
	# GOV.UK Frontend with an organisation's Sass settings (portal/brand/_settings.scss, ADR 0094).
	node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
		src/tellonce/entrypoints/portal/brand/brand.scss $(PORTAL_ASSETS)/govuk-frontend-brand.min.css
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	TELLONCE_MODE=demo $(BIN)/tellonce db upgrade
	TELLONCE_MODE=demo $(BIN)/tellonce catalogue load catalogue
	# Demo staff for /console and /admin (docs/console.md): two operators, for four-eyes.
	TELLONCE_MODE=demo $(BIN)/tellonce staff add --exists-ok ada@hub.example --name "Ada Operator" --role operator
	TELLONCE_MODE=demo $(BIN)/tellonce staff add --exists-ok bo@hub.example --name "Bo Operator" --role operator
	TELLONCE_MODE=demo $(BIN)/tellonce staff add --exists-ok mo@leeds.example --name "Mo Manager" --role manager --recipient leeds-electoral-registration
	# The OpenID provider citizens sign in with (oidc/provider.mjs, ADR 0085) on loopback beside
	# the hub; the demo sign-in page links to it. Stopped with the hub.
	node oidc/provider.mjs --port $(OIDC_PORT) \
	    --redirect-uri http://127.0.0.1:8000/sign-in/callback \
	    --post-logout-redirect-uri http://127.0.0.1:8000/signed-out & provider=$$!; \
	trap 'kill $$provider' EXIT INT TERM; \
	TELLONCE_MODE=demo TELLONCE_OIDC_ISSUER=http://127.0.0.1:$(OIDC_PORT) \
	    TELLONCE_OIDC_CLIENT_ID=tellonce TELLONCE_OIDC_CLIENT_SECRET=tellonce-development-secret \
	    $(BIN)/tellonce serve --host 127.0.0.1 --port 8000 --workers $(WORKERS)

test: $(STAMP)
	scripts/ensure-debian-packages /usr/bin/chromium:chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The suite but the browser tests with the system clock a year ahead, then a year back (libfaketime,
# inherited by every process the tests start): no test may depend on today's date. CI runs it too.
test-clock: $(STAMP)
	scripts/ensure-debian-packages /usr/bin/faketime:faketime
	faketime -f '+366d' $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not faults" -p no:cacheprovider
	faketime -f '-366d' $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not faults" -p no:cacheprovider

# The fault suite at the issue's full counts (5,000 disclosures, 12 worker kills...), one scenario
# at a time so their timings are their own; each scenario's counts go to var/faults.jsonl for
# docs/reliability.md. `make test` runs the same scenarios at reduced counts.
faults: $(STAMP)
	mkdir -p var && rm -f var/faults.jsonl
	TELLONCE_FAULT_COUNTS=full TELLONCE_FAULT_REPORT=$(abspath var/faults.jsonl) \
		$(BIN)/python -m pytest tests/faults tests/contract/test_openapi.py -p no:cacheprovider -rA -q
	cat var/faults.jsonl

# docs/screenshots, taken by the browser tests that show each page: once each (SQLite, JavaScript on).
screenshots: $(STAMP)
	scripts/ensure-debian-packages /usr/bin/chromium:chromium
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
