# Two commands on a fresh Debian/Ubuntu machine: `make run` starts the kiosk, `make test`
# runs every test. Each installs what it needs, once: system packages, the virtual
# environment and the verified MediaPipe model files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run demo test models screens

run: $(INSTALLED) models
	@PYTHON=$(PYTHON) tools/system-packages.sh run
	$(BIN)/kiosk run

demo: $(INSTALLED) models
	@PYTHON=$(PYTHON) tools/system-packages.sh run
	$(BIN)/kiosk demo

test: $(INSTALLED) models
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

models: $(INSTALLED)
	@$(BIN)/kiosk models fetch

screens: $(INSTALLED) models
	@PYTHON=$(PYTHON) tools/system-packages.sh run
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py

$(INSTALLED): pyproject.toml tools/system-packages.sh
	@PYTHON=$(PYTHON) tools/system-packages.sh test
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@
