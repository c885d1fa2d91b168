# One entry point per developer action.
.PHONY: demo test test-fast bench serve lint setup

setup:
	scripts/setup.sh

demo:
	scripts/demo.sh

test:
	scripts/test.sh

test-fast: setup
	.venv/bin/python -m pytest -n 2 -m "not slow and not browser"

bench: setup
	.venv/bin/python bench/run_all.py

serve: setup
	.venv/bin/ressursbank serve

lint: setup
	.venv/bin/ruff check ressursbank tests bench
	.venv/bin/ruff format --check ressursbank tests bench
	.venv/bin/mypy
	.venv/bin/lint-imports
