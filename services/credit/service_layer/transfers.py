"""Moving a credit file to another region: an approved transfer, never a silent re-registration.

The authority of the file's current region (provincial or higher, ``Power.TRANSFER_CREDIT_FILE``)
proposes; an authority of the receiving region (provincial or higher), not the proposer,
approves or rejects. Only the approval changes the file's region.
"""

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from services.credit.adapters.orm import FileTransferRow
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, approval
from shared.auth.authority import Power, authorise
from shared.clock import utcnow
from shared.exceptions import InvalidInput, NotFound


def _out(row: FileTransferRow) -> dict[str, Any]:
    return {k: getattr(row, k) for k in FileTransferRow.model_fields}


def _file_region(uow: CreditUnitOfWork, uscc: str) -> str:
    enterprise = uow.enterprises.get(uscc, for_update=True)
    if enterprise is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    return enterprise.region_code


def propose(
    uow: CreditUnitOfWork, uscc: str, to_region: str, reason: str, actor: Principal
) -> dict[str, Any]:
    with uow:
        current = _file_region(uow, uscc)
        authorise(actor, Power.TRANSFER_CREDIT_FILE, current)
        if to_region == current:
            raise InvalidInput("the file is already in that region", code="same_region")
        pending = uow.session.execute(
            select(FileTransferRow).where(
                col(FileTransferRow.uscc) == uscc, col(FileTransferRow.status) == "pending"
            )
        ).scalar_one_or_none()
        approval.refuse_second_proposal(
            pending,
            f"transfer {pending.id if pending else ''} is waiting",
            "transfer_already_proposed",
        )
        row = FileTransferRow(
            uscc=uscc,
            from_region=current,
            to_region=to_region,
            reason=reason,
            **approval.proposal(actor, utcnow()),
        )
        uow.session.add(row)
        uow.session.flush()
        out = _out(row)
        uow.commit()
        return out


def decide(
    uow: CreditUnitOfWork, uscc: str, transfer_id: int, approve: bool, actor: Principal
) -> dict[str, Any]:
    with uow:
        row = uow.session.get(FileTransferRow, transfer_id, with_for_update=True)
        if row is not None and row.uscc == uscc and row.status == "pending":
            authorise(actor, Power.TRANSFER_CREDIT_FILE, row.to_region)
        else:
            row = None
        approval.decide(
            row,
            Power.TRANSFER_CREDIT_FILE,
            approve,
            actor,
            utcnow(),
            not_found=(f"no pending transfer {transfer_id}", "transfer_not_found"),
        )
        assert row is not None
        if approve:
            enterprise = uow.enterprises.get(uscc, for_update=True)
            assert enterprise is not None
            enterprise.region_code = row.to_region
            uow.enterprises.save(enterprise)
            uow.changes.record(uscc, "transferred")
        uow.session.flush()
        out = _out(row)
        uow.commit()
        return out
