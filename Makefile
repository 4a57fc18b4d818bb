# Vermilion: `make run` starts a server on 127.0.0.1:6379, `make test` runs the whole suite.
# Prefer the distribution's Python (Debian builds it with PGO+LTO: about twice as fast as
# a plain source build such as pyenv's), when it is 3.11+ and can make virtual environments.
PYTHON ?= $(shell for p in /usr/bin/python3 python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 6379
PYTEST_ARGS ?=

.PHONY: run test install install-test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/vermilion-server --bind 127.0.0.1 --port $(PORT)

test: install-test
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
