# Everyday commands. PYTHON defaults to the project's virtualenv.
PYTHON ?= .venv/bin/python

.PHONY: install demo test fmt lint typecheck docs bench

.venv/bin/python:
	python3 -m venv .venv
	.venv/bin/python -m pip install --quiet -e '.[test,docs]'

install: .venv/bin/python

# The project's own virtualenv is made on first use; CI passes PYTHON=python.
NEEDS_VENV = $(if $(filter .venv/bin/python,$(PYTHON)),install)

demo: $(NEEDS_VENV)
	$(PYTHON) -m inngest_sim demo

test: $(NEEDS_VENV)
	$(PYTHON) -m pytest -q -p no:cacheprovider

fmt: $(NEEDS_VENV)
	$(PYTHON) -m ruff format inngest_sim pipelines tests benchmarks conftest.py
	$(PYTHON) -m ruff check --fix --unsafe-fixes inngest_sim pipelines tests benchmarks conftest.py

lint: $(NEEDS_VENV)
	$(PYTHON) -m ruff check inngest_sim pipelines tests benchmarks conftest.py
	$(PYTHON) -m ruff format --check inngest_sim pipelines tests benchmarks conftest.py

typecheck: $(NEEDS_VENV)
	$(PYTHON) -m mypy

docs: $(NEEDS_VENV)
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --quiet

bench: $(NEEDS_VENV)
	$(PYTHON) benchmarks/run.py
