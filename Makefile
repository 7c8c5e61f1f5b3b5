# Tandem: `make run` starts the app on the embedded default; `make test` runs every check.
SHELL := /bin/bash
# A caller's exported shell options (SHELLOPTS=monitor) would give every command of a recipe its
# own process group, and Ctrl-C or a stop of `make run` would then miss the web server and worker.
unexport SHELLOPTS BASHOPTS
PYENV_PY := $(HOME)/.pyenv/versions/3.12.1/bin/python3.12
PYTHON ?= $(shell command -v $(PYENV_PY) >/dev/null 2>&1 && echo $(PYENV_PY) || command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000

TEST_ENV := DEBUG=0 SECRET_KEY=tandem-test-secret-key-not-for-production-0123456789 \
	SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tandem} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1}

# The embedded default of `make run`: DEBUG, SQLite and the filesystem broker under .run/
# (or TANDEM_RUN_DIR), whatever DATABASE_URL or REDIS_URL the calling shell may hold.
RUN_ENV := env -u DATABASE_URL -u REDIS_URL -u SECRET_KEY DEBUG=1 PYTHONUNBUFFERED=1

# A production-like environment for the deployment checklist: no DEBUG, a long random key.
DEPLOY_ENV = env -u DATABASE_URL -u REDIS_URL DEBUG=0 ALLOWED_HOSTS=tandem.example.com \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')

.PHONY: install run test lint services check-migrations check-deploy messages browser-deps
install: $(STAMP) $(MO_FILES)

# The exact versions come from requirements.lock (`make lock` refreshes it from pyproject.toml);
# the project itself is installed on top, without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e '.[dev]'
	@touch $(STAMP)

# Re-resolve pyproject.toml's ranges in a throw-away environment and pin the result.
.PHONY: lock
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(PYTHON) -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip && \
	"$$tmp/venv/bin/python" -m pip install --quiet -e '.[dev]' && \
	{ echo "# Pinned by \`make lock\` from pyproject.toml; \`make install\` installs exactly these."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable; } > requirements.lock

# Compiled with Babel (a runtime dependency), so running Tandem needs no system gettext.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D django -d locale -l $*

# After changing user-facing text: refresh the catalog, then translate the new entries.
messages: install
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l fr --no-location --no-obsolete \
		-i ".venv/*" -i "tests/*" -i "node_modules/*" -i ".run/*"

# mypy loads the settings (django-stubs): on the embedded default with a throw-away run
# folder, like check-migrations, so it needs no database server.
# `make audit` (below) is not part of lint: its two services do not answer from this project's
# machines, so it could only fail here (docs/operations.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && echo "mypy" && \
	$(RUN_ENV) TANDEM_RUN_DIR=$$tmp $(BIN)/mypy

# `make audit`: the locked Python packages against PyPI's vulnerability data (pip-audit; its
# per-release JSON API) and the front-end packages against the npm registry's advisories (npm
# audit). Both run, and the target fails if either fails. --strict makes a package that could
# not be looked up a failure, not a skipped line under a green "No known vulnerabilities".
.PHONY: audit
audit: install
	@status=0; \
	echo "pip-audit: requirements.lock"; \
	$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip --strict --progress-spinner off \
		|| { status=1; echo "pip-audit FAILED: a vulnerable pin, or a package it could not look up" >&2; }; \
	echo "npm audit: package-lock.json (dependencies vendored into static/vendor/)"; \
	npm audit --package-lock-only --omit=dev \
		|| { status=1; echo "npm audit FAILED: a vulnerable package, or no answer from the advisory endpoint" >&2; }; \
	exit $$status

# PostgreSQL and Redis must answer before pytest starts; say how to start them when they don't.
define SERVICES_CHECK
import os, sys
from urllib.parse import urlsplit

import psycopg
import redis

failures = []
database_url = os.environ["DATABASE_URL"]
if database_url.startswith(("postgres://", "postgresql://")):
    where = urlsplit(database_url)
    try:
        # The maintenance database: pytest-django creates test_<name> from there.
        psycopg.connect(database_url, dbname="postgres", connect_timeout=3).close()
    except psycopg.Error as error:
        failures.append(
            f"PostgreSQL is not reachable at {where.hostname}:{where.port or 5432} ({error}).\n"
            "  Start it with:\n"
            "    pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start"
        )
redis_url = os.environ["REDIS_URL"]
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
except redis.RedisError as error:
    where = urlsplit(redis_url)
    failures.append(
        f"Redis is not reachable at {where.hostname}:{where.port or 6379} ({error}).\n"
        "  Start it with:\n"
        '    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
    )
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("PostgreSQL and Redis answer.")
endef
export SERVICES_CHECK

services: install
	@$(TEST_ENV) $(BIN)/python -c "$$SERVICES_CHECK"

# Both run on a throw-away SQLite file: neither needs a database server.
check-migrations: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && echo "manage.py makemigrations --check" && \
	$(RUN_ENV) TANDEM_RUN_DIR=$$tmp $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && echo "manage.py check --deploy" && \
	$(DEPLOY_ENV) TANDEM_RUN_DIR=$$tmp $(BIN)/python manage.py check --deploy --fail-level WARNING

# The browser tests (tests/browser/) drive Debian's Chromium and inject axe-core from npm.
browser-deps:
	@test -x /usr/bin/chromium || { echo "Chromium is missing at /usr/bin/chromium: apt-get install -y chromium" >&2; exit 1; }
	@test -f node_modules/axe-core/axe.min.js || { command -v npm >/dev/null || { echo "npm is missing: apt-get install -y nodejs npm" >&2; exit 1; }; npm ci --silent; }

test: install lint services check-migrations check-deploy browser-deps
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# `make run`: web, worker and scheduler in the foreground; Ctrl-C (or SIGTERM) stops all three.
define RUN_SCRIPT
set -uo pipefail +m
pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "Stopping Tandem..."
    # runserver's autoreloader serves from a child process: stop it too.
    local all=("$${pids[@]}")
    for pid in "$${pids[@]}"; do all+=($$(pgrep -P "$$pid")); done
    kill -TERM "$${all[@]}" 2>/dev/null
    # A worker's warm shutdown finishes the task in hand: give it 20 s before SIGKILL.
    for _ in $$(seq 200); do
        kill -0 "$${all[@]}" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$${all[@]}" 2>/dev/null
    wait 2>/dev/null
    echo "Stopped."
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

$(BIN)/python manage.py runserver "$(HOST):$(PORT)" & pids+=($$!)
$(BIN)/celery -A collab worker --pool=solo --concurrency=1 -Q celery --loglevel=INFO & pids+=($$!)
$(BIN)/celery -A collab beat --loglevel=INFO & pids+=($$!)

for _ in $$(seq 60); do
    $(BIN)/python -c "import urllib.request; urllib.request.urlopen('http://$(HOST):$(PORT)/healthz', timeout=1)" 2>/dev/null && break
    sleep 0.5
done
cat <<BANNER

  Tandem is running at http://$(HOST):$(PORT)/   (Ctrl-C stops web, worker and scheduler)

  Log in as (every password: tandem-demo)
    admin@atelier.example            agency admin of the three engagements
    director@nordfer.example         e-commerce director, Nordfer Industrie (healthy team)
    director@maisonlila.example      e-commerce director, Maison Lila (warning)
    director@cavesaintroch.example   e-commerce director, Cave Saint-Roch (critical)
    julien.moreau@atelier.example    project manager, Nordfer Industrie

BANNER
# Any of the three stopping (a port in use, a crash) stops the others.
wait -n
status=$$?
echo "A Tandem process stopped (exit status $$status)."
exit "$$status"
endef
export RUN_SCRIPT

run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	@$(RUN_ENV) $(BIN)/python manage.py shell -v0 -c "import sys; from collab.models import Engagement; sys.exit(0 if Engagement.objects.exists() else 3)" \
		|| $(RUN_ENV) $(BIN)/python manage.py seed_demo
	@$(RUN_ENV) bash -c 'eval "$$RUN_SCRIPT"'

# `make vendor`: the front-end libraries pinned in package-lock.json, copied from npm into
# static/vendor/ (committed, with their licences), so that running Tandem needs no Node.
# Run it after changing a version in package.json (then `npm install` to refresh the lock).
VENDOR := static/vendor
.PHONY: vendor
vendor:
	npm ci --silent
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/tabler/css $(VENDOR)/tabler/js \
		$(VENDOR)/tabler-icons/fonts $(VENDOR)/htmx $(VENDOR)/sortablejs $(VENDOR)/chartjs
	cp node_modules/@tabler/core/dist/css/tabler.min.css* $(VENDOR)/tabler/css/
	cp node_modules/@tabler/core/dist/js/tabler.min.js* $(VENDOR)/tabler/js/
	@# Tabler ships no LICENSE file: its package.json (MIT) and the files' headers stand for it.
	cp node_modules/@tabler/core/package.json $(VENDOR)/tabler/
	cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css $(VENDOR)/tabler-icons/
	cp node_modules/@tabler/icons-webfont/dist/fonts/tabler-icons.{woff2,woff,ttf} $(VENDOR)/tabler-icons/fonts/
	cp node_modules/@tabler/icons-webfont/LICENSE $(VENDOR)/tabler-icons/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE $(VENDOR)/htmx/
	cp node_modules/sortablejs/Sortable.min.js node_modules/sortablejs/LICENSE $(VENDOR)/sortablejs/
	cp node_modules/chart.js/dist/chart.umd.min.js* node_modules/chart.js/LICENSE.md $(VENDOR)/chartjs/
	@du -sh $(VENDOR)

# `make bench`: seeds 100,000 tickets in a PostgreSQL database of its own (created if missing,
# BENCH_DATABASE_URL to change it) and prints the timings of the backlog list API and page, the
# list's requests per second under wrk (apt-get install wrk; gunicorn, 2 workers), a
# 5,000-row Jira import, the dashboard, the reminder sweep, review snapshots and diffs, and the
# API while Redis is frozen (gunicorn and a Redis of its own).
# BENCH_ARGS="--quick" for a smoke run, BENCH_ARGS="--only backlog" for one part.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tandem_bench
# DEBUG off, as in production (the test client's host allowed, no HTTPS redirect).
BENCH_ENV := env -u REDIS_URL DEBUG=0 SECRET_KEY=tandem-bench-secret-key-not-for-production-0123456789 \
	SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	DATABASE_URL=$(BENCH_DATABASE_URL)

define BENCH_DB_CREATE
import os
from urllib.parse import urlsplit

import psycopg

url = os.environ["DATABASE_URL"]
name = urlsplit(url).path.lstrip("/")
with psycopg.connect(url, dbname="postgres", autocommit=True) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        connection.execute(f'CREATE DATABASE "{name}"')
        print(f"Database {name} created.")
endef
export BENCH_DB_CREATE

.PHONY: bench
bench: install
	@$(BENCH_ENV) $(BIN)/python -c "$$BENCH_DB_CREATE"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py bench $(BENCH_ARGS)

# Refresh docs/screenshots/director-home.png (shown in the README) from the director journey.
.PHONY: readme-screenshot
readme-screenshot: install browser-deps
	UPDATE_README_SCREENSHOT=1 $(TEST_ENV) $(BIN)/python -m pytest tests/browser/test_director_journey.py -q
