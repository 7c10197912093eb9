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

# torch is optional for users (the `torch` extra: nn.to_torch, bp --torch); the tests use it as a
# cross-check oracle, and this pin installs a local CPU build.
$(TESTS): $(BASE)
	$(PIP) install -e '.[test,notebooks,bench]' 'torch==2.13.0'
	touch $@

demo: $(BASE)
	mkdir -p out
	$(VENV)/bin/chainrule bp232 --graph out/bp232_graph.svg --network out/bp232_network.svg | tee out/bp232_report.txt
	@echo "wrote out/bp232_report.txt, out/bp232_graph.svg, out/bp232_network.svg"

test: $(TESTS)
	$(VENV)/bin/ruff check autograd nn viz chainrule tests bench
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(TESTS)
	for f in bench/*.py; do $(PY) $$f || exit 1; done

lint: $(TESTS)
	$(VENV)/bin/ruff check autograd nn viz chainrule tests bench

# The translations: each package (autograd, nn, viz, chainrule) keeps its catalog in its own locale/
# folder. Extract every _()/ngettext()/N_() message of the package, merge new ones into its
# Chinese catalog (translate them there), compile the .mo files that run.
I18N_PACKAGES := $(wildcard autograd nn viz chainrule)
catalogs: $(TESTS)
	for p in $(I18N_PACKAGES); do \
	  mkdir -p $$p/locale; \
	  $(VENV)/bin/pybabel -q extract --project chainrule --no-wrap --sort-by-file -o $$p/locale/$$p.pot $$p; \
	  if [ -f $$p/locale/zh/LC_MESSAGES/$$p.po ]; then \
	    $(VENV)/bin/pybabel -q update --no-wrap -i $$p/locale/$$p.pot -d $$p/locale -D $$p -l zh; \
	  else $(VENV)/bin/pybabel -q init --no-wrap -i $$p/locale/$$p.pot -d $$p/locale -D $$p -l zh; fi; \
	  $(VENV)/bin/pybabel -q compile -d $$p/locale -D $$p -l zh; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
