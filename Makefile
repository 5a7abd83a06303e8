# The two commands a newcomer needs: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test unit kafka-up kafka-down clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/dcs demo

# The whole suite: unit, integration (real broker, started by the test session) and e2e.
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: setup
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

kafka-up: setup
	$(BIN)/dcs kafka up

kafka-down: setup
	$(BIN)/dcs kafka down

clean:
	-$(BIN)/dcs kafka down
	rm -rf .data .pytest_cache .hypothesis
