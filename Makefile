# gradus. `make run` starts the app with its workers and beat; `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

UV := .tools/bin/uv
BIN := .venv/bin
# Use the Python 3.11 already on the machine; uv must not download an interpreter.
export UV_PYTHON_DOWNLOADS := never

.PHONY: help bootstrap run test test-fast test-browser bench lint typecheck format clean

# $(call apt_install,PACKAGE,TARGET,WHAT,NEEDS): a shell command that installs the Debian
# PACKAGE that WHAT (say, the API benchmark) NEEDS (needs wrk) when run as root, and otherwise
# says how to; TARGET names the make target in what it prints.
apt_install = if [ "$$(id -u)" = 0 ]; then \
		echo "$(2): installing $(1) (Debian package) for $(3)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q $(1) >/dev/null \
			|| { apt-get update -q >/dev/null && apt-get install -y -q $(1) >/dev/null; }; \
	else \
		echo "$(2): $(3) $(4): sudo apt-get install $(1)"; \
	fi

help:
	@echo "make run        migrate, then serve http://127.0.0.1:8000 with Celery workers and beat"
	@echo "make test       lint, format check, types and the whole test suite (what CI runs;"
	@echo "                hypothesis' full profile, every example count the tests ask for)"
	@echo "make test-fast  the local loop, under 90 s: tests not marked slow (the route matrix,"
	@echo "                schemathesis, subprocesses, browsers), hypothesis' fast profile"
	@echo "                (HYPOTHESIS_PROFILE=fast: 5 examples a property, tests/hypothesis_profiles.py)"
	@echo "make bench      the benchmarks: planner, API under gunicorn, reminders (docs/benchmarks.md)"
	@echo "make lint | typecheck | format | clean"

# uv itself is pinned and kept out of the project's environment.
$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

# The translations in locale/ are compiled here (their .mo files are never committed), with
# Debian's gettext, installed when missing as Chromium is.
bootstrap: $(UV)
	$(UV) sync --frozen
	@if ! command -v msgfmt >/dev/null; then \
		$(call apt_install,gettext,make,the translations,need msgfmt); \
	fi
	@if command -v msgfmt >/dev/null; then \
		for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po"; done; \
	fi

run: bootstrap
	$(BIN)/python manage.py webpush_dev_keys
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_reminders
	@$(BIN)/python manage.py check_services
	@echo "gradus: http://127.0.0.1:8000 (health at /healthz). Ctrl-C stops web, workers and beat."
	exec $(BIN)/honcho start --procfile Procfile

test: bootstrap test-browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	HYPOTHESIS_PROFILE=full $(BIN)/pytest -n 2

# The loop to run while working: no lint, no slow tests, fewer hypothesis examples. `make test`
# still runs everything before a commit goes to CI.
# The loop keeps Python's compiled files (__pycache__, ignored by git) even where the shell says
# not to write them: compiling the tests and their assertion rewrites again costs each run about
# ten seconds. schemathesis builds its cases from the whole schema while collecting, and all
# of them are slow, so its module is not even collected here.
test-fast: export PYTHONDONTWRITEBYTECODE :=
test-fast: bootstrap
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -n 2 -m "not slow" --ignore tests/programs/test_api_schemathesis.py

# The end-to-end tests drive Debian's Chromium (Playwright's own browser download cannot work
# here; PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD keeps it from trying) and run axe-core in it, from the
# npm registry at the version package-lock.json pins. Chromium is installed here when run as root.
test test-browser: export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
test-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(call apt_install,chromium,make test,the end-to-end tests,need Chromium); \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		if command -v npm >/dev/null; then \
			echo "make test: installing axe-core from the npm registry (package-lock.json)"; \
			npm ci --no-audit --no-fund --loglevel=error; \
		else \
			echo "make test: the accessibility checks need npm: sudo apt-get install npm"; \
		fi; \
	fi

# The API benchmark loads gunicorn with wrk, a Debian package: installed here when run as root.
bench: bootstrap
	@if ! command -v wrk >/dev/null; then \
		$(call apt_install,wrk,make bench,the API benchmark,needs wrk); \
	fi
	$(BIN)/python -m bench

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: bootstrap
	$(BIN)/mypy

format: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Caches only: var/ (the development database) and the environments stay.
clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -print \
		| xargs rm -rf
