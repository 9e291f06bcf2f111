# The two commands: `make run` (embedded default) and `make test` (everything, on PostgreSQL
# and Redis). Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install system-packages messages openapi clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

system-packages:
	bash deploy/dev/system-packages.sh

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages -v0 --ignore .venv --ignore var --ignore node_modules

run: system-packages $(STAMP) messages
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --noinput -v0
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the logins above."
	env -u DATABASE_URL -u REDIS_URL DEBUG=$${DEBUG:-1} $(BIN)/uvicorn centrex.asgi:application --host $(HOST) --port $(PORT) --ws websockets

test: system-packages $(STAMP) messages
	eval "$$(bash deploy/dev/services.sh)" && \
	  CELERY_TASK_ALWAYS_EAGER=1 $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	bash deploy/dev/helm.sh lint --strict helm/centrex
	bash deploy/dev/helm.sh template centrex helm/centrex --set 'switchGateways[0].node=fs1' --set ingress.enabled=true >/dev/null

# The committed schema (docs/openapi.yaml); a test fails when it is out of date. Generating needs no
# database, but integer limits follow the PostgreSQL backend, hence the unused PostgreSQL URL.
openapi: $(STAMP)
	DATABASE_URL=postgres://openapi@127.0.0.1:1/openapi $(BIN)/python manage.py spectacular \
	  --file docs/openapi.yaml --validate --fail-on-warn

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
