"""The suite's own scheduling: every xdist group names files that exist, so a renamed test file
cannot silently fall out of its group (and start a second copy of its running system)."""

from pathlib import Path

from tests.conftest import XDIST_GROUPS, xdist_group_of

ROOT = Path(__file__).resolve().parents[1]


def test_every_grouped_path_exists() -> None:
    missing = [prefix for prefix in XDIST_GROUPS if not (ROOT / prefix).exists()]
    assert not missing, f"XDIST_GROUPS names paths that are gone: {missing}"


def test_tests_of_one_running_system_share_a_group_and_others_stay_free() -> None:
    assert xdist_group_of("tests/clients/test_cli.py::test_x[sqlite]") == "kit-sqlite"
    assert xdist_group_of("tests/clients/test_mirror.py::test_v[postgresql]") == "kit-postgresql"
    assert xdist_group_of("tests/e2e/test_flows.py::test_y") == "e2e"
    assert xdist_group_of("tests/clients/test_models.py::test_z") is None
    assert xdist_group_of("tests/registry/test_api.py::test_w[postgresql]") is None


def test_every_test_using_a_running_system_is_grouped() -> None:
    fixtures = {"tests/clients": "live", "tests/e2e": "system", "tests/portal": "stack"}
    for folder, fixture in fixtures.items():
        for path in sorted((ROOT / folder).glob("test_*.py")):
            relative = path.relative_to(ROOT).as_posix()
            uses = f"{fixture}:" in path.read_text() or f"{fixture}," in path.read_text()
            assert not uses or xdist_group_of(relative), f"{relative} uses {fixture} ungrouped"
