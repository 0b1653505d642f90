# The README's two commands: `make run` serves the app, `make test` runs linter and the whole test suite.
# Both create .venv on first use and reuse it afterwards (re-installing only when pyproject.toml changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501
PYTEST_ARGS ?=
# make serve-replicas: how many replicas, and its own port (8500 unless PORT is given: 8501 stays make run's).
REPLICAS ?= 2
PROXY_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8500)
REPLICAS_DIR ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint unit bench chromium nginx serve-replicas clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
chromium:
	@test -x /usr/bin/chromium || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# make serve-replicas and its test put Debian's nginx in front of the replicas.
nginx:
	@test -x /usr/sbin/nginx || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nginx; }

# Every other server setting lives in .streamlit/config.toml; the tests and benchmarks serve with this very
# recipe (bench/server.py), so a setting cannot differ between what users get and what is tested.
run: $(VENV)/.installed-run
	$(BIN)/python -m streamlit run serve.py --server.address $(HOST) --server.port $(PORT)

# REPLICAS replicas, each served as `make run` serves the app, behind nginx with deploy/nginx.conf on
# http://127.0.0.1:8500 (PORT=...); Ctrl-C or SIGTERM stops them all. deploy/serve_replicas.py does the work.
serve-replicas: $(VENV)/.installed-run nginx
	$(BIN)/python deploy/serve_replicas.py --replicas $(REPLICAS) --port $(PROXY_PORT)$(if $(REPLICAS_DIR), --run-dir $(REPLICAS_DIR))

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: $(VENV)/.installed-test chromium nginx lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Fast library tests only (no browser).
unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: $(VENV)/.installed-run
	$(BIN)/python -m bench.training --json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
