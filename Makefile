# 督导 Dudao — `make run` serves the demo, `make test` runs the suite (SQLite, then PostgreSQL
# where its server binaries exist). See DESIGN.md section 6.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.11 when it is on PATH under that name, else whatever python3 is (pyproject pins 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PORT ?= 8000
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

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py dudao_demo
	@# The job consumer lives as long as the web server: stopping one stops the other.
	@$(PY) manage.py run_huey & huey=$$!; \
	trap 'kill $$huey 2>/dev/null; wait $$huey 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	scripts/run-tests $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
