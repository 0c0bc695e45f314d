# Shoplet: `make run` serves the demo shop, `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SHOPLET_DATA_DIR ?= ./var

.PHONY: run test lint typecheck imports pytest bench install dev clean migrate seed worker

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

run: seed
	$(BIN)/shoplet serve

worker: install
	$(BIN)/shoplet worker

lint: dev
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations

typecheck: dev
	$(BIN)/mypy

imports: dev
	$(BIN)/lint-imports

pytest: dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

bench: dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
