"""Reveal: the draw of units, teams and labs from a committed snapshot."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from services.inspection.adapters.orm import (
    DrawRow,
    SnapshotRow,
)
from services.inspection.domain import policy as eligibility
from services.inspection.domain.draw import (
    Chosen,
    DrawOutcome,
    Pools,
    Recusal,
    assign_teams,
    paused_gc,
    select_units,
    selection_columns,
)
from services.inspection.domain.draw_seed import unit_recusals
from services.inspection.domain.model import (
    DrawStatus,
    Plan,
    SnapshotNotDrawable,
    SnapshotStatus,
    TaskStatus,
)
from services.inspection.domain.transparency import Kind
from services.inspection.service_layer import (
    draw_inputs,
    hierarchy_ops,
)
from services.inspection.service_layer.disclosure import commit_selection
from services.inspection.service_layer.services import _load_plan, require_authority
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork, new_uuids
from shared.auth import Principal
from shared.clock import today_in_china, utcnow
from shared.contracts.inspection import (
    DrawMadeV1,
    TaskAssignedV1,
)
from shared.exceptions import Conflict, InvalidInput, NotFound


class UnitClaimedConcurrently(Conflict):
    code = "unit_claimed_concurrently"


@dataclass(frozen=True)
class _Drawn:
    """What the seed selected: the units (phase 1) and their teams and labs (phase 2)."""

    algorithm: str
    doc: dict
    seed: bytes
    chosen: Chosen
    recusals: list[Recusal]
    outcome: DrawOutcome


def make_draw(
    uow: InspectionUnitOfWork,
    snapshot_id: str,
    actor: Principal,
    redraw_reason: str | None = None,
    today: date | None = None,
) -> str:
    """Reveal the seed, draw units, teams and labs, create the tasks and claim the units."""
    today = today or today_in_china()
    reason = (redraw_reason or "").strip() or None
    # the draw holds a whole roster in memory: the cyclic collector would walk it over and
    # over while tens of thousands of rows and events are built (nothing here forms cycles)
    with paused_gc(), uow:
        snap, plan = _drawable_snapshot(uow, snapshot_id, actor)
        active = uow.draws.active_for_plan(plan.id, for_update=True)
        _check_redraw(uow, active, reason)
        hierarchy_ops.expire_claims(uow, today)
        late = _late_exclusions(uow, snap, plan, today)
        drawn = _select(uow, snap, plan, late, active)
        sealed = draw_inputs.sealed_late_exclusions(uow, snap.id)
        draw_id = str(uuid.uuid4())
        now = utcnow()
        if active is not None:
            active.status = DrawStatus.SUPERSEDED
            active.superseded_by = draw_id
            uow.tasks.cancel_draw_tasks(active.id, f"superseded by re-draw {draw_id}: {reason}")
        uow.draws.add(
            _draw_row(snap, plan, draw_id, drawn, late, sealed, reason, active, actor, now)
        )
        snap.status = SnapshotStatus.DRAWN
        tasks = _task_rows(drawn.doc, drawn.chosen, drawn.outcome, draw_id, plan, now)
        uow.tasks.add_many(tasks)
        hierarchy_ops.take_over_lower_claims(uow, draw_id, plan, now)
        _claim_units(uow, draw_id, plan, now)
        commitment = commit_selection(uow, draw_id, drawn.outcome.selection_doc())
        _emit_draw_events(
            uow, snap, plan, draw_id, drawn.algorithm, drawn.outcome, late, reason, active, tasks
        )
        selected = len(drawn.outcome.selection)
        _log_draw(uow, snap, draw_id, drawn.seed, commitment, selected, reason, active)
        uow.commit()
    return draw_id


def _drawable_snapshot(
    uow: InspectionUnitOfWork, snapshot_id: str, actor: Principal
) -> tuple[SnapshotRow, Plan]:
    """The committed snapshot and its plan, both locked: one draw of a plan at a time."""
    snap = uow.snapshots.get(snapshot_id, for_update=True)
    if snap is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    plan = _load_plan(uow, snap.plan_id, for_update=True)  # one draw of a plan at a time
    require_authority(plan, actor)
    try:
        SnapshotStatus(snap.status).check_drawable()
    except SnapshotNotDrawable:
        raise Conflict(
            f"snapshot {snapshot_id} is {snap.status}; freeze a new one to draw again",
            code="snapshot_not_drawable",
            snapshot_status=snap.status,
        ) from None
    return snap, plan


def _select(
    uow: InspectionUnitOfWork,
    snap: SnapshotRow,
    plan: Plan,
    late: dict[str, eligibility.Exclusion],
    active: DrawRow | None,
) -> _Drawn:
    """Phase 1 draws the units (skipping the late exclusions), phase 2 their teams and labs."""
    algorithm = snap.header["algorithm"]  # the snapshot committed to it; older ones: v1
    # phase 1 reads two or three columns of every unit; the rest only for the units drawn
    units = uow.snapshots.read_units(snap.id, selection_columns(algorithm))
    doc = {**snap.header, "units": units}
    seed = draw_inputs.seed_of_draw(uow, snap)
    chosen, summaries = select_units(
        doc,
        seed,
        excluded_positions=uow.snapshots.ordinals(snap.id, late.keys()).values(),
        snapshot_hash=snap.snapshot_hash,
    )
    _fill_details(uow, snap.id, units, chosen)
    recusals = (
        unit_recusals(doc, chosen)
        if "committed_recusals" in doc
        else _recusals(uow, doc, chosen, plan, active.id if active else None)
    )
    outcome = DrawOutcome(
        assign_teams(doc, seed, chosen, recusals, snapshot_hash=snap.snapshot_hash),
        summaries,
    )
    return _Drawn(algorithm, doc, seed, chosen, recusals, outcome)


def _draw_row(
    snap: SnapshotRow,
    plan: Plan,
    draw_id: str,
    drawn: _Drawn,
    late: dict[str, eligibility.Exclusion],
    sealed: list[dict] | None,
    reason: str | None,
    active: DrawRow | None,
    actor: Principal,
    now: datetime,
) -> DrawRow:
    outcome = drawn.outcome
    return DrawRow(
        id=draw_id,
        snapshot_id=snap.id,
        plan_id=plan.id,
        status="active",
        algorithm=drawn.algorithm,
        seed_hex=snap.seed_hex,
        result_digest=outcome.result_digest,
        selected_count=len(outcome.selection),
        strata=[s.__dict__ for s in outcome.strata],
        late_exclusions=draw_inputs.late_exclusion_docs(
            [e.as_doc() for e in late.values()], sealed
        ),
        recusals=[r.as_doc() for r in drawn.recusals],
        supersedes_draw_id=active.id if active else None,
        redraw_reason=reason,
        drawn_by=actor.actor(),
        drawn_at=now,
    )


def _claim_units(uow: InspectionUnitOfWork, draw_id: str, plan: Plan, now: datetime) -> None:
    try:
        uow.tasks.claim_units_of_draw(draw_id, plan.authority_level.value, plan.region_code, now)
    except IntegrityError:
        raise UnitClaimedConcurrently(
            "another authority's draw took some of these units at the same moment; "
            "nothing was recorded: draw again (those units will be excluded, with the reason)",
            retry=True,
        ) from None


def _log_draw(
    uow: InspectionUnitOfWork,
    snap: SnapshotRow,
    draw_id: str,
    seed: bytes,
    commitment: str,
    selected: int,
    reason: str | None,
    active: DrawRow | None,
) -> None:
    payload = {
        "draw_id": draw_id,
        "snapshot_id": snap.id,
        "plan_id": snap.plan_id,
        "seed": snap.seed_hex,
        "draw_seed": seed.hex(),
        "selection_commitment": commitment,
        "selected_count": selected,
    }
    if active is not None:
        payload.update(supersedes_draw_id=active.id, redraw_reason=reason)
    # the late exclusions not logged yet go in first: the draw entry commits to all of them
    payload.update(draw_inputs.log_draw_late_exclusions(uow, snap, draw_id))
    draw_inputs.log(uow, Kind.REDRAW if active else Kind.DRAW, draw_id, payload)


def _fill_details(
    uow: InspectionUnitOfWork, snapshot_id: str, units: dict[str, list], chosen: Chosen
) -> None:
    """Complete the unit columns at the drawn positions (teams, tasks and events need them)."""
    count = len(units["weight"])
    positions = [pos for _, _, pos in chosen]
    details = uow.snapshots.read_details(snapshot_id, positions)
    known_ids = units.get("unit_id")
    columns = ("unit_id", "enterprise_uscc", "region_code", "product_category")
    filled = [[None] * count for _ in columns]
    for pos in positions:
        found = details.get(pos)
        if found is None or (known_ids is not None and known_ids[pos] != found[0]):
            raise RuntimeError(f"snapshot {snapshot_id}: entry {pos} is not where the draw read it")
        for column, value in zip(filled, found, strict=True):
            column[pos] = value
    units.update((c, v) for c, v in zip(columns, filled, strict=True) if c not in units)


def _check_redraw(uow: InspectionUnitOfWork, active: DrawRow | None, reason: str | None) -> None:
    if active is None:
        if reason:
            raise InvalidInput("the plan has no draw to replace", code="no_draw_to_replace")
        return
    if reason is None:
        raise Conflict(
            f"the plan already has draw {active.id}; a re-draw needs a recorded reason",
            code="redraw_reason_required",
            active_draw_id=active.id,
        )
    if uow.tasks.results_exist(active.id):
        raise Conflict(
            f"draw {active.id} already has recorded results and cannot be replaced",
            code="results_already_recorded",
            active_draw_id=active.id,
        )


def _late_exclusions(
    uow: InspectionUnitOfWork, snap: SnapshotRow, plan: Plan, today: date
) -> dict[str, eligibility.Exclusion]:
    """Units of the snapshot that became ineligible since the freeze (claimed by another
    plan, or passed a check): listed in the draw record so the verifier skips them too."""
    policy = uow.policies.get(snap.policy_version)
    units, dishonest, claims, records = uow.snapshots.late_candidates(
        snap.id, plan.id, policy, today, snap.history_watermark
    )
    if not units:
        return {}
    return eligibility.exclusions(
        policy,
        today=today,
        plan_id=plan.id,
        plan_level=plan.authority_level,
        units=units,
        dishonest=dishonest,
        claims=hierarchy_ops.blocking_claims(uow, plan, claims),
        history=records,
    )


def seal_late_exclusions(uow: InspectionUnitOfWork, snap: SnapshotRow) -> list[dict]:
    """The late exclusions now (the seal of the completing contribution reveal), as the
    draw record would list them."""
    plan = _load_plan(uow, snap.plan_id)
    late = _late_exclusions(uow, snap, plan, today_in_china())
    return [late[u].as_doc() for u in sorted(late)]


def _recusals(
    uow: InspectionUnitOfWork, doc: dict, chosen: Chosen, plan: Plan, replaced_draw: str | None
) -> list[Recusal]:
    """Declared conflicts and recent inspections of the same enterprise, per drawn unit."""
    pools = Pools(doc)
    units = doc["units"]
    inspector_conflicts, lab_conflicts = uow.rosters.conflicts(
        doc["inspectors"]["inspector_id"], doc["labs"]["lab_id"]
    )
    recent: dict[str, set[str]] = {}
    if plan.inspector_cooldown_days > 0:
        since = utcnow() - timedelta(days=plan.inspector_cooldown_days)
        drawn = [units["enterprise_uscc"][pos] for _, _, pos in chosen]
        recent = uow.tasks.recent_teams(drawn, since, replaced_draw)
    found: list[Recusal] = []
    for _, _, pos in chosen:
        uscc, unit_id = units["enterprise_uscc"][pos], units["unit_id"][pos]
        category, region = units["product_category"][pos], units["region_code"][pos]
        conflicted = inspector_conflicts.get(uscc, set())
        recently = recent.get(uscc, set()) - conflicted
        if conflicted or recently:
            candidates = set(pools.inspector_candidates(category, region))
            found += [
                Recusal(unit_id, "inspector", i, "conflict_of_interest")
                for i in sorted(conflicted & candidates)
            ]
            found += [
                Recusal(unit_id, "inspector", i, "inspected_recently")
                for i in sorted(recently & candidates)
            ]
        labs = lab_conflicts.get(uscc)
        if labs:
            found += [
                Recusal(unit_id, "lab", lab, "conflict_of_interest")
                for lab in sorted(labs & set(pools.lab_candidates(category)))
            ]
    return found


def _task_rows(
    doc: dict, chosen: Chosen, outcome: DrawOutcome, draw_id: str, plan: Plan, now: datetime
) -> list[dict]:
    units = doc["units"]
    ids = new_uuids(len(chosen))
    return [
        {
            "id": ids[n],
            "draw_id": draw_id,
            "plan_id": plan.id,
            "unit_id": sel.unit_id,
            "enterprise_uscc": units["enterprise_uscc"][pos],
            "product_category": units["product_category"][pos],
            "region_code": units["region_code"][pos],
            "stratum": sel.stratum,
            "rank": sel.rank,
            "inspectors": list(sel.inspectors),
            "lab_id": sel.lab,
            "status": TaskStatus.ASSIGNED.value,
            "assigned_at": now,
        }
        for n, ((_, _, pos), sel) in enumerate(zip(chosen, outcome.selection, strict=True))
    ]


def _emit_draw_events(
    uow: InspectionUnitOfWork,
    snap: SnapshotRow,
    plan: Plan,
    draw_id: str,
    algorithm: str,
    outcome: DrawOutcome,
    late: dict,
    reason: str | None,
    active: DrawRow | None,
    tasks: list[dict],
) -> None:
    uow.emit(
        DrawMadeV1(
            draw_id=draw_id,
            snapshot_id=snap.id,
            plan_id=plan.id,
            authority_level=plan.authority_level.value,
            region_code=plan.region_code,
            algorithm=algorithm,
            seed=snap.seed_hex,
            seed_commitment=snap.seed_commitment,
            snapshot_hash=snap.snapshot_hash,
            result_digest=outcome.result_digest,
            selected_count=len(outcome.selection),
            late_exclusion_count=len(late),
            supersedes_draw_id=active.id if active else None,
            redraw_reason=reason,
        ),
        subject=draw_id,
    )
    period_end = plan.period_end.isoformat()
    uow.emit_many(
        TaskAssignedV1,
        [
            (
                task["enterprise_uscc"],
                {
                    "task_id": task["id"],
                    "draw_id": draw_id,
                    "plan_id": plan.id,
                    "unit_id": task["unit_id"],
                    "enterprise_uscc": task["enterprise_uscc"],
                    "product_category": task["product_category"],
                    "region_code": task["region_code"],
                    "authority_level": plan.authority_level.value,
                    "inspector_ids": task["inspectors"],
                    "lab_id": task["lab_id"],
                    "period_end": period_end,
                },
            )
            for task in tasks
        ],
    )
