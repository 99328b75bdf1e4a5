# Two commands do everything on a fresh machine (Python 3.11 + Debian base):
#   make run   — virtualenv, install, migrate, demo data, serve API + pages + worker on :8000
#   make test  — virtualenv if missing, install (and Chromium + axe-core for tests/browser), the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests (tests/browser): Debian's Chromium (Playwright's own download does not
# work here) and axe-core from npm. A failed install does not stop `make test`: the browser
# tests then fail and say what is missing. Present files are not installed again.
CHROMIUM := /usr/bin/chromium
AXE_MAJOR := 4
AXE := var/node/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null 2>&1 || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Acquire::Retries=1 -o Acquire::http::Timeout=30

.PHONY: run test lint bench clean messages browser-tools

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

$(CHROMIUM):
	@if ! command -v apt-get >/dev/null 2>&1; then \
		echo "make: no apt-get: install Chromium at $(CHROMIUM) by hand; the browser tests fail without it"; \
	else \
		$(APT_INSTALL) chromium || { $(SUDO) apt-get update && $(APT_INSTALL) chromium; } || \
		echo "make: could not install chromium; the browser tests will fail until $(CHROMIUM) exists"; \
	fi

$(AXE):
	npm install --prefix var/node --no-audit --no-fund --loglevel=error axe-core@$(AXE_MAJOR) || \
		echo "make: could not install axe-core; the browser tests will fail until $(AXE) exists"

browser-tools: $(CHROMIUM) $(AXE)

test: $(STAMP) browser-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check fairs workers tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/fairs bench matching-greedy --json

# Page texts: re-extract each part of the site into fairs/web/locale/en/LC_MESSAGES/<part>.po
# (shared pages: messages.po), then fill in the new English msgstr.
PARTS := attendee staff employer organizer tours
messages: $(STAMP)
	cd fairs/web && ../../$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output \
	  -o locale/messages.pot pages/public.py view.py errors.py templates/*.html \
	  && ../../$(BIN)/pybabel update -i locale/messages.pot -d locale -l en -D messages --no-fuzzy-matching
	cd fairs/web && for part in $(PARTS); do \
	  [ -e pages/$$part.py ] || continue; \
	  ../../$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output -o locale/$$part.pot \
	    pages/$$part.py $$(ls pages/$${part}_*.py 2>/dev/null) $$( [ -d templates/$$part ] && echo templates/$$part ) \
	  && if [ -e locale/en/LC_MESSAGES/$$part.po ]; then \
	    ../../$(BIN)/pybabel update -i locale/$$part.pot -d locale -l en -D $$part --no-fuzzy-matching; \
	  else ../../$(BIN)/pybabel init -i locale/$$part.pot -d locale -l en -D $$part --no-wrap; fi; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache
