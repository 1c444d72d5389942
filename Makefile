# Research compendium: UN casework for human rights defenders.
# `make report` builds the website, `make test` runs the tests; both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The locked environment: every package pinned with its hashes (make lock updates it).
LOCK   := requirements/lock.txt
UV     := uv==0.13.9
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help report test data validate bench clean lock dev package lab reference verify

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Install exactly the lock (hash-checked), then the package itself without resolving
# anything: its build backend (setuptools) comes from the lock too.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*; touch $@

report: $(STAMP) ## build the whole site from the default data into _site/ (PARAMS=file for another parameter set)
	$(BIN)/casework build $(if $(PARAMS),--params $(PARAMS))

test: $(STAMP) ## run the test suite
	$(BIN)/python -m pytest

reference: $(STAMP) ## build, then write reference/NAME.tsv: every recorded value at full precision (PARAMS=file for another set)
	$(BIN)/casework build $(if $(PARAMS),--params $(PARAMS))
	$(BIN)/casework reference $(if $(PARAMS),--params $(PARAMS))

verify: $(STAMP) ## rebuild and compare every recorded value with the committed reference (PARAMS=file)
	$(BIN)/casework verify $(if $(PARAMS),--params $(PARAMS))

data: $(STAMP) ## regenerate the synthetic default data (fixed seed) and its codebook
	$(BIN)/casework simulate --out data --calibration-seeds 20
	$(BIN)/casework codebook --out data/CODEBOOK.md

validate: $(STAMP) ## validate the data folder (DATA=dir, default data)
	$(BIN)/casework validate $(or $(DATA),data)

bench: $(STAMP) ## run the benchmarks (build, multiverse, power, recovery; each prints ratios)
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/multiverse.py
	$(BIN)/python benchmarks/power.py
	$(BIN)/python benchmarks/recovery.py
	$(BIN)/python benchmarks/scale.py

lock: ## re-resolve requirements/*.txt from pyproject.toml (uv, with hashes) and pin environment.yml
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet '$(UV)'
	.venv-lock/bin/uv pip compile pyproject.toml requirements/build.in --extra test \
	  --universal --python-version 3.10 --generate-hashes --custom-compile-command 'make lock' \
	  --quiet -o $(LOCK)
	.venv-lock/bin/uv pip compile pyproject.toml requirements/build.in --extra test --extra dev \
	  -c $(LOCK) --universal --python-version 3.10 --generate-hashes \
	  --custom-compile-command 'make lock' --quiet -o requirements/dev-lock.txt
	PYTHONPATH=src $(PYTHON) -m casework.replication.lockfile --lock $(LOCK) --out environment.yml

dev: $(STAMP) ## add JupyterLab from the dev lock (requirements/dev-lock.txt)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev-lock.txt

package: $(STAMP) ## write the deposit archive (replication package) of the last build
	$(BIN)/casework package

# JupyterLab reads overrides.json from <sys.prefix>/share/jupyter/lab/settings: set there,
# in the project's .venv only, jupytext's "Jupytext Notebook" as the default viewer of
# .py files, so a double click on notebooks/NN_name.py opens it as a notebook, and no
# news or update prompt (casework.lab_settings, which the JupyterLab test applies too).
# The server's root is the project, so analyses/ (the executed notebooks) is reachable
# too; the file browser opens in notebooks/. Its contents
# manager (casework.lab) hands out notebooks with the kernel's language_info, so opening
# one does not mark it modified.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

lab: dev ## JupyterLab for authors (the dev lock; .py notebooks open as notebooks)
	$(BIN)/jupytext-config --settings-file $(LAB_SETTINGS) set-default-viewer python
	$(BIN)/python -m casework.lab_settings $(LAB_SETTINGS)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  --ServerApp.contents_manager_class=casework.lab.ContentsManager

clean: ## remove build products (keeps .venv)
	rm -rf _site results _variables.yml .casework analyses notebooks/*.ipynb
