# The two commands from the README:
#   make run   – the whole portal on the embedded demo stack (SQLite + filesystem broker)
#   make test  – the whole test suite on the production stack (PostgreSQL + Redis + Chromium)
#   make bench – the performance benchmark (bench/README.md); BENCH_HOUSEHOLDS=20000 for the full size
#   make lock  – recompile the lock files (requirements*.txt, with hashes) from requirements*.in,
#                keeping the locked versions that still fit; `make lock-upgrade` takes the newest that fit
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# The DfE census rules validator's own environment (requirements-cin.in says why it is separate).
CIN_VENV := .venv-cin
PORT ?= 8000

# The test stack: started and configured by scripts/test-services.sh.
TEST_DATABASE_URL ?= postgres://portal:portal@127.0.0.1:5432/portal
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
            DJANGO_SETTINGS_MODULE=neglect_portal.settings.test

# The portal's apps, by floor (docs/architecture.md).
APPS := common workdays audit accounts notifications cases chronology gcp2 plans referrals monitoring dashboards reporting demo bench

# The benchmark's own database, recreated on every run (bench/README.md).
BENCH_HOUSEHOLDS ?= 2000
BENCH_DB ?= portal_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/6
BENCH_ENV := DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/$(BENCH_DB) CELERY_BROKER_URL=$(BENCH_BROKER_URL) \
             DJANGO_ENV=demo DJANGO_SETTINGS_MODULE=neglect_portal.settings

# pip-compile options for both lock files. No index URL, find-links or trusted host is written into them,
# so a machine's own pip configuration (local mirrors, extra indexes) never ends up in the lock files.
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
               --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
LOCK_ARGS ?=

.PHONY: run test bench lock lock-upgrade

# The lock files hold every package at an exact version with its hashes; pip refuses anything else.
# pip itself is upgraded first without a hash (the venv's bundled pip may be old); the dev lock then
# pins pip (pip-tools needs it) to its locked version and hashes.
$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

$(CIN_VENV)/.installed: requirements-cin.txt
	test -x $(CIN_VENV)/bin/python || $(PYTHON) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/pip install --quiet --upgrade pip
	$(CIN_VENV)/bin/pip install --quiet --require-hashes -r requirements-cin.txt
	touch $@

# Runtime first: requirements-dev.in is constrained by requirements.txt (-c), so the dev lock pins the
# runtime packages exactly as the runtime lock does. Commit the .in and both .txt files together.
lock: $(VENV)/.installed-dev
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.txt requirements.in
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-cin.txt requirements-cin.in

lock-upgrade: LOCK_ARGS = --upgrade
lock-upgrade: lock

run: $(VENV)/.installed
	$(VENV)/bin/python manage.py migrate --noinput
	$(VENV)/bin/python manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/python manage.py seed_demo
	$(VENV)/bin/python manage.py sweep --no-send
	@echo ""
	@echo "The portal is starting at http://127.0.0.1:$(PORT)/ (web, Celery worker and beat). Ctrl-C stops all three."
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: $(VENV)/.installed-dev $(CIN_VENV)/.installed
	bash scripts/test-services.sh
	$(TEST_ENV) $(VENV)/bin/python manage.py check
	$(TEST_ENV) $(VENV)/bin/python manage.py makemigrations --check --dry-run
	# Layering (pyproject.toml [tool.importlinter]) and style (pyproject.toml [tool.ruff]).
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# Migrations are excluded: they hold only constant DDL (triggers), which bandit reads as SQL injection.
	$(VENV)/bin/bandit --quiet --recursive --severity-level medium --exclude '*/migrations/*' $(APPS) neglect_portal
	$(TEST_ENV) $(VENV)/bin/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	bash scripts/test-services.sh
	PGPASSWORD=portal psql -q -h 127.0.0.1 -U portal -d postgres \
	  -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) $(VENV)/bin/python manage.py migrate --noinput --verbosity 0
	$(BENCH_ENV) $(VENV)/bin/python manage.py bench_data --households $(BENCH_HOUSEHOLDS)
	$(BENCH_ENV) $(VENV)/bin/python bench/run.py $(BENCH_ARGS)
