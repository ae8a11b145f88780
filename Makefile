# One target per gate. `make test` builds .venv from nothing (only python3 and make are assumed).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv test lint format typecheck unit bench seed-calendar run clean

help:
	@echo "make run        the local stack with demo data (arrives with the API)"
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

test: format lint typecheck unit

bench: venv
	$(BIN)/python -m bench.deadlines

seed-calendar: venv
	$(BIN)/python -m tools.seed_calendar

run:
	@echo "The local stack (make run) arrives with the GraphQL API; today, 'make test' and 'make bench' work."
	@exit 1

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
