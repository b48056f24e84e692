"""The one configured legacy-code list is honoured by inspection rosters too (issue 14)."""

import pytest
from fastapi.testclient import TestClient

from tests.inspection.conftest import post_csv, units_csv


def test_roster_accepts_a_configured_legacy_code(
    client: TestClient, as_zj: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = units_csv(1)
    header, row = text.strip().splitlines()
    code = row.split(",")[0]
    legacy = code[:16] + ("0" if code[16] != "0" else "1") + code[17]  # fails GB 11714
    bad = f"{header}\n{row.replace(code, legacy)}\n"
    r = post_csv(client, "/rosters/units/import", bad, as_zj)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "uscc_organisation_code"
    monkeypatch.setenv("USCC_LEGACY_CODES", f'["{legacy}"]')
    r = post_csv(client, "/rosters/units/import", bad, as_zj)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
