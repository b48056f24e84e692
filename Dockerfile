# syntax=docker/dockerfile:1
#
# One image recipe for every service. Build from the repository root (the context needs shared/):
#
#   docker build --build-arg SERVICE=registry   --build-arg PORT=8001 -t quality-platform/registry:dev .
#   docker build --build-arg SERVICE=inspection --build-arg PORT=8002 -t quality-platform/inspection:dev .
#   docker build --build-arg SERVICE=credit     --build-arg PORT=8003 -t quality-platform/credit:dev .
#
# The default command runs the service's API on 0.0.0.0:$PORT. The other processes of the service
# run from the same image by overriding the command (docker-compose.yml and deploy/k8s do):
#
#   python -m services.<service>.entrypoints.migrate      (one-shot: alembic upgrade head)
#   python -m services.<service>.entrypoints.relay run    (outbox relay, metrics on :9100)
#   python -m services.<service>.entrypoints.consumer     (Kafka consumer, metrics on :9100)
#   python -m services.<service>.entrypoints.scheduler    (periodic jobs, metrics on :9100)
#
# Workers have no /healthz: point the health check at their metrics port with
# HEALTHCHECK_URL=http://127.0.0.1:9100/metrics (docker-compose.yml does this).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtualenv with the runtime dependencies only (never the dev tools) -------------
# requirements.lock pins every package with its hashes (`make lock` writes it from pyproject.toml),
# so an image built today and one built next year carry the same code.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps --requirement requirements.lock

# ---- runtime: slim base, the venv, this service's code, a non-root user -----------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG PORT
# Fail the build early on a missing or mismatched service / port pair.
RUN case "${SERVICE}:${PORT}" in \
      registry:8001|inspection:8002|credit:8003) ;; \
      *) echo "build with --build-arg SERVICE=registry|inspection|credit and its PORT" >&2; exit 1 ;; \
    esac
# Each service reads only its own prefix, so setting all three is harmless and keeps ENV static.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SERVICE=${SERVICE} \
    REGISTRY_HOST=0.0.0.0 \
    REGISTRY_PORT=8001 \
    INSPECTION_HOST=0.0.0.0 \
    INSPECTION_PORT=8002 \
    CREDIT_HOST=0.0.0.0 \
    CREDIT_PORT=8003 \
    HEALTHCHECK_URL=http://127.0.0.1:${PORT}/healthz
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Code stays owned by root and read-only for the service user; the image also runs with a
# read-only root filesystem (Kubernetes mounts an emptyDir on /tmp). Only shared/ and this
# service's package: services never import each other, and never devtools/ (make run, demo
# data, test harness; tests/deploy/test_deploy_layering.py keeps it that way).
COPY shared/ shared/
COPY services/__init__.py services/__init__.py
COPY services/${SERVICE}/ services/${SERVICE}/
RUN python -m compileall -q shared services
USER 10001:10001
EXPOSE ${PORT} 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4)"]
STOPSIGNAL SIGTERM
# exec: the API replaces the shell, so it is PID 1's child that receives SIGTERM directly.
CMD ["/bin/sh", "-c", "exec python -m \"services.${SERVICE}.entrypoints.api\""]
