# Assure: `make run` sets everything up and serves the app; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: run test install install-dev assets browser-deps db demo lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

assets:
	bash scripts/build_assets.sh

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load

run: install assets demo
	@echo "Serving Assure on http://$(HOST):$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Debian's chromium for the browser tests (no browser download); installed when missing and we may.
browser-deps:
	@bash scripts/ensure_chromium.sh

test: install-dev assets browser-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check audit_app tests bench
	$(BIN)/lint-imports

bench: install-dev assets
	$(BIN)/python -m bench.templates

clean:
	rm -rf $(VENV) node_modules audit_app/web/static/dist .pytest_cache
