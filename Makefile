# LTC: `make run` starts everything on this machine, `make test` runs the suite.
# PYTHON picks the interpreter the virtualenv is built from (3.11 or newer).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist), one per core; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: help venv run test lint format messages migrate seed clean soak bench

help:
	@echo "make run       start LTC with demo data at http://127.0.0.1:8000/ (Ctrl-C stops it)"
	@echo "make test      run the tests in 2 processes (PYTEST_ARGS=\"-k pool -x\", PYTEST_WORKERS=0)"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make soak      ten minutes of mixed traffic against a local gunicorn (SOAK_SECONDS=60 to shorten)"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make messages  update locale/zh_Hans and compile the translations"
	@echo "make migrate   apply database migrations"
	@echo "make seed      create the demo data (idempotent)"
	@echo "make bench     fresh PostgreSQL database, 1M leads generated, hot paths timed (var/bench/)"
	@echo "make clean     remove caches, logs, broker files and the test database (keeps var/ltc.sqlite3)"

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: venv
	./scripts/run.sh

# pytest's exit code 5 means "no tests collected": a broken test path or import, never a pass.
test: venv
	@$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests (exit code 5); that is a failure, not a pass." >&2; \
	fi; \
	exit $$status

# Not part of `make test`: mixed traffic against gunicorn on a fresh demo database; figures in var/soak/.
soak: venv
	$(PY) scripts/soak.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract, merge django-filter's strings, drop obsolete entries, compile; lists what is untranslated.
messages: venv
	./locale/build.sh

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The benchmark: a fresh PostgreSQL database (dropped first), the full generated company, the
# hot paths against their SQL floors and the API under gunicorn + wrk. Not part of `make test`.
BENCH_DB ?= ltc_bench_run
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_LEADS ?= 1000000
BENCH_SCALE ?= 1
BENCH_ARGS ?=
bench: venv
	@command -v wrk >/dev/null || command -v ab >/dev/null || \
		echo "make bench: no load tool; apt-get install wrk (throughput is skipped)" >&2
	@pg_isready -h 127.0.0.1 -p 5432 -q || ../shared/ci/services-up
	psql "$(BENCH_PG)/postgres" -q -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" DEBUG=0 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" DEBUG=0 $(PY) manage.py generate_data --reset \
		--leads $(BENCH_LEADS) --scale $(BENCH_SCALE)
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" DEBUG=0 $(PY) manage.py bench \
		--json var/bench/bench.json $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache .ruff_cache *.egg-info var/staticfiles var/celery var/log var/test_ltc.sqlite3*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
