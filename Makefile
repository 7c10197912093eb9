# Each target sets up everything it needs: a .venv with the project and its
# dependencies (no system package). Re-running skips what is already done.
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
BASE   := $(VENV)/.base-installed
TESTS  := $(VENV)/.test-installed

.PHONY: demo test bench lint clean

$(BASE): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[plot]'
	touch $@

# torch is only a cross-check oracle in tests: this pin installs a local CPU build.
$(TESTS): $(BASE)
	$(PIP) install -e '.[test,notebooks,bench]' 'torch==2.13.0'
	touch $@

demo: $(BASE)
	mkdir -p out
	$(VENV)/bin/chainrule bp232 --graph out/bp232_graph.svg --network out/bp232_network.svg | tee out/bp232_report.txt
	@echo "wrote out/bp232_report.txt, out/bp232_graph.svg, out/bp232_network.svg"

test: $(TESTS)
	$(VENV)/bin/ruff check autograd nn viz tests bench
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(TESTS)
	for f in bench/*.py; do $(PY) $$f || exit 1; done

lint: $(TESTS)
	$(VENV)/bin/ruff check autograd nn viz tests bench

clean:
	rm -rf $(VENV) build *.egg-info
