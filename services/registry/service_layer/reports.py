"""Use cases of the suspicious-certificate queue: the public files, regulators triage.

A report is routed by region: the holder's region when the number exists (the regulator who
supervises the holder), else the region where the certificate was presented.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from services.registry.adapters.orm_supervision import SuspiciousReportRow
from services.registry.domain.numbers import canonical_number
from services.registry.domain.reports import ReportStatus, check_open, check_outcome, scrub
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import AuthorityLevel, Principal
from shared.clock import utcnow
from shared.db import table_of
from shared.exceptions import Forbidden, InvalidInput, NotFound
from shared.uscc import region_of

R = SuspiciousReportRow


@dataclass(frozen=True)
class FileReport:
    number: str
    region_code: str | None
    where_seen: str
    description: str
    reporter_contact: str | None
    client: str


def file_report(uow: RegistryUnitOfWork, cmd: FileReport) -> SuspiciousReportRow:
    number = canonical_number(cmd.number)
    with uow:
        cert = uow.certificates.get(number)
        region = region_of(cert.holder_uscc) if cert else cmd.region_code
        if not region:
            raise InvalidInput(
                f"no certificate {number}: say where it was presented (region_code)",
                code="region_required",
            )
        row = R(
            number_as_given=scrub(cmd.number)[:200],
            number=number[:200],
            found=cert is not None,
            body_id=cert.body_id if cert else None,
            region_code=region,
            where_seen=scrub(cmd.where_seen)[:500],
            description=scrub(cmd.description),
            reporter_contact=scrub(cmd.reporter_contact or "") or None,
            client=cmd.client[:64],
            status=ReportStatus.OPEN.value,
            created_at=utcnow(),
        )
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return row


def close_report(
    uow: RegistryUnitOfWork, report_id: int, outcome: str, note: str, actor: Principal
) -> SuspiciousReportRow:
    check_outcome(outcome)
    with uow:
        row = uow.session.get(R, report_id, with_for_update=True)
        if row is None or not actor.covers_region(row.region_code):
            raise NotFound(f"no report {report_id} in your jurisdiction", code="report_not_found")
        check_open(row.status)
        row.status = ReportStatus.CLOSED.value
        row.outcome = outcome
        row.outcome_note = scrub(note)
        row.closed_by = actor.actor()
        row.closed_at = utcnow()
        uow.commit()
        return row


def report_view(row: Any) -> dict[str, Any]:
    keys = [
        "id",
        "number",
        "number_as_given",
        "found",
        "body_id",
        "region_code",
        "where_seen",
        "description",
        "reporter_contact",
        "status",
        "outcome",
        "outcome_note",
        "closed_by",
        "closed_at",
        "created_at",
    ]
    return {k: getattr(row, k) for k in keys}


def list_reports(
    conn: Connection, actor: Principal, status: str | None, limit: int
) -> list[dict[str, Any]]:
    """Regulators see the reports routed to their jurisdiction, oldest open first."""
    if not actor.is_regulator:
        raise Forbidden("regulators only", code="role_not_allowed")
    stmt = select(table_of(R)).order_by(col(R.id)).limit(limit)
    if status:
        stmt = stmt.where(col(R.status) == status)
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        digits = {AuthorityLevel.PROVINCIAL: 2, AuthorityLevel.MUNICIPAL: 4}.get(
            actor.authority_level or AuthorityLevel.COUNTY, 6
        )
        stmt = stmt.where(col(R.region_code).startswith((actor.region_code or "")[:digits]))
    return [report_view(r) for r in conn.execute(stmt)]
