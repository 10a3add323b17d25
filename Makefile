# Two commands for a new user: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench lint model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,dask]'
	touch $@

models/moderator.joblib: $(STAMP) data/labels.csv train.py
	$(PY) train.py

model: models/moderator.joblib

demo: $(STAMP)
	@if [ -f data/labels.csv ] && [ -f train.py ] && grep -q "def main" train.py; then \
		$(MAKE) --no-print-directory models/moderator.joblib && \
		$(VENV)/bin/moderator score examples/thread.txt --output table; \
	else \
		$(VENV)/bin/moderator parse examples/thread.txt --output table; \
	fi

test: $(TEST_STAMP)
	$(PY) -m pytest -q

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check src tests bench train.py

bench: $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
