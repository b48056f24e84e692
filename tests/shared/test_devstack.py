"""``make run`` as a newcomer meets it (issue 11 item 7): Ctrl-C in the terminal stops it with
exit status 0. Runs a stand-in supervisor under a real ``make`` on a pseudo-terminal (the full
stack takes a minute to start; its stop path is the same ``KeyboardInterrupt`` -> return 0)."""

import os
import pty
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from devtools import devstack

ROOT = Path(__file__).resolve().parents[2]

SUPERVISOR = """
import sys, time
from devtools.devstack import own_terminal

def run() -> int:
    try:  # a Ctrl-C may land while "ready" is still being written
        print("ready", flush=True)
        time.sleep(30)
    except KeyboardInterrupt:
        print("stopped quietly", flush=True)
        return 0
    return 3

if sys.argv[1] == "own":
    with own_terminal():
        raise SystemExit(run())
raise SystemExit(run())
"""


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the child is gone
                break
            if not chunk:
                break
            out += chunk
    return out


def make_run_then_ctrl_c(tmp_path: Path, mode: str) -> tuple[int, str]:
    """``make run`` on a terminal, Ctrl-C once the supervisor is ready: (exit status, output)."""
    (tmp_path / "supervisor.py").write_text(SUPERVISOR)
    (tmp_path / "Makefile").write_text(f"run:\n\t{sys.executable} supervisor.py {mode}\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session of its own with the pty as its terminal, like a shell's job
        os.chdir(tmp_path)
        os.environ["PYTHONPATH"] = str(ROOT)
        # as a shell's foreground job: Ctrl-C not ignored (a runner may have started us with
        # SIGINT ignored, and make and its recipe would inherit that)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execvp("make", ["make", "--no-print-directory", "run"])
    try:
        out = _read_until(fd, b"ready", 120)  # imports are slow on a loaded box
        assert b"ready" in out, out
        os.write(fd, b"\x03")  # Ctrl-C: the terminal signals its foreground process group
        deadline = time.monotonic() + 60
        done, status = 0, 0
        while not done and time.monotonic() < deadline:
            out += _read_until(fd, b"\x00never", 0.2)
            done, status = os.waitpid(pid, os.WNOHANG)
        assert done, f"make run did not stop: {out!r}"
        out += _read_until(fd, b"\x00never", 0.2)
    finally:
        os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    return code, out.decode(errors="replace")


pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def test_ctrl_c_stops_make_run_with_status_0(tmp_path: Path) -> None:
    code, out = make_run_then_ctrl_c(tmp_path, "own")
    assert "stopped quietly" in out, out
    assert "Interrupt" not in out and "Error" not in out, out
    assert code == 0, out


def test_without_its_own_terminal_make_dies_of_the_ctrl_c(tmp_path: Path) -> None:
    """Why ``own_terminal`` exists: the supervisor's clean exit 0 is lost to make's SIGINT."""
    code, out = make_run_then_ctrl_c(tmp_path, "shared")
    assert code != 0, out


def test_own_terminal_without_a_terminal_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    read, write = os.pipe()
    try:
        monkeypatch.setattr(sys, "stdin", os.fdopen(read))
        group = os.getpgrp()
        with devstack.own_terminal():
            assert os.getpgrp() == group
    finally:
        os.close(write)


def test_the_banner_says_where_metrics_are_and_how_to_reset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = [devstack.DevService("registry", 8001, ROOT / "services" / "registry")]
    children = [
        devstack.Child("registry", "relay", None, 9101),  # type: ignore[arg-type]
        devstack.Child("registry", "consumer", None, 9103),  # type: ignore[arg-type]
    ]

    class Broker:
        bootstrap = "127.0.0.1:9092"

    devstack._print_banner(services, children, Broker())  # type: ignore[arg-type]
    banner = capsys.readouterr().out
    assert "api http://127.0.0.1:8001/metrics, relay :9101, consumer :9103" in banner
    assert "`make clean` deletes it" in banner
