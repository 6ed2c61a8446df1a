# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make demo   install, then materialize every asset for yesterday's partition on the embedded defaults
#   make test   install, then run the test suite (what CI runs)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)

.PHONY: install demo test ui lint bench audit

install: $(VENV)/.installed .env

# DAGSTER_HOME for `dg dev` and `dagster` commands run from the root (Dagster reads ./.env).
# Written once: a .env of your own (secrets, say) is never overwritten.
.env:
	echo "DAGSTER_HOME=$(CURDIR)" > $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/real-estate-demo

test: install
	./scripts/install-test-services.sh
	$(BIN)/python scripts/audit_dependencies.py
	$(BIN)/python -m pytest

ui: install
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg dev --host 127.0.0.1 --port 3000

lint: install
	$(BIN)/ruff check real_estate real_estate_tests benchmarks scripts
	$(BIN)/ruff format --check real_estate real_estate_tests benchmarks scripts

bench: install
	$(BIN)/python benchmarks/run.py

audit: install
	$(BIN)/python scripts/audit_dependencies.py
