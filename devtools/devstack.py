"""``make run``: the whole system on the embedded default (SQLite) with a real broker.

Starts the Kafka-protocol test broker, migrates and seeds each service's SQLite database,
starts every service's API, relay, consumers and scheduler as child processes, prints URLs and
dev tokens, and stops everything on Ctrl-C. Services plug in through
``devtools/services/<name>/devstack.py``, which defines ``SERVICE: DevService``.
"""

import importlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devtools.testing.broker import TestBroker
from shared.auth.tokens import dev_token
from shared.migrations import upgrade
from shared.processes import die_with_parent

SERVICES = ("registry", "inspection", "credit", "portal")
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
    # False for a service without a database of its own (the portal reads the others' APIs)
    migrate: bool = True
    # the page the banner points at
    banner_path: str = "/docs"

    @property
    def prefix(self) -> str:
        return self.name.upper() + "_"


def discover() -> list[DevService]:
    found = []
    for name in SERVICES:
        try:
            module = importlib.import_module(f"devtools.services.{name}.devstack")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"devtools.services.{name}"):
                continue
            raise
        found.append(module.SERVICE)
    return found


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


# Worker metrics ports: 91<service index><worker index> (registry relay :9101, ...), stable so
# that a local Prometheus or curl can be pointed at them.
METRICS_BASE = 9100


@dataclass
class Child:
    service: str
    role: str  # "api" or the entrypoint module's name (relay, scheduler, consumer)
    process: subprocess.Popen[bytes]
    metrics_port: int | None = None

    @property
    def name(self) -> str:
        return f"{self.service} {self.role}"


def _role(args: list[str]) -> str:
    module = args[args.index("-m") + 1] if "-m" in args else args[0]
    return module.rsplit(".", 1)[-1]


def _start_children(svc: DevService, index: int, bootstrap: str, url: str) -> list[Child]:
    env = {
        **os.environ,
        f"{svc.prefix}DATABASE_URL": url,
        f"{svc.prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{svc.prefix}PORT": str(svc.port),
        f"{svc.prefix}LOG_JSON": "false",
        # Settings default to production; the demo is dev (dev key, SQLite).
        f"{svc.prefix}ENVIRONMENT": "dev",
        # official working-day tables loaded with `qp-calendar load` (default var/calendar)
        "CALENDAR_TABLES_DIR": os.environ.get(
            "CALENDAR_TABLES_DIR", str((VAR / "calendar").resolve())
        ),
        **svc.env,
    }
    log = (VAR / f"{svc.name}.log").open("ab")
    children = []
    commands = [["-m", f"services.{svc.name}.entrypoints.api"], *svc.workers]
    for number, args in enumerate(commands):
        port = METRICS_BASE + 10 * index + number if number else None
        extra = {f"{svc.prefix}METRICS_PORT": str(port)} if port else {}
        process = subprocess.Popen(
            [sys.executable, *args],
            env={**env, **extra},
            stdout=log,
            stderr=log,
            preexec_fn=die_with_parent,  # noqa: PLW1509
            # own process group: Ctrl-C reaches only this supervisor, which stops the
            # children in order instead of each dying of SIGINT on its own
            start_new_session=True,
        )
        children.append(Child(svc.name, "api" if not number else _role(args), process, port))
    return children


@contextmanager
def own_terminal() -> Iterator[None]:
    """Ctrl-C goes to the terminal's foreground process group: ``make`` and this supervisor.
    However cleanly the supervisor then stops everything and exits 0, make dies of the SIGINT
    it got (exit status 130, an error to the shell and to scripts). So, for the run, the
    supervisor moves to a process group of its own and makes it the terminal's foreground:
    Ctrl-C reaches only the supervisor, and make reports the supervisor's exit status. The
    terminal goes back to make's group on the way out. Nothing is taken without a terminal
    (CI, a pipe) or when started in the background (``make run &``)."""
    try:
        fd = sys.stdin.fileno()
        previous = os.tcgetpgrp(fd)
    except (OSError, ValueError):  # no controlling terminal on stdin
        yield
        return
    if previous != os.getpgrp():  # in the background: the terminal is the shell's
        yield
        return
    # tcsetpgrp from a background group raises SIGTTOU, which would stop this process
    ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(fd, os.getpgrp())
    except OSError:  # e.g. a session leader: stay in (or go back to) make's group
        if os.getpgrp() != previous:
            os.setpgid(0, previous)
        signal.signal(signal.SIGTTOU, ttou)
        yield
        return
    try:
        yield
    finally:
        os.tcsetpgrp(fd, previous)
        signal.signal(signal.SIGTTOU, ttou)


def main() -> int:
    with own_terminal():
        return _run()


def _run() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stop everything on SIGTERM as on Ctrl-C
    VAR.mkdir(exist_ok=True)
    services = discover()
    broker = TestBroker(log_dir=VAR).start()
    print(f"Kafka-protocol broker (Tansu, memory storage) on {broker.bootstrap}", flush=True)
    children: list[Child] = []
    try:
        for index, svc in enumerate(services):
            url = f"sqlite:///{(VAR / f'{svc.name}.db').resolve()}"
            if svc.migrate:
                upgrade(svc.service_dir, url)
            if svc.seed:
                print(f"seeding {svc.name} demo data ...", flush=True)
                svc.seed(url)
            children += _start_children(svc, index, broker.bootstrap, url)
        print("waiting for the APIs and for every consumer to join its group ...", flush=True)
        _wait_for_apis(services, children)
        _wait_for_consumers(children)
        _print_banner(services, children, broker)
        while all(child.process.poll() is None for child in children):
            time.sleep(0.5)
        dead = [child.name for child in children if child.process.poll() is not None]
        print(f"stopped unexpectedly: {', '.join(dead)}; see var/*.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        print("\nstopping ...", flush=True)
        _stop(children)
        broker.stop()
        print("stopped", flush=True)


def _stop(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.process.kill()


def _check_alive(children: list[Child]) -> None:
    dead = [child.name for child in children if child.process.poll() is not None]
    if dead:
        raise RuntimeError(f"{', '.join(dead)} stopped during start-up; see var/*.log")


def _wait_for_apis(services: list[DevService], children: list[Child], timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    for svc in services:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{svc.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            _check_alive(children)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{svc.name} API did not come up; see var/{svc.name}.log")
            time.sleep(0.3)


ASSIGNED = re.compile(r"^consumer_assigned_partitions\{[^}]*\} (\S+)$", re.MULTILINE)


def _joined(child: Child) -> bool:
    """The consumer reports partitions assigned (it joined its group and got its share)."""
    import httpx

    try:
        text = httpx.get(f"http://127.0.0.1:{child.metrics_port}/metrics", timeout=1).text
    except httpx.HTTPError:
        return False
    return any(float(value) > 0 for value in ASSIGNED.findall(text))


def _wait_for_consumers(children: list[Child], timeout: float = 90) -> None:
    """Events published before a consumer joined are not lost (it reads from the start),
    but a newcomer trying the flows at once should see them take effect at once."""
    waiting = [c for c in children if c.role == "consumer" and c.metrics_port]
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        _check_alive(children)
        waiting = [c for c in waiting if not _joined(c)]
        time.sleep(0.3)
    for child in waiting:
        print(f"warning: {child.name} has not joined its group yet; see var/*.log", flush=True)


def _print_banner(services: list[DevService], children: list[Child], broker: TestBroker) -> None:
    lines = ["", "=" * 78, "Quality platform is running (Ctrl-C stops everything)", ""]
    for svc in services:
        base = f"http://127.0.0.1:{svc.port}"
        lines.append(f"  {svc.name:<11} {base}{svc.banner_path}   (health {base}/healthz)")
    lines += ["", "Prometheus metrics (scrape these):"]
    for svc in services:
        workers = [
            f"{c.role} :{c.metrics_port}"
            for c in children
            if c.service == svc.name and c.metrics_port
        ]
        api = f"api http://127.0.0.1:{svc.port}/metrics"
        lines.append(f"  {svc.name:<11} {', '.join([api, *workers])}")
    lines += [
        "",
        f"  broker      {broker.bootstrap}",
        "  logs        var/*.log",
        "  demo data   var/*.db (kept between runs; `make clean` deletes it, the next",
        "              `make run` seeds it afresh)",
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
