"""Credit files in full, for the enterprise itself and regulators: the file, its records,
listings at every stage, repair applications and notices. A caller not entitled to the full
view of a record or listing gets the public one, and only while it is public."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, RowMapping

from services.credit.service_layer.profile_views import load_profiles, public_records
from services.credit.service_layer.views import (
    ENTERPRISE,
    GRADE_CHANGE,
    LISTING,
    NOTICE,
    RECORD,
    REPAIR,
    case_names,
    enterprise_public,
    grade,
    is_public,
    listing_full,
    listing_in_force,
    listing_public,
    record_full,
    record_public,
)
from shared.auth import Principal, Role
from shared.exceptions import NotFound
from shared.pagination import cut_page, decode_cursor


def region_of_file(conn: Connection, uscc: str) -> str | None:
    return conn.execute(
        select(ENTERPRISE.c.region_code).where(ENTERPRISE.c.uscc == uscc)
    ).scalar_one_or_none()


def enterprise_row(conn: Connection, uscc: str) -> RowMapping | None:
    return conn.execute(select(ENTERPRISE).where(ENTERPRISE.c.uscc == uscc)).mappings().first()


def credit_file(conn: Connection, uscc: str, today: date) -> dict[str, Any] | None:
    ent = enterprise_row(conn, uscc)
    if ent is None:
        return None
    name = ent["name"]
    view = {
        **enterprise_public(ent),
        "operator_name": ent["operator_name"],
        "operator_id_number": ent["operator_id_number"],
        "risk_grade": grade(ent),
        "registered_at": ent["registered_at"],
    }
    records = conn.execute(
        select(RECORD)
        .where(RECORD.c.uscc == uscc)
        .order_by(RECORD.c.decision_date.desc(), RECORD.c.id)
    ).mappings()
    view["records"] = [record_full(r, name, today) for r in records]
    listings = conn.execute(
        select(LISTING)
        .where(LISTING.c.uscc == uscc)
        .order_by(LISTING.c.proposed_on.desc(), LISTING.c.id)
    ).mappings()
    view["listings"] = [listing_full(r, name) for r in listings]
    view["repair_applications"] = [
        dict(r)
        for r in conn.execute(
            select(REPAIR)
            .where(REPAIR.c.uscc == uscc)
            .order_by(REPAIR.c.applied_on.desc(), REPAIR.c.id)
        ).mappings()
    ]
    view["grade_history"] = [
        dict(r)
        for r in conn.execute(
            select(
                GRADE_CHANGE.c.from_grade,
                GRADE_CHANGE.c.to_grade,
                GRADE_CHANGE.c.score,
                GRADE_CHANGE.c.rule_version,
                GRADE_CHANGE.c.reasons,
                GRADE_CHANGE.c.trigger,
                GRADE_CHANGE.c.occurred_at,
            )
            .where(GRADE_CHANGE.c.uscc == uscc)
            .order_by(GRADE_CHANGE.c.id)
        ).mappings()
    ]
    return view


def public_file(conn: Connection, uscc: str, today: date) -> dict[str, Any] | None:
    profiles = load_profiles(conn, [uscc], today)
    if uscc not in profiles:
        return None
    view = profiles[uscc]
    view["records"] = public_records(conn, uscc, today, None, 1000)["items"]
    return view


def record_row(conn: Connection, record_id: str) -> RowMapping | None:
    return (
        conn.execute(
            select(RECORD, ENTERPRISE.c.name.label("enterprise_name"), ENTERPRISE.c.operator_name)
            .join_from(RECORD, ENTERPRISE, ENTERPRISE.c.uscc == RECORD.c.uscc)
            .where(RECORD.c.id == record_id)
        )
        .mappings()
        .first()
    )


def listing_row(conn: Connection, listing_id: str) -> RowMapping | None:
    return (
        conn.execute(
            select(LISTING, ENTERPRISE.c.name.label("enterprise_name"), ENTERPRISE.c.operator_name)
            .join_from(LISTING, ENTERPRISE, ENTERPRISE.c.uscc == LISTING.c.uscc)
            .where(LISTING.c.id == listing_id)
        )
        .mappings()
        .first()
    )


def repair_row(conn: Connection, repair_id: str) -> RowMapping | None:
    return conn.execute(select(REPAIR).where(REPAIR.c.id == repair_id)).mappings().first()


def listings(
    conn: Connection,
    *,
    uscc: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    stmt = (
        select(LISTING, ENTERPRISE.c.name.label("enterprise_name"))
        .join_from(LISTING, ENTERPRISE, ENTERPRISE.c.uscc == LISTING.c.uscc)
        .where(LISTING.c.id > after)
        .order_by(LISTING.c.id)
        .limit(limit + 1)
    )
    if uscc:
        stmt = stmt.where(LISTING.c.uscc == uscc)
    if status:
        stmt = stmt.where(LISTING.c.status == status)
    rows = conn.execute(stmt).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: row["id"])
    return {
        "items": [listing_full(r, r["enterprise_name"]) for r in page],
        "next_cursor": next_cursor,
    }


def repairs(
    conn: Connection, *, uscc: str | None, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    stmt = select(REPAIR).where(REPAIR.c.id > after).order_by(REPAIR.c.id).limit(limit + 1)
    if uscc:
        stmt = stmt.where(REPAIR.c.uscc == uscc)
    if status:
        stmt = stmt.where(REPAIR.c.status == status)
    rows = conn.execute(stmt).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: row["id"])
    return {
        "items": [dict(r) for r in page],
        "next_cursor": next_cursor,
    }


def notices(conn: Connection, uscc: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            select(
                NOTICE.c.id,
                NOTICE.c.kind,
                NOTICE.c.subject_id,
                NOTICE.c.message,
                NOTICE.c.legal_basis,
                NOTICE.c.created_at,
            )
            .where(NOTICE.c.uscc == uscc)
            .order_by(NOTICE.c.id)
        ).mappings()
    ]


# -- one record, listing or repair application, in the view the caller is entitled to ---------
def entitled(actor: Principal, uscc: str) -> bool:
    """The enterprise itself and regulators see the full file; everyone else the public view."""
    return actor.is_regulator or (actor.role is Role.ENTERPRISE and actor.uscc == uscc)


def record_for(conn: Connection, record_id: str, actor: Principal, today: date) -> dict[str, Any]:
    """In full for those entitled, always; masked for everyone else, only while disclosed."""
    row = record_row(conn, record_id)
    if row is not None and entitled(actor, row["uscc"]):
        return record_full(row, row["enterprise_name"], today)
    if row is None or not is_public(row, today):
        raise NotFound(f"no record {record_id} in disclosure", code="record_not_found")
    return record_public(row, row["enterprise_name"], row["operator_name"])


def listing_for(conn: Connection, listing_id: str, actor: Principal, today: date) -> dict[str, Any]:
    """Every stage for those entitled; for everyone else only while in force."""
    row = listing_row(conn, listing_id)
    names = case_names(conn, [row["uscc"]])[row["uscc"]] if row else []
    if row is not None and entitled(actor, row["uscc"]):
        return listing_full(row, row["enterprise_name"])
    if row is None or not listing_in_force(row, today):
        raise NotFound(f"no listing {listing_id} in force", code="listing_not_found")
    return listing_public(row, row["enterprise_name"], row["operator_name"], names)


def repair_for(conn: Connection, repair_id: str, actor: Principal) -> dict[str, Any]:
    """The applicant enterprise and regulators; absent for everyone else."""
    row = repair_row(conn, repair_id)
    if row is None or not entitled(actor, row["uscc"]):
        raise NotFound(f"no repair application {repair_id}", code="repair_not_found")
    return dict(row)
