# Two commands matter: `make run` (whole system on SQLite with demo data) and `make test`.
# Both create the virtualenv and install what they need on a fresh machine (Python 3.11 + pip):
# the exact versions and hashes of requirements-dev.lock (runtime + dev tools), then this project
# itself without dependencies. `make lock` updates the lock files after pyproject.toml changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/uv/bin/uv
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 3
# uv installs from the lock in seconds; pinned so that every machine resolves the same way.
UV_VERSION ?= 0.13.9
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
              --custom-compile-command "make lock"

.PHONY: run test test-fast lint typecheck bench bench-smoke validators portal-tools lock lock-upgrade hooks clean asyncapi
JS_VERIFIER := verifier-js/node_modules/.installed

# A venv without ensurepip's pip (slow to create; the lock pins pip instead) and uv beside it.
$(UV):
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip install --quiet --target $(VENV)/uv "uv==$(UV_VERSION)"

# The client package's own dependencies are in the lock through the root's `dev` extra.
$(STAMP): requirements-dev.lock pyproject.toml clients/python/pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements-dev.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e . -e clients/python
	touch $(STAMP)

# Re-resolve after pyproject.toml changed, keeping every pin that still fits; the runtime lock
# (the images install it) is the dev lock without the dev tools, so both pin the same versions.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(UPGRADE) -o requirements-dev.lock
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -c requirements-dev.lock -o requirements.lock

# Move every pin to the newest release allowed by pyproject.toml (then run `make test`).
lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade

# the independent JavaScript verifier (docs/draw-spec.md), pinned by its package-lock.json
$(JS_VERIFIER): verifier-js/package-lock.json
	cd verifier-js && npm ci --no-audit --no-fund
	touch $(JS_VERIFIER)

run: $(STAMP)
	@bash services/portal/install-tools.sh --fonts || echo "warning: no CJK font; PDF reports answer 503 until fonts-wqy-zenhei is installed"
	$(PY) -m devtools.devstack

validators: $(STAMP)
	bash deploy/tools/install-validators.sh $(VENV)

# fonts for PDF reports, chromium + chromedriver and poppler for the portal's browser/PDF tests
portal-tools:
	bash services/portal/install-tools.sh

test: $(STAMP) validators portal-tools $(JS_VERIFIER)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test-fast: $(STAMP) $(JS_VERIFIER)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not broker and not e2e" --ignore=tests/deploy

lint: $(STAMP)
	$(VENV)/bin/ruff check shared services devtools tests bench clients
	$(VENV)/bin/ruff format --check shared services devtools tests bench clients

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared services devtools bench clients/python/qp_client tests

# The registry and credit targets are defined on 1,000,000 certificates / enterprises (issue 17);
# e.g. `make bench BENCH_ARGS="--size 1M --json docs/bench/figures.jsonl"` also keeps the figures.
BENCH_ARGS ?= --size 1M
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	$(PY) -m bench $(BENCH_ARGS)

# Every benchmark on tiny data with 1 s load runs, both databases: proves they all still run
# (CI). Figures are printed, never asserted. Uses wrk when present, httpx threads otherwise.
bench-smoke: $(STAMP)
	$(PY) -m bench --smoke

# docs/asyncapi.yaml from the committed contract schemas and samples (a test fails when stale)
asyncapi: $(STAMP)
	$(PY) -m devtools.asyncapi

# The git pre-commit hook (.pre-commit-config.yaml: ruff and mypy from this .venv).
hooks: $(STAMP)
	$(UV) tool run pre-commit@4.7.0 install

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
