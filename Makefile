# The two README commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev lint format init demo bench clean translations messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

## The interface's translations: the reviewed .po files are committed, the compiled .mo are
## built here (never committed), so `make run` and `make test` on a fresh clone have them.
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
translations: $(MO)
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile --use-fuzzy -d translations -l $* -i $< -o $@

## make messages: after changing interface text, extract it and update every .po to translate
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o translations/messages.pot --no-location --omit-header --sort-output --ignore-dirs='.venv tests bench build' .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --width 100
	@# no creation date in the header: it changed on every run and made every two branches conflict
	sed -i '/^"POT-Creation-Date:/d' translations/*/LC_MESSAGES/messages.po

init: install
	$(BIN)/linkage init

demo: init
	$(BIN)/linkage demo --if-empty

## make run: install, create the SQLite database, load the demo directory if empty, serve on :5000
## (plain HTTP on this machine, so development mode: the session cookie is not marked Secure)
run: demo
	LINKAGE_ENV=$${LINKAGE_ENV:-development} $(BIN)/linkage run --host 127.0.0.1 --port 5000

## make test: install the dev extra, check lint and layout contracts, run the whole suite
## on every core with line coverage (the figure is printed at the end; see [tool.coverage])
TEST_WORKERS ?= auto
# Coverage through sys.monitoring where the interpreter has it (3.12+; see .python-version), the
# C tracer before: the suite's CPU time with coverage fell by half (tests/catalog: 74 s -> 34 s).
CORE := import sys; print("sysmon" if sys.version_info >= (3, 12) else "ctrace")
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	COVERAGE_CORE=$${COVERAGE_CORE:-$$($(BIN)/python -c '$(CORE)')} $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --cov --cov-report=
	@echo "coverage (lines): $$($(BIN)/coverage report --format=total)%"
	@$(BIN)/coverage report --format=total >/dev/null

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	@for b in bench/*/run.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) instance .pytest_cache .coverage .coverage.*
