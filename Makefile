# Handoff: `make up` runs the system, `make test` runs the tests. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
STACK := $(PY) deploy/local/stack.py
# The stack's state folder (ports, data, logs); give another to run a second stack.
STATE_DIR ?= .local/stack
DATA ?= ../shared/data/

.PHONY: help up down status logs test test-unit lint format venv clean bench eval-scoring contracts demo chaos

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@bash deploy/local/bootstrap-python.sh $(VENV)
	@rm -f $(VENV)/.installed-*
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP) ## create the virtualenv with pinned dependencies

up: $(STAMP) ## install everything, start Kafka, PostgreSQL and the four services
	$(STACK) up --state-dir $(STATE_DIR)

down: $(STAMP) ## stop the services, Kafka and PostgreSQL (data is kept)
	$(STACK) down --state-dir $(STATE_DIR)

status: $(STAMP) ## what runs
	$(STACK) status --state-dir $(STATE_DIR)

DEMO_ARGS = --data "$(DATA)" $(if $(CSV),--csv "$(CSV)") $(if $(MAPPING),--mapping "$(MAPPING)") \
	$(if $(LIMIT),--limit $(LIMIT)) $(if $(SPEED),--speed $(SPEED))

demo: up ## replay DATA=folder [CSV= MAPPING= LIMIT= SPEED=] through the stack; print the marketing report
	HANDOFF_STACK_STATE_DIR=$(STATE_DIR) $(PY) -m deploy.demo $(strip $(DEMO_ARGS))

logs: ## follow the logs of the running stack
	tail -n 100 -F $(STATE_DIR)/logs/*.log

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint ## lint, then unit, integration and end-to-end tests on a stack of their own
	@bash deploy/local/ensure-chromium.sh
	@bash deploy/local/ensure-prometheus.sh
	$(VENV)/bin/pytest

contracts: $(STAMP) ## regenerate event snapshots (refuses breaking changes), docs/asyncapi.json and the README tables
	$(PY) -m shared.events.snapshots
	$(PY) -m shared.events.asyncapi
	$(PY) -m shared.events.readme

test-unit: $(STAMP) ## only the tests that need no broker or database
	$(VENV)/bin/pytest tests/unit

eval-scoring: $(STAMP) ## replay TRAIN=leads.csv [TEST=leads.csv] through the services; print rules and learned ROC AUC
	@test -n "$(TRAIN)" || { echo "usage: make eval-scoring TRAIN=leads.csv [TEST=leads.csv] [EVAL_ARGS='--pg-port ...']"; exit 2; }
	$(PY) -m deploy.eval.scoring --train "$(TRAIN)" $(if $(TEST),--test "$(TEST)") $(EVAL_ARGS)

bench: $(STAMP) ## the pipeline under load on a stack of its own, with baselines (writes bench-results/bench.json)
	$(PY) -m deploy.bench $(BENCH_ARGS)

chaos: $(STAMP) ## fault suite: 10,000 leads through kills, restarts, crashes, duplicates, poison; counts losses (CHAOS_ARGS='--leads 500 ...')
	$(PY) -m deploy.chaos $(CHAOS_ARGS)

clean: ## remove the virtualenv and caches (not the stack's data: see `make down`)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
