# Verbatim: `make run` installs everything and starts the bot (or the console chat without a
# token); `make test` runs the whole test suite, the real-model tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test test-fast bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned to the CPU build in pyproject.toml; an unpinned torch would pull CUDA.
	$(BIN)/pip install --quiet -e ".[test,bench]"
	# Export the packaged model to onnxruntime int8 once (offline, ~10 s; ~/.cache/verbatim).
	$(BIN)/verbatim prepare
	touch $@

run: install
	$(BIN)/verbatim run samples

test: install
	$(BIN)/pytest -m "slow or not slow"

test-fast: install
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/xquad.py
	$(BIN)/python benchmarks/summaries.py

clean:
	rm -rf $(VENV) data
