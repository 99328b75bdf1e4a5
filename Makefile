# Two commands do everything on a fresh machine (Python 3.11 + Debian base):
#   make run   — virtualenv, install, migrate, demo data, serve API + pages + worker on :8000
#   make test  — virtualenv if missing, install, the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/fairs migrate
	FAIRS_PASSWORD_HASH_COST=$${FAIRS_PASSWORD_HASH_COST:-fast} $(BIN)/fairs seed-demo
	$(BIN)/fairs up

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check fairs workers tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/fairs bench matching-greedy --json

clean:
	rm -rf $(VENV) var .pytest_cache
