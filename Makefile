# The two commands: `make run` serves the demo, `make test` runs the suite. Both set everything up first.
PORT ?= 5000
FLASK := .venv/bin/flask --app geo_app

.PHONY: run test lint setup setup-test db demo bench stop-db

setup:
	bash scripts/bootstrap.sh run

setup-test:
	bash scripts/bootstrap.sh test

db: setup
	$(FLASK) db upgrade
	$(FLASK) load-demo --if-empty

run: db
	@echo "serving http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	PORT=$(PORT) scripts/serve.sh

test: setup-test
	.venv/bin/python -m pytest

# Lint and types (configured in pyproject.toml); needs no database.
lint: setup-test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: setup-test
	.venv/bin/python -m bench $(BENCH)

stop-db:
	.venv/bin/python -c "from geo_app import localdb; localdb.stop()"
