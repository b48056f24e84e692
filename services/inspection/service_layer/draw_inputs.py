"""Draw contributions by other parties, recusals committed at the freeze, and the
transparency log (issue 13, item 2). Each public use case is one transaction."""

import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from services.inspection.adapters.orm import DrawRow, SnapshotRow
from services.inspection.adapters.orm_draw_inputs import ContributionRow
from services.inspection.domain import draw_seed, late_exclusions
from services.inspection.domain.model import Plan
from services.inspection.domain.transparency import Kind
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal, Role
from shared.auth.authority import Power, authorise
from shared.clock import utcnow
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound

SUPERVISING_OFFICIAL = "supervising_official"
PUBLIC_OBSERVER = "public_observer"


def log(uow: InspectionUnitOfWork, kind: str, subject: str, payload: dict[str, Any]) -> None:
    """Append to the transparency log inside the caller's transaction."""
    uow.draw_inputs.append(utcnow(), kind, subject, payload)


# -- who may contribute -------------------------------------------------------------------------
def contributor_role(plan: Plan, actor: Principal) -> str:
    """A public observer, or a regulator covering the plan's region that is not the plan's own
    authority (the authority holds the server's seed already)."""
    if actor.role is Role.OBSERVER:
        authorise(actor, Power.OBSERVE_DRAW)
        return PUBLIC_OBSERVER
    authorise(actor, Power.SUPERVISE_DRAW, plan.region_code)
    if actor.authority_level is plan.authority_level and actor.department == plan.department:
        raise Forbidden(
            "the plan's own authority cannot contribute to its draw's randomness",
            code="plan_authority_cannot_contribute",
        )
    return SUPERVISING_OFFICIAL


def _hex32(value: str, field: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"{field} must be 64 hex digits (32 bytes)", code=f"invalid_{field}")
    return raw


# -- use cases ----------------------------------------------------------------------------------
def commit_contribution(
    uow: InspectionUnitOfWork, plan_id: str, commitment: str, actor: Principal
) -> str:
    """Commit to a secret value for the plan's next freeze (SHA-256 of the value, see
    ``domain.draw_seed``). One pending commitment per party and plan."""
    commitment = commitment.lower()
    _hex32(commitment, "commitment")
    with uow:
        plan = uow.plans.get(plan_id, for_update=True)
        if plan is None:
            raise NotFound(f"no plan {plan_id}", code="plan_not_found")
        role = contributor_role(plan, actor)
        if any(c.contributor == actor.actor() for c in uow.draw_inputs.pending(plan_id)):
            raise Conflict(
                "you already have a commitment waiting for this plan's next freeze",
                code="contribution_already_committed",
            )
        row = ContributionRow(
            id=str(uuid.uuid4()),
            plan_id=plan_id,
            status="pending",
            role=role,
            contributor=actor.actor(),
            commitment=commitment,
            committed_at=utcnow(),
        )
        uow.draw_inputs.add_contribution(row)
        log(uow, Kind.CONTRIBUTION_COMMITTED, row.id, _public(row))
        uow.commit()
        return row.id


def reveal_contribution(
    uow: InspectionUnitOfWork,
    contribution_id: str,
    value: str,
    actor: Principal,
    seal: Callable[[InspectionUnitOfWork, SnapshotRow], list[dict[str, Any]]] | None = None,
) -> None:
    """Reveal the value after the freeze that listed the commitment, before the draw. The
    reveal that completes the set seals the late exclusions known at that moment (``seal``,
    their draw-record entries), each logged as a salted leaf: the draw flags any later one
    (``after_seal``), as the draw seed was known by then."""
    raw = _hex32(value.lower(), "value")
    with uow:
        row = uow.draw_inputs.contribution(contribution_id)
        if row is None:
            raise NotFound(f"no contribution {contribution_id}", code="contribution_not_found")
        if row.contributor != actor.actor():
            raise Forbidden("only its contributor reveals a contribution", code="not_contributor")
        if row.status != "bound":
            raise Conflict(
                {
                    "pending": "the plan is not frozen yet: reveal only after the freeze",
                    "revealed": "the contribution is already revealed",
                    "void": "the snapshot that listed it was abandoned",
                    "used": "the draw has used it already",
                }.get(row.status, row.status),
                code=f"contribution_{row.status}",
            )
        if not draw_seed.matches(raw, row.commitment):
            raise InvalidInput(
                "the value does not match the commitment made before the freeze",
                code="contribution_mismatch",
            )
        row.value_hex, row.status, row.revealed_at = raw.hex(), "revealed", utcnow()
        payload = _public(row)
        others = [r for r in uow.draw_inputs.of_snapshot(str(row.snapshot_id)) if r.id != row.id]
        if seal is not None and all(r.status == "revealed" for r in others):
            snap = uow.snapshots.get(str(row.snapshot_id))
            assert snap is not None
            row.sealed_late_exclusions = log_late_exclusions(uow, snap, seal(uow, snap))
            payload["late_exclusions_sealed"] = len(row.sealed_late_exclusions)
        log(uow, Kind.CONTRIBUTION_REVEALED, row.id, payload)
        uow.commit()


def _public(row: ContributionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "role": row.role,
        "commitment": row.commitment,
        "value": row.value_hex,
    }


# -- inside the freeze and the draw -------------------------------------------------------------
def abandon_undrawn(uow: InspectionUnitOfWork, plan_id: str) -> list[tuple[str, str]]:
    """Abandon the plan's undrawn snapshots (their contributions become void); returns them
    for ``log_abandoned`` (logged at the end of the transaction: appends serialise)."""
    undrawn = uow.draw_inputs.undrawn_snapshots(plan_id)
    uow.snapshots.abandon_undrawn(plan_id)
    uow.draw_inputs.void_of_snapshots([sid for sid, _ in undrawn])
    return undrawn


def log_abandoned(
    uow: InspectionUnitOfWork, plan_id: str, undrawn: list[tuple[str, str]], reason: str
) -> None:
    for sid, snapshot_hash in undrawn:
        payload = {"snapshot_id": sid, "plan_id": plan_id, "snapshot_hash": snapshot_hash}
        log(uow, Kind.SNAPSHOT_ABANDONED, sid, {**payload, "reason": reason})


def log_snapshot(
    uow: InspectionUnitOfWork,
    plan_id: str,
    snapshot_id: str,
    snapshot_hash: str,
    header: dict[str, Any],
    unit_count: int,
) -> None:
    payload = {
        "snapshot_id": snapshot_id,
        "plan_id": plan_id,
        "snapshot_hash": snapshot_hash,
        "seed_commitment": header["seed_commitment"],
        "unit_count": unit_count,
        "excluded_count": header["excluded_count"],
        "contributions": header.get("contributions"),
    }
    log(uow, Kind.SNAPSHOT_COMMITTED, snapshot_id, payload)


def bind_contributions(
    uow: InspectionUnitOfWork, plan_id: str, snapshot_id: str
) -> dict[str, Any] | None:
    """The snapshot's ``contributions`` section: every pending commitment, now bound to it;
    409 when fewer than required. None when none is required nor committed."""
    pending = uow.draw_inputs.pending(plan_id)
    required = uow.contributions_required
    if len(pending) < required:
        raise Conflict(
            f"the freeze needs {required} contributions committed by other parties, "
            f"{len(pending)} are",
            code="too_few_contributions",
            required=required,
            committed=len(pending),
        )
    if not pending and not required:
        return None
    for row in pending:
        row.snapshot_id, row.status = snapshot_id, "bound"
    return {
        "scheme": draw_seed.CONTRIBUTION_SCHEME,
        "required": required,
        "committed": [{"id": r.id, "role": r.role, "commitment": r.commitment} for r in pending],
    }


def committed_recusals(
    uow: InspectionUnitOfWork, plan: Plan, usccs: list[str], header: dict, replaced: str | None
) -> list[dict[str, str]]:
    """Declared conflicts and recent inspections of the snapshot's enterprises, as committed."""
    inspector_conflicts, lab_conflicts = uow.rosters.conflicts(
        header["inspectors"]["inspector_id"], header["labs"]["lab_id"]
    )
    recent: dict[str, set[str]] = {}
    if plan.inspector_cooldown_days > 0:
        since = utcnow() - timedelta(days=plan.inspector_cooldown_days)
        recent = uow.draw_inputs.recent_teams(since, replaced)
    return draw_seed.committed_recusal_list(inspector_conflicts, lab_conflicts, recent, usccs)


def sealed_late_exclusions(uow: InspectionUnitOfWork, snapshot_id: str) -> list[dict] | None:
    """The late exclusions sealed (and logged) by the completing reveal; None without
    contributions. Seals from before the log entries hold bare unit ids."""
    for r in uow.draw_inputs.of_snapshot(snapshot_id):
        if r.sealed_late_exclusions is not None:
            return [e if isinstance(e, dict) else {"unit_id": e} for e in r.sealed_late_exclusions]
    return None


def log_late_exclusions(
    uow: InspectionUnitOfWork, snap: SnapshotRow, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Append each late exclusion to the transparency log as a salted leaf (naming neither
    unit nor cause); the entries with their salt, leaf and ``log_seq``."""
    logged = []
    for entry in entries:
        salt = secrets.token_bytes(32)
        leaf = late_exclusions.leaf(salt, entry)
        payload = late_exclusions.log_payload(snap.id, snap.plan_id, leaf)
        seq = uow.draw_inputs.append(utcnow(), Kind.LATE_EXCLUSION, snap.id, payload)["seq"]
        logged.append(
            {**late_exclusions.core(entry), "salt": salt.hex(), "leaf": leaf, "log_seq": seq}
        )
    return logged


def late_exclusion_docs(
    entries: list[dict[str, Any]], sealed: list[dict] | None
) -> list[dict[str, Any]]:
    """The draw record's late exclusions (unit id order), each with its index; one the seal
    logged keeps its salt, leaf and log entry, a later one gets a salt now, is logged with the
    draw (``log_draw_late_exclusions``) and is flagged ``after_seal``."""
    by_core = {late_exclusions.canonical(e): e for e in sealed or [] if "leaf" in e and "salt" in e}
    sealed_units = {e["unit_id"] for e in sealed or []}
    docs = []
    for index, entry in enumerate(sorted(entries, key=lambda e: e["unit_id"])):
        known = by_core.get(late_exclusions.canonical(entry))
        doc = {**late_exclusions.core(entry), "index": index}
        if known is not None:
            doc.update(salt=known["salt"], leaf=known["leaf"], log_seq=known["log_seq"])
        else:
            salt = secrets.token_bytes(32)
            doc.update(salt=salt.hex(), leaf=late_exclusions.leaf(salt, entry), log_seq=None)
        if sealed is not None and (known is None and entry["unit_id"] not in sealed_units):
            doc["after_seal"] = True
        docs.append(doc)
    return docs


def log_draw_late_exclusions(
    uow: InspectionUnitOfWork, snap: SnapshotRow, draw_id: str
) -> dict[str, Any]:
    """Just before the draw's own log entry: log the draw's late exclusions not logged yet,
    note where, and return what the draw entry commits to."""
    draw = uow.session.get(DrawRow, draw_id)
    assert draw is not None
    docs = [dict(e) for e in draw.late_exclusions]
    for doc in docs:
        if doc.get("log_seq") is None:
            payload = late_exclusions.log_payload(snap.id, snap.plan_id, doc["leaf"])
            entry = uow.draw_inputs.append(utcnow(), Kind.LATE_EXCLUSION, snap.id, payload)
            doc["log_seq"] = entry["seq"]
    draw.late_exclusions = docs  # a new list: the JSON column is written again
    fields = late_exclusions.record_fields(docs)
    return {
        "late_exclusions_commitment": fields["late_exclusions_commitment"],
        "late_exclusion_count": len(docs),
    }


def seed_of_draw(uow: InspectionUnitOfWork, snap: SnapshotRow) -> bytes:
    """The draw seed; 409 until every contribution the snapshot lists is revealed."""
    seed = bytes.fromhex(snap.seed_hex)
    section = snap.header.get("contributions")
    if section is None:
        return seed
    rows = uow.draw_inputs.of_snapshot(snap.id)
    waiting = [r.id for r in rows if r.status != "revealed"]
    if waiting:
        raise Conflict(
            f"{len(waiting)} of {len(rows)} contributions are not revealed yet",
            code="contributions_not_revealed",
            waiting=waiting,
        )
    checked = draw_seed.check_contributions(
        section, [{"id": r.id, "value": r.value_hex} for r in rows], seed, snap.snapshot_hash
    )
    if checked.draw_seed is None:
        raise Conflict("; ".join(checked.problems), code="contributions_invalid")
    for r in rows:
        r.status = "used"
    return checked.draw_seed
