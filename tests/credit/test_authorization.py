"""Who may do what: regulators manage in their jurisdiction, an enterprise sees and acts on its
own file only, everyone else gets the public view."""

from datetime import date

from fastapi.testclient import TestClient

from shared import uscc
from tests.credit.conftest import HANGZHOU, Clock, problem, record
from tests.credit.test_api import proposal


def test_anonymous_and_wrong_roles_cannot_write(
    client: TestClient, serious_record: str, as_enterprise: dict[str, str], as_body: dict[str, str]
) -> None:
    problem(client.post("/records", json=record()), 401, "unauthenticated")
    problem(
        client.post("/enterprises", json={"uscc": HANGZHOU, "name": "x"}), 401, "unauthenticated"
    )
    problem(client.post("/records", headers=as_enterprise, json=record()), 403, "role_not_allowed")
    problem(client.post("/records", headers=as_body, json=record()), 403, "role_not_allowed")
    problem(
        client.post("/listings", headers=as_enterprise, json=proposal(serious_record)),
        403,
        "role_not_allowed",
    )
    problem(
        client.post(
            "/repairs",
            headers=as_body,
            json={"record_id": serious_record, "commitment": "c", "evidence": ["e"]},
        ),
        403,
        "role_not_allowed",
    )
    problem(client.get("/listings", headers=as_body), 403, "role_not_allowed")
    problem(
        client.get("/records/x", headers={"Authorization": "Bearer forged"}), 401, "invalid_token"
    )


def test_regulator_outside_jurisdiction(
    client: TestClient, serious_record: str, as_beijing: dict[str, str]
) -> None:
    problem(client.post("/records", headers=as_beijing, json=record()), 403, "outside_jurisdiction")
    problem(
        client.post("/listings", headers=as_beijing, json=proposal(serious_record)),
        403,
        "outside_jurisdiction",
    )
    problem(
        client.post(
            "/enterprises",
            headers=as_beijing,
            json={"uscc": uscc.make("91330200MA2XYW02"), "name": "x"},
        ),
        403,
        "outside_jurisdiction",
    )
    # a full file across regions needs a stated purpose, and the read is audited (issue 10)
    assert "grade_history" not in client.get(f"/enterprises/{HANGZHOU}", headers=as_beijing).json()
    purpose = {**as_beijing, "X-Access-Purpose": "joint case BJ-2026-17"}
    assert "grade_history" in client.get(f"/enterprises/{HANGZHOU}", headers=purpose).json()


def test_other_enterprise_sees_only_the_public_view(
    client: TestClient,
    serious_record: str,
    as_enterprise: dict[str, str],
    as_other_enterprise: dict[str, str],
    as_body: dict[str, str],
) -> None:
    own = client.get(f"/enterprises/{HANGZHOU}", headers=as_enterprise).json()
    assert own["grade_history"] and own["records"][0]["persons"][0]["id_number"]
    for headers in (as_other_enterprise, as_body, {}):
        r = client.get(f"/enterprises/{HANGZHOU}", headers=headers)
        assert r.status_code == 200
        view = r.json()
        assert "grade_history" not in view and "repair_applications" not in view
        assert view["records"][0]["persons"] == [{"role": "legal representative", "name": "王**"}]
        assert "330102198001011234" not in r.text and "王小明" not in r.text
        other = client.get(f"/records/{serious_record}", headers=headers).json()
        assert "source_event_id" not in other and "recorded_by" not in other
    problem(
        client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_other_enterprise),
        403,
        "not_your_file",
    )


def test_enterprise_cannot_object_or_repair_for_another(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_other_enterprise: dict[str, str],
    clock: Clock,
) -> None:
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    problem(
        client.post(
            f"/listings/{listing['id']}/objection",
            headers=as_other_enterprise,
            json={"statement": "sabotage"},
        ),
        404,
        "listing_not_found",
    )
    problem(
        client.get(f"/listings/{listing['id']}", headers=as_other_enterprise),
        404,
        "listing_not_found",
    )
    assert client.get("/listings", headers=as_other_enterprise).json()["items"] == []
    clock.today = date(2026, 9, 20)
    problem(
        client.post(
            "/repairs",
            headers=as_other_enterprise,
            json={"record_id": serious_record, "commitment": "c", "evidence": ["e"]},
        ),
        404,
        "record_not_found",
    )
    assert client.get("/repairs", headers=as_other_enterprise).json()["items"] == []


def test_repair_applications_are_private(
    client: TestClient,
    serious_record: str,
    as_enterprise: dict[str, str],
    as_other_enterprise: dict[str, str],
    as_regulator: dict[str, str],
    as_beijing: dict[str, str],
    clock: Clock,
) -> None:
    clock.today = date(2026, 9, 20)
    application = client.post(
        "/repairs",
        headers=as_enterprise,
        json={"record_id": serious_record, "commitment": "c", "evidence": ["e"]},
    ).json()
    assert client.get(f"/repairs/{application['id']}", headers=as_enterprise).status_code == 200
    problem(
        client.get(f"/repairs/{application['id']}", headers=as_other_enterprise),
        404,
        "repair_not_found",
    )
    problem(client.get(f"/repairs/{application['id']}"), 401, "unauthenticated")
    problem(
        client.post(
            f"/repairs/{application['id']}/decision",
            headers=as_enterprise,
            json={"approved": True, "reason": "self-approved"},
        ),
        403,
        "role_not_allowed",
    )
    problem(
        client.post(
            f"/repairs/{application['id']}/decision",
            headers=as_beijing,
            json={"approved": True, "reason": "x"},
        ),
        403,
        "outside_jurisdiction",
    )
    pending = client.get("/repairs", headers=as_regulator, params={"status": "pending"}).json()
    assert [a["id"] for a in pending["items"]] == [application["id"]]
    assert client.get(f"/records/{serious_record}").status_code == 200  # still disclosed


def test_individual_business_operator_is_masked_in_public(
    client: TestClient, as_regulator: dict[str, str]
) -> None:
    code = uscc.make("92330106MA2J0000")
    r = client.post(
        "/enterprises",
        headers=as_regulator,
        json={
            "uscc": code,
            "name": "杭州市西湖区五金店",
            "category": "individual_business",
            "operator_name": "王小明",
            "operator_id_number": "330106198001011234",
        },
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/records",
        headers=as_regulator,
        json=record(
            uscc=code, persons=[], facts="经营者王小明（330106198001011234）销售不合格插座。"
        ),
    )
    assert r.status_code == 201, r.text
    for path in (
        f"/public/enterprises/{code}",
        f"/public/enterprises/{code}/records",
        "/public/disclosures",
        f"/enterprises/{code}",
    ):
        body = client.get(path).text
        assert "王小明" not in body and "330106198001011234" not in body, path
    assert client.get(f"/public/enterprises/{code}").json()["operator_name"] == "王**"
    full = client.get(f"/enterprises/{code}", headers=as_regulator).json()
    assert (full["operator_name"], full["operator_id_number"]) == ("王小明", "330106198001011234")
