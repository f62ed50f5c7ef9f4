# caseaudit: `make run` serves the demo, `make test` runs lint and the whole suite.
# The interpreter the virtualenv is made from: PYTHON when given; else the system's own
# /usr/bin/python3 when it is Python 3.11 or newer and can make a virtualenv (a distribution's
# build, compiled with profile-guided and link-time optimisation: Debian's ran the test suite's
# Python about 10% quicker than a Python built by pyenv without them); else python3 on PATH.
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip; ensurepip.version(); sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
PIP_AUDIT ?= $(BIN)/pip-audit
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test soak lint format assets bench clean

# The virtualenv, with uv (pinned) to install the locked packages: uv installs the whole
# development lock in about 3 s where pip took 25 (the lock files are uv's own output).
UV_VERSION := 0.13.8
UV := $(BIN)/uv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Runtime dependencies only (the lock file pins every package).
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(UV) pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $@

# Runtime and test dependencies.
$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

# Three processes, Ctrl-C stops all: the web server, the task worker (emails, reminders, jobs;
# restarts itself after a database error) and the scheduler that queues the periodic jobs
# (caseaudit/jobs/schedule.py). Links in emails point at http://$(HOST):$(PORT) (SITE_URL).
run: $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@export DEBUG=1 SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; \
	$(BIN)/python manage.py run_worker & worker=$$!; \
	$(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	REQUIRE_MFA=$${REQUIRE_MFA:-0} $(BIN)/python manage.py runserver $(HOST):$(PORT) & server=$$!; \
	trap 'kill $$server $$worker $$scheduler 2>/dev/null; wait' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	echo "Serving on http://$(HOST):$(PORT)/ with the task worker (pid $$worker) and the scheduler (pid $$scheduler)."; \
	wait $$server

LINT_MIGRATIONS ?= 1
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# typecheck: mypy with django-stubs over the services, selectors, policies and the API (mypy.ini).
	$(BIN)/mypy
	@# import-linter: the layers between the apps (.importlinter; docs/CONVENTIONS.md, "Layers").
	$(BIN)/lint-imports
	@# No model change without its migration; `make test` leaves this to the suite, whose
	@# caseaudit/core/tests/test_project.py runs the same check.
	$(if $(filter 1,$(LINT_MIGRATIONS)),DATABASE_URL=sqlite:///:memory: DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run)
	@# bandit: its "nosec encountered (Bxxx), but no failed test" lines are left out: bandit
	@# gives them for every statement that spans a line with a `# nosec` for another check.
	@out=$$($(BIN)/bandit -q -c pyproject.toml -r caseaudit 2>&1); rc=$$?; \
	printf '%s\n' "$$out" | grep -v "nosec encountered" || true; exit $$rc
	@# pip-audit: fail on a known vulnerability; where PyPI's vulnerability data cannot be
	@# reached (no network, or an index mirror without the JSON API), say so and go on. The lock
	@# pins every package, so it is audited as written (--no-deps --disable-pip): no scratch
	@# virtualenv and pip resolution, a tenth of the CPU time.
	@out=$$($(PIP_AUDIT) -r requirements.lock --no-deps --disable-pip --progress-spinner off 2>&1); rc=$$?; \
	skipped=$$(printf '%s\n' "$$out" | grep -c "could not be audited"); \
	printf '%s\n' "$$out" | grep -v "could not be audited" | grep -v "^Name  *Skip Reason" | grep -v "^---" | grep -v "^WARNING:pip_audit._cli:"; \
	if printf '%s\n' "$$out" | grep -Eq "Found [0-9]+ known vulnerabilit"; then exit 1; \
	elif [ $$rc -ne 0 ] && printf '%s\n' "$$out" | grep -Eq "ConnectionError|NameResolution|Max retries|timed out"; then \
	  echo "pip-audit: NOT AUDITED - the vulnerability service could not be reached (network error above)."; \
	elif [ $$rc -ne 0 ]; then exit $$rc; \
	elif [ $$skipped -gt 0 ]; then echo "pip-audit: NOT AUDITED - $$skipped packages had no vulnerability data from the index (needs PyPI's JSON API)."; \
	fi

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One test process more than the machine has cores: while a browser test's process waits for
# Chromium, or a test waits for time to pass, the extra process keeps the cores busy (on two
# cores, 3 processes took 189 s where 2 took 208).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

# pytest in the environment of `make test` and `make soak`: compiled modules (and pytest's
# rewritten test modules) are kept under .venv/pycache, also where PYTHONDONTWRITEBYTECODE is
# set: compiling them again cost each test process, and each Python subprocess the tests
# start, several seconds.
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache $(BIN)/pytest

# Lint runs beside the tests (most of its time is pip-audit waiting for the network), its
# output after theirs; either failing fails the target. The suite runs on TEST_WORKERS
# processes, one test file per process at a time (module-scoped fixtures are built once); the
# soak test is left out: `make soak`.
test: $(VENV)/.dev
	@log=$$(mktemp); \
	$(MAKE) --no-print-directory lint LINT_MIGRATIONS=0 >"$$log" 2>&1 & lint=$$!; \
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile -m "not soak" $(PYTEST_ARGS); tests=$$?; \
	wait $$lint; linted=$$?; \
	echo "== make lint"; cat "$$log"; rm -f "$$log"; \
	if [ $$linted -ne 0 ]; then echo "make lint failed (exit $$linted)"; fi; \
	[ $$tests -eq 0 ] && [ $$linted -eq 0 ]

# The SQLite soak test (caseaudit/qa/tests/test_soak_sqlite.py): the web server, task worker and
# scheduler of `make run` on one SQLite file under concurrent load for SOAK_SECONDS (60), about
# 90 s in all; always on SQLite, whatever DATABASE_URL says. CI runs it after `make test`.
soak: $(VENV)/.dev
	env -u DATABASE_URL $(PYTEST) -m soak caseaudit/qa/tests/test_soak_sqlite.py $(PYTEST_ARGS)

# Benchmarks (README.md, "Benchmarks"): fresh PostgreSQL databases at 127.0.0.1:5432 (SQLite
# files if it is not there), county scale; BENCH_NATIONAL=1 adds the national scale.
bench: $(VENV)/.runtime
	$(BIN)/python caseaudit/bench/run.py

# Rebuild the vendored GOV.UK Frontend and axe-core assets (needs Node and npm).
assets:
	bash assets/build.sh

# Load run: 50 simulated staff across roles for 60 s against gunicorn on a fresh PostgreSQL
# database at 127.0.0.1:5432 with the county demo; p50/p95/p99 and errors (fails on any error).
.PHONY: load
load: $(VENV)/.dev
	bash caseaudit/qa/load.sh

clean:
	rm -rf $(VENV) staticfiles
