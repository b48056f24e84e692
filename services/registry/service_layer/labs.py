"""Use cases of the testing-lab register; every change is published as
``registry.lab.status_changed`` so inspection drops labs that may no longer work."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from services.registry.adapters.orm_supervision import LabRow
from services.registry.domain.labs import LabStatus, check_lab_change, eligible
from services.registry.domain.sanctions import banned_for_life
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal
from shared.clock import today_in_china, utcnow
from shared.contracts.registry import LabStatusChangedV1
from shared.db import table_of
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import validate as validate_uscc


@dataclass(frozen=True)
class RegisterLab:
    id: str
    name: str
    uscc: str
    region_code: str
    accredited_categories: list[str]
    valid_until: date


def _regulator(actor: Principal, region_code: str) -> None:
    if not actor.covers_region(region_code):
        raise Forbidden(
            f"region {region_code} is outside your jurisdiction", code="outside_jurisdiction"
        )


def _emit(uow: RegistryUnitOfWork, lab: LabRow, old: str | None) -> None:
    uow.changes.record("lab", lab.id, "lab_status_changed", lab.status)
    uow.emit(
        LabStatusChangedV1(
            lab_id=lab.id,
            lab_name=lab.name,
            lab_uscc=lab.uscc,
            region_code=lab.region_code,
            accredited_categories=lab.accredited_categories,
            valid_until=lab.valid_until,
            from_status=old,
            to_status=lab.status,
            reason_code=lab.status_reason_code,
            eligible=eligible(lab.status, lab.valid_until, today_in_china()),
        ),
        subject=lab.id,
    )


def register_lab(uow: RegistryUnitOfWork, cmd: RegisterLab, actor: Principal) -> LabRow:
    _regulator(actor, cmd.region_code)
    code = validate_uscc(cmd.uscc)
    if cmd.valid_until < today_in_china():
        raise InvalidInput("the accreditation has already expired", code="accreditation_expired")
    with uow:
        if (
            uow.session.get(LabRow, cmd.id) is not None
            or uow.session.exec(select(LabRow).where(col(LabRow.uscc) == code)).first()
        ):
            raise Conflict(f"lab {cmd.id} ({code}) is already registered", code="duplicate_lab")
        if _banned_holder(uow, code):
            raise Conflict(f"{code} is under a lifetime ban", code="lab_banned")
        lab = LabRow(
            id=cmd.id,
            name=cmd.name,
            uscc=code,
            region_code=cmd.region_code,
            accredited_categories=sorted(set(cmd.accredited_categories)),
            valid_until=cmd.valid_until,
            status=LabStatus.ACTIVE.value,
            status_reason_code="initial_accreditation",
            status_changed_at=utcnow(),
        )
        uow.session.add(lab)
        uow.session.flush()
        _emit(uow, lab, None)
        uow.commit()
        return lab


def _banned_holder(uow: RegistryUnitOfWork, code: str) -> bool:
    return banned_for_life(uow.sanctions.active_for(code))


def change_lab_status(
    uow: RegistryUnitOfWork,
    lab_id: str,
    target: LabStatus,
    reason_code: str,
    actor: Principal,
    valid_until: date | None = None,
) -> LabRow:
    with uow:
        lab = uow.session.get(LabRow, lab_id, with_for_update=True)
        if lab is None:
            raise NotFound(f"no lab {lab_id}", code="lab_not_found")
        _regulator(actor, lab.region_code)
        _apply(uow, lab, target, reason_code, valid_until)
        uow.commit()
        return lab


def _apply(
    uow: RegistryUnitOfWork,
    lab: LabRow,
    target: LabStatus,
    reason_code: str,
    valid_until: date | None = None,
) -> None:
    check_lab_change(lab.status, target, reason_code)
    if valid_until is not None:
        lab.valid_until = valid_until
    if target is LabStatus.ACTIVE and lab.valid_until < today_in_china():
        raise InvalidInput(
            "give the renewed accreditation's valid_until", code="accreditation_expired"
        )
    old = lab.status
    lab.status, lab.status_reason_code, lab.status_changed_at = target.value, reason_code, utcnow()
    _emit(uow, lab, old)


def ban_lab_of(session_uow: RegistryUnitOfWork, uscc: str) -> None:
    """Joint punishment: a lifetime ban of the lab's USCC ends its work for good. Runs inside
    the caller's transaction (the credit measure's consumer)."""
    lab = session_uow.session.exec(select(LabRow).where(col(LabRow.uscc) == uscc)).first()
    if lab is not None and lab.status != LabStatus.BANNED:
        _apply(session_uow, lab, LabStatus.BANNED, "lifetime_ban")


def expire_labs(uow: RegistryUnitOfWork, today: date, batch_size: int = 200) -> int:
    """The scheduled job: labs past their accreditation leave the pools."""
    with uow:
        labs = uow.session.exec(
            select(LabRow)
            .where(col(LabRow.status) == LabStatus.ACTIVE.value)
            .where(col(LabRow.valid_until) < today)
            .limit(batch_size)
        ).all()
        for lab in labs:
            _apply(uow, lab, LabStatus.EXPIRED, "accreditation_expired")
        uow.commit()
        return len(labs)


def lab_views(conn: Connection, lab_id: str | None = None) -> list[dict[str, Any]]:
    """Public: labs, their USCC, scope, validity, status and whether they may work today."""
    lab = table_of(LabRow)
    stmt = core_select(lab).order_by(lab.c.id)
    if lab_id is not None:
        stmt = stmt.where(lab.c.id == lab_id)
    today = today_in_china()
    return [
        {**dict(r), "eligible": eligible(r["status"], r["valid_until"], today)}
        for r in conn.execute(stmt).mappings()
    ]
