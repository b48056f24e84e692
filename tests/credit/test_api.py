"""Credit API on SQLite and PostgreSQL: files, records, due process, repair, disclosure."""

import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from devtools.testing.kafka import wait_until
from services.credit.config import CreditSettings
from services.credit.entrypoints import scheduler
from services.credit.entrypoints.api import create_app
from services.credit.entrypoints.schemas import FeedPageOut, ProfileOut
from services.credit.service_layer import records
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.policy import SystemActor
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared import uscc
from shared.pagination import encode_cursor
from tests.credit.conftest import HANGZHOU, NINGBO, Clock, problem, record
from tests.support import app_of


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def feed_all(client: TestClient) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get("/public/disclosures", params={"cursor": cursor} if cursor else {}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items


# -- enterprises --------------------------------------------------------------------------------
def test_invalid_codes_say_which_character_or_the_checksum(
    client: TestClient, as_regulator: dict[str, str]
) -> None:
    def register(code: str) -> httpx.Response:
        body = {"uscc": code, "name": "x"}
        r: httpx.Response = client.post("/enterprises", headers=as_regulator, json=body)
        return r

    body = problem(register(HANGZHOU[:17] + "X"), 422, "uscc_checksum")
    assert body["position"] == 18 and repr(HANGZHOU[17]) in body["detail"]
    body = problem(register("91330100MA2ABCDEIR"), 422, "uscc_character")
    assert body["position"] == 17
    problem(register("9133010"), 422, "uscc_length")
    problem(register("91AB0100MA2ABCDE1R"), 422, "uscc_region")
    problem(
        client.post(
            "/enterprises",
            headers=as_regulator,
            json={"uscc": HANGZHOU, "name": "x", "category": "pirate"},
        ),
        422,
        "unknown_category",
    )
    problem(client.get("/public/enterprises/91330100MA2ABCDEXX"), 422, "uscc_checksum")
    assert count(app_of(client).state.engine, "enterprise") == 0


def test_legacy_codes_are_accepted_when_configured(
    settings: CreditSettings, engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy = HANGZHOU[:17] + ("0" if HANGZHOU[17] != "0" else "1")  # fails the checksum
    monkeypatch.setenv("USCC_LEGACY_CODES", f'["{legacy}"]')  # one list for every service
    configured = CreditSettings(database_url=settings.database_url, environment="test")
    from tests.credit.conftest import bearer

    headers = bearer(
        settings,
        role="regulator",
        sub="r",
        authority_level="national",
        region_code="100000",
        department="SAMR",
    )
    with TestClient(create_app(configured, engine, today=clock)) as c:
        r = c.post("/enterprises", headers=headers, json={"uscc": legacy, "name": "老企业"})
        assert r.status_code == 201, r.text
        assert c.get(f"/public/enterprises/{legacy}").json()["name"] == "老企业"


def test_duplicate_enterprise_is_409(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    problem(
        client.post(
            "/enterprises", headers=as_regulator, json={"uscc": HANGZHOU.lower(), "name": "again"}
        ),
        409,
        "duplicate_enterprise",
    )


# -- records ------------------------------------------------------------------------------------
def test_record_regrades_and_public_sees_masked_data(
    client: TestClient, serious_record: str, as_enterprise: dict[str, str]
) -> None:
    profile = client.get(f"/public/enterprises/{HANGZHOU}").json()
    assert (
        profile["risk_grade"]["grade"] == "C" and profile["risk_grade"]["rule_version"] == "2026.1"
    )
    assert profile["records_in_disclosure"] == 1 and not profile["dishonesty_list"]["listed"]
    public = client.get(f"/records/{serious_record}")
    assert public.status_code == 200
    view = public.json()
    assert view["persons"] == [{"role": "legal representative", "name": "王**"}]
    assert "王小明" not in public.text and "330102198001011234" not in public.text
    assert view["publication_until"] == "2029-03-02" and view["source_department"] == "ZJAMR"
    own = client.get(f"/records/{serious_record}", headers=as_enterprise).json()
    assert own["persons"][0]["id_number"] == "330102198001011234"
    assert own["earliest_repair_application"] == "2026-09-03"
    listed_records = client.get(f"/public/enterprises/{HANGZHOU}/records").json()["items"]
    assert [r["id"] for r in listed_records] == [serious_record]


def test_bad_records_are_refused_and_nothing_is_half_written(
    client: TestClient, enterprises: None, as_regulator: dict[str, str], engine: Engine
) -> None:
    before = (count(engine, "outbox"), count(engine, "disclosure_entry"))
    for overrides, code in (
        ({"record_class": "gossip"}, "unknown_record_class"),
        ({"severity": "positive"}, "severity_not_allowed"),
        ({"legal_basis": ""}, "legal_basis_required"),
        ({"sector": "mining"}, "unknown_sector"),
        ({"decision_date": "2026-09-02"}, "decision_date_in_future"),
        ({"decision_date": "not a date"}, "validation_error"),
        ({"uscc": uscc.make("91330100MA2ABCD9")}, "enterprise_not_found"),
    ):
        r = client.post("/records", headers=as_regulator, json=record(**overrides))
        problem(r, 404 if code == "enterprise_not_found" else 422, code)
    assert count(engine, "credit_record") == 0
    assert (count(engine, "outbox"), count(engine, "disclosure_entry")) == before


def test_working_day_period_into_a_year_without_a_table_is_provisional_not_refused(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    clock: Clock,
    settings: CreditSettings,
    engine: Engine,
    tmp_path: Path,
) -> None:
    clock.today = date(2026, 12, 21)
    corrected = record(
        record_class="spot_check_corrected", severity=None, decision_date="2026-12-18"
    )
    r = client.post("/records", headers=as_regulator, json=corrected)
    assert r.status_code == 201, r.text
    # 20 working days after Fri 18 Dec 2026: 9 in 2026, then provisional 2027 (1 Jan off)
    assert r.json()["publication_until"] == "2027-01-18"
    # TEST DATA, not the official 2027 schedule: a configured table is used instead
    example = {"2027": {"holidays": ["2027-01-01", "2027-01-04"], "makeup_workdays": []}}
    path = tmp_path / "calendar-2027-TEST-DATA-not-official.json"
    path.write_text(json.dumps(example))
    configured = CreditSettings(
        database_url=settings.database_url, environment="test", workday_calendar_file=path
    )
    with TestClient(create_app(configured, engine, today=clock)) as c:
        # the same decision twice is a duplicate (natural key): a second decision, same class
        again = {**corrected, "decision_number": "杭市监罚〔2026〕13号"}
        r = c.post("/records", headers=as_regulator, json=again)
        assert r.status_code == 201, r.text
        assert r.json()["publication_until"] == "2027-01-19"


# -- the dishonesty list ------------------------------------------------------------------------
def proposal(record_id: str, **overrides: object) -> dict:
    payload = {
        "uscc": HANGZHOU,
        "reason": "Sold substandard products again after a penalty",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》第十条",
        "basis_record_ids": [record_id],
        "measures": [
            "no_new_certificates",
            "increased_inspection_frequency",
            "no_six_month_exemption",
            "procurement_exclusion",
        ],
        "term_years": 3,
    }
    payload.update(overrides)
    return payload


def test_listing_with_due_process(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
) -> None:
    problem(
        client.post(
            "/listings", headers=as_regulator, json=proposal(serious_record, legal_basis="")
        ),
        422,
        "legal_basis_required",
    )
    problem(
        client.post(
            "/listings",
            headers=as_regulator,
            json=proposal(serious_record, measures=["lifetime_ban"]),
        ),
        422,
        "measure_not_applicable",
    )
    r = client.post("/listings", headers=as_regulator, json=proposal(serious_record))
    assert r.status_code == 201, r.text
    listing = r.json()
    assert listing["status"] == "proposed" and listing["objection_deadline"] == "2026-09-16"
    notices = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
    assert notices[-1]["kind"] == "listing_proposed"
    assert "2026-09-16" in notices[-1]["message"] and notices[-1]["legal_basis"]
    # not public while proposed
    assert client.get(f"/listings/{listing['id']}").status_code == 404
    assert not client.get(f"/public/enterprises/{HANGZHOU}").json()["dishonesty_list"]["listed"]
    problem(
        client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator),
        409,
        "objection_window_open",
    )
    clock.today = date(2026, 9, 17)
    problem(
        client.post(
            f"/listings/{listing['id']}/objection",
            headers=as_enterprise,
            json={"statement": "late"},
        ),
        409,
        "objection_window_closed",
    )
    r = client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator)
    assert r.status_code == 200, r.text
    assert r.json()["term_end"] == "2029-09-17"
    profile = client.get(f"/public/enterprises/{HANGZHOU}").json()
    ProfileOut.model_validate(profile)
    assert profile["dishonesty_list"]["listed"] and profile["risk_grade"]["grade"] == "D"
    listed_entry = feed_all(client)[-1]
    assert (listed_entry["entity"], listed_entry["action"]) == ("listing", "publish")
    FeedPageOut.model_validate({"items": [listed_entry], "next_cursor": "x", "has_more": False})
    measures = {m["code"]: m for m in profile["active_measures"]}
    assert measures["no_new_certificates"]["enforcing_service"] == "registry"
    assert measures["no_six_month_exemption"]["enforcing_service"] == "inspection"
    assert measures["procurement_exclusion"]["legal_basis"].startswith(
        "《中华人民共和国政府采购法》"
    )
    assert client.get(f"/listings/{listing['id']}").json()["indefinite"] is False
    on_list = client.get("/public/dishonesty-list").json()["items"]
    assert [x["id"] for x in on_list] == [listing["id"]]


def test_regulator_removes_a_listing_whose_basis_was_annulled(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
    engine: Engine,
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    clock.today = date(2026, 9, 17)
    client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator)
    problem(
        client.post(
            f"/listings/{listing['id']}/removal",
            headers=as_regulator,
            json={"reason": "term_ended"},
        ),
        422,
        "validation_error",
    )
    r = client.post(
        f"/listings/{listing['id']}/removal",
        headers=as_regulator,
        json={"reason": "basis_revoked", "note": "Penalty annulled on review"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["removal_reason"]) == ("removed", "basis_revoked")
    last = feed_all(client)[-1]
    assert (last["entity"], last["action"], last["reason"]) == (
        "listing",
        "withdraw",
        "basis_revoked",
    )
    notice = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()[-1]
    assert notice["kind"] == "delisted" and "annulled" in notice["message"]
    with engine.connect() as conn:
        lifted = conn.execute(
            text("SELECT count(*) FROM outbox WHERE event_type = 'credit.measure.lifted'")
        ).scalar_one()
    assert lifted == 4
    assert client.get(f"/public/enterprises/{HANGZHOU}").json()["active_measures"] == []


def test_objection_upheld(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    r = client.post(
        f"/listings/{listing['id']}/objection",
        headers=as_enterprise,
        json={"statement": "The kettles were another firm's", "evidence": ["a.pdf"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "objection_filed"
    assert r.json()["objection"]["statement"] == "The kettles were another firm's"
    r = client.post(
        f"/listings/{listing['id']}/objection-decision",
        headers=as_regulator,
        json={"upheld": True, "reason": "mistaken identity confirmed"},
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["removal_reason"]) == ("removed", "objection_upheld")
    problem(
        client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator),
        409,
        "illegal_transition",
    )
    # a new proposal is possible again
    assert (
        client.post("/listings", headers=as_regulator, json=proposal(serious_record)).status_code
        == 201
    )


def test_repair_refused_while_listed(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
    engine: Engine,
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    assert listing["rule_version"] == "CN-2021.1" and listing["term_years"] == 3
    clock.today = date(2026, 9, 2)
    r = client.post(
        "/repairs",
        headers=as_enterprise,
        json={"record_id": serious_record, "commitment": "We will comply", "evidence": ["receipt"]},
    )
    body = problem(r, 409, "repair_too_early")
    assert body["earliest"] == "2026-09-03"
    clock.today = date(2026, 9, 17)
    client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator)
    r = client.post(
        "/repairs",
        headers=as_enterprise,
        json={"record_id": serious_record, "commitment": "We will comply", "evidence": ["receipt"]},
    )
    body = problem(r, 409, "repair_not_open_while_listed")
    assert body["rule_version"] == "CN-2021.1" and "第二十条" in body["source"]
    assert client.get(f"/records/{serious_record}").status_code == 200


# -- the disclosure feed ------------------------------------------------------------------------
def test_feed_pages_by_cursor_and_hides_what_left_disclosure(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    clock: Clock,
    engine: Engine,
) -> None:
    ids = []
    for i, (cls, day) in enumerate(
        (
            ("penalty_small_fine", "2026-07-01"),
            ("penalty", "2026-07-02"),
            ("commendation", "2026-07-03"),
        )
    ):
        r = client.post(
            "/records",
            headers=as_regulator,
            json=record(
                record_class=cls, severity=None, decision_date=day, decision_number=f"N-{i}"
            ),
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    first = client.get("/public/disclosures", params={"limit": 2}).json()
    FeedPageOut.model_validate(first)  # the documented shape, although served unvalidated
    raw = client.get("/public/disclosures").text
    assert "王小明" not in raw and "330102198001011234" not in raw and "王**" in raw
    assert first["has_more"] and [i["id"] for i in first["items"]] == ids[:2]
    rest = client.get("/public/disclosures", params={"cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == ids[2:] and not rest["has_more"]
    again = client.get("/public/disclosures", params={"cursor": rest["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"] == rest["next_cursor"]
    for bad in ("garbage!", encode_cursor("9" * 30), encode_cursor("²"), encode_cursor("-1")):
        problem(client.get("/public/disclosures", params={"cursor": bad}), 422, "invalid_cursor")
    # The small fine's three months end on 1 Oct; from the 2nd it is no longer public, even
    # before the job runs, and the job appends the withdrawal portals act on.
    clock.today = date(2026, 10, 2)
    assert ids[0] not in [i["id"] for i in feed_all(client)]
    app_of(client).state.cache.clear()  # the test moved the clock, not the day: drop renderings
    assert client.get(f"/public/enterprises/{HANGZHOU}").json()["records_in_disclosure"] == 2
    done = scheduler.run_all(engine, clock.today)
    assert done["publication_periods"] == 1
    last = feed_all(client)[-1]
    assert (last["action"], last["id"], last["reason"]) == ("withdraw", ids[0], "period_ended")
    assert "record" not in last and "listing" not in last  # withdrawals carry no data
    assert scheduler.run_all(engine, clock.today)["publication_periods"] == 0
    assert scheduler.purge_profile_changes(engine) == 0  # all recent
    assert scheduler.purge_profile_changes(engine, keep=timedelta(0)) > 0


def test_profile_cache_follows_writes_of_other_processes(
    client: TestClient, enterprises: None, engine: Engine, clock: Clock
) -> None:
    """Another replica or a consumer writes: this process learns it from the change log."""
    assert client.get(f"/public/enterprises/{NINGBO}").json()["risk_grade"]["grade"] == "A"
    cmd = AddRecord(
        uscc=NINGBO,
        record_class="inspection_refused",
        title="Refused entry",
        legal_basis="《产品质量法》第五十六条",
        decision_number="甬市监罚〔2026〕3号",
        decision_date=date(2026, 8, 1),
        source_service="inspection",
        source_department="NB inspection",
        source_event_id="evt-1",
    )
    records.add_record(CreditUnitOfWork(engine), cmd, SystemActor("test"), today=clock.today)
    wait_until(
        lambda: client.get(f"/public/enterprises/{NINGBO}").json()["risk_grade"]["grade"] == "C",
        timeout=10,
    )


def test_unknown_enterprise_and_catalogues(client: TestClient) -> None:
    problem(client.get(f"/public/enterprises/{NINGBO}"), 404, "enterprise_not_found")
    problem(client.get(f"/enterprises/{NINGBO}"), 404, "enterprise_not_found")
    classes = {c["code"]: c for c in client.get("/catalogue/record-classes").json()}
    assert classes["penalty_warning"]["publication_period"] == {
        "length": 3,
        "unit": "months",
        "counting": "civil_code",
    }
    assert classes["penalty"]["publication_period"]["unit"] == "years"
    corrected = classes["spot_check_corrected"]["publication_period"]
    assert (corrected["unit"], corrected["counting"]) == ("workdays", "working_days")
    rules = client.get("/catalogue/risk-rules").json()
    assert rules["current"] == "2026.1" and rules["tables"][0]["thresholds"][0]["grade"] == "D"
    sectors = client.get("/catalogue/sectors").json()
    assert sectors["food"] == {"length": 1, "unit": "years", "counting": "civil_code"}
    measures = {m["code"]: m for m in client.get("/catalogue/measures").json()}
    assert measures["lifetime_ban"]["enforcing_service"] == "registry"


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert 'outbox_backlog{service="credit"}' in client.get("/metrics").text
    assert client.get("/openapi.json").status_code == 200
