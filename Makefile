# Two commands matter: `make run` (whole system on SQLite with demo data) and `make test`.
# Both create the virtualenv and install what they need on a fresh machine (Python 3.11).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 3

.PHONY: run test test-fast lint typecheck bench validators portal-tools clean
JS_VERIFIER := verifier-js/node_modules/.installed

$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -e clients/python
	touch $(STAMP)

# the independent JavaScript verifier (docs/draw-spec.md), pinned by its package-lock.json
$(JS_VERIFIER): verifier-js/package-lock.json
	cd verifier-js && npm ci --no-audit --no-fund
	touch $(JS_VERIFIER)

run: $(STAMP)
	@bash services/portal/install-tools.sh --fonts || echo "warning: no CJK font; PDF reports answer 503 until fonts-wqy-zenhei is installed"
	$(PY) -m shared.devstack

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
	$(VENV)/bin/ruff check shared services tests bench clients
	$(VENV)/bin/ruff format --check shared services tests bench clients

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared services clients/python/qp_client

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	$(PY) -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
