"""Issue 10: credit files by registration region, listing decisions by the proposing authority
or a higher one, natural keys and Idempotency-Key on record creation (both databases)."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.credit.config import CreditSettings
from tests.credit.conftest import BEIJING, HANGZHOU, NINGBO, Clock, bearer, problem, record
from tests.credit.test_api import proposal


def _regulator(settings: CreditSettings, level: str, region: str, sub: str) -> dict[str, str]:
    return bearer(
        settings,
        role="regulator",
        sub=sub,
        authority_level=level,
        region_code=region,
        department=f"AMR-{region}",
    )


def _records(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM credit_record")).scalar_one())


def test_a_lower_authority_cannot_decide_a_higher_ones_listing(
    client: TestClient,
    settings: CreditSettings,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
) -> None:
    hangzhou = _regulator(settings, "municipal", "330100", "hz-1")
    national = _regulator(settings, "national", "100000", "samr-1")
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    lid = listing["id"]
    r = client.post(
        f"/listings/{lid}/objection", headers=as_enterprise, json={"statement": "not us"}
    )
    assert r.status_code == 200, r.text
    decision = {"upheld": False, "reason": "evidence holds"}
    problem(
        client.post(f"/listings/{lid}/objection-decision", headers=hangzhou, json=decision),
        403,
        "lower_authority",
    )
    r = client.post(f"/listings/{lid}/objection-decision", headers=national, json=decision)
    assert r.status_code == 200, r.text  # a higher authority may decide
    clock.today = date(2026, 9, 17)
    problem(client.post(f"/listings/{lid}/confirm", headers=hangzhou), 403, "lower_authority")
    assert client.post(f"/listings/{lid}/confirm", headers=as_regulator).status_code == 200
    removal = {"reason": "basis_revoked", "note": "annulled"}
    problem(
        client.post(f"/listings/{lid}/removal", headers=hangzhou, json=removal),
        403,
        "lower_authority",
    )


def test_a_municipal_listing_may_be_decided_by_its_province(
    client: TestClient, settings: CreditSettings, serious_record: str, clock: Clock
) -> None:
    hangzhou = _regulator(settings, "municipal", "330100", "hz-1")
    ningbo = _regulator(settings, "municipal", "330200", "nb-1")
    province = _regulator(settings, "provincial", "330000", "zj-2")
    r = client.post("/listings", headers=hangzhou, json=proposal(serious_record))
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    clock.today = date(2026, 9, 17)
    problem(client.post(f"/listings/{lid}/confirm", headers=ningbo), 403, "outside_jurisdiction")
    assert client.post(f"/listings/{lid}/confirm", headers=province).status_code == 200


def test_files_are_registered_in_their_registration_region(
    client: TestClient, settings: CreditSettings, as_regulator: dict[str, str]
) -> None:
    county = _regulator(settings, "county", "330102", "sc-1")
    hangzhou = _regulator(settings, "municipal", "330100", "hz-1")
    # a county of Zhejiang registers a Beijing enterprise into its own district: refused
    for headers in (county, as_regulator):
        r = client.post(
            "/enterprises",
            headers=headers,
            json={"uscc": BEIJING, "name": "北京某公司", "region_code": "330102"},
        )
        problem(r, 403, "outside_jurisdiction")
    # Hangzhou cannot pull a Ningbo file into Hangzhou; the province over both can
    body = {"uscc": NINGBO, "name": "宁波海曙小家电厂", "region_code": "330100"}
    problem(client.post("/enterprises", headers=hangzhou, json=body), 403, "outside_jurisdiction")
    assert client.post("/enterprises", headers=as_regulator, json=body).status_code == 201
    # Beijing can still register its own enterprise (nobody locked it out)
    beijing = _regulator(settings, "municipal", "110000", "bj-1")
    r = client.post("/enterprises", headers=beijing, json={"uscc": BEIJING, "name": "北京某公司"})
    assert r.status_code == 201, r.text


def test_the_same_decision_twice_is_409_not_a_second_penalty(
    client: TestClient, enterprises: None, as_regulator: dict[str, str], engine: Engine
) -> None:
    assert client.post("/records", headers=as_regulator, json=record()).status_code == 201
    r = client.post("/records", headers=as_regulator, json=record())
    body = problem(r, 409, "duplicate_record")
    assert body["record_id"]
    assert _records(engine) == 1
    other = record(uscc=NINGBO)  # the same decision number for another party is another record
    assert client.post("/records", headers=as_regulator, json=other).status_code == 201


def test_idempotency_key_replays_the_first_answer(
    client: TestClient,
    settings: CreditSettings,
    enterprises: None,
    as_regulator: dict[str, str],
    engine: Engine,
) -> None:
    headers = {**as_regulator, "Idempotency-Key": "rec-2026-0001"}
    first = client.post("/records", headers=headers, json=record())
    assert first.status_code == 201, first.text
    again = client.post("/records", headers=headers, json=record())
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _records(engine) == 1
    r = client.post("/records", headers=headers, json=record(title="Something else"))
    problem(r, 422, "idempotency_key_reused")
    # another caller's identical key is another slot, and a failed request frees its key
    other = {**_regulator(settings, "provincial", "330000", "zj-9"), "Idempotency-Key": "k"}
    problem(
        client.post("/records", headers=other, json=record(uscc=HANGZHOU[:-1] + "0")),
        422,
        "uscc_checksum",
    )
    r = client.post("/records", headers=other, json=record(decision_number="N-2"))
    assert r.status_code == 201, r.text
    assert _records(engine) == 2


def test_cross_region_full_reads_need_a_purpose_and_are_audited(
    client: TestClient,
    settings: CreditSettings,
    serious_record: str,
    as_regulator: dict[str, str],
    as_beijing: dict[str, str],
) -> None:
    hangzhou = _regulator(settings, "municipal", "330100", "hz-1")
    assert "grade_history" in client.get(f"/enterprises/{HANGZHOU}", headers=hangzhou).json()
    public = client.get(f"/enterprises/{HANGZHOU}", headers=as_beijing).json()
    assert "grade_history" not in public and "repair_applications" not in public
    r = client.get(f"/enterprises/{HANGZHOU}", headers={**as_beijing, "X-Access-Purpose": "x"})
    problem(r, 422, "access_purpose_invalid")
    why = {**as_beijing, "X-Access-Purpose": "joint case BJ-2026-17"}
    assert "grade_history" in client.get(f"/enterprises/{HANGZHOU}", headers=why).json()
    [entry] = client.get("/audit/cross-region-reads", headers=as_regulator).json()
    assert entry["uscc"] == HANGZHOU and entry["reader"] == "regulator:bj-amr-1"
    assert entry["purpose"] == "joint case BJ-2026-17" and entry["owner_region"] == "330100"
    assert client.get("/audit/cross-region-reads", headers=as_beijing).json() == []


def test_moving_a_file_is_an_approved_transfer(
    client: TestClient,
    settings: CreditSettings,
    enterprises: None,
    as_regulator: dict[str, str],
) -> None:
    hangzhou = _regulator(settings, "municipal", "330100", "hz-1")
    jiangsu = _regulator(settings, "provincial", "320000", "js-1")
    zj_2 = _regulator(settings, "provincial", "330000", "zj-2")
    body = {"to_region": "320100", "reason": "registration moved to Nanjing"}
    problem(
        client.post(f"/enterprises/{HANGZHOU}/transfers", headers=hangzhou, json=body),
        403,
        "authority_level_too_low",
    )
    problem(
        client.post(f"/enterprises/{HANGZHOU}/transfers", headers=jiangsu, json=body),
        403,
        "outside_jurisdiction",
    )
    r = client.post(f"/enterprises/{HANGZHOU}/transfers", headers=as_regulator, json=body)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    approval = f"/enterprises/{HANGZHOU}/transfers/{tid}/approval"
    problem(client.post(approval, headers=as_regulator), 403, "outside_jurisdiction")
    problem(client.post(approval, headers=zj_2), 403, "outside_jurisdiction")
    assert client.get(f"/public/enterprises/{HANGZHOU}").json()["region_code"] == "330100"
    r = client.post(approval, headers=jiangsu)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    assert r.json()["decided_by"] == "regulator:js-1"
    file = client.get(f"/enterprises/{HANGZHOU}", headers=jiangsu).json()
    assert file["region_code"] == "320100" and "grade_history" in file
    # Zhejiang no longer manages it
    problem(
        client.post("/records", headers=as_regulator, json=record()), 403, "outside_jurisdiction"
    )
