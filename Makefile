# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install demo test test-browser bench lint openapi-snapshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ketacare migrate
	$(BIN)/ketacare seed
	$(BIN)/ketacare serve --port $(PORT) --with-worker

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	@mkdir -p bench/results
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

lint: $(STAMP)
	$(BIN)/ruff check ketacare tests bench
	$(BIN)/ruff format --check ketacare tests bench
	$(BIN)/mypy ketacare
	$(BIN)/lint-imports
	$(BIN)/ketacare manage makemigrations --check --dry-run

openapi-snapshot: $(STAMP)
	$(BIN)/ketacare manage export_openapi_schema --api ketacare.config.api.api --indent 2 --sorted > tests/api/openapi.snapshot.json

clean:
	rm -rf $(VENV) var build *.egg-info
