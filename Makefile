# Two commands do everything: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast viz figures bench docs clean constraints

# the package with every extra, each dependency at the version in constraints.txt
$(BIN)/quotasim: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "quotasim needs Python 3.12+, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1); run e.g. 'make PYTHON=python3.12 $(MAKECMDGOALS)' or 'pyenv install 3.12'."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]" -c constraints.txt
	@touch $@

# pin every package now in .venv (after e.g. `$(BIN)/pip install --upgrade NAME`)
constraints: $(BIN)/quotasim
	{ echo "# Exact versions of every package in the development environment (make's .venv),"; \
	  echo "# for reproducible results: make installs with '-c constraints.txt'."; \
	  echo "# Made by 'make constraints' (pip freeze --exclude-editable) on $$($(BIN)/python -c 'import platform; print("Python", platform.python_version(), platform.system())'); edit via pip, not by hand."; \
	  $(BIN)/pip freeze --exclude-editable; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt
	@touch $(BIN)/quotasim  # .venv already holds these versions

# a small hike sweep on both reports: a summary table, then its figure, both in
# build/demo/ (ignored by git), so the checkout stays as it was; results/ holds the
# committed copy, which `make figures` regenerates
DEMO := build/demo
demo: $(BIN)/quotasim
	$(BIN)/quotasim sweep experiments/demo.toml --out $(DEMO)/data/demo
	$(BIN)/quotasim reproduce --only demo --results $(DEMO)
	@echo "figure: $(DEMO)/figures/demo.png (and .pdf)"

# every experiment whose data are stale, then every figure (a few minutes)
figures: $(BIN)/quotasim
	$(BIN)/quotasim reproduce

test: $(BIN)/quotasim
	$(BIN)/python -m pytest

test-fast: $(BIN)/quotasim
	$(BIN)/python -m pytest -m "not slow"

docs: $(BIN)/quotasim
	$(BIN)/python -m sim.docs

# the browser view at http://127.0.0.1:8765/ (Ctrl-C stops it)
viz: $(BIN)/quotasim
	$(BIN)/quotasim viz

# the figures in docs/BENCHMARKS.md (a minute or two; `quotasim bench --quick` takes seconds)
bench: $(BIN)/quotasim
	$(BIN)/quotasim bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
