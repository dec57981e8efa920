# 督导 Dudao — `make run` serves the demo, `make serve` the production server, `make test` runs the
# suite (SQLite, then PostgreSQL where its server binaries exist). See DESIGN.md section 6 and
# docs/deploy.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.11 when it is on PATH under that name, else whatever python3 is (pyproject pins 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PORT ?= 8000
VAR := $(or $(DUDAO_VAR_DIR),var)
ARGS ?=

.PHONY: help install run serve test lint

help:
	@echo "make run [PORT=8000]   migrate, load the demo organisation, serve http://127.0.0.1:\$$PORT"
	@echo "make serve [PORT=8000] migrate, collectstatic, serve with gunicorn and the production settings"
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
	@scripts/need-packages run
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

# The production server: gunicorn (deploy/gunicorn.conf.py) with config.settings.production, static
# files by WhiteNoise, the job consumer beside it (its log in var/log/huey.log). DATABASE_URL,
# REDIS_URL, S3_BUCKET... are used when set (docs/deploy.md). Without SECRET_KEY it serves this
# machine only: DUDAO_SERVE_LOCALLY=1, the key kept in var/secret_key, 127.0.0.1 over plain HTTP.
# Static files are collected again only when one changed since the last collection (compressing
# them takes about a minute).
serve: install
	@scripts/need-packages run
	@export DJANGO_SETTINGS_MODULE=config.settings.production PORT=$(PORT); \
	if [ -z "$${SECRET_KEY:-}" ]; then \
		export DUDAO_SERVE_LOCALLY=1; \
		echo "make serve: no SECRET_KEY, so serving this machine only (DUDAO_SERVE_LOCALLY=1, see docs/deploy.md)"; \
	fi; \
	$(PY) manage.py migrate --noinput -v0 || exit 1; \
	manifest=$${STATIC_ROOT:-$(VAR)/static}/staticfiles.json; \
	if [ ! -f "$$manifest" ] || [ -n "$$(find dudao pyproject.toml -newer "$$manifest" \( -path '*/static/*' -o -name pyproject.toml \) -print -quit)" ]; then \
		echo "make serve: collecting static files (hashed, compressed; about a minute)"; \
		$(PY) manage.py collectstatic --noinput -v0 || exit 1; \
	fi; \
	mkdir -p $(VAR)/log; \
	$(PY) manage.py run_huey >>$(VAR)/log/huey.log 2>&1 & huey=$$!; \
	trap 'kill $$huey 2>/dev/null; wait $$huey 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi

test: install
	@scripts/need-packages test
	scripts/run-tests $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
