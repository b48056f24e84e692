"""Credit risk grades in bulk: the one-by-one ``enterprise_facts.set_enterprise_risk_class`` applied to a
consumer batch's grades in one statement, with the same outcome in any order (per enterprise,
the grade that occurred last wins; none older than the one held)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.inspection.adapters.mirror_bulk import upsert_risk_classes
from services.inspection.domain.model import RiskClass
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import as_utc, utcnow


@dataclass(frozen=True)
class RiskGrade:
    uscc: str
    risk_class: str
    source_event_id: str
    occurred_at: datetime


def newest_per_enterprise(grades: Sequence[RiskGrade]) -> list[RiskGrade]:
    """Per enterprise the grade that occurred last; on a tie the first (as one by one)."""
    newest: dict[str, RiskGrade] = {}
    for grade in grades:
        held = newest.get(grade.uscc)
        if held is None or as_utc(grade.occurred_at) > as_utc(held.occurred_at):
            newest[grade.uscc] = grade
    return list(newest.values())


def set_enterprise_risk_classes(uow: InspectionUnitOfWork, grades: Sequence[RiskGrade]) -> None:
    now = utcnow()
    rows = [
        {
            "uscc": g.uscc,
            "risk_class": RiskClass(g.risk_class).value,  # an unknown grade fails the batch
            "source_event_id": g.source_event_id,
            "occurred_at": as_utc(g.occurred_at),
            "updated_at": now,
        }
        for g in newest_per_enterprise(grades)
    ]
    with uow:
        upsert_risk_classes(uow.session, rows)
        uow.commit()
