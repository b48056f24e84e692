"""``make run``: the whole system on the embedded default (SQLite) with a real broker.

Starts the Kafka-protocol test broker, migrates and seeds each service's SQLite database,
starts every service's API, relay, consumers and scheduler as child processes, prints URLs and
dev tokens, and stops everything on Ctrl-C. Services plug in through ``services/<name>/devstack.py``
which defines ``SERVICE: DevService``.
"""

import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.auth.tokens import dev_token
from shared.migrations import upgrade
from shared.processes import die_with_parent
from shared.testing.broker import TestBroker

SERVICES = ("registry", "inspection", "credit")
VAR = Path("var")


@dataclass
class DevService:
    name: str
    port: int
    service_dir: Path
    # extra worker processes, as ``python -m`` argument lists (the API is started for you)
    workers: list[list[str]] = field(default_factory=list)
    # seeds demo data into the migrated database at this URL; must be idempotent
    seed: Callable[[str], None] | None = None
    # role label -> token claims, printed as ready-to-use dev tokens
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    # extra environment for this service's processes (besides DATABASE_URL and the broker)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.name.upper() + "_"


def discover() -> list[DevService]:
    found = []
    for name in SERVICES:
        try:
            module = importlib.import_module(f"services.{name}.devstack")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"services.{name}"):
                continue
            raise
        found.append(module.SERVICE)
    return found


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stop everything on SIGTERM as on Ctrl-C
    VAR.mkdir(exist_ok=True)
    services = discover()
    broker = TestBroker(log_dir=VAR).start()
    print(f"Kafka-protocol broker (Tansu, memory storage) on {broker.bootstrap}", flush=True)
    children: list[subprocess.Popen[bytes]] = []
    try:
        for svc in services:
            url = f"sqlite:///{(VAR / f'{svc.name}.db').resolve()}"
            upgrade(svc.service_dir, url)
            if svc.seed:
                print(f"seeding {svc.name} demo data ...", flush=True)
                svc.seed(url)
            env = {
                **os.environ,
                f"{svc.prefix}DATABASE_URL": url,
                f"{svc.prefix}KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                f"{svc.prefix}PORT": str(svc.port),
                f"{svc.prefix}LOG_JSON": "false",
                # official working-day tables loaded with `qp-calendar load` (default var/calendar)
                "CALENDAR_TABLES_DIR": os.environ.get(
                    "CALENDAR_TABLES_DIR", str((VAR / "calendar").resolve())
                ),
                **svc.env,
            }
            log = (VAR / f"{svc.name}.log").open("ab")
            commands = [["-m", f"services.{svc.name}.entrypoints.api"], *svc.workers]
            for args in commands:
                children.append(
                    subprocess.Popen(
                        [sys.executable, *args],
                        env=env,
                        stdout=log,
                        stderr=log,
                        preexec_fn=die_with_parent,  # noqa: PLW1509
                    )
                )
        _wait_for_apis(services)
        _print_banner(services, broker)
        while all(child.poll() is None for child in children) and broker.process:
            time.sleep(0.5)
        dead = [c.args for c in children if c.poll() is not None]
        if dead:
            print(f"a process stopped unexpectedly: {dead}; see var/*.log", file=sys.stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nstopping ...", flush=True)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        broker.stop()


def _wait_for_apis(services: list[DevService], timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    for svc in services:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{svc.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{svc.name} API did not come up; see var/{svc.name}.log")
            time.sleep(0.3)


def _print_banner(services: list[DevService], broker: TestBroker) -> None:
    lines = ["", "=" * 78, "Quality platform is running (Ctrl-C stops everything)", ""]
    for svc in services:
        base = f"http://127.0.0.1:{svc.port}"
        lines.append(
            f"  {svc.name:<11} {base}/docs   (health {base}/healthz, metrics {base}/metrics)"
        )
    lines += [
        "",
        f"  broker      {broker.bootstrap}",
        "  logs        var/*.log",
        "",
        "Dev tokens (send as 'Authorization: Bearer <token>'):",
    ]
    seen: set[str] = set()
    for svc in services:
        for label, claims in svc.tokens.items():
            if label in seen:
                continue
            seen.add(label)
            lines += [f"  {label}:", f"    {dev_token(**claims)}"]
    lines.append("=" * 78)
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
