# ICEband: `make demo` and `make test` are all a fresh machine needs.
# Each target installs what is missing (venv, pip packages, apt packages, npm packages)
# and is quick to re-run when nothing changed: every install step leaves a stamp.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := $(VENV)/.stamps

PYTEST_ARGS ?=

.PHONY: demo test setup clean

demo: setup
	$(BIN)/iceband demo

# pytest's exit 5 (no tests collected) is a failure, not a pass.
test: setup
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "make test: no tests ran" >&2; exit 1; fi; exit $$status

setup: $(STAMPS)/python $(STAMPS)/system $(STAMPS)/node

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/python: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[app,evm,dev]'
	mkdir -p $(STAMPS) && touch $@

$(STAMPS)/system: .ci/system-packages | $(BIN)/python
	bash .ci/install-system-packages
	mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json | $(BIN)/python
	npm install --no-audit --no-fund --silent
	mkdir -p $(STAMPS) && touch $@

clean:
	rm -rf $(VENV) node_modules test-output
