# Two commands for a new user: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench lint model readme clean

# The compiled kernels are built by the install: a change to their sources reinstalls.
KERNEL_SOURCES := setup.py $(wildcard src/moderator/csrc/*.c src/moderator/csrc/*.h)

$(STAMP): pyproject.toml $(KERNEL_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,dask,serve]'
	touch $@

# The default model ships inside the package (package data, committed with its card):
# `make model` rebuilds it; `make demo` and `moderator score` use it without training.
SHIPPED_MODEL := src/moderator/models/moderator.joblib

model: $(STAMP)
	$(PY) train.py --model $(SHIPPED_MODEL)

demo: $(STAMP)
	$(VENV)/bin/moderator score examples/thread.txt --output table

test: $(TEST_STAMP)
	$(PY) -m pytest -q

# README.md's console examples rerun, their shown outputs rewritten (the test suite checks them).
readme: $(TEST_STAMP)
	$(PY) -m tests.readme_examples --update

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check src tests bench train.py

bench: $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
