# Handoff: `make up` runs the system, `make test` runs the tests. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
STACK := $(PY) deploy/local/stack.py

.PHONY: help up down status logs test test-unit lint format venv clean bench-intake eval-scoring chaos

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
	$(STACK) up

down: $(STAMP) ## stop the services, Kafka and PostgreSQL (data is kept)
	$(STACK) down

status: $(STAMP) ## what runs
	$(STACK) status

logs: ## follow the logs of the running stack
	tail -n 100 -F .local/stack/logs/*.log

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint ## lint, then unit, integration and end-to-end tests on a stack of their own
	@bash deploy/local/ensure-chromium.sh
	$(VENV)/bin/pytest

test-unit: $(STAMP) ## only the tests that need no broker or database
	$(VENV)/bin/pytest tests/unit

eval-scoring: $(STAMP) ## replay TRAIN=leads.csv [TEST=leads.csv] through the services; print rules and learned ROC AUC
	@test -n "$(TRAIN)" || { echo "usage: make eval-scoring TRAIN=leads.csv [TEST=leads.csv] [EVAL_ARGS='--pg-port ...']"; exit 2; }
	$(PY) -m deploy.eval.scoring --train "$(TRAIN)" $(if $(TEST),--test "$(TEST)") $(EVAL_ARGS)

bench-intake: $(STAMP) ## intake's accepted leads/s beside a bare FastAPI + asyncpg INSERT (writes bench-results/)
	$(PY) -m deploy.bench.intake

chaos: $(STAMP) ## fault suite: 10,000 leads through kills, restarts, crashes, duplicates, poison; counts losses (CHAOS_ARGS='--leads 500 ...')
	$(PY) -m deploy.chaos $(CHAOS_ARGS)

clean: ## remove the virtualenv and caches (not the stack's data: see `make down`)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
