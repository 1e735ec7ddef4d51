# The commands a person types. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MONTH  ?= 2026-10

.PHONY: review test lint notebooks primer sample bench setup clean-venv
SCALES ?= 1 10

## review: set up, then run the monthly review of the sample company into outputs/$(MONTH)/: the company review,
## one review per CSM (by-owner/), the account pages of the accounts at risk (accounts/), the index pages
review: $(STAMP)
	$(BIN)/python -m playbook run --month $(MONTH) --by owner

## test: set up, then check the house rules (lint, format, the layers' import contract) and run every test
test: lint
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q -o addopts="" --nbval notebooks/ --sanitize-with tests/nbval_sanitize.cfg

## lint: ruff lint and format check, and the import contract (imports only downward between layers)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## notebooks: re-execute the committed notebooks in place (review the diff afterwards)
notebooks: $(STAMP)
	$(BIN)/python -m playbook notebooks

## primer: write the KPI primer as HTML pages without code (English and Japanese) into outputs/primer/
primer: $(STAMP)
	$(BIN)/python -m playbook.run.primer --out outputs/primer

## bench: time the playbook against DuckDB references at each scale (not part of make test)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --scales $(SCALES) --repeat 3

## sample: regenerate the bundled sample company (seed 7) into data/sample/
sample: $(STAMP)
	$(BIN)/python -m playbook sample --out data/sample --seed 7 --force

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
