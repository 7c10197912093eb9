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

.PHONY: demo test bench lint catalogs clean

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

# The translations (nn/locale): extract every _()/ngettext()/N_() message from the code,
# merge new ones into the Chinese catalog (translate them there), compile the .mo files.
CATALOG := nn/locale
catalogs: $(TESTS)
	$(VENV)/bin/pybabel -q extract --project chainrule --no-wrap --sort-by-file \
	    -o $(CATALOG)/chainrule.pot $(wildcard autograd nn viz chainrule)
	$(VENV)/bin/pybabel -q update --no-wrap -i $(CATALOG)/chainrule.pot -d $(CATALOG) -D chainrule -l zh
	$(VENV)/bin/pybabel -q compile --statistics -d $(CATALOG) -D chainrule -l zh

clean:
	rm -rf $(VENV) build *.egg-info
