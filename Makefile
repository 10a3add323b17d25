# Two commands for a new user: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench lint model readme clean sanitize

# The compiled kernels are built by the install: a change to their sources reinstalls.
KERNEL_SOURCES := setup.py src/moderator/kernel_contract.py \
	$(wildcard src/moderator/csrc/*.c src/moderator/csrc/*.h)

$(STAMP): pyproject.toml $(KERNEL_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,dask,serve]'
	touch $@

# The default model: the train splits of every English corpus in $(SHARED_DATA) (the dev
# splits bench/quality.py judges stay unseen) + data/labels.csv, thresholds at precision 0.8
# on held-out real rows. Same data, same model. Without $(SHARED_DATA) it says what is
# missing. ~10 min on 2 cores; nice'd, it leaves the machine usable.
SHARED_DATA ?= ../shared/data
# It ships inside the package (package data, committed with its card): `make demo` and
# `moderator score` use it without training.
SHIPPED_MODEL := src/moderator/models/moderator.joblib
MODEL_COMMAND := nice $(PY) train.py --shared-data $(SHARED_DATA) --labels data/labels.csv \
	--target-precision 0.8 --model $(SHIPPED_MODEL)

model: $(STAMP)
	$(MODEL_COMMAND)

$(SHIPPED_MODEL):
	@test -f $@ || { echo "$(SHIPPED_MODEL) is missing: run make model (needs $(SHARED_DATA))" >&2; exit 1; }

demo: $(STAMP) $(SHIPPED_MODEL)
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

# The kernels built with AddressSanitizer and UndefinedBehaviorSanitizer (build/sanitize/),
# loaded instead of the installed ones ($$MODERATOR_KERNELS_LIBRARY), under the kernel,
# Hypothesis and bad-input tests. Python is not instrumented: libasan (then libubsan) is
# preloaded for the library that ctypes opens; every numpy array comes from the interposed
# malloc, so a kernel writing past one is reported. Leak checks are off (the interpreter
# keeps its objects at exit). Any report stops the run with a non-zero status.
SANITIZE_LIB := build/sanitize/_kernels.so
SANITIZE_TESTS := tests/test_kernels.py tests/test_ngrams.py tests/test_runtime.py \
	tests/test_reference.py tests/test_bad_input.py

sanitize: $(TEST_STAMP)
	mkdir -p $(dir $(SANITIZE_LIB))
	gcc -shared -fPIC -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all -std=c11 -ffp-contract=off -fno-math-errno -Wall \
		-DMODERATOR_KERNELS_DIGEST='"'"$$($(PY) -c 'from moderator._kernel_sources import source_digest; print(source_digest())')"'"' \
		src/moderator/csrc/*.c -lm -o $(SANITIZE_LIB)
	MODERATOR_KERNELS_LIBRARY=$(SANITIZE_LIB) \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	PYTHONMALLOC=malloc $(PY) -m pytest -q -p no:cacheprovider $(SANITIZE_TESTS)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
