# The two commands: `make run` (demo on 127.0.0.1:8000 with a worker and beat) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= academy.settings.dev
export ACADEMIE_DEMO_PASSWORD ?= academie

.PHONY: run test install migrate demo messages check clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# English translations; without gettext the site still runs (in French) and the tests still pass.
messages: install
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv >/dev/null; \
	else echo "msgfmt (gettext) absent : traductions anglaises non compilées"; fi

migrate: install
	$(PY) manage.py migrate --noinput

# The demo's own notifications (assigned paths…) are not printed while seeding.
demo: migrate
	EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend $(PY) manage.py seed_demo --password "$$ACADEMIE_DEMO_PASSWORD"

run: demo messages
	$(PY) manage.py collectstatic --noinput >/dev/null
	scripts/run.sh

PYTEST_ARGS ?= -n 2 --dist loadgroup

test: install messages
	DJANGO_SETTINGS_MODULE=academy.settings.test $(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var/ .pytest_cache
