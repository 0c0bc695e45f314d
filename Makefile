# Shoplet: `make run` serves the demo shop, `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SHOPLET_DATA_DIR ?= ./var

.PHONY: run test lint typecheck imports pytest bench install dev clean migrate seed worker \
	frontends frontends-test e2e-deps

# Front ends add themselves here (mk/*.mk): build targets for `make run`, test targets for `make test`.
FRONTEND_BUILD_TARGETS :=
FRONTEND_TEST_TARGETS :=
-include mk/*.mk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/shoplet migrate

seed: migrate
	$(BIN)/shoplet seed --if-empty

run: seed frontends
	$(BIN)/shoplet serve

frontends: $(FRONTEND_BUILD_TARGETS)

frontends-test: $(FRONTEND_TEST_TARGETS)

# Browser tests: Debian's Chromium (never a downloaded browser), CJK fonts, Python Playwright,
# axe-core from npm.
e2e-deps: dev tests/e2e/node_modules/.installed
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@fc-list 2>/dev/null | grep -qi "noto sans cjk" || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; }

tests/e2e/node_modules/.installed: tests/e2e/package.json
	cd tests/e2e && npm install --no-audit --no-fund --silent
	touch $@

worker: install
	$(BIN)/shoplet worker

lint: dev
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations

typecheck: dev
	$(BIN)/mypy

imports: dev
	$(BIN)/lint-imports

pytest: dev e2e-deps frontends
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports frontends-test pytest

bench: dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
