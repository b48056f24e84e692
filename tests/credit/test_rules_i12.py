"""Issue 12: decisions under versioned, cited rules (grounds, terms, authority, repair,
early removal, publication), through the API on both databases."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.credit.config import CreditSettings
from tests.credit.conftest import HANGZHOU, Clock, bearer, problem, record
from tests.credit.test_api import feed_all, proposal

RULES = "CN-2021.1"


def _record(client: TestClient, headers: dict[str, str], **overrides: object) -> str:
    r = client.post("/records", headers=headers, json=record(**overrides))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _events(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT event_type FROM outbox ORDER BY id")).scalars())


def test_rule_sets_are_published_with_their_sources(client: TestClient) -> None:
    body = client.get("/catalogue/rules").json()
    assert body["in_force"] == RULES
    rules = body["versions"][0]
    assert all("第44号" in g["source"] for g in rules["listing_grounds"])
    assert rules["term"] == {
        "default_years": 3,
        "min_years": 3,
        "max_years": 3,
        "source": rules["term"]["source"],
        "needs_review": False,
    }
    assert rules["repair"]["min_publication_by_sector"]["food"] == "1 years"
    assert client.get(f"/catalogue/rules/{RULES}").json()["version"] == RULES
    problem(client.get("/catalogue/rules/XX-1999"), 422, "unknown_rule_version")


def test_listing_only_on_a_qualifying_ground(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    spot = _record(client, as_regulator, record_class="spot_check_failed", severity="general")
    mild = _record(client, as_regulator, severity="general", decision_number="杭市监罚〔2026〕13号")
    for record_id, record_class in ((spot, "spot_check_failed"), (mild, "penalty")):
        r = client.post("/listings", headers=as_regulator, json=proposal(record_id))
        body = problem(r, 422, "basis_not_qualifying")
        assert (body["record_id"], body["record_class"]) == (record_id, record_class)
        assert body["rule_version"] == RULES
        assert any(g["ground"] == "heavier_penalty" for g in body["qualifying"])
        assert all("管理办法" in g["source"] for g in body["qualifying"])
    assert client.get("/listings", headers=as_regulator).json()["items"] == []


def test_term_defaults_to_the_rule_and_is_bounded(
    client: TestClient, serious_record: str, as_regulator: dict[str, str]
) -> None:
    for overrides in ({"term_years": 5}, {"term_years": 1}, {"indefinite": True}):
        r = client.post(
            "/listings", headers=as_regulator, json=proposal(serious_record, **overrides)
        )
        body = problem(r, 422, "term_out_of_bounds")
        assert body["rule_version"] == RULES and "第44号" in body["source"]
    payload = proposal(serious_record)
    del payload["term_years"]
    listing = client.post("/listings", headers=as_regulator, json=payload).json()
    assert (listing["term_years"], listing["rule_version"]) == (3, RULES)
    assert (listing["proposer_level"], listing["proposer_region"]) == ("provincial", "330000")


def test_decided_by_the_proposing_or_a_higher_authority(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    settings: CreditSettings,
    clock: Clock,
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    clock.today = date(2026, 9, 17)
    city = bearer(
        settings,
        role="regulator",
        sub="hz",
        authority_level="municipal",
        region_code="330100",
        department="HZAMR",
    )
    national = bearer(
        settings,
        role="regulator",
        sub="samr",
        authority_level="national",
        region_code="100000",
        department="SAMR",
    )
    body = problem(
        client.post(f"/listings/{listing['id']}/confirm", headers=city),
        403,
        "lower_authority",
    )
    assert body["proposer_level"] == "provincial"
    r = client.post(f"/listings/{listing['id']}/confirm", headers=national)
    assert r.status_code == 200 and r.json()["status"] == "listed"


def test_warnings_are_kept_but_not_published(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    warning = _record(client, as_regulator, record_class="penalty_warning", severity=None)
    full = client.get(f"/records/{warning}", headers=as_regulator).json()
    assert (full["disclosed"], full["disclosure_end_reason"]) == (False, "not_published")
    assert full["rule_version"] == RULES
    assert client.get(f"/records/{warning}").status_code == 404
    assert [i for i in feed_all(client) if i["id"] == warning] == []


def test_repair_notice_goes_out_with_the_record_and_repeat_penalty_bars_repair(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    first = _record(client, as_regulator, decision_date="2026-01-05")
    _record(
        client, as_regulator, decision_number="杭市监罚〔2026〕40号", decision_date="2026-04-01"
    )
    own = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
    notices = [n for n in own if n["kind"] == "repair_notice"]
    assert {n["subject_id"] for n in notices} >= {first}
    assert "2026-07-06" in next(n["message"] for n in notices if n["subject_id"] == first)
    r = client.post(
        "/repairs",
        headers=as_enterprise,
        json={"record_id": first, "commitment": "We comply", "evidence": ["fine paid"]},
    )
    body = problem(r, 409, "repeat_penalty_same_kind")
    assert body["rule_version"] == RULES and len(body["later_record_ids"]) == 1


def _listed_in_2025(client: TestClient, as_regulator: dict[str, str], clock: Clock) -> dict:
    clock.today = date(2025, 2, 3)
    basis = _record(client, as_regulator, decision_date="2025-01-10")
    listing = client.post("/listings", headers=as_regulator, json=proposal(basis)).json()
    clock.today = date(2025, 2, 20)
    r = client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator)
    assert r.status_code == 200, r.text
    return dict(r.json())


EARLY = {"statement": "Fine paid, products recalled.", "evidence": ["receipt", "recall report"]}


def test_early_removal_granted_lifts_the_listing(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
    engine: Engine,
) -> None:
    listing = _listed_in_2025(client, as_regulator, clock)
    url = f"/listings/{listing['id']}"
    clock.today = date(2026, 2, 20)  # one year listed is not yet over
    body = problem(
        client.post(f"{url}/early-removal", headers=as_enterprise, json=EARLY),
        409,
        "early_removal_too_early",
    )
    assert body["earliest_after"] == "2026-02-20" and "第二十条" in body["source"]
    clock.today = date(2026, 2, 24)
    r = client.post(f"{url}/early-removal", headers=as_enterprise, json=EARLY)
    assert r.status_code == 200, r.text
    application = r.json()["early_removal"]
    assert (
        application["status"] == "pending" and application["decision_due"] == "2026-03-16"
    )  # 15 working days; Sat 28 Feb is one
    assert application["decision_due_provenance"] == "official"
    shown = {c["code"]: c["met"] for c in application["conditions"]}
    assert shown == {
        "obligations_fulfilled": None,
        "harm_removed": None,
        "no_new_heavier_penalty": True,
    }
    r = client.post(
        f"{url}/early-removal-decision",
        headers=as_regulator,
        json={"granted": True, "reason": "Verified.", "confirmed_conditions": ["harm_removed"]},
    )
    assert problem(r, 409, "early_removal_conditions_not_met")["unmet"] == ["obligations_fulfilled"]
    r = client.post(
        f"{url}/early-removal-decision",
        headers=as_regulator,
        json={
            "granted": True,
            "reason": "Verified on site.",
            "confirmed_conditions": ["obligations_fulfilled", "harm_removed"],
        },
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["removal_reason"]) == ("removed", "early_removal")
    assert ("withdraw", listing["id"], "early_removal") in [
        (i["action"], i["id"], i.get("reason")) for i in feed_all(client)
    ]
    events = _events(engine)
    assert "credit.listing.delisted" in events and "credit.measure.lifted" in events
    assert not client.get(f"/public/enterprises/{HANGZHOU}").json()["dishonesty_list"]["listed"]


def test_early_removal_refused_with_reasons_and_new_penalty_shown(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
) -> None:
    listing = _listed_in_2025(client, as_regulator, clock)
    url = f"/listings/{listing['id']}"
    clock.today = date(2025, 6, 10)
    _record(
        client, as_regulator, decision_number="杭市监罚〔2025〕99号", decision_date="2025-06-02"
    )
    clock.today = date(2026, 3, 2)
    r = client.post(f"{url}/early-removal", headers=as_enterprise, json=EARLY)
    condition = next(
        c for c in r.json()["early_removal"]["conditions"] if c["code"] == "no_new_heavier_penalty"
    )
    assert condition["met"] is False and "CR-" in condition["detail"]
    problem(
        client.post(f"{url}/early-removal", headers=as_enterprise, json=EARLY),
        409,
        "early_removal_pending",
    )
    r = client.post(
        f"{url}/early-removal-decision",
        headers=as_regulator,
        json={"granted": False, "reason": " "},
    )
    problem(r, 422, "reason_required")
    r = client.post(
        f"{url}/early-removal-decision",
        headers=as_regulator,
        json={"granted": False, "reason": "A new heavier penalty in June 2025."},
    )
    assert r.status_code == 200 and r.json()["status"] == "listed"
    assert r.json()["early_removal"]["decision_reason"] == "A new heavier penalty in June 2025."
    own = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
    assert any(n["kind"] == "early_removal_decided" and "new heavier" in n["message"] for n in own)


def test_objection_may_ask_for_a_hearing(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    notices = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
    assert (
        "ask for a hearing"
        in next(n for n in notices if n["kind"] == "listing_proposed")["message"]
    )
    r = client.post(
        f"/listings/{listing['id']}/objection",
        headers=as_enterprise,
        json={"statement": "Wrong facts.", "evidence": [], "hearing_requested": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["objection"]["hearing_requested"] is True
    seen = client.get(f"/listings/{listing['id']}", headers=as_regulator).json()
    assert seen["objection"]["hearing_requested"] is True
