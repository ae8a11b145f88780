# One target per gate. `make test` builds .venv from nothing (only python3 and make are assumed).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What `make run` needs alone (the `local` extra): set by either install.
RUN_STAMP := $(VENV)/.installed-local

VENV313 := .venv-py313
# The SAM CLI's own pins conflict with the project's, so it lives in a venv of its own.
VENVSAM := .venv-sam
SAM_CLI := aws-sam-cli==1.170.0
# The Lambda runtime is Python 3.13; where this machine has it (pyenv), the tests run there too.
PY313 := PYENV_VERSION=3.13.0 python3.13

.PHONY: help venv test lint format typecheck complexity duplicates template unit compat bench seed-calendar schema documents run token sweep backfill-reminders rules-timeline build soak clean

help:
	@echo "make run        the local stack with demo data on http://127.0.0.1:3000/graphql"
	@echo "make token ROLE=... [ENTERPRISE=USCC]   a dev token for the local stack"
	@echo "make sweep TODAY=2026-10-12 [PORT=...]   run the daily sweep on the local stack; emails in outbox/<date>/run-<n>-<time>/"
	@echo "make rules-timeline TIMELINE=... [APPLY=1]   list (and move) the open obligations a new rule-set timeline changes"
	@echo "make backfill-reminders   once after upgrading a deployed stack (writes paused): index keys, counts and reminder dates of stored obligations"
	@echo "make test       every gate: format, lint, types, complexity, duplicates, the template, tests"
	@echo "make bench      benchmarks (figures go to docs/BENCHMARKS.md)"
	@echo "make soak       60 s load test: 16 clients against a local stack started for it"
	@echo "make build      the Lambda artifact for python3.13 arm64 (no Docker), proved by one request"
	@echo "make seed-calendar  regenerate compliance/data/calendar from chinesecalendar + holidays"
	@echo "make documents [MERGE=app-manifest.json]   the trusted documents' manifest from docs/documents/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the dependency pins change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

# The local stack only: no linters, type checker or test tools (those come with `make test`).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[local]'
	@touch $(RUN_STAMP)

venv: $(STAMP)

format: venv
	$(BIN)/ruff format --check .

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy

# No function of the product above grade C (cyclomatic complexity over 20): a function that
# branches more is split where its parts have names.
complexity: venv
	$(BIN)/xenon --max-absolute C compliance graph functions

# No block of 8 or more lines written twice anywhere in the project (imports, docstrings and
# comments aside): what is worth saying twice gets one home and a name.
duplicates: venv
	$(BIN)/pylint --disable=all --enable=duplicate-code --min-similarity-lines=8 \
		--ignore-imports=yes --ignore-docstrings=yes --ignore-comments=yes --score=no \
		compliance graph functions local bench tools tests

# Two workers, a module at a time each (its module-scoped fixtures stay in one process): about
# half the time of one worker on a 2-core machine.
unit: venv
	$(BIN)/pytest -n 2 --dist loadfile

$(VENV313)/.installed: pyproject.toml
	$(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $@

compat:
	@if $(PY313) -c pass 2>/dev/null; then \
		$(MAKE) --no-print-directory $(VENV313)/.installed && \
		$(VENV313)/bin/pytest -q -p no:cacheprovider tests/unit; \
	else echo "compat: python3.13 is not installed here; skipping the Python 3.13 run"; fi

# The deployment template: CloudFormation's linter, then SAM's own validation (both offline).
template: venv $(VENVSAM)/.installed
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(VENVSAM)/bin/sam validate --lint --region ap-southeast-1 --template template.yaml

$(VENVSAM)/.installed:
	$(PYTHON) -m venv $(VENVSAM)
	$(VENVSAM)/bin/python -m pip install --quiet $(SAM_CLI)
	@touch $@

test: format lint typecheck complexity duplicates template unit compat

bench: venv
	$(BIN)/python -m bench.deadlines
	$(BIN)/python -m bench.api_latency
	$(BIN)/python -m bench.large_automaker
	@# The cold start on this interpreter and, where this machine has it, on the Lambda
	@# runtime's Python 3.13 (the figure that matters for a deployed function).
	@if $(PY313) -c pass 2>/dev/null; then \
		$(MAKE) --no-print-directory $(VENV313)/.installed && \
		$(BIN)/python -m bench.cold_start --python $(BIN)/python --python $(VENV313)/bin/python; \
	else $(BIN)/python -m bench.cold_start; fi
	@# SnapStart: what a restore of the API function still does, on the runtime's Python 3.13
	@# where this machine has it.
	@if $(PY313) -c pass 2>/dev/null; then \
		$(MAKE) --no-print-directory $(VENV313)/.installed && \
		$(BIN)/python -m bench.snapstart --python $(VENV313)/bin/python; \
	else $(BIN)/python -m bench.snapstart; fi
	$(BIN)/python -m bench.sweep
	$(BIN)/python -m bench.local_start

seed-calendar: venv
	$(BIN)/python -m tools.seed_calendar

# Export the GraphQL SDL after an intended schema change (a test fails when it drifts).
schema: venv
	$(BIN)/python -m graph.schema

# The trusted documents' manifest from docs/documents/*.graphql (and an app's, MERGE=<file>).
documents: venv
	$(BIN)/python -m tools.trusted_documents $(if $(MERGE),--merge $(MERGE))

# The whole stack on this machine (moto, tables, demo data, the gateway on PORT, default 3000).
run: $(RUN_STAMP)
	$(BIN)/python -m local.run

# The Lambda artifact, Docker-free: dependencies cross-installed for python3.13 on arm64,
# trimmed to what the functions load, bytecode compiled by a 3.13, then imported and asked one
# request to prove it (tools/build_lambda.py).
build: venv
	$(BIN)/python -m tools.build_lambda

# `sam build` calls these (BuildMethod: makefile) with ARTIFACTS_DIR set; one build serves all.
build/lambda/.built: pyproject.toml $(shell find compliance graph functions -type f -not -path "*/__pycache__/*")
	$(MAKE) --no-print-directory build
	@touch $@

build-ApiFunction build-SweepFunction build-RemindFunction build-PartnerAuthorizerFunction build-ExportFunction build-ChangesFunction: build/lambda/.built
	cp -R build/lambda/. "$(ARTIFACTS_DIR)"
	rm -f "$(ARTIFACTS_DIR)/.built"

# Load test: 16 clients for 60 s against a local stack it starts itself (bench/soak.py); the
# test suite runs an 8-second form of it (tests/e2e/test_soak.py).
soak: venv
	$(BIN)/python -m bench.soak --seconds 60 --clients 16

# With `make run` up: sweep a day now and send its reminders (emails land in
# outbox/<date>/run-<n>-<time>/). The stack is found by PORT if given, else by the
# .local-stack.json that `make run` writes, else on port 3000.
sweep: $(RUN_STAMP)
	@PORT="$(PORT)" $(BIN)/python -m local.sweeper $(if $(TODAY),--today "$(TODAY)")

# Once after upgrading a deployed stack: open obligations stored before the reminder index get
# their next reminder date (table names and credentials from the environment).
backfill-reminders: venv
	$(BIN)/python -m tools.backfill_reminders

# List the open obligations a new rule-set timeline would change; APPLY=1 moves them.
rules-timeline: venv
	$(BIN)/python -m tools.retime_rules --timeline "$(TIMELINE)" $(if $(APPLY),--apply)

# Only the token on stdout, so that $$(make -s token ROLE=REGULATOR) can be pasted anywhere.
token: $(RUN_STAMP)
	@$(BIN)/python -m local.token --role "$(ROLE)" $(if $(ENTERPRISE),--enterprise $(ENTERPRISE))

clean:
	rm -rf $(VENV) $(VENV313) $(VENVSAM) build .aws-sam .mypy_cache .ruff_cache .pytest_cache .hypothesis
