# Setup, run and test. `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# The CPU build of PyTorch that pip takes from this machine's disk; installed before anything that
# needs torch, or pip would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
# Exact versions of everything else, known to work together: pip resolves in seconds instead of
# backtracking for many minutes. `make constraints` refreshes it from a working .venv.
CONSTRAINTS := -c constraints.txt

.PHONY: install install-fast install-test llama-wheel chromium postgresql redis-server run ingest eval lint test test-fast constraints clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet $(CONSTRAINTS) -e .
	@touch $@

# llama-cpp-python compiles llama.cpp from source (about 6 minutes on 2 cores). Its default build tunes
# for the CPU it runs on (-march=native), and on CPUs with AMX that build's AMX kernels crash answering
# with SmolLM2 (SIGSEGV in ggml_backend_amx_mul_mat, seen 2026-12-04). A portable AVX2 build instead,
# made once into a wheel folder that later installs (and CI, on the same machine) find.
LLAMA_VERSION := $(shell sed -n 's/^llama_cpp_python==//p' constraints.txt)
LLAMA_WHEELS := $(HOME)/.cache/bot-wheels
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

LLAMA_STAMP := $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION).built

llama-wheel: $(LLAMA_STAMP)

$(LLAMA_STAMP): | $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --quiet --no-deps --no-cache-dir -w $(LLAMA_WHEELS) \
	  "llama-cpp-python==$(LLAMA_VERSION)"
	@touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml $(LLAMA_STAMP)
	$(PIP) install --quiet $(CONSTRAINTS) --find-links $(LLAMA_WHEELS) -e ".[test]"
	@touch $@

# Debian's Chromium for the browser test (Playwright's own browser download does not work offline).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	else echo "Chromium is missing: 'sudo apt-get install -y chromium' lets the browser test run."; fi

# Debian's PostgreSQL for the history test on a real server (it starts its own, in a temporary folder).
postgresql:
	@if [ -x /usr/lib/postgresql/15/bin/initdb ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q postgresql; \
	else echo "PostgreSQL is missing: 'sudo apt-get install -y postgresql' lets the PostgreSQL history test run."; fi

# Debian's Redis for the test of two instances sharing their limits (it starts its own, on a free port).
redis-server:
	@if [ -x /usr/bin/redis-server ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q redis-server; \
	else echo "Redis is missing: 'sudo apt-get install -y redis-server' lets the shared-limits test run."; fi

ingest: install
	$(VENV)/bin/bot ingest

# `make run PORT=8001` serves on another port.
PORT ?= 8000

run: ingest
	@echo "Open http://localhost:$(PORT) (Ctrl-C stops the server)"
	$(VENV)/bin/bot serve --host 127.0.0.1 --port $(PORT)

eval: ingest
	$(VENV)/bin/bot eval ../shared/eval/questions.jsonl

# Formatting and lint rules live in pyproject.toml ([tool.ruff]); `ruff format .` fixes the first.
lint: install-test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: install-test chromium postgresql redis-server lint
	$(PY) -m pytest

# The tests that start no server, browser, local model or PostgreSQL and build no index of their own (see the
# markers in pyproject.toml): under a minute on two cores, for while you work. `make test` runs everything.
# It installs the `fast` extra only: nothing is compiled (the llama.cpp build is for `make test`).
FAST := not browser and not server and not llm and not postgres and not ingest

install-fast: $(VENV)/.installed-fast

# The fast lane's own extra: no llama.cpp build (install-test, when done, already holds all of it).
$(VENV)/.installed-fast: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet $(CONSTRAINTS) -e ".[fast]"
	@touch $@

test-fast: install-fast
	$(PY) -m pytest -m "$(FAST)"

constraints:
	$(PIP) freeze --exclude-editable | grep -v -e '^torch==' -e '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) index/g-* index/damaged-* index/current index/.ingest.lock index/chroma index/query-encoder .files *.egg-info
