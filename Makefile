# One target per gate. `make test` builds .venv from nothing (only python3 and make are assumed).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

VENV313 := .venv-py313
# The Lambda runtime is Python 3.13; where this machine has it (pyenv), the tests run there too.
PY313 := PYENV_VERSION=3.13.0 python3.13

.PHONY: help venv test lint format typecheck unit compat bench seed-calendar schema run token sweep clean

help:
	@echo "make run        the local stack with demo data on http://127.0.0.1:3000/graphql"
	@echo "make token ROLE=... [ENTERPRISE=USCC]   a dev token for the local stack"
	@echo "make sweep TODAY=2026-10-12   run the daily sweep on the local stack; emails in outbox/"
	@echo "make test       every gate: format, lint, types, tests"
	@echo "make bench      benchmarks (figures go to docs/BENCHMARKS.md)"
	@echo "make seed-calendar  regenerate compliance/data/calendar from chinesecalendar + holidays"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the dependency pins change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

format: venv
	$(BIN)/ruff format --check .

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest

$(VENV313)/.installed: pyproject.toml
	$(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $@

compat:
	@if $(PY313) -c pass 2>/dev/null; then \
		$(MAKE) --no-print-directory $(VENV313)/.installed && \
		$(VENV313)/bin/pytest -q -p no:cacheprovider tests/unit; \
	else echo "compat: python3.13 is not installed here; skipping the Python 3.13 run"; fi

test: format lint typecheck unit compat

bench: venv
	$(BIN)/python -m bench.deadlines
	$(BIN)/python -m bench.api_latency
	$(BIN)/python -m bench.cold_start

seed-calendar: venv
	$(BIN)/python -m tools.seed_calendar

# Export the GraphQL SDL after an intended schema change (a test fails when it drifts).
schema: venv
	$(BIN)/python -m graph.schema

# The whole stack on this machine (moto, tables, demo data, the gateway on PORT, default 3000).
run: venv
	$(BIN)/python -m local.run

# With `make run` up: sweep a day now and send its reminders (emails land in outbox/).
sweep: venv
	@$(BIN)/python -m local.sweeper $(if $(TODAY),--today $(TODAY))

# Only the token on stdout, so that $$(make -s token ROLE=REGULATOR) can be pasted anywhere.
token: venv
	@$(BIN)/python -m local.token --role "$(ROLE)" $(if $(ENTERPRISE),--enterprise $(ENTERPRISE))

clean:
	rm -rf $(VENV) $(VENV313) .mypy_cache .ruff_cache .pytest_cache .hypothesis
