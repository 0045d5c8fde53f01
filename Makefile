# LTC: `make run` starts everything on this machine, `make test` runs the suite.
# PYTHON picks the interpreter the virtualenv is built from (3.11 or newer).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# The locks (requirements/README.md): hashes for every package; `make lock` regenerates them.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
UV_LOCK := requirements/uv.txt
UV_VERSION := 0.13.9
# Reinstall only when a lock changed since the last install: the dev set (tests, lint) and the
# runtime set (`make run`, which needs nothing else) have a stamp each.
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist), one per core; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
# Python writes the bytecode of what it imports (__pycache__), whatever the shell says: with
# PYTHONDONTWRITEBYTECODE set, every test process and every subprocess a test starts compiled
# some 2,000 modules (Django, DRF, LTC) from source again, about a fifth of the suite's time.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help venv venv-runtime lock run test lint format messages migrate seed clean soak bench bench-scales

help:
	@echo "make run       start LTC with demo data at http://127.0.0.1:8000/ (Ctrl-C stops it)"
	@echo "make lock      regenerate requirements/*.txt (hashed locks) from pyproject.toml"
	@echo "make test      run the tests in 2 processes (PYTEST_ARGS=\"-k pool -x\", PYTEST_WORKERS=0)"
	@echo "make lint      ruff check and ruff format --check"
	@echo "make soak      ten minutes of mixed traffic against a local gunicorn (SOAK_SECONDS=60 to shorten)"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make messages  update locale/zh_Hans and compile the translations"
	@echo "make migrate   apply database migrations"
	@echo "make seed      create the demo data (idempotent)"
	@echo "make bench     fresh PostgreSQL database, 1M leads generated, hot paths timed (var/bench/)"
	@echo "make bench-scales  the bench at 100k, 1M and 10M leads, side by side (var/bench/scales.md)"
	@echo "make clean     remove caches, logs, broker files and the test database (keeps var/ltc.sqlite3)"

venv: $(STAMP)
venv-runtime: $(RUNTIME_STAMP)

# uv installs from the locks; pip (the only installer a fresh Python has) installs uv itself,
# checked against the hashes of requirements/uv.txt.
$(UV): $(UV_LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(UV_LOCK)
	@touch $(UV)

$(STAMP): $(DEV_LOCK) $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r $(DEV_LOCK)
	@touch $(STAMP) $(RUNTIME_STAMP)

$(RUNTIME_STAMP): $(RUNTIME_LOCK) $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r $(RUNTIME_LOCK)
	@touch $(RUNTIME_STAMP)

# Regenerate the locks from pyproject.toml (after changing a pin there); then `make test`.
lock: $(UV)
	cd requirements && echo "uv==$(UV_VERSION)" > uv.in && ../$(UV) pip compile uv.in \
		--universal --python-version 3.11 --generate-hashes --no-header -o uv.txt && rm uv.in
	cd requirements && ../$(UV) pip compile ../pyproject.toml --universal --python-version 3.11 \
		--generate-hashes --no-header -o runtime.txt
	cd requirements && ../$(UV) pip compile ../pyproject.toml --extra dev -c runtime.txt \
		--universal --python-version 3.11 --generate-hashes --no-header -o dev.txt

run: venv-runtime
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
# The shared cache production runs with (Redis, as in docker-compose): people's API tokens are
# read from it (ltc/security/token_cache.py), as gunicorn's workers read them in production.
BENCH_CACHE ?= redis://127.0.0.1:6379/13
bench: venv
	@command -v wrk >/dev/null || command -v ab >/dev/null || \
		echo "make bench: no load tool; apt-get install wrk (throughput is skipped)" >&2
	@(pg_isready -h 127.0.0.1 -p 5432 -q && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1) || \
		../shared/ci/services-up
	psql "$(BENCH_PG)/postgres" -q -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)" \
		-c "ALTER DATABASE $(BENCH_DB) SET jit = off"
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" DEBUG=0 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" DEBUG=0 $(PY) manage.py generate_data --reset \
		--leads $(BENCH_LEADS) --scale $(BENCH_SCALE)
	DATABASE_URL="$(BENCH_PG)/$(BENCH_DB)" LTC_CACHE_URL="$(BENCH_CACHE)" DEBUG=0 $(PY) manage.py bench \
		--json var/bench/bench.json $(BENCH_ARGS)

# The bench at each size of BENCH_SIZES, one after the other (each run's JSON kept as
# var/bench/bench-<leads>.json), then side by side in var/bench/scales.md: which paths stay flat
# as the leads grow. 17 minutes for the three on the 2-core machine with
# BENCH_ARGS="--iterations 10" (generation included); longer at the default 30 iterations.
BENCH_SIZES ?= 100000 1000000 10000000
bench-scales: venv
	@for n in $(BENCH_SIZES); do \
		$(MAKE) --no-print-directory bench BENCH_LEADS=$$n \
			BENCH_ARGS="$(BENCH_ARGS) --json var/bench/bench-$$n.json" || exit 1; \
	done
	$(PY) manage.py bench_scales $(foreach n,$(BENCH_SIZES),var/bench/bench-$(n).json)

clean:
	rm -rf .pytest_cache .ruff_cache *.egg-info var/staticfiles var/celery var/log var/test_ltc.sqlite3*
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
