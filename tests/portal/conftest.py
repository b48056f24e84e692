"""A running system for the portal's tests: the three services' APIs as real processes on demo
data (seeded through their service layers as ``make run`` does) and the portal itself, each on
a free port. Module-independent, one per test session (xdist group ``portal``).

``stack`` runs on SQLite and serves every portal test. ``backend_stack`` is parametrised on
SQLite (the same ``stack``) and PostgreSQL (``pg_stack``: fresh databases, less demo data):
only the smoke of the main pages (test_smoke.py) runs on both, because a second full stack per
test would cost minutes of the suite's budget."""

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.demo import demo_enterprises
from devtools.testing.broker import free_port
from devtools.testing.databases import create_postgres_database, drop_postgres_database
from shared.migrations import upgrade
from shared.processes import die_with_parent
from tests.conftest import _require_postgres

UPSTREAMS = ("registry", "inspection", "credit")
# Smaller than `make run` (the pages need variety, not volume).
SEED_COUNTS = {"registry": 400, "credit": 150}
# The PostgreSQL smoke needs every page to have something to show, nothing more.
SMOKE_SEED_COUNTS = {"registry": 40, "credit": 20}


@dataclass
class PortalStack:
    root: Path
    backend: str = "sqlite"
    seed_counts: dict[str, int] = field(default_factory=lambda: dict(SEED_COUNTS))
    databases: dict[str, str] = field(default_factory=dict)
    # the services' read-model refresh: fast for the tests that change data and look again
    cache_refresh_seconds: str = "0.1"
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    @property
    def portal(self) -> str:
        return self.url("portal")

    def client(self, service: str = "portal", **headers: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url(service), timeout=30, headers=headers, follow_redirects=True
        )

    def start(self) -> "PortalStack":
        """Migrate one by one (Alembic's context is process-global), start the portal, then
        seed the three services at once (mostly database round trips) and start them (from
        this thread: ``preexec_fn`` is not safe to fork from several threads)."""
        self.ports = {name: free_port() for name in (*UPSTREAMS, "portal")}
        urls = {}
        for name in UPSTREAMS:
            urls[name] = self._database(name)
            upgrade(_service(name).service_dir, urls[name])
        self._spawn_portal()
        with ThreadPoolExecutor(len(UPSTREAMS)) as pool:
            for done in [pool.submit(self._seed, n, urls[n]) for n in UPSTREAMS]:
                done.result()
        for name in UPSTREAMS:
            self._spawn_upstream(name, urls[name])
        self._wait()
        return self

    def _seed(self, name: str, url: str) -> None:
        svc = _service(name)
        counts = self.seed_counts
        seed = partial(svc.seed, count=counts[name]) if name in counts else svc.seed
        seed(url)

    def _spawn_upstream(self, name: str, url: str) -> None:
        p = name.upper() + "_"
        self._spawn(
            name,
            {
                f"{p}DATABASE_URL": url,
                f"{p}PORT": str(self.ports[name]),
                f"{p}ENVIRONMENT": "test",
                f"{p}LOG_JSON": "false",
                f"{p}CACHE_REFRESH_SECONDS": self.cache_refresh_seconds,
                f"{p}KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",  # reads need no broker
            },
        )

    def _spawn_portal(self) -> None:
        self._spawn(
            "portal",
            {
                "PORTAL_PORT": str(self.ports["portal"]),
                "PORTAL_ENVIRONMENT": "test",
                "PORTAL_LOG_JSON": "false",
                "PORTAL_PUBLIC_URL": self.url("portal"),
                "PORTAL_SIGNING_KEY_FILE": str(self.root / "signing-key.pem"),
                # the portal's own mirror of the disclosure feed (dishonesty-list searches)
                "PORTAL_MIRROR_URL": f"sqlite:///{self.root / 'portal-mirror.db'}",
                "PORTAL_MIRROR_POLL_SECONDS": "2",
                **{f"PORTAL_{n.upper()}_URL": self.url(n) for n in UPSTREAMS},
            },
        )

    def _database(self, name: str) -> str:
        if self.backend == "postgresql":
            url = create_postgres_database(f"portal_{name}")
        else:
            url = f"sqlite:///{self.root / f'{name}.db'}"
        self.databases[name] = url
        return url

    def _spawn(self, name: str, env: dict[str, str]) -> None:
        with (self.root / f"{name}.log").open("ab") as log:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}.entrypoints.api"],
                    env={**os.environ, **env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=die_with_parent,  # noqa: PLW1509
                )
            )

    def _wait(self, timeout: float = 180) -> None:  # loaded boxes start four servers slowly
        deadline = time.monotonic() + timeout
        for name in self.ports:
            while True:
                try:
                    if httpx.get(self.url(name, "/healthz"), timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                    raise RuntimeError(f"{name} did not come up; logs in {self.root}")
                time.sleep(0.2)

    def stop(self) -> None:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for url in self.databases.values():
            if url.startswith("postgresql"):
                drop_postgres_database(url)


def _service(name: str) -> Any:
    return importlib.import_module(f"devtools.services.{name}.devstack").SERVICE


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalStack]:
    running = PortalStack(root=tmp_path_factory.mktemp("portal")).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalStack]:
    """Module-scoped: it stops (and its databases go) as soon as the smoke is done."""
    _require_postgres()
    running = PortalStack(
        root=tmp_path_factory.mktemp("portal-pg"),
        backend="postgresql",
        seed_counts=dict(SMOKE_SEED_COUNTS),
        cache_refresh_seconds="5",  # nothing changes the data under the smoke
    )
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend_stack(request: pytest.FixtureRequest) -> PortalStack:
    """The running system on each database: for the smoke of the main pages only."""
    stack: PortalStack = request.getfixturevalue(
        "stack" if request.param == "sqlite" else "pg_stack"
    )
    return stack


@pytest.fixture(scope="session")
def listed_uscc() -> str:
    """Demo enterprise 1 is on the dishonesty list (devtools/services/credit/seed.py)."""
    return demo_enterprises()[1].uscc


@pytest.fixture(scope="package")
def certificate_number(stack: PortalStack) -> str:
    return first_certificate(stack)


def first_certificate(stack: PortalStack) -> str:
    with stack.client("registry") as registry:
        for e in demo_enterprises()[5:60]:
            page = registry.get("/public/certificates", params={"holder_uscc": e.uscc}).json()
            if page["items"]:
                return str(page["items"][0]["number"])
    raise AssertionError("the demo data has no certificate")
