# ASB Insight: `make run` to start, `make test` to check everything.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= data/warehouse.duckdb
PORT   ?= 8501
export PORT

.PHONY: install warehouse run test e2e check bench sample clean

## install: create .venv and install the package with its dev tools (idempotent)
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

## warehouse: build data/warehouse.duckdb from data/sample
warehouse: install
	$(BIN)/asb load-sample --db $(DB)

## run: install, build the sample warehouse and open the dashboard on http://localhost:$(PORT)
run: warehouse
	$(BIN)/asb dashboard --db $(DB) --port $(PORT)

## test: install, then run the whole test suite (unit, page and notebook tests)
test: install
	$(BIN)/python -m pytest -n 2

## e2e: real-browser tests in Debian's Chromium (see .ci/run for installing it)
e2e: install
	$(BIN)/python -m pytest tests/e2e -p no:cacheprovider

## check: lint and type-check
check: install
	$(BIN)/ruff check pipelines dashboard tests benchmarks
	$(BIN)/mypy

## bench: run the benchmark scripts (prints figures)
bench: install
	$(BIN)/python benchmarks/ingest.py

## sample: regenerate the synthetic part of data/sample (same seed, same bytes)
sample: install
	$(BIN)/asb sample --out data/sample

clean:
	rm -rf $(VENV) $(DB) .pytest_cache .ruff_cache .mypy_cache
