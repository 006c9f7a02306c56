# OCOP platform — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
STACK := deploy/stack.sh
PYTEST_ARGS ?=
# deploy/stack.sh writes each service's credentials here; every target that talks to the stack reads them.
export OCOP_SECRETS_DIR ?= $(or $(OCOP_STACK_DIR),$(CURDIR)/.stack)/secrets

.PHONY: setup demo run test test-unit test-integration lint up down status bench faults contracts clean

$(STAMP): pyproject.toml constraints.txt
	@deploy/os-packages.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP) ## Create the virtualenv with the pinned dependencies

demo: setup ## Run the platform embedded (SQLite, local files) with the An Giang scenario
	$(BIN)/ocop demo

run: setup ## Run the platform embedded, without the scenario
	$(BIN)/ocop run

up: setup ## Install (first time) and start Kafka, the S3 server and PostgreSQL on 127.0.0.1
	$(STACK) up

down: ## Stop the real stack (data is kept; `deploy/stack.sh reset` deletes it)
	$(STACK) down

status: ## Show what of the real stack is running
	$(STACK) status

# mypy --strict over every package: shared/, each service (all layers), the CLI and the console.
SERVICES_TYPED := $(foreach s,registry scoring certification trade reporting accounts,services/$(s)/$(s))

lint: setup ## ruff, the layers' import contracts (import-linter), mypy --strict (every package)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy shared/ocop_shared $(SERVICES_TYPED) cli/ocop_cli console/ocop_console

contracts: setup ## Regenerate contracts/ (JSON Schema, AsyncAPI, OpenAPI) from the code
	$(BIN)/ocop contracts export

# The suite runs on the single Kafka node; the tests marked `cluster` then run on three brokers
# (pytest's 5 = "none of them selected", e.g. when PYTEST_ARGS names one file).
test: setup ## Everything: lint, start the real stack, unit + integration + end-to-end tests
	$(MAKE) lint
	$(STACK) up
	@status=0; $(BIN)/pytest -m "not cluster" $(PYTEST_ARGS) || status=$$?; \
	  $(STACK) up --cluster kafka && eval "$$($(STACK) env)" && \
	  { $(BIN)/pytest -m cluster $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || status=$$rc; } || status=1; \
	  $(STACK) down; exit $$status

test-unit: setup ## Only the tests that need no running stack
	$(BIN)/pytest -m "not kafka and not s3 and not postgres and not cluster" $(PYTEST_ARGS)

bench: setup ## Benchmarks on the real stack: a table, and bench/results/<name>.json (see bench/README.md)
	@deploy/os-packages.sh bench
	$(STACK) up
	$(BIN)/python -m bench $(BENCH)

faults: setup ## Fault injection on the real stack with a three-broker cluster (kills, outages, a slow link), then checks
	$(STACK) up --cluster
	eval "$$($(STACK) env)" && $(BIN)/python -m bench.faults

clean: ## Remove local data of the embedded mode
	rm -rf data
