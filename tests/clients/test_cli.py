"""``qp`` as a script runs it: the installed entry point as a subprocess against the running
services, checked by its output and exit codes."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.conftest import Live
from tests.e2e.conftest import enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.broker]
QP = str(Path(sys.executable).with_name("qp"))


def qp(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QP, *args],
        env={**os.environ, **live.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_numbers_exit_codes(live: Live) -> None:
    good = qp(live, "verify", live.numbers[1], live.numbers[2])
    assert good.returncode == 0, good.stderr
    assert live.numbers[1] in good.stdout and "valid" in good.stdout
    suspended = qp(live, "verify", live.numbers[1], live.numbers[0])
    assert suspended.returncode == 3 and "suspended" in suspended.stdout
    missing = qp(live, "verify", live.numbers[0], "NO-SUCH-CERT")
    assert missing.returncode == 4 and "NOT FOUND" in missing.stdout
    assert qp(live, "verify").returncode == 2


def test_verify_csv_in_chunks_to_csv_and_json(live: Live, tmp_path: Path) -> None:
    wanted = [f"ABSENT-{i:05d}" for i in range(2300)] + live.numbers[1:]
    source = tmp_path / "numbers.csv"
    source.write_text("name,number\n" + "".join(f"x,{n}\n" for n in wanted), encoding="utf-8")
    out = tmp_path / "out.csv"
    done = qp(live, "verify", "--csv", str(source), "-o", str(out))
    assert done.returncode == 4, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["number"] for r in rows] == wanted
    found = {r["number"]: r for r in rows if r["found"] == "True"}
    assert set(found) == set(live.numbers[1:])
    assert {r["status"] for r in found.values()} == {"valid"}
    assert found[live.numbers[1]]["holder_uscc"] == live.holders[1]
    assert "verifying" in done.stderr  # the progress bar
    only_valid = tmp_path / "valid.csv"
    only_valid.write_text("\n".join(live.numbers[1:4]) + "\n", encoding="utf-8")  # no header
    as_json = qp(live, "verify", "--csv", str(only_valid), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert [i["certificate"]["number"] for i in json.loads(as_json.stdout)] == live.numbers[1:4]


def test_enterprise_profile_and_errors(live: Live) -> None:
    done = qp(live, "enterprise", live.holders[4], "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["uscc"] == live.holders[4]
    unknown = qp(live, "enterprise", enterprise(999))
    assert unknown.returncode == 4 and "enterprise_not_found" in unknown.stderr
    bad = qp(live, "enterprise", "91330100MA2ABCDE1X")
    assert bad.returncode == 1 and "422 uscc" in bad.stderr


def test_draw_verify_recomputes_the_published_draw(live: Live, tmp_path: Path) -> None:
    done = qp(live, "draw", "verify", live.draw_id, "--save", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"MATCH: draw {live.draw_id}")
    # the saved files verify with the platform's own offline verifier, and a tampered seed
    # does not (what `qp draw verify` reports as exit 5)
    draw = json.loads((tmp_path / "draw.json").read_text())
    draw["seed"] = "00" * (len(draw["seed"]) // 2)
    (tmp_path / "tampered.json").write_text(json.dumps(draw))
    verifier = [sys.executable, "-m", "services.inspection.verify"]
    snapshot = ["--snapshot", str(tmp_path / "snapshot.json")]
    assert subprocess.run([*verifier, str(tmp_path / "draw.json"), *snapshot]).returncode == 0
    assert subprocess.run([*verifier, str(tmp_path / "tampered.json"), *snapshot]).returncode == 1
    missing = qp(live, "draw", "verify", "no-such-draw")
    assert missing.returncode == 4
