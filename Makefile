# The project's verbs. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The venv is rebuilt only when the pinned requirements (or the project metadata) change.
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt pyproject.toml | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)
# `make load` adds locust (requirements-load.txt) to the same venv, with a stamp of its own.
LOAD_STAMP := $(VENV)/.load-installed-$(shell cat requirements-load.txt | sha256sum | cut -c1-12)

.PHONY: demo test lint format bench load clean

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# The demo serves the site and, beside it, the worker that delivers its messages (e-mails
# are written as files under var/mail); both stop together.
demo: $(STAMP)
	@scripts/os-packages demo
	$(BIN)/ducha migrate --noinput
	@DUCHA_TODAY=2022-02-08 DUCHA_MAIL_DIR=var/mail $(BIN)/ducha worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/ducha demo --addr 127.0.0.1:8000

test: $(STAMP)
	@scripts/os-packages test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@scripts/os-packages bench
	$(BIN)/pytest benchmarks -o addopts="" -p no:cacheprovider --benchmark-only --benchmark-columns=min,median,max,rounds
	$(BIN)/python -m benchmarks.web

$(LOAD_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-load.txt
	@rm -f $(VENV)/.load-installed-*
	@touch $@

# Deadline day (README "Load test"): the demo on PostgreSQL (LOAD_DATABASE_URL, made anew),
# scripts/layout on loopback, 300 clerks over LOAD_MINUTES (10); fails on an error or a slow p95.
load: $(LOAD_STAMP)
	@scripts/os-packages load
	$(BIN)/python -m benchmarks.load.run

clean:
	rm -rf $(VENV) var/*.sqlite3* var/test-artifacts
