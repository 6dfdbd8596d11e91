# Everyday commands. PYTHON defaults to the project's virtualenv.
PYTHON ?= .venv/bin/python
# The library (inngest_sim) and its first user, the lecture-media product (product/).
SOURCES = inngest_sim _inngest_sim_pytestplugin.py product tests benchmarks conftest.py

.PHONY: install demo test fmt lint typecheck docs bench

# Both distributions, editable: the library with every extra, the product with its demo.
.venv/bin/python:
	python3 -m venv .venv
	.venv/bin/python -m pip install --quiet --upgrade pip
	.venv/bin/python -m pip install --quiet -e '.[all,test,docs]' -e './product[demo,test]'

install: .venv/bin/python

# The project's own virtualenv is made on first use; CI passes PYTHON=python.
NEEDS_VENV = $(if $(filter .venv/bin/python,$(PYTHON)),install)

demo: $(NEEDS_VENV)
	$(PYTHON) -m pipelines demo

test: $(NEEDS_VENV)
	$(PYTHON) -m pytest -q -p no:cacheprovider

fmt: $(NEEDS_VENV)
	$(PYTHON) -m ruff format $(SOURCES)
	$(PYTHON) -m ruff check --fix --unsafe-fixes $(SOURCES)

lint: $(NEEDS_VENV)
	$(PYTHON) -m ruff check $(SOURCES)
	$(PYTHON) -m ruff format --check $(SOURCES)

typecheck: $(NEEDS_VENV)
	$(PYTHON) -m mypy

docs: $(NEEDS_VENV)
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --quiet

# The benchmarks draw their PNG with matplotlib (the bench extra).
bench: $(NEEDS_VENV)
	$(PYTHON) -m pip install --quiet -e '.[bench]'
	$(PYTHON) benchmarks/run.py
