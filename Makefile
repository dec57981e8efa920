# 督导 Dudao — `make run` serves the demo, `make test` runs the suite (SQLite, then PostgreSQL
# where its server binaries exist). See DESIGN.md section 6.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.11 when it is on PATH under that name, else whatever python3 is (pyproject pins 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PORT ?= 8000
VAR := $(or $(DUDAO_VAR_DIR),var)
ARGS ?=

.PHONY: help install run test lint

help:
	@echo "make run [PORT=8000]   migrate, load the demo organisation, serve http://127.0.0.1:\$$PORT"
	@echo "make test [ARGS=...]   the test suite on SQLite and, where available, PostgreSQL"
	@echo "make lint              ruff check and the layers contract (lint-imports)"
	@echo "make install           create .venv and install the project with its dev extras"

install: $(VENV)/.installed

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changed since the last install.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Set-up is quiet; the server's own start-up lines come first, then the address and the demo
# logins as the last lines (printed once the server answers). The job consumer's log goes to
# var/log/huey.log and lives as long as the web server; demo mail goes to var/mail/.
run: install
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py collectstatic --noinput -v0
	@mkdir -p $(VAR)/log
	@echo "Loading the demo organisation (once)..."
	@PORT=$(PORT) $(PY) manage.py dudao_demo >/dev/null
	@export PORT=$(PORT); \
	$(PY) manage.py run_huey >>$(VAR)/log/huey.log 2>&1 & huey=$$!; \
	$(PY) manage.py dudao_demo --url http://127.0.0.1:$(PORT)/ --wait 60 & banner=$$!; \
	trap 'kill $$huey $$banner 2>/dev/null; wait $$huey 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	scripts/run-tests $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
