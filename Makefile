# The two commands of the README: `make run` and `make test`. Both start from nothing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)

.PHONY: install run test test-fast bench lint contracts clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "make: $(PY) is required"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Run the platform: all nine services in one process, demo city (Zibo 370300) loaded.
run: install
	$(BIN)/pdo up

## Run the whole suite; the real Kafka broker and FerretDB are fetched and started by it.
test: install
	$(BIN)/pytest -q -p no:cacheprovider

## Unit and contract tests only (no servers needed).
test-fast: install
	$(BIN)/pytest -q tests/unit tests/contract -m "not kafka and not mongo"

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check contracts libs services demo tests bench examples
	$(BIN)/mypy

contracts: install
	$(BIN)/pdo contracts

clean:
	rm -rf $(VENV) .pdo .pytest_cache .mypy_cache .ruff_cache
