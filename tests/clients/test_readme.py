"""The README's "Integrate in 10 minutes" examples, run as written against the running
services: every shell block with bash (-e), every Python block as its own program."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.conftest import Live
from tests.clients.receiver import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.broker]
README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Integrate in 10 minutes", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def environment(live: Live, receiver: Receiver) -> dict[str, str]:
    return {
        **os.environ,
        **live.env(),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CERT": live.numbers[1],
        "USCC": live.holders[2],
        "DRAW": live.draw_id,
        "WEBHOOK_URL": receiver.url("/readme"),
    }


def test_the_examples_are_there() -> None:
    assert len(blocks("sh")) >= 1 and len(blocks("python")) >= 3


def test_shell_examples_run(live: Live, tmp_path: Path) -> None:
    receiver = Receiver()
    env = environment(live, receiver)
    for block in blocks("sh"):
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"
    assert "MATCH" in done.stdout
    assert (tmp_path / "result.csv").read_text().count("\n") == 3
    with sqlite3.connect(tmp_path / "disclosures.db") as db:
        assert db.execute("SELECT count(*) FROM mirror_disclosures").fetchone()[0] > 0
    with sqlite3.connect(tmp_path / "changes.db") as db:
        assert db.execute("SELECT count(*) FROM mirror_changes").fetchone()[0] > 0


def test_python_examples_run(live: Live, tmp_path: Path) -> None:
    receiver = Receiver()
    env = environment(live, receiver)
    for block in blocks("python"):
        done = subprocess.run(
            [sys.executable, "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"
