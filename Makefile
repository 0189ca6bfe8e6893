# fangpin — `make run` serves a demo county; `make test` runs the whole suite. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
VENDOR := static/vendor
export FANGPIN_DATA_DIR ?= $(CURDIR)/var
PACKAGES := fangpin core regions accounts registry imports monitoring assistance exchange lowincome \
            ledgers benefits duty employment livelihood projects stats api

.PHONY: install install-dev bytecode run test test-fast bench lint format browser clean

# `make run` installs what running needs (pyproject's dependencies); the test, lint and benchmark
# tools (the `dev` extra: pytest, ruff, mypy, playwright, pandas…) come with `make test` and co.
install: $(VENV)/.installed $(VENDOR)/.installed bytecode

install-dev: install $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
	   node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

# pip compiles the packages it installs, but not an editable install's own modules; where
# PYTHONDONTWRITEBYTECODE is set, every `fangpin` command would compile ~500 of them at its start
# (0.15 s of a small import). Only the stale ones are compiled again.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q $(PACKAGES)

# Debian's Chromium for the real-browser tests (Playwright drives it; it downloads no browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }

run: install
	FANGPIN_DEMO=1 $(BIN)/fangpin serve --port $(PORT)

test: install-dev browser
	FANGPIN_TESTING=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile

test-fast: install-dev
	FANGPIN_TESTING=1 $(BIN)/python -m pytest -q -x -m "not browser"

bench: install-dev
	$(BIN)/python bench/run.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	FANGPIN_TESTING=1 $(BIN)/mypy .
	FANGPIN_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
