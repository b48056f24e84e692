"""Use cases of certification personnel: register, misconduct findings with due process, bans,
and the signer check every issued certificate passes. One transaction per use case."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from services.registry.adapters.orm import BodyRow, CertificateRow
from services.registry.adapters.orm_supervision import FindingRow, PersonRow, ReviewFlagRow
from services.registry.domain import personnel as rules
from services.registry.domain.personnel import FindingStatus, PersonRole, PersonStatus
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, Role
from shared.clock import today_in_china, utcnow
from shared.db import table_of
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound


@dataclass(frozen=True)
class RegisterPerson:
    registration_no: str
    name: str
    roles: list[str]
    qualifications: list[str]


def _own_body(actor: Principal, body_id: str) -> None:
    if actor.role is not Role.CERTIFICATION_BODY or actor.body_id != body_id:
        raise Forbidden("a body manages its own personnel only", code="not_your_body")


def register_person(
    uow: RegistryUnitOfWork, body_id: str, cmd: RegisterPerson, actor: Principal
) -> PersonRow:
    _own_body(actor, body_id)
    unknown = sorted(set(cmd.roles) - set(PersonRole))
    if unknown or not cmd.roles:
        raise InvalidInput(
            f"roles must be among {sorted(PersonRole)}", code="unknown_role", unknown=unknown
        )
    with uow:
        existing = uow.session.exec(
            select(PersonRow).where(col(PersonRow.registration_no) == cmd.registration_no)
        ).first()
        if existing is not None:
            person = existing
            if person.status == PersonStatus.BANNED:
                raise Conflict("the person is banned", code="person_banned")
            if person.status == PersonStatus.ACTIVE:
                raise Conflict(
                    f"{cmd.registration_no} is registered and active with {person.body_id}",
                    code="person_registered_elsewhere"
                    if person.body_id != body_id
                    else "duplicate_person",
                )
            person.body_id, person.status = body_id, PersonStatus.ACTIVE.value  # moved here
        else:
            person = PersonRow(
                registration_no=cmd.registration_no,
                body_id=body_id,
                status=PersonStatus.ACTIVE.value,
                created_at=utcnow(),
                name="",
                roles=[],
                qualifications=[],
            )
        person.name, person.roles = cmd.name, sorted(set(cmd.roles))
        person.qualifications = list(cmd.qualifications)
        uow.session.add(person)
        uow.session.flush()
        uow.commit()
        return person


def deactivate_person(
    uow: RegistryUnitOfWork, body_id: str, registration_no: str, actor: Principal
) -> PersonRow:
    """The person left the body: no more signing for it; past certificates stay valid."""
    _own_body(actor, body_id)
    with uow:
        person = _person(uow.session, registration_no, for_update=True)
        if person.body_id != body_id:
            raise NotFound(f"no person {registration_no} in {body_id}", code="person_not_found")
        if person.status == PersonStatus.ACTIVE:
            person.status = PersonStatus.INACTIVE.value
        uow.commit()
        return person


def check_signer(session: Session, body_id: str, registration_no: str | None, name: str) -> None:
    """谁签字、谁担责: the signer is a registered, active signer of the issuing body."""
    if not registration_no:
        raise InvalidInput(
            "signer_registration_no is required: the signer must be registered with the body",
            code="signer_registration_required",
        )
    row = session.exec(
        select(PersonRow).where(col(PersonRow.registration_no) == registration_no)
    ).first()
    if row is None:
        raise Conflict(f"no registered person {registration_no}", code="signer_not_registered")
    person = row
    rules.check_can_sign(
        status=person.status,
        roles=person.roles,
        person_body=person.body_id,
        body_id=body_id,
        banned_until=person.banned_until,
        today=today_in_china(),
    )
    if person.name != name:
        raise Conflict(
            f"{registration_no} is registered as {person.name!r}", code="signer_name_mismatch"
        )


def _person(session: Session, registration_no: str, *, for_update: bool = False) -> PersonRow:
    stmt = select(PersonRow).where(col(PersonRow.registration_no) == registration_no)
    row = session.exec(stmt.with_for_update() if for_update else stmt).first()
    if row is None:
        raise NotFound(f"no person {registration_no}", code="person_not_found")
    return row


def _regulator_of(session: Session, actor: Principal, body_id: str) -> None:
    body = session.get(BodyRow, body_id)
    if not actor.is_regulator or body is None or not actor.covers_region(body.region_code):
        raise Forbidden(f"body {body_id} is outside your jurisdiction", code="outside_jurisdiction")


def propose_finding(
    uow: RegistryUnitOfWork,
    registration_no: str,
    finding_code: str,
    description: str,
    decision_number: str,
    actor: Principal,
) -> FindingRow:
    rules.check_finding_code(finding_code)
    with uow:
        person = _person(uow.session, registration_no)
        _regulator_of(uow.session, actor, person.body_id)
        finding = FindingRow(
            person_id=person.id or 0,
            finding_code=finding_code,
            description=description,
            decision_number=decision_number,
            status=FindingStatus.PROPOSED.value,
            objection_deadline=today_in_china() + timedelta(days=rules.OBJECTION_DAYS),
            proposed_by=actor.actor(),
            created_at=utcnow(),
        )
        uow.session.add(finding)
        uow.session.flush()
        uow.commit()
        return finding


def _finding(session: Session, finding_id: int) -> tuple[FindingRow, PersonRow]:
    finding = session.get(FindingRow, finding_id, with_for_update=True)
    if finding is None:
        raise NotFound(f"no finding {finding_id}", code="finding_not_found")
    person = session.get(PersonRow, finding.person_id, with_for_update=True)
    assert person is not None
    return finding, person


def object_to_finding(
    uow: RegistryUnitOfWork, finding_id: int, objection: str, actor: Principal
) -> FindingRow:
    """The person's body states their objection within the window."""
    with uow:
        finding, person = _finding(uow.session, finding_id)
        if actor.role is not Role.CERTIFICATION_BODY or actor.body_id != person.body_id:
            raise NotFound(f"no finding {finding_id}", code="finding_not_found")
        if (
            finding.status != FindingStatus.PROPOSED
            or today_in_china() > finding.objection_deadline
        ):
            raise Conflict("the objection window is closed", code="objection_window_closed")
        finding.objection = objection
        uow.commit()
        return finding


def decide_finding(
    uow: RegistryUnitOfWork, finding_id: int, confirm: bool, actor: Principal
) -> FindingRow:
    with uow:
        finding, person = _finding(uow.session, finding_id)
        _regulator_of(uow.session, actor, person.body_id)
        rules.check_decidable(
            finding.status,
            finding.objection_deadline,
            finding.objection is not None,
            today_in_china(),
        )
        finding.status = (FindingStatus.CONFIRMED if confirm else FindingStatus.WITHDRAWN).value
        finding.decided_by, finding.decided_at = actor.actor(), utcnow()
        uow.commit()
        return finding


def ban_person(
    uow: RegistryUnitOfWork, finding_id: int, until: date | None, actor: Principal
) -> tuple[PersonRow, int]:
    """Ban on a confirmed finding; flags every valid or suspended certificate they signed."""
    with uow:
        finding, person = _finding(uow.session, finding_id)
        _regulator_of(uow.session, actor, person.body_id)
        if finding.status != FindingStatus.CONFIRMED:
            raise Conflict(
                "a ban needs a confirmed finding (due process first)",
                code="finding_not_confirmed",
                finding_status=finding.status,
            )
        rules.check_ban(rules.FINDINGS[finding.finding_code], until, today_in_china())
        person.status, person.banned_until = PersonStatus.BANNED.value, until
        person.ban_finding_id = finding.id
        flagged = _flag_signed_certificates(uow.session, person)
        uow.commit()
        return person, flagged


def _flag_signed_certificates(session: Session, person: PersonRow) -> int:
    cert = table_of(CertificateRow).c
    numbers = session.execute(
        core_select(cert.number, cert.body_id)
        .where(cert.signer_registration_no == person.registration_no)
        .where(cert.status.in_(["valid", "suspended"]))
    ).all()
    already = set(
        session.execute(core_select(FL.number).where(FL.person_id == person.id)).scalars()
    )
    for number, body_id in numbers:
        if number not in already:
            session.add(
                ReviewFlagRow(
                    number=number,
                    body_id=body_id,
                    person_id=person.id or 0,
                    reason="signer banned",
                    created_at=utcnow(),
                )
            )
    return len(numbers)


# -- reads --------------------------------------------------------------------------------------
P, F, FL = table_of(PersonRow).c, table_of(FindingRow).c, table_of(ReviewFlagRow).c


def personnel_of(conn: Connection, body_id: str, full: bool) -> list[dict[str, Any]]:
    """Public: name and registration number of active persons only. Full: everything."""
    if not full:
        public = conn.execute(
            core_select(P.name, P.registration_no)
            .where(P.body_id == body_id, P.status == PersonStatus.ACTIVE.value)
            .order_by(P.registration_no)
        ).mappings()
        return [dict(r) for r in public]
    rows = conn.execute(core_select(table_of(PersonRow)).where(P.body_id == body_id).order_by(P.id))
    return [_person_view(conn, r._mapping) for r in rows]


def person_view(conn: Connection, registration_no: str) -> dict[str, Any] | None:
    row = conn.execute(
        core_select(table_of(PersonRow)).where(P.registration_no == registration_no)
    ).first()
    return _person_view(conn, row._mapping) if row else None


def _person_view(conn: Connection, row: Any) -> dict[str, Any]:
    view = {k: row[k] for k in row if k != "id"}
    view["findings"] = [
        dict(f)
        for f in conn.execute(
            core_select(
                F.id,
                F.finding_code,
                F.description,
                F.decision_number,
                F.status,
                F.objection_deadline,
                F.objection,
                F.created_at,
                F.decided_at,
            )
            .where(F.person_id == row["id"])
            .order_by(F.id)
        ).mappings()
    ]
    return view


def review_flags(conn: Connection, body_id: str | None) -> list[dict[str, Any]]:
    stmt = core_select(FL.number, FL.body_id, FL.reason, FL.created_at, P.registration_no, P.name)
    stmt = stmt.join_from(table_of(ReviewFlagRow), table_of(PersonRow), FL.person_id == P.id)
    if body_id is not None:
        stmt = stmt.where(FL.body_id == body_id)
    return [dict(r) for r in conn.execute(stmt.order_by(FL.id)).mappings()]
