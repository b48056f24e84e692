"""Inspection in the joint-punishment loop, through the public APIs of running processes:
a refused inspection becomes a credit record whose new grade reweights the enterprise's units,
and a listing lifts the six-month exemption and raises the weight in later snapshots."""

import csv
import io
from datetime import timedelta

import httpx
import pytest

from devtools.testing.kafka import wait_until
from devtools.testing.system import System
from services.inspection.domain.roster import UNIT_COLUMNS, unit_id_for
from shared.clock import today_in_china
from tests.e2e.conftest import REGULATOR, confirm_record_proposal, enterprise, list_enterprise
from tests.inspection.conftest import inspectors_csv, labs_csv

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def units_csv(holder: str, models: list[str], risk: str = "A") -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(list(UNIT_COLUMNS))
    for model in models:
        w.writerow(
            [
                holder,
                f"企业{holder[-6:]}有限公司",
                "Electric kettle",
                model,
                "electrical",
                "household_appliances",
                holder[2:8],
                risk,
            ]
        )
    return out.getvalue()


def upload(client: httpx.Client, path: str, text: str) -> None:
    r = client.post(path, content=text.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text


def plan(client: httpx.Client, size: int) -> str:
    today = today_in_china()
    r = client.post(
        "/plans",
        json={
            "name": "e2e spot check",
            "sampling": {
                "weights": {"A": 1, "B": 2, "C": 4, "D": 8},
                "dishonest_multiplier": 3,
                "strata": [{"risk_classes": ["A", "B", "C", "D"], "size": size}],
            },
            "team_size": 2,
            "period_start": (today - timedelta(days=20)).isoformat(),
            "period_end": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def snapshot_entry(system: System, client: httpx.Client, unit_id: str) -> dict:
    """Freeze a fresh plan and return the unit's entry in the published snapshot document."""
    r = client.post(f"/plans/{plan(client, 1)}/snapshots")
    assert r.status_code == 201, r.text
    doc = system.client("inspection").get(f"/public/snapshots/{r.json()['id']}/document").json()
    units = doc["units"]
    i = units["unit_id"].index(unit_id)
    return {k: v[i] for k, v in units.items()}


@pytest.fixture(scope="module")
def roster(system: System) -> None:
    with system.client("inspection", **REGULATOR) as zj:
        upload(zj, "/rosters/inspectors/import", inspectors_csv())
        upload(zj, "/rosters/labs/import", labs_csv())


def test_refused_inspection_becomes_a_record_and_reweights_the_roster(
    system: System, roster: None
) -> None:
    holder = enterprise(500)
    with system.client("inspection", **REGULATOR) as zj:
        upload(zj, "/rosters/units/import", units_csv(holder, ["RF-1"]))
        unit = unit_id_for(holder, "Electric kettle", "RF-1")
        assert snapshot_entry(system, zj, unit)["risk_class"] == "A"
        plan_id = plan(zj, 1)
        snap = zj.post(f"/plans/{plan_id}/snapshots").json()
        assert zj.post(f"/snapshots/{snap['id']}/draw", json={}).status_code == 201
        [task] = [
            t for t in zj.get(f"/plans/{plan_id}/tasks").json()["items"] if t["unit_id"] == unit
        ]
        r = zj.post(
            f"/tasks/{task['id']}/result",
            json={"outcome": "refused", "sampling_date": today_in_china().isoformat()},
        )
        assert r.status_code == 201, r.text
        # a refusal becomes a record only by the regulator's own decision (issue 12)
        confirm_record_proposal(system, holder, decision_number="浙市监罚〔2026〕500号")

        def grade() -> str | None:
            r = system.client("credit").get(f"/public/enterprises/{holder}")
            return r.json()["risk_grade"]["grade"] if r.status_code == 200 else None

        wait_until(lambda: grade() not in (None, "A"), timeout=30)
        new_grade = grade()
        wait_until(lambda: snapshot_entry(system, zj, unit)["risk_class"] == new_grade, timeout=30)
        entry = snapshot_entry(system, zj, unit)
        assert entry["weight"] > 1  # class A weighed 1


def test_listing_raises_the_weight_in_later_snapshots(system: System, roster: None) -> None:
    holder = enterprise(510)
    with system.client("inspection", **REGULATOR) as zj:
        upload(zj, "/rosters/units/import", units_csv(holder, ["LS-1"], risk="B"))
        unit = unit_id_for(holder, "Electric kettle", "LS-1")
        before = snapshot_entry(system, zj, unit)["weight"]
        list_enterprise(
            system, holder, ["increased_inspection_frequency", "no_six_month_exemption"]
        )
        # the listing regrades to D as well; the dishonest multiplier comes on top
        wait_until(lambda: snapshot_entry(system, zj, unit)["weight"] >= 8 * 3, timeout=30)
        assert snapshot_entry(system, zj, unit)["weight"] > before
