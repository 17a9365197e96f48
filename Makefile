# Two commands: `make run` (set up and start on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test setup prod bench-import bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime  ## install, migrate, demo data, first admin
	$(BIN)/flask db upgrade
	$(BIN)/flask demo setup

run: setup  ## serve on http://127.0.0.1:5000
	$(BIN)/flask run --host $(HOST) --port $(PORT)

prod: $(VENV)/.runtime  ## production: migrate, then gunicorn (deploy/gunicorn.conf.py); README "Running in production"
	deploy/start.sh

test: $(VENV)/.dev  ## the whole suite: SQLite, PostgreSQL, headless Chromium
	$(BIN)/python -m pytest -q

bench-import: $(VENV)/.runtime
	$(BIN)/python bench/import_speed.py

bench-load: $(VENV)/.dev  ## 50 clients x 60 s against gunicorn + a throwaway PostgreSQL (loopback only)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV)
