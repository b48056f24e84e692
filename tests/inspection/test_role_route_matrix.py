"""Role x route matrix for plans, draws, tasks, results and rosters (issue 10), both databases.

One Hangzhou plan (municipal authority HZAMR, region 330100) is drawn; then every caller meets
every route and each cell is asserted: anonymous, the inspected enterprise and another one, a
certification body, regulators at every level in and out of the plan's region (and another
department of the same level and region), and inspectors (regulator staff, county level) on the
task's team and not on it. Writes are tried by every other caller first, then by the plan's
authority (or the inspected enterprise), whose call must succeed. Violations are collected
and reported together.
"""

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from services.inspection.config import InspectionSettings
from shared.auth import Principal
from shared.clock import today_in_china
from tests.inspection.conftest import (
    HZ,
    bearer,
    create_plan,
    draw,
    freeze,
    inspectors_csv,
    labs_csv,
    post_csv,
    tasks_of,
    units_csv,
)
from tests.inspection.conftest import (
    principal as _principal,
)


def _reg(level: str, region: str, dept: str = "", sub: str = "") -> dict[str, str]:
    return {
        "role": "regulator",
        "sub": sub or f"{level}-{region}-{dept}",
        "authority_level": level,
        "region_code": region,
        "department": dept or f"AMR-{region}",
    }


def _regulator(callers: dict[str, dict[str, str] | None], name: str) -> Principal:
    claims = callers[name]
    assert claims is not None, name  # only the anonymous caller has no claims
    return _principal(claims)


def _callers(owner: str, assigned: str, unassigned: str) -> dict[str, dict[str, str] | None]:
    return {
        "anonymous": None,
        "enterprise_own": {"role": "enterprise", "sub": "e-own", "uscc": owner},
        "enterprise_other": {"role": "enterprise", "sub": "e-other", "uscc": OTHER_ENTERPRISE},
        "body": {"role": "certification_body", "sub": "b1", "body_id": "CNCA-R-2002-001"},
        "county_in": _reg("county", "330102"),
        "county_out": _reg("county", "330206"),
        "municipal_authority": HZ,
        "municipal_in_other_dept": _reg("municipal", "330100", "HZ-OTHER"),
        "municipal_out": _reg("municipal", "330200"),
        "provincial_in": _reg("provincial", "330000", "ZJAMR"),
        "provincial_out": _reg("provincial", "320000", "JSAMR"),
        "national": _reg("national", "100000", "SAMR"),
        "inspector_assigned": _reg("county", "330102", "HZAMR", sub=assigned),
        "inspector_unassigned": _reg("county", "330102", "HZAMR", sub=unassigned),
    }


OTHER_ENTERPRISE = "91330100MA2ABCDE1R"
COVERING = {"municipal_authority", "municipal_in_other_dept", "provincial_in", "national"}
REGULATORS = COVERING | {
    "county_in",
    "county_out",
    "municipal_out",
    "provincial_out",
    "inspector_assigned",
    "inspector_unassigned",
}


def _role_gate(caller: str) -> int | None:
    """401 anonymous, 403 for roles the route is not for; None: decided by the route."""
    if caller == "anonymous":
        return 401
    if caller not in REGULATORS:
        return 403
    return None


def regulator_read(caller: str) -> set[int]:
    gate = _role_gate(caller)
    return {gate} if gate else ({200} if caller in COVERING else {404})


def any_regulator(caller: str) -> set[int]:
    return {_role_gate(caller) or 200}


def authority_write(caller: str) -> set[int]:
    gate = _role_gate(caller)
    return {gate} if gate else {403, 404}  # another authority: refused, or not even visible


class Matrix:
    def __init__(self, client: TestClient, headers: dict[str, dict[str, str]]) -> None:
        self.client, self.headers = client, headers
        self.cells = 0
        self.violations: list[str] = []

    def check(self, label: str, caller: str, expected: set[int], call: Callable) -> object:
        r = call(self.headers[caller])
        self.cells += 1
        if r.status_code not in expected:
            self.violations.append(f"{label} {caller}: {r.status_code} not in {expected} {r.text}")
        return r

    def read(self, label: str, path: str, rule: Callable[[str], set[int]]) -> None:
        for caller in self.headers:
            self.check(label, caller, rule(caller), lambda h: self.client.get(path, headers=h))

    def write(self, label: str, path: str, body: dict | None, by: str, ok: int) -> None:
        """Every caller but ``by`` is refused; then ``by`` succeeds with ``ok``."""
        post = lambda h: self.client.post(path, headers=h, json=body)  # noqa: E731
        for caller in self.headers:
            if caller != by:
                self.check(label, caller, _write_refusal(label, caller), post)
        self.check(label, by, {ok}, post)


def _write_refusal(label: str, caller: str) -> set[int]:
    if label == "objection":  # the inspected enterprise's right; regulators have no role here
        if caller == "anonymous":
            return {401}
        return {404} if caller == "enterprise_other" else {403}
    return authority_write(caller)


def _setup(client: TestClient, settings: InspectionSettings) -> tuple[str, str, str, list[dict]]:
    zj = bearer(settings, _reg("provincial", "330000", "ZJAMR"))
    for path, text in (
        ("units", units_csv(30)),
        ("inspectors", inspectors_csv()),
        ("labs", labs_csv()),
    ):
        assert post_csv(client, f"/rosters/{path}/import", text, zj).status_code == 200
    hz = bearer(settings, HZ)
    plan_id = create_plan(client, hz, cross_region_teams=False)
    snapshot = freeze(client, hz, plan_id)
    made = draw(client, hz, snapshot["id"])
    return plan_id, snapshot["id"], made["id"], tasks_of(client, hz, plan_id)


def test_plans_tasks_results_rosters_matrix(
    client: TestClient, settings: InspectionSettings
) -> None:
    plan_id, snapshot_id, _draw_id, tasks = _setup(client, settings)
    task, spare = tasks[0], tasks[1]
    assigned = task["team"][0]["inspector_id"]
    unassigned = next(
        f"INS-330100-{k}"
        for k in range(4)
        if f"INS-330100-{k}" not in {m["inspector_id"] for m in task["team"]}
    )
    callers = _callers(task["enterprise"]["uscc"], assigned, unassigned)
    m = Matrix(
        client, {c: bearer(settings, claims) if claims else {} for c, claims in callers.items()}
    )
    tid, today = task["id"], today_in_china()

    # -- reads --------------------------------------------------------------------------------
    m.read("list plans", "/plans", any_regulator)
    m.read("plan", f"/plans/{plan_id}", regulator_read)
    m.read("plan tasks", f"/plans/{plan_id}/tasks", regulator_read)
    m.read("overdue", "/regulator/publications/overdue", any_regulator)
    m.read("overdue results", "/regulator/publications/overdue-results", any_regulator)
    m.read("aliases", "/rosters/unit-aliases", any_regulator)
    m.read("unit history", f"/rosters/unit/{task['unit_id']}/history", regulator_read)
    m.read("inspector history", f"/rosters/inspector/{assigned}/history", regulator_read)
    lab = task["lab"]["id"]
    lab_region = next(
        r["region_code"] for r in csv.DictReader(io.StringIO(labs_csv())) if r["lab_id"] == lab
    )
    lab_covering = {c for c in REGULATORS if _regulator(callers, c).covers_region(lab_region)}
    m.read(
        "lab history",
        f"/rosters/lab/{lab}/history",
        lambda c: {_role_gate(c) or (200 if c in lab_covering else 404)},
    )
    for caller, h in m.headers.items():  # plans listed: only those of the caller's jurisdiction
        if caller in REGULATORS:
            ids = {p["id"] for p in client.get("/plans", headers=h).json()["items"]}
            m.cells += 1
            if (plan_id in ids) != (caller in COVERING):
                m.violations.append(f"list plans {caller}: plan listed = {plan_id in ids}")
    # the plan's sampling period has ended: the inspected enterprise sees its task
    m.read(
        "task", f"/tasks/{tid}", lambda c: {200} if c in COVERING | {"enterprise_own"} else {404}
    )

    # -- the procedure: every other caller is refused, then the right one succeeds -------------
    m.write("commit snapshot", f"/plans/{plan_id}/snapshots", None, "municipal_authority", 201)
    redraw = {"redraw_reason": "matrix probe"}
    for caller in m.headers:
        if caller != "municipal_authority":
            m.check(
                "redraw",
                caller,
                authority_write(caller),
                lambda h: client.post(f"/snapshots/{snapshot_id}/draw", headers=h, json=redraw),
            )
    m.write(
        "sampling",
        f"/tasks/{tid}/sampling",
        {"sampled_on": today.isoformat()},
        "municipal_authority",
        201,
    )
    m.read(
        "task after sampling",
        f"/tasks/{tid}",
        lambda c: {200} if c in COVERING | {"enterprise_own"} else {404},
    )
    for caller in ("enterprise_own", "enterprise_other"):
        items = client.get("/my/tasks", headers=m.headers[caller]).json()["items"]
        m.cells += 1
        if (tid in {t["id"] for t in items}) != (caller == "enterprise_own"):
            m.violations.append(f"my tasks {caller}: {[t['id'] for t in items]}")
    m.read(
        "my tasks",
        "/my/tasks",
        lambda c: {401} if c == "anonymous" else {200} if c.startswith("enterprise") else {403},
    )
    failed = {
        "outcome": "fail",
        "sampling_date": today.isoformat(),
        "failed_items": [{"item": "Marking"}],
    }
    m.write("result", f"/tasks/{tid}/result", failed, "municipal_authority", 201)
    m.write(
        "receipt",
        f"/tasks/{tid}/result/receipt",
        {"received_on": today.isoformat()},
        "municipal_authority",
        201,
    )
    m.write(
        "objection",
        f"/tasks/{tid}/result/objection",
        {"reason": "re-test please"},
        "enterprise_own",
        200,
    )
    m.write("retest lab", f"/tasks/{tid}/result/retest-lab", None, "municipal_authority", 201)
    m.write(
        "retest", f"/tasks/{tid}/result/retest", {"outcome": "pass"}, "municipal_authority", 200
    )
    m.write(
        "cancel",
        f"/tasks/{spare['id']}/cancel",
        {"reason": "closed down"},
        "municipal_authority",
        200,
    )
    m.write("publication", f"/plans/{plan_id}/publication", None, "municipal_authority", 200)

    # -- creating: plans (any regulator, for itself), policies (national), aliases -------------
    plan = {
        "name": "matrix plan",
        "sampling": {"weights": {"A": 1}, "strata": [{"risk_classes": ["A"], "size": 1}]},
        "team_size": 2,
        "period_start": (today - timedelta(days=3)).isoformat(),
        "period_end": (today - timedelta(days=1)).isoformat(),
    }
    for caller in m.headers:
        m.check(
            "create plan",
            caller,
            {_role_gate(caller) or 201},
            lambda h: client.post("/plans", headers=h, json=plan),
        )
    policy = {
        "effective_from": (today + timedelta(days=30)).isoformat(),
        "window_months": 6,
        "counting_check_types": ["supervisory_spot_check"],
        "counting_outcomes": ["pass"],
    }
    for caller in m.headers:
        expected = {_role_gate(caller) or (201 if caller == "national" else 403)}
        m.check(
            "policy", caller, expected, lambda h: client.post("/policies", headers=h, json=policy)
        )
    hz_enterprise = task["enterprise"]["uscc"]
    for k, caller in enumerate(m.headers):
        for scope, allowed in (
            (hz_enterprise, COVERING),  # one Hangzhou enterprise: a unit roster change there
            ("", {"national"}),  # every enterprise everywhere: the national authority
        ):
            alias = {
                "field": "model",
                "alias": f"MX-{k}-{bool(scope)}",
                "canonical": f"M-{k}",
                "reason": "same model",
                "enterprise_uscc": scope,
            }
            expected = {_role_gate(caller) or (201 if caller in allowed else 403)}
            m.check(
                f"alias {scope or 'global'}",
                caller,
                expected,
                lambda h, alias=alias: client.post("/rosters/unit-aliases", headers=h, json=alias),
            )

    assert not m.violations, f"{len(m.violations)} of {m.cells} cells:\n" + "\n".join(m.violations)
    assert m.cells >= 370  # every cell above was walked
