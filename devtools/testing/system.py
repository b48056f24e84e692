"""The whole system as real processes (APIs, relays, consumers) for end-to-end tests and the
propagation benchmark: one database per service (PostgreSQL unless ``backend`` says SQLite)
and the real test broker."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devtools.testing.broker import TestBroker, free_port
from devtools.testing.databases import drop_database, new_database
from shared.auth.tokens import dev_token
from shared.processes import die_with_parent

SERVICES = ("registry", "inspection", "credit")
ROLES = ("api", "relay", "consumer")


@dataclass
class ManagedProcess:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # noqa: PLW1509
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if not self.alive:
            return
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        self.stop(signal.SIGKILL)


@dataclass
class System:
    root: Path
    broker: TestBroker
    backend: str = "postgresql"  # or "sqlite": the services' embedded default
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # service -> database URL
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def env(self, service: str) -> dict[str, str]:
        p = service.upper() + "_"
        return {
            **os.environ,
            f"{p}DATABASE_URL": self.urls[service],
            f"{p}KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            f"{p}HOST": "127.0.0.1",
            f"{p}PORT": str(self.ports[service]),
            f"{p}ENVIRONMENT": "test",
            f"{p}LOG_JSON": "false",
            f"{p}CACHE_REFRESH_SECONDS": "0.1",
            # the whole-system flows draw on the server's seed (contributions: tests/inspection)
            **({f"{p}DRAW_CONTRIBUTIONS_REQUIRED": "0"} if service == "inspection" else {}),
            **self.extra_env.get(service, {}),
        }

    def start(self) -> "System":
        from shared.migrations import upgrade  # noqa: F401 - new_database migrates

        for service in SERVICES:
            service_dir = Path(__file__).resolve().parents[2] / "services" / service
            self.urls[service] = new_database(
                self.backend, service_dir, self.root, f"e2e_{service}"
            )
            self.ports[service] = free_port()
            for role in ROLES:
                name = f"{service}-{role}"
                args = ["-m", f"services.{service}.entrypoints.{role}"]
                if role == "relay":
                    args.append("run")
                self.processes[name] = ManagedProcess(
                    name, args, self.env(service), self.root / f"{name}.log"
                )
                self.processes[name].start()
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 180) -> None:  # loaded CI boxes start slowly
        deadline = time.monotonic() + timeout
        for service in SERVICES:
            while True:
                try:
                    if httpx.get(self.url(service, "/healthz"), timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                dead = [p.name for p in self.processes.values() if not p.alive]
                if dead or time.monotonic() > deadline:
                    raise RuntimeError(f"not healthy (dead: {dead}); logs in {self.root}")
                time.sleep(0.2)

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def client(self, service: str, **claims: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {dev_token(**claims)}"} if claims else {}
        return httpx.Client(base_url=self.url(service, ""), headers=headers, timeout=30)

    def relay_command(self, service: str, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", f"services.{service}.entrypoints.relay", *args],
            env=self.env(service),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
        for url in self.urls.values():
            drop_database(url)
