"""One service worker (relay, consumer, API) as a real process, for fault tests and the
recovery benchmark: started with its environment, watched through its log."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.processes import die_with_parent


class WorkerProcess:
    def __init__(
        self,
        service: str,
        role: str,
        *,
        database_url: str,
        bootstrap: str,
        log: Path,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        prefix = service.upper() + "_"
        env = {
            **os.environ,
            f"{prefix}DATABASE_URL": database_url,
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            f"{prefix}ENVIRONMENT": "test",
            f"{prefix}LOG_JSON": "false",
            **(extra_env or {}),
        }
        args = [sys.executable, "-m", f"services.{service}.entrypoints.{role}"]
        if role == "relay":
            args.append("run")
        self.role = role
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                args,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # noqa: PLW1509
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            if not self.alive:
                raise RuntimeError(f"{self.role} exited:\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not logged:\n{self.log_text()}")
            time.sleep(0.1)

    def terminate(self, timeout: float) -> int | None:
        """SIGTERM; the exit code, or None when the process outlived ``timeout`` (then it is
        killed, as Kubernetes would at the end of the grace period)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
            self.process.wait()
