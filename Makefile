# The README's commands. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# make run is for trying the app out: sign-off links may use the address you reached it
# at when PUBLIC_BASE_URL is not set. DEVELOPMENT=0 behaves as a deployment would.
DEVELOPMENT ?= 1
# One pytest worker per CPU (pytest-xdist); PYTEST_ARGS="-n 0" runs them in one process.
PYTEST_ARGS ?= -n auto

.PHONY: run test install install-test lint bench soak demo lighthouse clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

run: install
	$(BIN)/flask --app app db upgrade
	DEVELOPMENT=$(DEVELOPMENT) $(BIN)/gunicorn --config gunicorn.conf.py --workers 2 --bind $(HOST):$(PORT) --access-logfile - app:app

test: install-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r coach -ll
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

demo: install
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data

# The load generator is wrk (a C program: a Python client would take the CPU the server
# needs). Installed from Debian's packages when missing and we are root.
bench: install-test
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || \
	  { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || true
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# Lighthouse (pinned in tools/lighthouse; 12.x runs on Node 20) against a throwaway
# demo served on loopback, LIGHTHOUSE_RUNS audits per page (see scripts/lighthouse.py).
# npm ci runs no install scripts and nothing downloads a browser: Debian's Chromium.
LIGHTHOUSE_PORT ?= 5801
LIGHTHOUSE_RUNS ?= 3
CHROME_PATH ?= /usr/bin/chromium

tools/lighthouse/node_modules/.package-lock.json: tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --ignore-scripts --no-audit --no-fund

lighthouse: install tools/lighthouse/node_modules/.package-lock.json
	CHROME_PATH=$(CHROME_PATH) $(BIN)/python scripts/lighthouse.py \
		--runs $(LIGHTHOUSE_RUNS) --port $(LIGHTHOUSE_PORT)

soak: install
	$(BIN)/python -m soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache tools/lighthouse/node_modules
