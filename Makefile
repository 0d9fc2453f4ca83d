# The two commands from the README:
#   make run   – the whole portal on the embedded demo stack (SQLite + filesystem broker)
#   make test  – the whole test suite on the production stack (PostgreSQL + Redis + Chromium)
#   make bench – the performance benchmark (bench/README.md); BENCH_HOUSEHOLDS=20000 for the full size
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PORT ?= 8000

# The test stack: started and configured by scripts/test-services.sh.
TEST_DATABASE_URL ?= postgres://portal:portal@127.0.0.1:5432/portal
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
            DJANGO_SETTINGS_MODULE=neglect_portal.settings.test

APPS := accounts audit cases chronology gcp2

# The benchmark's own database, recreated on every run (bench/README.md).
BENCH_HOUSEHOLDS ?= 2000
BENCH_DB ?= portal_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/6
BENCH_ENV := DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/$(BENCH_DB) CELERY_BROKER_URL=$(BENCH_BROKER_URL) \
             DJANGO_ENV=demo DJANGO_SETTINGS_MODULE=neglect_portal.settings

.PHONY: run test bench

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/python manage.py migrate --noinput
	$(VENV)/bin/python manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/python manage.py seed_demo
	$(VENV)/bin/python manage.py sweep --no-send
	@echo ""
	@echo "The portal is starting at http://127.0.0.1:$(PORT)/ (web, Celery worker and beat). Ctrl-C stops all three."
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: $(VENV)/.installed-dev
	bash scripts/test-services.sh
	$(TEST_ENV) $(VENV)/bin/python manage.py check
	$(TEST_ENV) $(VENV)/bin/python manage.py makemigrations --check --dry-run
	# Migrations are excluded: they hold only constant DDL (triggers), which bandit reads as SQL injection.
	$(VENV)/bin/bandit --quiet --recursive --severity-level medium --exclude '*/migrations/*' $(APPS) neglect_portal
	$(TEST_ENV) $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	bash scripts/test-services.sh
	PGPASSWORD=portal psql -q -h 127.0.0.1 -U portal -d postgres \
	  -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) $(VENV)/bin/python manage.py migrate --noinput --verbosity 0
	$(BENCH_ENV) $(VENV)/bin/python manage.py bench_data --households $(BENCH_HOUSEHOLDS)
	$(BENCH_ENV) $(VENV)/bin/python bench/run.py $(BENCH_ARGS)
