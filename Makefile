# Research compendium: UN casework for human rights defenders.
# `make report` builds the website, `make test` runs the tests; both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help report test data validate bench clean lab

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*; touch $@

report: $(STAMP) ## build the whole site from the default data into _site/
	$(BIN)/casework build

test: $(STAMP) ## run the test suite
	$(BIN)/python -m pytest

data: $(STAMP) ## regenerate the synthetic default data (fixed seed) and its codebook
	$(BIN)/casework simulate --out data --calibration-seeds 20
	$(BIN)/casework codebook --out data/CODEBOOK.md

validate: $(STAMP) ## validate the data folder (DATA=dir, default data)
	$(BIN)/casework validate $(or $(DATA),data)

bench: $(STAMP) ## run the benchmarks (build, multiverse, power; each prints ratios)
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/multiverse.py
	$(BIN)/python benchmarks/power.py

# JupyterLab reads overrides.json from <sys.prefix>/share/jupyter/lab/settings: set there,
# in the project's .venv only, jupytext's "Jupytext Notebook" as the default viewer of
# .py files, so a double click on notebooks/NN_name.py opens it as a notebook.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

lab: $(STAMP) ## JupyterLab for authors (installs the dev extra; .py notebooks open as notebooks)
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/jupytext-config --settings-file $(LAB_SETTINGS) set-default-viewer python
	$(BIN)/jupyter lab notebooks/

clean: ## remove build products (keeps .venv)
	rm -rf _site results _variables.yml .casework analyses notebooks/*.ipynb
