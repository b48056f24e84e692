"""Who governs certification bodies: national powers, and withdrawal with a second approval.

Approval, suspension, reinstatement and withdrawal of a certification body are national powers
(``shared.auth.authority``). Withdrawal is final, so one national regulator proposes it and a
different one approves it; both names are kept on the request and in the accreditation history.
"""

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from services.registry.adapters.orm import WithdrawalRequestRow
from services.registry.domain.model import AccreditationStatus, CertificationBody
from services.registry.service_layer.services import _accreditation_event
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, approval
from shared.auth.authority import Power, authorise
from shared.clock import utcnow
from shared.exceptions import NotFound

POWER_FOR_STATUS = {
    AccreditationStatus.ACTIVE: Power.REINSTATE_BODY,
    AccreditationStatus.SUSPENDED: Power.SUSPEND_BODY,
    AccreditationStatus.WITHDRAWN: Power.WITHDRAW_BODY,
}


def authorise_accreditation_change(actor: Principal, status: AccreditationStatus) -> None:
    authorise(actor, POWER_FOR_STATUS[status])


def _pending(uow: RegistryUnitOfWork, body_id: str) -> WithdrawalRequestRow | None:
    stmt = select(WithdrawalRequestRow).where(
        col(WithdrawalRequestRow.body_id) == body_id,
        col(WithdrawalRequestRow.status) == "pending",
    )
    return uow.session.execute(stmt).scalar_one_or_none()


def _locked_body(uow: RegistryUnitOfWork, body_id: str) -> CertificationBody:
    body = uow.bodies.get(body_id, for_update=True)  # serialises proposals and approvals
    if body is None:
        raise NotFound(f"no certification body {body_id}", code="body_not_found")
    return body


def request_out(row: WithdrawalRequestRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "body_id": row.body_id,
        "reason_code": row.reason_code,
        "reason": row.reason,
        "status": row.status,
        "proposed_by": row.proposed_by,
        "proposed_at": row.proposed_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
    }


def propose_withdrawal(
    uow: RegistryUnitOfWork, body_id: str, reason_code: str, reason: str, actor: Principal
) -> dict[str, Any]:
    authorise(actor, Power.WITHDRAW_BODY)
    with uow:
        body = _locked_body(uow, body_id)
        # Check the reason and the transition now, on a copy: the body changes on approval.
        replace(body).change_accreditation(AccreditationStatus.WITHDRAWN, reason_code, utcnow())
        approval.refuse_second_proposal(
            _pending(uow, body_id),
            f"a withdrawal of {body_id} is already waiting for approval",
            "withdrawal_already_proposed",
        )
        row = WithdrawalRequestRow(
            body_id=body_id,
            reason_code=reason_code,
            reason=reason,
            **approval.proposal(actor, utcnow()),
        )
        uow.session.add(row)
        uow.session.flush()
        out = request_out(row)
        uow.commit()
        return out


def decide_withdrawal(
    uow: RegistryUnitOfWork, body_id: str, approve: bool, actor: Principal
) -> dict[str, Any]:
    authorise(actor, Power.WITHDRAW_BODY)
    with uow:
        body = _locked_body(uow, body_id)
        now = utcnow()
        pending = _pending(uow, body_id)
        approval.decide(
            pending,
            Power.WITHDRAW_BODY,
            approve,
            actor,
            now,
            not_found=(f"no withdrawal of {body_id} is waiting", "no_pending_withdrawal"),
        )
        assert pending is not None
        if approve:
            old = body.change_accreditation(AccreditationStatus.WITHDRAWN, pending.reason_code, now)
            uow.bodies.save(body)
            who = f"{pending.proposed_by}, approved by {actor.actor()}"[:200]
            uow.bodies.record_accreditation(body.id, old, body, pending.reason, who)
            status = body.accreditation_status.value
            uow.changes.record("body", body.id, "accreditation_changed", status)
            uow.emit(_accreditation_event(body, old, pending.reason), subject=body.id)
        uow.session.flush()
        out = request_out(pending)
        uow.commit()
        return out


def pending_withdrawal(uow: RegistryUnitOfWork, body_id: str) -> dict[str, Any] | None:
    with uow:
        row = _pending(uow, body_id)
        return request_out(row) if row else None
