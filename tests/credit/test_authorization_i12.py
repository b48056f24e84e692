"""Issue 12 routes, role by role: who may apply, decide, dispute and read the queue."""

import pytest
from fastapi.testclient import TestClient

from tests.credit.conftest import HANGZHOU, problem

BODIES = {
    "early": {"statement": "s", "evidence": ["e"]},
    "early_decision": {"granted": False, "reason": "r"},
    "proposal_decision": {"confirm": False, "reason": "r"},
    "dispute": {"statement": "s", "evidence": []},
    "dispute_decision": {"outcome": "rejected", "reason": "r"},
}
ROUTES = [
    ("post", "/listings/DL-X/early-removal", "early", "enterprise"),
    ("post", "/listings/DL-X/early-removal-decision", "early_decision", "regulator"),
    ("get", "/record-proposals", None, "regulator"),
    ("post", "/record-proposals/RP-X/decision", "proposal_decision", "regulator"),
    ("post", "/records/CR-X/disputes", "dispute", "enterprise"),
    ("post", "/disputes/DS-X/decision", "dispute_decision", "regulator"),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES)
def test_role_matrix_of_issue_12_routes(
    client: TestClient,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    as_body: dict[str, str],
    method: str,
    path: str,
    body: str | None,
    allowed: str,
) -> None:
    kwargs = {"json": BODIES[body]} if body else {}
    problem(getattr(client, method)(path, **kwargs), 401, "unauthenticated")
    problem(getattr(client, method)(path, headers=as_body, **kwargs), 403, "role_not_allowed")
    wrong = as_regulator if allowed == "enterprise" else as_enterprise
    problem(getattr(client, method)(path, headers=wrong, **kwargs), 403, "role_not_allowed")
    right = as_enterprise if allowed == "enterprise" else as_regulator
    r = getattr(client, method)(path, headers=right, **kwargs)
    assert r.status_code in (200, 404), r.text  # allowed: past the role check


def test_catalogue_of_rules_is_public(client: TestClient) -> None:
    assert client.get("/catalogue/rules").status_code == 200


def test_queue_and_disputes_respect_jurisdiction_and_ownership(
    client: TestClient,
    serious_record: str,
    as_beijing: dict[str, str],
    as_other_enterprise: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    problem(
        client.post(
            f"/records/{serious_record}/disputes",
            headers=as_other_enterprise,
            json=BODIES["dispute"],
        ),
        404,
        "record_not_found",
    )
    dispute = client.post(
        f"/records/{serious_record}/disputes", headers=as_enterprise, json=BODIES["dispute"]
    ).json()
    problem(
        client.post(
            f"/disputes/{dispute['id']}/decision",
            headers=as_beijing,
            json=BODIES["dispute_decision"],
        ),
        403,
        "outside_jurisdiction",
    )
    problem(
        client.get(f"/disputes/{dispute['id']}", headers=as_other_enterprise),
        404,
        "dispute_not_found",
    )
    assert (
        client.get(f"/disputes/{dispute['id']}", headers=as_enterprise).json()["uscc"] == HANGZHOU
    )
