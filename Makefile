# Two commands on a fresh machine: `make demo` and `make test`.
# A statically linked CPython where the machine has one (scripts/venv_python.sh says why), else python3.
PYTHON ?= $(shell scripts/venv_python.sh)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# exec: the console takes the terminal itself (no shell between), so a hang-up reaches it at once.
demo: $(STAMP)
	@exec $(BIN)/cin7-shopify demo

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Bytecode written even where PYTHONDONTWRITEBYTECODE is set: every xdist worker and every process a test
# starts would compile the package and rewrite the tests' asserts again (collection 10.8 s CPU, 5.0 s cached).
unit: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q

# The three at once: mypy's cold run (a clean clone, CI) takes one core for ~22 s that pytest would
# otherwise wait for; each one's output is printed whole when it ends.
test: $(STAMP)
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck unit

# Every benchmark in scripts/ (bench_*.py), one table of the figures with their goals (takes minutes).
bench: $(STAMP)
	$(BIN)/python scripts/run_benchmarks.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench-output
