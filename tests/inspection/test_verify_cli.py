"""The standalone offline verifier command, run as a separate process like anyone would."""

import json
import subprocess
import sys
from pathlib import Path

from services.inspection.domain import draw_v1
from tests.inspection.factories import published_draw, snapshot_doc

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.inspection.verify", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, bundle: dict, snapshot: bytes) -> tuple[Path, Path]:
    draw_file, snap_file = tmp_path / "draw.json", tmp_path / "snapshot.json"
    draw_file.write_text(json.dumps(bundle))
    snap_file.write_bytes(snapshot)
    return draw_file, snap_file


def test_matching_draw_exits_0(tmp_path: Path) -> None:
    bundle, snapshot = published_draw(snapshot_doc(40), bytes(range(32)))
    draw_file, snap_file = write(tmp_path, bundle, snapshot)
    result = run(str(draw_file), "--snapshot", str(snap_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("MATCH") and "8 units" in result.stdout


def test_draws_made_with_v1_still_verify(tmp_path: Path) -> None:
    doc = snapshot_doc(40, algorithm=draw_v1.ALGORITHM)
    bundle, snapshot = published_draw(doc, bytes(range(32)))
    draw_file, snap_file = write(tmp_path, bundle, snapshot)
    result = run(str(draw_file), "--snapshot", str(snap_file))
    assert result.returncode == 0, result.stdout + result.stderr
    bundle["selection"][0]["inspectors"].reverse()
    draw_file, snap_file = write(tmp_path, bundle, snapshot)
    assert run(str(draw_file), "--snapshot", str(snap_file)).returncode == 1


def test_embedded_snapshot_is_accepted(tmp_path: Path) -> None:
    bundle, snapshot = published_draw(snapshot_doc(20), bytes(32))
    draw_file, _ = write(tmp_path, {**bundle, "snapshot": json.loads(snapshot)}, snapshot)
    assert run(str(draw_file)).returncode == 0


def test_tampered_draw_exits_1_and_says_why(tmp_path: Path) -> None:
    bundle, snapshot = published_draw(snapshot_doc(40), bytes(range(32)))
    bundle["selection"][0]["lab"] = "L-bribed"
    draw_file, snap_file = write(tmp_path, bundle, snapshot)
    result = run(str(draw_file), "--snapshot", str(snap_file))
    assert result.returncode == 1
    assert "MISMATCH" in result.stdout and "lab" in result.stdout


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "draw.json").write_text("{not json")
    assert run(str(tmp_path / "draw.json"), "--snapshot", str(tmp_path / "x")).returncode == 2
    (tmp_path / "draw.json").write_text("{}")
    assert run(str(tmp_path / "draw.json")).returncode == 2


def test_the_verifier_imports_only_pure_code() -> None:
    code = (
        "import sys, services.inspection.verify\n"
        "banned = ('fastapi', 'starlette', 'sqlalchemy', 'sqlmodel', 'kafka', 'psycopg', "
        "'alembic', 'uvicorn', 'pydantic_settings', 'services.inspection.adapters', "
        "'services.inspection.service_layer', 'services.inspection.entrypoints')\n"
        "print([m for m in sys.modules if m.startswith(banned)])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
