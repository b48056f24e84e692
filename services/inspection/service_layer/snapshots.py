"""Commit: freeze the eligible roster and commit to a seed (the snapshot)."""

import secrets
import uuid
from datetime import date
from typing import Any

from services.inspection.adapters.orm import (
    SnapshotRow,
)
from services.inspection.domain.draw import (
    ALGORITHM,
    SEED_BYTES,
    SNAPSHOT_FORMAT,
    canonical_bytes,
    seed_commitment,
    sha256_hex,
)
from services.inspection.domain.model import (
    Plan,
    SnapshotStatus,
)
from services.inspection.domain.policy import EligibilityPolicy
from services.inspection.service_layer import (
    draw_inputs,
    hierarchy_ops,
    roster_versions,
)
from services.inspection.service_layer.services import _load_plan, require_authority
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.clock import today_in_china, utcnow
from shared.contracts.inspection import (
    SnapshotCommittedV1,
)


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
        # the entries come back from their INSERT: a second read of a million rows would cost
        # as much again
        units = uow.snapshots.freeze(
            snapshot_id,
            plan,
            policy,
            today,
            blocking_levels=hierarchy_ops.blocking_levels(uow, plan),
        )
        unit_count, excluded = len(units["unit_id"]), uow.snapshots.excluded_count(snapshot_id)
        if unit_count == 0:  # 409 naming why (hierarchy, six-month rule, empty scope)
            raise hierarchy_ops.nothing_eligible(uow, snapshot_id, plan)
        header = _header(uow, snapshot_id, plan, policy, today, seed, excluded, roster_version)
        _commit_draw_inputs(uow, plan, snapshot_id, header, units["enterprise_uscc"])
        snapshot_hash = sha256_hex(canonical_bytes({**header, "units": units}))
        row = SnapshotRow(
            id=snapshot_id,
            plan_id=plan.id,
            status=SnapshotStatus.COMMITTED,
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
        uow.snapshots.add(row)
        uow.emit(_committed_event(row, plan), subject=snapshot_id)
        draw_inputs.log_abandoned(uow, plan.id, abandoned, f"superseded by snapshot {snapshot_id}")
        draw_inputs.log_snapshot(uow, plan.id, snapshot_id, snapshot_hash, header, unit_count)
        uow.commit()
    return snapshot_id


def _header(
    uow: InspectionUnitOfWork,
    snapshot_id: str,
    plan: Plan,
    policy: EligibilityPolicy,
    today: date,
    seed: bytes,
    excluded: int,
    roster_version: int,
) -> dict[str, Any]:
    """The snapshot document without its units: what was frozen, under which rules, and the
    inspector and lab pools the teams will be drawn from."""
    return {
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


def _committed_event(row: SnapshotRow, plan: Plan) -> SnapshotCommittedV1:
    return SnapshotCommittedV1(
        snapshot_id=row.id,
        plan_id=plan.id,
        authority_level=plan.authority_level.value,
        region_code=plan.region_code,
        algorithm=row.header["algorithm"],
        snapshot_hash=row.snapshot_hash,
        seed_commitment=row.seed_commitment,
        policy_version=row.policy_version,
        unit_count=row.unit_count,
        excluded_count=row.excluded_count,
        frozen_on=row.frozen_on,
    )


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
