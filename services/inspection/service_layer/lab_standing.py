"""Registry lab events (issue 14): a lab the registry no longer lets work leaves the pool of
later draws. Runs in the consumer's transaction; older events than the state held are ignored,
so redelivery and reordering have no second effect."""

from datetime import datetime

from services.inspection.adapters.orm_labs import LabStandingRow
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import as_utc
from shared.contracts.registry import LabStatusChangedV1


def record_lab_standing(
    uow: InspectionUnitOfWork, p: LabStatusChangedV1, event_id: str, occurred_at: datetime
) -> None:
    with uow:
        row = uow.session.get(LabStandingRow, p.lab_id, with_for_update=True)
        if row is not None and as_utc(row.occurred_at) > as_utc(occurred_at):
            return  # a newer verdict is already held
        if row is None:
            row = LabStandingRow(
                lab_id=p.lab_id,
                occurred_at=occurred_at,
                lab_uscc="",
                status="",
                reason_code="",
                eligible=True,
                source_event_id="",
            )
        row.lab_uscc, row.status, row.reason_code = p.lab_uscc, p.to_status, p.reason_code
        row.eligible, row.source_event_id, row.occurred_at = p.eligible, event_id, occurred_at
        uow.session.add(row)
        uow.commit()
