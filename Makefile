# civicshare: `make demo` serves the platform, `make test` runs every test. Both set up everything first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .venv-tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PORT ?= 8000
NPM ?= npm
ASSETS := platform/civicshare/web/static/dist/manifest.json
# The Keycloak login theme's stylesheet: GOV.UK Frontend from npm, compiled with Sass (never committed).
KEYCLOAK_THEME := infra/keycloak/themes/civicshare/login
KEYCLOAK_THEME_CSS := $(KEYCLOAK_THEME)/resources/css/civicshare-login.css
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test setup assets keycloak-theme lint typecheck bench fleet clean-data help

help:
	@echo "make demo   - set up, onboard the councils in tenants/, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - set up, then run the whole test suite"
	@echo "make assets - npm ci, then build the council websites' CSS and JS (GOV.UK Frontend) into web/static/dist"
	@echo "make lint   - ruff, mypy and the import layers (lint-imports)"
	@echo "make bench  - run the benchmarks in bench/ and print their tables"
	@echo "make fleet  - PostgreSQL, PgBouncer, two app nodes and a job worker on this machine (Ctrl+C stops all)"

$(TOOLS)/bin/uv:
	$(PYTHON) -c 'import sys; sys.exit("civicshare needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock platform/pyproject.toml $(wildcard plugins/*/pyproject.toml) | $(UV)
	$(UV) sync --all-packages --locked --python $(PYTHON)
	@touch $@

# The council websites' styles and scripts: GOV.UK Frontend from npm, compiled with Sass and esbuild.
node_modules/.installed: package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "civicshare needs Node.js 20+ and npm to build the website assets"; exit 1; }
	$(NPM) ci --no-audit --no-fund
	@touch $@

$(ASSETS): node_modules/.installed platform/civicshare/web/static/build.mjs $(wildcard platform/civicshare/web/static/src/*)
	$(NPM) run --silent build

$(KEYCLOAK_THEME_CSS): node_modules/.installed $(KEYCLOAK_THEME)/src/civicshare-login.scss
	node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
		--silence-deprecation=import $(KEYCLOAK_THEME)/src/civicshare-login.scss $@

keycloak-theme: $(KEYCLOAK_THEME_CSS)

assets: $(ASSETS) $(KEYCLOAK_THEME_CSS)

setup: $(VENV)/.installed $(ASSETS) $(KEYCLOAK_THEME_CSS)

demo: setup
	$(VENV)/bin/civicshare demo --port $(PORT)

# Two pytest-xdist workers, each with a database of its own; a module's tests (and all of tests/identity,
# Keycloak's) stay on one worker (tests/conftest.py), modules in the order collected (some build tokens
# with a five-minute life at collection). TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

test: setup
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy platform tests bench
	$(VENV)/bin/mypy $(foreach p,$(wildcard plugins/*/civicshare_*),-p $(notdir $(p)))
	$(VENV)/bin/lint-imports

bench: setup
	$(VENV)/bin/python -m bench

# Two app nodes through PgBouncer and a job worker on this machine (ports PORT and PORT+1); Ctrl+C stops all.
fleet: setup
	$(VENV)/bin/civicshare fleet --port $(PORT)

clean-data:
	rm -rf var
