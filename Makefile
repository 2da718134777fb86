# make run  : a working helpdesk on http://127.0.0.1:8000 with SQLite and an embedded broker.
# make test : the whole suite (uses DATABASE_URL / REDIS_URL when set).
# make .env : docker compose settings with fresh random secrets (see .env.example).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The suite runs on this many processes (pytest-xdist; 1 = no xdist). Each has its own test database and
# its own Redis database (tests/settings.py).
TEST_WORKERS ?= 2
STAMP := $(VENV)/.installed

.PHONY: run test venv lint fmt clean migrate demo messages catalogues

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1; then uv pip install --python $(PY) -q -e '.[dev]'; \
	 else $(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q uv && $(VENV)/bin/uv pip install --python $(PY) -q -e '.[dev]'; fi
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=true $(PY) manage.py load_demo

run: venv
	@DEBUG=true PORT=$(PORT) PY=$(PY) bash bin/run-dev

test: venv
	$(PY) -m pytest $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS)) $(PYTEST_ARGS)

# Compile locale/*.po to the committed .mo files with polib (pure Python: no gettext needed).
catalogues: venv
	DEBUG=true $(PY) manage.py compile_catalogues

# Extract marked strings into locale/*.po (needs GNU gettext's xgettext: translators' machines only).
messages: venv
	DEBUG=true $(PY) manage.py makemessages -l de -l fr --no-obsolete --add-location file -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*'
	DEBUG=true $(PY) manage.py makemessages -d djangojs -l de -l fr --no-obsolete --add-location file -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*' -i 'static/vendor/*' -i 'staticfiles/*'

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Never remade once it exists: the database volume keeps the first POSTGRES_PASSWORD.
.env:
	$(PYTHON) bin/make-env $@

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles .pytest_cache
