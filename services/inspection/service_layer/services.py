"""Inspection use cases. Each is one transaction: ``with uow: ... uow.commit()``."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    DishonestyMeasureRow,
    DrawRow,
    EnterpriseRiskRow,
    SnapshotRow,
    TaskRow,
)
from services.inspection.domain import policy as eligibility
from services.inspection.domain.draw import (
    ALGORITHM,
    SEED_BYTES,
    SNAPSHOT_FORMAT,
    Chosen,
    DrawOutcome,
    Pools,
    Recusal,
    assign_teams,
    canonical_bytes,
    paused_gc,
    seed_commitment,
    select_units,
    selection_columns,
    sha256_hex,
)
from services.inspection.domain.draw_seed import unit_recusals
from services.inspection.domain.model import (
    FailedItem,
    Outcome,
    Plan,
    Result,
    ResultStatus,
    RiskClass,
    TaskStatus,
)
from services.inspection.domain.policy import EligibilityPolicy
from services.inspection.domain.roster import parse_inspectors, parse_labs
from services.inspection.domain.transparency import Kind
from services.inspection.service_layer import (
    draw_inputs,
    hierarchy_ops,
    publication_deadlines,
    roster_authority,
    roster_versions,
    unit_keys,
)
from services.inspection.service_layer.commands import CreatePlan, RecordResult
from services.inspection.service_layer.disclosure import commit_selection, ensure_sampling
from services.inspection.service_layer.ports import MirrorWork, PlanWork, ResultWork
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork, new_uuids
from shared.auth import AuthorityLevel, Principal, Role
from shared.calendar import WorkingCalendar
from shared.clock import today_in_china, utcnow
from shared.contracts.inspection import (
    DrawMadeV1,
    FailedItemV1,
    PlanDeadlineChangedV1,
    ResultFinalisedV2,
    ResultPublishedV2,
    ResultRecordedV1,
    SnapshotCommittedV1,
    TaskAssignedV1,
)
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.periods import Dated, add_working_days


# -- who may -------------------------------------------------------------------------------------
def require_authority(plan: Plan, actor: Principal) -> None:
    """Plans, draws and results are managed by the plan's own authority: a regulator of the
    same level and department whose jurisdiction covers the plan's region."""
    if (
        not actor.is_regulator
        or actor.authority_level is not plan.authority_level
        or actor.department != plan.department
        or not actor.covers_region(plan.region_code)
    ):
        raise Forbidden(
            f"plan {plan.id} belongs to the {plan.authority_level.value} authority "
            f"{plan.department} of region {plan.region_code}",
            code="not_plan_authority",
        )


def _load_plan(uow: PlanWork, plan_id: str, *, for_update: bool = False) -> Plan:
    plan = uow.plans.get(plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(f"no plan {plan_id}", code="plan_not_found")
    return plan


# -- rosters -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportReport:
    rows: int
    created: int
    updated: int


def _import(uow: InspectionUnitOfWork, parsed: object, save: str, actor: Principal) -> ImportReport:
    errors = parsed.errors  # type: ignore[attr-defined]
    items = parsed.items  # type: ignore[attr-defined]
    if errors:
        raise InvalidInput(
            f"{len(errors)} problems in the file; nothing was imported",
            code="import_rows_invalid",
            errors=[e.as_doc() for e in errors[:1000]],
            error_count=len(errors),
        )
    if not items:
        raise InvalidInput("the file has no rows", code="import_empty")
    with uow:
        roster_authority.authorise_and_record(uow, save, items, actor)
        created, updated = getattr(uow.rosters, save)(items)
        uow.commit()
    return ImportReport(len(items), created, updated)


def import_units(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    return ImportReport(*unit_keys.import_units(uow, text, actor))  # one unit, one key


def import_inspectors(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    return _import(uow, parse_inspectors(text, actor.covers_region), "upsert_inspectors", actor)


def import_labs(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    roster_authority.authorise_level("upsert_labs", actor)
    return _import(uow, parse_labs(text, actor.covers_region), "upsert_labs", actor)


# -- policy --------------------------------------------------------------------------------------
def add_policy(uow: InspectionUnitOfWork, doc: dict, effective_from: date, actor: Principal) -> int:
    """A new version of the eligibility policy (national regulators only)."""
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        raise Forbidden(
            "only the national authority sets the eligibility policy", code="national_only"
        )
    with uow:
        version = uow.policies.latest_version() + 1
        policy = EligibilityPolicy.from_doc({**doc, "version": version})
        uow.policies.add(policy, effective_from, actor.actor())
        uow.commit()
    return version


# -- plans ---------------------------------------------------------------------------------------
def publication_deadline(calendar: WorkingCalendar, period_end: date, workdays: int) -> Dated:
    """The last day to publish: ``workdays`` working days after the check's end, provisional
    while the calendar year has no official table (never unknown)."""
    return add_working_days(period_end, workdays, calendar)


def create_plan(
    uow: InspectionUnitOfWork,
    cmd: CreatePlan,
    actor: Principal,
    calendar: WorkingCalendar,
    publication_workdays: int,
) -> str:
    if actor.authority_level is None or actor.region_code is None or actor.department is None:
        raise Forbidden("only regulators plan spot checks", code="role_not_allowed")
    deadline = publication_deadline(calendar, cmd.period_end, publication_workdays)
    plan = Plan(
        id=str(uuid.uuid4()),
        name=cmd.name,
        authority_level=actor.authority_level,
        department=actor.department,
        region_code=actor.region_code,
        check_type=cmd.check_type,
        scope=cmd.scope,
        sampling=cmd.sampling,
        team_size=cmd.team_size,
        cross_region_teams=cmd.cross_region_teams,
        inspector_cooldown_days=cmd.inspector_cooldown_days,
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        created_by=actor.actor(),
        publication_deadline=deadline.day,
        joint_departments=cmd.joint_departments,
    )
    with uow:
        uow.plans.add(plan, None)
        uow.plans.set_deadline(plan.id, deadline)
        uow.commit()
    return plan.id


def refresh_deadlines(
    uow: InspectionUnitOfWork, calendar: WorkingCalendar, publication_workdays: int
) -> int:
    """Recompute every deadline not yet resting on official calendar data (provisional, or
    unknown from before provisional years existed). A deadline that moves is recorded and
    announced (``inspection.plan.deadline_changed``); returns how many moved."""
    moved = 0
    with uow:
        for plan, provenance, version in uow.plans.not_official_deadlines():
            new = publication_deadline(calendar, plan.period_end, publication_workdays)
            if (new.day, new.provenance.value, new.calendar_version) == (
                plan.publication_deadline,
                provenance,
                version,
            ):
                continue
            uow.plans.set_deadline(plan.id, new)
            if new.day != plan.publication_deadline:
                moved += 1
                change = PlanDeadlineChangedV1(
                    plan_id=plan.id,
                    authority_level=plan.authority_level.value,
                    region_code=plan.region_code,
                    deadline_kind="publication",
                    previous_deadline=plan.publication_deadline,
                    new_deadline=new.day,
                    previous_provenance=provenance,
                    new_provenance=new.provenance.value,
                    calendar_version=new.calendar_version,
                )
                uow.plans.record_deadline_change(change, utcnow())
                uow.emit(change, subject=plan.id)
        uow.commit()
    return moved


# -- commit: freeze the eligible roster and commit to a seed -------------------------------------
def commit_snapshot(
    uow: InspectionUnitOfWork, plan_id: str, actor: Principal, today: date | None = None
) -> str:
    today = today or today_in_china()
    with uow:
        plan = _load_plan(uow, plan_id, for_update=True)
        require_authority(plan, actor)
        policy = uow.policies.current(today)
        snapshot_id = str(uuid.uuid4())
        seed = secrets.token_bytes(SEED_BYTES)
        abandoned = draw_inputs.abandon_undrawn(uow, plan.id)
        hierarchy_ops.expire_claims(uow, today)
        watermark = uow.snapshots.history_watermark()  # before the freeze reads the history
        roster_version = roster_versions.pin(uow.session)  # issue 13, item 4
        uow.snapshots.freeze(
            snapshot_id,
            plan,
            policy,
            today,
            blocking_levels=hierarchy_ops.blocking_levels(uow, plan),
        )
        units = uow.snapshots.read_units(snapshot_id)
        unit_count, excluded = len(units["unit_id"]), uow.snapshots.counts(snapshot_id)[1]
        if unit_count == 0:  # 409 naming why (hierarchy, six-month rule, empty scope)
            raise hierarchy_ops.nothing_eligible(uow, snapshot_id, plan)
        header: dict[str, Any] = {
            "format": SNAPSHOT_FORMAT,
            "algorithm": ALGORITHM,
            "snapshot_id": snapshot_id,
            "plan": plan.as_doc(),
            "policy": policy.as_doc(),
            "frozen_on": today.isoformat(),
            "seed_commitment": seed_commitment(seed),
            "excluded_count": excluded,
            "inspectors": uow.rosters.inspector_pool(
                plan.region_code, plan.authority_level, plan.joint_departments and plan.departments
            ),
            "labs": uow.rosters.lab_pool(),
            "roster_version": roster_version,
        }
        _commit_draw_inputs(uow, plan, snapshot_id, header, units["enterprise_uscc"])
        snapshot_hash = sha256_hex(canonical_bytes({**header, "units": units}))
        uow.snapshots.add(
            SnapshotRow(
                id=snapshot_id,
                plan_id=plan.id,
                status="committed",
                policy_version=policy.version,
                frozen_on=today,
                snapshot_hash=snapshot_hash,
                seed_commitment=header["seed_commitment"],
                seed_hex=seed.hex(),
                unit_count=unit_count,
                excluded_count=excluded,
                history_watermark=watermark,
                header=header,
                created_by=actor.actor(),
                created_at=utcnow(),
            )
        )
        uow.emit(
            SnapshotCommittedV1(
                snapshot_id=snapshot_id,
                plan_id=plan.id,
                authority_level=plan.authority_level.value,
                region_code=plan.region_code,
                algorithm=ALGORITHM,
                snapshot_hash=snapshot_hash,
                seed_commitment=header["seed_commitment"],
                policy_version=policy.version,
                unit_count=unit_count,
                excluded_count=excluded,
                frozen_on=today,
            ),
            subject=snapshot_id,
        )
        draw_inputs.log_abandoned(uow, plan.id, abandoned, f"superseded by snapshot {snapshot_id}")
        draw_inputs.log_snapshot(uow, plan.id, snapshot_id, snapshot_hash, header, unit_count)
        uow.commit()
    return snapshot_id


def _commit_draw_inputs(
    uow: InspectionUnitOfWork, plan: Plan, snapshot_id: str, header: dict, usccs: list[str]
) -> None:
    """What the snapshot commits to besides the roster: the other parties' contributions and
    the recusals (so neither can change after the freeze)."""
    contributions = draw_inputs.bind_contributions(uow, plan.id, snapshot_id)
    if contributions is not None:
        header["contributions"] = contributions
    active = uow.draws.active_for_plan(plan.id)
    header["committed_recusals"] = draw_inputs.committed_recusals(
        uow, plan, usccs, header, active.id if active else None
    )


# -- reveal: the draw ----------------------------------------------------------------------------
class UnitClaimedConcurrently(Conflict):
    code = "unit_claimed_concurrently"


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
        snap = uow.snapshots.get(snapshot_id, for_update=True)
        if snap is None:
            raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
        plan = _load_plan(uow, snap.plan_id, for_update=True)  # one draw of a plan at a time
        require_authority(plan, actor)
        if snap.status != "committed":
            raise Conflict(
                f"snapshot {snapshot_id} is {snap.status}; freeze a new one to draw again",
                code="snapshot_not_drawable",
                snapshot_status=snap.status,
            )
        active = uow.draws.active_for_plan(plan.id, for_update=True)
        _check_redraw(uow, active, reason)
        hierarchy_ops.expire_claims(uow, today)
        late = _late_exclusions(uow, snap, plan, today)
        algorithm = snap.header["algorithm"]  # the snapshot committed to it; older ones: v1
        # phase 1 reads two or three columns of every unit; the rest only for the units drawn
        units = uow.snapshots.read_units(snap.id, selection_columns(algorithm))
        doc = {**snap.header, "units": units}
        seed = draw_inputs.seed_of_draw(uow, snap)
        sealed = draw_inputs.sealed_late_exclusions(uow, snap.id)
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
        draw_id = str(uuid.uuid4())
        now = utcnow()
        if active is not None:
            active.status = "superseded"
            active.superseded_by = draw_id
            uow.tasks.cancel_draw_tasks(active.id, f"superseded by re-draw {draw_id}: {reason}")
        uow.draws.add(
            DrawRow(
                id=draw_id,
                snapshot_id=snap.id,
                plan_id=plan.id,
                status="active",
                algorithm=algorithm,
                seed_hex=snap.seed_hex,
                result_digest=outcome.result_digest,
                selected_count=len(outcome.selection),
                strata=[s.__dict__ for s in outcome.strata],
                late_exclusions=[
                    draw_inputs.late_exclusion_doc(e.as_doc(), sealed)
                    for e in sorted(late.values(), key=lambda e: e.unit_id)
                ],
                recusals=[r.as_doc() for r in recusals],
                supersedes_draw_id=active.id if active else None,
                redraw_reason=reason,
                drawn_by=actor.actor(),
                drawn_at=now,
            )
        )
        snap.status = "drawn"
        tasks = _task_rows(doc, chosen, outcome, draw_id, plan, now)
        uow.tasks.add_many(tasks)
        hierarchy_ops.take_over_lower_claims(uow, draw_id, plan, now)
        try:
            uow.tasks.claim_units_of_draw(
                draw_id, plan.authority_level.value, plan.region_code, now
            )
        except IntegrityError:
            raise UnitClaimedConcurrently(
                "another authority's draw took some of these units at the same moment; "
                "nothing was recorded: draw again (those units will be excluded, with the reason)",
                retry=True,
            ) from None
        commitment = commit_selection(uow, draw_id, outcome.selection_doc())
        _emit_draw_events(uow, snap, plan, draw_id, algorithm, outcome, late, reason, active, tasks)
        _log_draw(uow, snap, draw_id, seed, commitment, len(outcome.selection), reason, active)
        uow.commit()
    return draw_id


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


def seal_late_exclusions(uow: InspectionUnitOfWork, snap: SnapshotRow) -> list[str]:
    """The unit ids late-excluded now (the seal of the completing contribution reveal)."""
    plan = _load_plan(uow, snap.plan_id)
    return list(_late_exclusions(uow, snap, plan, today_in_china()).keys())


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


# -- results -------------------------------------------------------------------------------------
def _load_task(uow: ResultWork, task_id: str) -> TaskRow:
    task = uow.tasks.get(task_id, for_update=True)
    if task is None:
        raise NotFound(f"no task {task_id}", code="task_not_found")
    return task


def record_result(
    uow: ResultWork,
    task_id: str,
    cmd: RecordResult,
    actor: Principal,
    objection_window_days: int,
    today: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> None:
    today = today or today_in_china()
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        if task.status != TaskStatus.ASSIGNED.value:
            raise Conflict(
                f"task {task_id} is {task.status}; a result is recorded once",
                code="result_already_recorded" if task.status != "cancelled" else "task_cancelled",
                task_status=task.status,
            )
        now = utcnow()
        ensure_sampling(uow, task, cmd.sampling_date, actor.actor(), now)
        result = Result.record(
            task_id=task_id,
            outcome=cmd.outcome,
            failed_items=cmd.failed_items,
            sampling_date=cmd.sampling_date,
            today=today,
            objection_window_days=objection_window_days,
            actor=actor.actor(),
            at=now,
            calendar=calendar,
        )
        uow.results.add(result)
        unit = uow.rosters.unit(task.unit_id) or {}
        uow.emit(
            ResultRecordedV1(
                **_result_fields(task, plan, unit, result),
                status=result.status.value,
                objection_deadline=result.objection_deadline,
            ),
            subject=task.enterprise_uscc,
        )
        if result.status is ResultStatus.FINAL:
            _on_final(uow, task, plan, unit, result)
        else:
            uow.tasks.set_status(task.id, TaskStatus.RESULT_RECORDED.value)
        uow.commit()


def _result_fields(task: TaskRow, plan: Plan, unit: dict, result: Result) -> dict:
    return {
        "task_id": task.id,
        "plan_id": plan.id,
        "unit_id": task.unit_id,
        "enterprise_uscc": task.enterprise_uscc,
        "enterprise_name": unit.get("enterprise_name", ""),
        "product_name": unit.get("product_name", ""),
        "model": unit.get("model", ""),
        "authority_level": plan.authority_level.value,
        "region_code": plan.region_code,
        "check_type": plan.check_type.value,
        "outcome": result.outcome.value,
        "failed_items": [FailedItemV1(**f.__dict__) for f in result.failed_items],
        "sampling_date": result.sampling_date,
    }


def _on_final(uow: ResultWork, task: TaskRow, plan: Plan, unit: dict, result: Result) -> None:
    """A final result ends the running check: the claim goes, the check enters the history
    the six-month rule reads, and the result waits for publication."""
    uow.tasks.release_claim(task.id)
    uow.tasks.set_status(task.id, TaskStatus.FINAL.value)
    uow.results.add_check_record(task, plan, result, unit)
    assert result.finalised_at is not None
    if isinstance(uow, InspectionUnitOfWork):  # per-result publication deadline (fakes have none)
        publication_deadlines.set_deadline(uow, task.id, result.finalised_at)
    uow.emit(
        ResultFinalisedV2(
            **_result_fields(task, plan, unit, result),
            product_category=unit.get("product_category"),
            finalised_at=result.finalised_at,
            retested=result.retested,
        ),
        subject=task.enterprise_uscc,
    )


def object_to_result(
    uow: InspectionUnitOfWork,
    task_id: str,
    reason: str,
    actor: Principal,
    today: date | None = None,
) -> None:
    """The inspected enterprise objects to a failure within its window (asks for a re-test)."""
    today = today or today_in_china()
    with uow:
        task = uow.tasks.get(task_id, for_update=True)
        if task is None or actor.role is not Role.ENTERPRISE or actor.uscc != task.enterprise_uscc:
            raise NotFound(f"no task {task_id} of yours", code="task_not_found")
        result = uow.results.get(task_id, for_update=True)
        if result is None:
            raise Conflict("no result has been recorded yet", code="no_result")
        result.object(reason, today, utcnow())
        uow.results.save(result)
        uow.commit()


def record_retest(
    uow: InspectionUnitOfWork,
    task_id: str,
    outcome: Outcome,
    failed_items: list[FailedItem],
    actor: Principal,
) -> None:
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        result = uow.results.get(task_id, for_update=True)
        if result is None:
            raise Conflict("no result has been recorded yet", code="no_result")
        result.record_retest(outcome, failed_items, actor.actor(), utcnow())
        uow.results.save(result)
        _on_final(uow, task, plan, uow.rosters.unit(task.unit_id) or {}, result)
        uow.commit()


def finalise_due(uow: InspectionUnitOfWork, today: date, batch_size: int = 500) -> int:
    """The scheduled job: failures whose objection window passed unused become final."""
    with uow:
        done = 0
        for task_id in uow.results.due_for_finalisation(today, batch_size):
            result = uow.results.get(task_id, for_update=True)
            task = uow.tasks.get(task_id, for_update=True)
            if result is None or task is None or not result.finalise_if_due(today, utcnow()):
                continue
            uow.results.save(result)
            plan = _load_plan(uow, task.plan_id)
            _on_final(uow, task, plan, uow.rosters.unit(task.unit_id) or {}, result)
            done += 1
        uow.commit()
    return done


def publish_results(uow: InspectionUnitOfWork, plan_id: str, actor: Principal) -> int:
    """Publish ("一公开") every final, unpublished result of the plan."""
    with uow:
        plan = _load_plan(uow, plan_id, for_update=True)
        require_authority(plan, actor)
        task_ids = uow.tasks.publishable(plan.id)
        if not task_ids:
            raise Conflict("no final result waits for publication", code="nothing_to_publish")
        now = utcnow()
        for task_id in task_ids:
            task = uow.tasks.get(task_id)
            result = uow.results.get(task_id)
            assert task is not None and result is not None
            uow.tasks.set_status(task_id, TaskStatus.PUBLISHED.value, published_at=now)
            unit = uow.rosters.unit(task.unit_id) or {}
            uow.emit(
                ResultPublishedV2(
                    **_result_fields(task, plan, unit, result),
                    product_category=unit.get("product_category"),
                    published_at=now,
                    publication_deadline=plan.publication_deadline,
                ),
                subject=task.enterprise_uscc,
            )
        uow.commit()
    return len(task_ids)


def cancel_task(uow: InspectionUnitOfWork, task_id: str, reason: str, actor: Principal) -> None:
    """Withdraw a task without result (e.g. the enterprise closed down); frees the unit."""
    if not reason.strip():
        raise InvalidInput("cancelling a task needs a reason", code="reason_required")
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        if task.status != TaskStatus.ASSIGNED.value:
            raise Conflict(
                f"task {task_id} is {task.status}",
                code="task_not_cancellable",
                task_status=task.status,
            )
        task.status = TaskStatus.CANCELLED.value
        task.cancel_reason = reason.strip()
        uow.tasks.release_claim(task.id)
        hierarchy_ops.log_withdrawal(uow, task, plan, task.cancel_reason)
        draw_inputs.log(
            uow,
            Kind.TASK_CANCELLED,
            task.id,
            {
                "task_id": task.id,
                "draw_id": task.draw_id,
                "plan_id": task.plan_id,
                # the reason may name the enterprise: it is public with the task (claim events)
            },
        )
        uow.commit()


# -- facts from other services (issue 5's consumers call these with the source event id) --------
def set_enterprise_risk_class(
    uow: MirrorWork,
    uscc: str,
    risk_class: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """The credit service graded the enterprise: its units are weighted by this class from the
    next snapshot on. Older events than the one applied are ignored (returns False)."""
    cls = RiskClass(risk_class)
    with uow:
        row = uow.mirror.risk(uscc, for_update=True)
        if row is not None and row.occurred_at >= occurred_at:
            return False
        if row is None:
            uow.mirror.add(
                EnterpriseRiskRow(
                    uscc=uscc,
                    risk_class=cls.value,
                    source_event_id=source_event_id,
                    occurred_at=occurred_at,
                    updated_at=utcnow(),
                )
            )
        else:
            row.risk_class, row.source_event_id = cls.value, source_event_id
            row.occurred_at, row.updated_at = occurred_at, utcnow()
        uow.commit()
    return True


def apply_dishonesty_measure(
    uow: MirrorWork,
    uscc: str,
    listing_id: str,
    measure_code: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """A listed dishonest enterprise: higher weight, no six-month exemption, while active."""
    with uow:
        if uow.mirror.measure(listing_id, for_update=True) is not None:
            return False
        uow.mirror.add(
            DishonestyMeasureRow(
                uscc=uscc,
                listing_id=listing_id,
                measure_code=measure_code,
                active=True,
                source_event_id=source_event_id,
                started_at=occurred_at,
            )
        )
        uow.commit()
    return True


def lift_dishonesty_measure(
    uow: MirrorWork,
    listing_id: str,
    source_event_id: str,
    occurred_at: datetime,
    *,
    uscc: str | None = None,
    measure_code: str = "",
) -> bool:
    with uow:
        row = uow.mirror.measure(listing_id, for_update=True)
        if row is None and uscc:
            # The lift overtook its apply (relays may publish out of order): a tombstone makes
            # the late apply of this listing a no-op.
            uow.mirror.add(
                DishonestyMeasureRow(
                    uscc=uscc,
                    listing_id=listing_id,
                    measure_code=measure_code,
                    active=False,
                    source_event_id=source_event_id,
                    started_at=occurred_at,
                    lifted_at=occurred_at,
                    lifted_event_id=source_event_id,
                )
            )
            uow.commit()
            return True
        if row is None or not row.active:
            return False
        row.active, row.lifted_at, row.lifted_event_id = False, occurred_at, source_event_id
        uow.commit()
    return True


def mark_certified_product(
    uow: MirrorWork,
    certificate_number: str,
    scheme: str,
    uscc: str,
    product_name: str | None,
    model: str | None,
    status: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """Mirror a certificate (from the registry's events) so views can show certified units."""
    with uow:
        row = uow.mirror.certified(certificate_number)
        if row is not None and row.occurred_at >= occurred_at:
            return False
        if row is None:
            uow.mirror.add(
                CertifiedProductRow(
                    certificate_number=certificate_number,
                    scheme=scheme,
                    uscc=uscc,
                    product_name=product_name,
                    model=model,
                    status=status,
                    source_event_id=source_event_id,
                    occurred_at=occurred_at,
                )
            )
        else:
            row.status, row.source_event_id, row.occurred_at = status, source_event_id, occurred_at
        uow.commit()
    return True
