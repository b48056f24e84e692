"""Read side: public profiles, the disclosure feed, credit files. Single Core queries, no ORM
objects, because profile lookups and the feed are the hot paths.

What the public sees is decided here and only here: records within their publication period,
listings in force, natural persons' names masked and identity numbers never included.
"""

import base64
import binascii
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Connection, RowMapping

from services.credit.adapters.orm import (
    DisclosureRow,
    EnterpriseRow,
    GradeChangeRow,
    ListingRow,
    NoticeRow,
    ProfileChangeRow,
    RecordRow,
    RepairRow,
)
from services.credit.domain.catalogue import MEASURES, RECORD_CLASSES
from services.credit.domain.grading import GRADE_LABELS, Grade
from services.credit.domain.masking import mask_name, public_persons, scrub
from services.credit.domain.record import earliest_repair_application
from services.credit.domain.rules import rules_for
from shared.db import table_of
from shared.exceptions import InvalidInput

ENTERPRISE = table_of(EnterpriseRow)
RECORD = table_of(RecordRow)
LISTING = table_of(ListingRow)
DISCLOSURE = table_of(DisclosureRow)
PROFILE_CHANGE = table_of(ProfileChangeRow)
GRADE_CHANGE = table_of(GradeChangeRow)
NOTICE = table_of(NoticeRow)
REPAIR = table_of(RepairRow)
E = ENTERPRISE.c
R = RECORD.c
L = LISTING.c
D = DISCLOSURE.c
P = PROFILE_CHANGE.c
G = GRADE_CHANGE.c
N = NOTICE.c
A = REPAIR.c


# -- cursors ----------------------------------------------------------------------------------
def encode_cursor(last: int | str) -> str:
    return base64.urlsafe_b64encode(f"v1:{last}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _bad_cursor() from None
    version, _, value = raw.partition(":")
    if version != "v1" or "\x00" in value:  # NUL cannot be a stored key
        raise _bad_cursor()
    return value


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API handed out", code="invalid_cursor")


def decode_id_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    value = _decode(cursor)
    if not (value.isascii() and value.isdigit() and len(value) <= 18):  # fits a BIGINT
        raise _bad_cursor()
    return int(value)


def decode_key_cursor(cursor: str | None) -> str:
    return _decode(cursor) if cursor else ""


# -- building blocks of views -----------------------------------------------------------------
_RECORD_COLUMNS = (
    R.id,
    R.uscc,
    R.record_class,
    R.severity,
    R.sector,
    R.title,
    R.facts,
    R.legal_basis,
    R.decision_number,
    R.decision_date,
    R.source_service,
    R.source_department,
    R.publication_until,
    R.persons,
    R.disclosed,
    R.under_dispute,
    R.publication_until_provenance,
    R.publication_calendar_version,
)


def record_public(
    row: RowMapping | dict[str, Any], enterprise_name: str | None, operator: str | None = None
) -> dict[str, Any]:
    rc = RECORD_CLASSES.get(row["record_class"])
    names = [p.get("name", "") for p in row["persons"] or []] + [operator or ""]
    return {
        "id": row["id"],
        "uscc": row["uscc"],
        "enterprise_name": enterprise_name,
        "record_class": row["record_class"],
        "class_name": rc.name if rc else row["record_class"],
        "class_name_zh": rc.name_zh if rc else None,
        "kind": rc.kind.value if rc else None,
        "severity": row["severity"],
        "sector": row["sector"],
        "title": scrub(row["title"], names),
        "facts": scrub(row["facts"], names),
        "legal_basis": row["legal_basis"],
        "decision_number": row["decision_number"],
        "decision_date": row["decision_date"],
        "source_department": row["source_department"],
        "publication_until": row["publication_until"],
        "persons": public_persons(row["persons"]),
        "under_dispute": bool(row.get("under_dispute")),
        # official, or provisional until the State Council's table for its years is loaded
        "publication_until_provenance": row.get("publication_until_provenance"),
        "publication_calendar_version": row.get("publication_calendar_version"),
    }


def is_public(row: RowMapping | dict[str, Any], today: date) -> bool:
    return bool(row["disclosed"]) and today <= row["publication_until"]


def measure_view(code: str) -> dict[str, Any]:
    m = MEASURES.get(code)
    if m is None:  # retired from the catalogue: still shown by code
        return {
            "code": code,
            "name": code,
            "name_zh": None,
            "legal_basis": None,
            "enforcing_service": None,
        }
    return {
        "code": m.code,
        "name": m.name,
        "name_zh": m.name_zh,
        "legal_basis": m.legal_basis,
        "enforcing_service": m.enforcing_service,
    }


def listing_in_force(row: RowMapping | dict[str, Any], today: date) -> bool:
    return row["status"] == "listed" and (row["term_end"] is None or today <= row["term_end"])


def case_names(conn: Connection, usccs: Iterable[str]) -> dict[str, list[str]]:
    """Every natural person named in an enterprise's records: scrubbed from its free text."""
    wanted = sorted(set(usccs))
    names: dict[str, list[str]] = {u: [] for u in wanted}
    for start in range(0, len(wanted), 500):
        stmt = select(R.uscc, R.persons).where(R.uscc.in_(wanted[start : start + 500]))
        for uscc, persons in conn.execute(stmt):
            names[uscc] += [p.get("name", "") for p in persons or []]
    return names


def listing_public(
    row: RowMapping | dict[str, Any],
    enterprise_name: str | None,
    operator: str | None = None,
    names: Iterable[str] = (),
) -> dict[str, Any]:
    """``names``: persons named anywhere in the case (``case_names``), masked in the reason."""
    return {
        "id": row["id"],
        "uscc": row["uscc"],
        "enterprise_name": enterprise_name,
        "reason": scrub(row["reason"], [operator or "", *names]),
        "legal_basis": row["legal_basis"],
        "term_start": row["listed_on"],
        "term_end": row["term_end"],
        "indefinite": row["term_end"] is None,
        "measures": [measure_view(c) for c in row["measure_codes"]],
    }


def listing_full(row: RowMapping | dict[str, Any], enterprise_name: str | None) -> dict[str, Any]:
    view = listing_public(row, enterprise_name)
    view.update(
        {
            "reason": row["reason"],
            "status": row["status"],
            "basis_record_ids": list(row["basis_record_ids"]),
            "term_years": row["term_years"],
            "proposed_on": row["proposed_on"],
            "proposed_by": row["proposed_by"],
            "objection_deadline": row["objection_deadline"],
            # official, or provisional until the State Council's table for its year is loaded
            "objection_deadline_provenance": row["objection_deadline_provenance"],
            "objection_calendar_version": row["objection_calendar_version"],
            "objection": row["objection"],
            "listed_by": row["listed_by"],
            "removed_on": row["removed_on"],
            "removal_reason": row["removal_reason"],
            "removed_by": row["removed_by"],
            "rule_version": row["rule_version"] or None,
            "proposer_level": row["proposer_level"],
            "proposer_region": row["proposer_region"],
            "proposer_department": row["proposer_department"],
            "hearing": row["hearing"],
            "early_removal": row["early_removal"],
            "review_flag": row["review_flag"],
        }
    )
    return view


def _grade(row: RowMapping) -> dict[str, Any]:
    return {
        "grade": row["risk_grade"],
        "label": GRADE_LABELS[Grade(row["risk_grade"])],
        "rule_version": row["grade_rule_version"],
        "score": row["grade_score"],
        "assessed_at": row["graded_at"],
    }


def _enterprise_public(row: RowMapping) -> dict[str, Any]:
    operator = row["operator_name"]
    return {
        "uscc": row["uscc"],
        "name": row["name"],
        "category": row["category"],
        "region_code": row["region_code"],
        "operator_name": mask_name(operator) if operator else None,
    }


# -- public profile (the cached hot path) -----------------------------------------------------
def load_profiles(conn: Connection, usccs: Iterable[str], today: date) -> dict[str, dict[str, Any]]:
    """Public profiles of several enterprises. One round trip (enterprise, the count of records
    in disclosure and whether any listing exists, as subqueries), and a second one only for the
    few enterprises on the dishonesty list."""
    wanted = list(usccs)
    if not wanted:
        return {}
    profiles: dict[str, dict[str, Any]] = {}
    operators: dict[str, str | None] = {}
    listed: list[str] = []
    for row in conn.execute(_profile_statement(wanted, today)).mappings():
        profile = _enterprise_public(row)
        profile["risk_grade"] = _grade(row)
        operators[row["uscc"]] = row["operator_name"]
        profile["dishonesty_list"] = {"listed": False, "listings": []}
        profile["active_measures"] = []
        profile["records_in_disclosure"] = row["records_in_disclosure"]
        profiles[row["uscc"]] = profile
        if row["has_listing"]:
            listed.append(row["uscc"])
    if listed:
        _add_listings(conn, profiles, operators, listed, today)
    return profiles


def _profile_statement(usccs: list[str], today: date) -> Select[Any]:
    in_disclosure = (
        select(func.count())
        .where(R.uscc == E.uscc, R.disclosed.is_(True), R.publication_until >= today)
        .scalar_subquery()
    )
    has_listing = select(L.id).where(L.uscc == E.uscc, L.status == "listed").exists()
    key = E.uscc == usccs[0] if len(usccs) == 1 else E.uscc.in_(usccs)
    return select(
        ENTERPRISE,
        in_disclosure.label("records_in_disclosure"),
        has_listing.label("has_listing"),
    ).where(key)


def _add_listings(
    conn: Connection,
    profiles: dict[str, dict[str, Any]],
    operators: dict[str, str | None],
    usccs: list[str],
    today: date,
) -> None:
    rows = list(
        conn.execute(
            select(LISTING)
            .where(L.uscc.in_(usccs), L.status == "listed")
            .order_by(L.listed_on, L.id)
        ).mappings()
    )
    named = case_names(conn, [r["uscc"] for r in rows])
    for row in rows:
        if not listing_in_force(row, today):
            continue  # the term-end job has not run yet
        profile = profiles[row["uscc"]]
        view = listing_public(row, profile["name"], operators[row["uscc"]], named[row["uscc"]])
        profile["dishonesty_list"]["listed"] = True
        profile["dishonesty_list"]["listings"].append(view)
        profile["active_measures"] += [
            {**m, "listing_id": row["id"], "since": row["listed_on"], "until": row["term_end"]}
            for m in view["measures"]
        ]


def profile_changes_since(conn: Connection, last_id: int, limit: int = 5000) -> list[Any]:
    return list(
        conn.execute(select(P.id, P.uscc).where(P.id > last_id).order_by(P.id).limit(limit))
    )


def last_profile_change(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(P.id), 0))).scalar_one())


# -- public records and list --------------------------------------------------------------------
def public_records(
    conn: Connection, uscc: str, today: date, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_key_cursor(cursor)
    rows = (
        conn.execute(
            select(*_RECORD_COLUMNS, E.name.label("enterprise_name"), E.operator_name)
            .join_from(RECORD, ENTERPRISE, E.uscc == R.uscc)
            .where(
                R.uscc == uscc, R.disclosed.is_(True), R.publication_until >= today, R.id > after
            )
            .order_by(R.id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    page = rows[:limit]
    return {
        "items": [record_public(r, r["enterprise_name"], r["operator_name"]) for r in page],
        "next_cursor": encode_cursor(page[-1]["id"]) if len(rows) > limit else None,
    }


def dishonesty_list(
    conn: Connection, today: date, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_key_cursor(cursor)
    rows = (
        conn.execute(
            select(LISTING, E.name.label("enterprise_name"), E.operator_name)
            .join_from(LISTING, ENTERPRISE, E.uscc == L.uscc)
            .where(
                L.status == "listed",
                or_(L.term_end.is_(None), L.term_end >= today),
                L.id > after,
            )
            .order_by(L.id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    page = rows[:limit]
    named = case_names(conn, [r["uscc"] for r in page])
    return {
        "items": [
            listing_public(r, r["enterprise_name"], r["operator_name"], named[r["uscc"]])
            for r in page
        ],
        "next_cursor": encode_cursor(page[-1]["id"]) if len(rows) > limit else None,
    }


# -- the disclosure feed ------------------------------------------------------------------------
_FEED_COLUMNS = (
    D.id.label("seq"),
    D.entity,
    D.entity_id,
    D.uscc.label("entry_uscc"),
    D.action,
    D.reason.label("entry_reason"),
    D.occurred_at,
    E.name.label("enterprise_name"),
    E.operator_name,
    *(c.label(f"r_{c.name}") for c in _RECORD_COLUMNS),
    *(
        c.label(f"l_{c.name}")
        for c in (
            L.id,
            L.uscc,
            L.status,
            L.reason,
            L.legal_basis,
            L.listed_on,
            L.term_end,
            L.measure_codes,
        )
    ),
)


def feed(conn: Connection, *, cursor: str | None, limit: int, today: date) -> dict[str, Any]:
    """Disclosure entries after the cursor, in commit order.

    A publish entry whose record or listing has since left disclosure is skipped (its data is
    no longer public); the withdrawal entry that follows tells mirrors to delete it. The cursor
    advances over skipped entries too, so a page may hold fewer than ``limit`` items while
    ``has_more`` is true.
    """
    after = decode_id_cursor(cursor)
    stmt = (
        select(*_FEED_COLUMNS)
        .select_from(
            DISCLOSURE.outerjoin(
                RECORD,
                and_(D.entity == "record", R.id == D.entity_id),
            )
            .outerjoin(
                LISTING,
                and_(D.entity == "listing", L.id == D.entity_id),
            )
            .outerjoin(ENTERPRISE, E.uscc == D.uscc)
        )
        .where(D.id > after)
        .order_by(D.id)
        .limit(limit)
    )
    rows = conn.execute(stmt).mappings().all()
    named = case_names(conn, [r["entry_uscc"] for r in rows if r["entity"] == "listing"])
    items = [item for item in (_feed_item(r, today, named) for r in rows) if item is not None]
    return {
        "items": items,
        # With an empty page the cursor stays put: portals poll again with the same one.
        "next_cursor": encode_cursor(rows[-1]["seq"]) if rows else (cursor or encode_cursor(0)),
        "has_more": len(rows) == limit,
    }


def _feed_item(row: RowMapping, today: date, named: dict[str, list[str]]) -> dict[str, Any] | None:
    item: dict[str, Any] = {
        "sequence": row["seq"],
        "action": row["action"],
        "entity": row["entity"],
        "id": row["entity_id"],
        "uscc": row["entry_uscc"],
        "occurred_at": row["occurred_at"],
    }
    if row["action"] == "withdraw" or row["entry_reason"]:
        item["reason"] = row["entry_reason"]  # republished: under_dispute, corrected, ...
    if row["action"] == "withdraw":
        return item
    if row["entity"] == "record":
        record = {c.name: row[f"r_{c.name}"] for c in _RECORD_COLUMNS}
        if record["id"] is None or not is_public(record, today):
            return None
        item["record"] = record_public(record, row["enterprise_name"], row["operator_name"])
        return item
    listing = {
        name: row[f"l_{name}"]
        for name in (
            "id",
            "uscc",
            "status",
            "reason",
            "legal_basis",
            "listed_on",
            "term_end",
            "measure_codes",
        )
    }
    if listing["id"] is None or not listing_in_force(listing, today):
        return None
    names = named.get(listing["uscc"] or "", [])
    item["listing"] = listing_public(listing, row["enterprise_name"], row["operator_name"], names)
    return item


# -- credit files (the enterprise itself and regulators) ----------------------------------------
def region_of_file(conn: Connection, uscc: str) -> str | None:
    return conn.execute(select(E.region_code).where(E.uscc == uscc)).scalar_one_or_none()


def enterprise_row(conn: Connection, uscc: str) -> RowMapping | None:
    return conn.execute(select(ENTERPRISE).where(E.uscc == uscc)).mappings().first()


def record_full(
    row: RowMapping | dict[str, Any], enterprise_name: str | None, today: date
) -> dict[str, Any]:
    view = record_public(row, enterprise_name)
    rc = RECORD_CLASSES.get(row["record_class"])
    view.update(
        {
            "title": row["title"],
            "facts": row["facts"],
            "persons": list(row["persons"] or []),
            "source_service": row["source_service"],
            "source_event_id": row["source_event_id"],
            "disclosed": bool(row["disclosed"]) and today <= row["publication_until"],
            "disclosure_ended_on": row["disclosure_ended_on"],
            "disclosure_end_reason": row["disclosure_end_reason"]
            or ("period_ended" if row["publication_until"] < today else None),
            "repairable": bool(rc and rc.repairable),
            "earliest_repair_application": earliest_repair_application(
                row["sector"], row["decision_date"], rules_for(row["rule_version"])
            )
            if rc and rc.repairable
            else None,
            "recorded_by": row["recorded_by"],
            "recorded_at": row["recorded_at"],
            "rule_version": row["rule_version"] or None,
            "review_flag": row["review_flag"],
        }
    )
    return view


def credit_file(conn: Connection, uscc: str, today: date) -> dict[str, Any] | None:
    ent = enterprise_row(conn, uscc)
    if ent is None:
        return None
    name = ent["name"]
    view = {
        **_enterprise_public(ent),
        "operator_name": ent["operator_name"],
        "operator_id_number": ent["operator_id_number"],
        "risk_grade": _grade(ent),
        "registered_at": ent["registered_at"],
    }
    records = conn.execute(
        select(RECORD).where(R.uscc == uscc).order_by(R.decision_date.desc(), R.id)
    ).mappings()
    view["records"] = [record_full(r, name, today) for r in records]
    listings = conn.execute(
        select(LISTING).where(L.uscc == uscc).order_by(L.proposed_on.desc(), L.id)
    ).mappings()
    view["listings"] = [listing_full(r, name) for r in listings]
    view["repair_applications"] = [
        dict(r)
        for r in conn.execute(
            select(REPAIR).where(A.uscc == uscc).order_by(A.applied_on.desc(), A.id)
        ).mappings()
    ]
    view["grade_history"] = [
        dict(r)
        for r in conn.execute(
            select(
                G.from_grade,
                G.to_grade,
                G.score,
                G.rule_version,
                G.reasons,
                G.trigger,
                G.occurred_at,
            )
            .where(G.uscc == uscc)
            .order_by(G.id)
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
            select(RECORD, E.name.label("enterprise_name"), E.operator_name)
            .join_from(RECORD, ENTERPRISE, E.uscc == R.uscc)
            .where(R.id == record_id)
        )
        .mappings()
        .first()
    )


def listing_row(conn: Connection, listing_id: str) -> RowMapping | None:
    return (
        conn.execute(
            select(LISTING, E.name.label("enterprise_name"), E.operator_name)
            .join_from(LISTING, ENTERPRISE, E.uscc == L.uscc)
            .where(L.id == listing_id)
        )
        .mappings()
        .first()
    )


def repair_row(conn: Connection, repair_id: str) -> RowMapping | None:
    return conn.execute(select(REPAIR).where(A.id == repair_id)).mappings().first()


def listings(
    conn: Connection,
    *,
    uscc: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    after = decode_key_cursor(cursor)
    stmt = (
        select(LISTING, E.name.label("enterprise_name"))
        .join_from(LISTING, ENTERPRISE, E.uscc == L.uscc)
        .where(L.id > after)
        .order_by(L.id)
        .limit(limit + 1)
    )
    if uscc:
        stmt = stmt.where(L.uscc == uscc)
    if status:
        stmt = stmt.where(L.status == status)
    rows = conn.execute(stmt).mappings().all()
    page = rows[:limit]
    return {
        "items": [listing_full(r, r["enterprise_name"]) for r in page],
        "next_cursor": encode_cursor(page[-1]["id"]) if len(rows) > limit else None,
    }


def repairs(
    conn: Connection, *, uscc: str | None, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_key_cursor(cursor)
    stmt = select(REPAIR).where(A.id > after).order_by(A.id).limit(limit + 1)
    if uscc:
        stmt = stmt.where(A.uscc == uscc)
    if status:
        stmt = stmt.where(A.status == status)
    rows = conn.execute(stmt).mappings().all()
    page = rows[:limit]
    return {
        "items": [dict(r) for r in page],
        "next_cursor": encode_cursor(page[-1]["id"]) if len(rows) > limit else None,
    }


def notices(conn: Connection, uscc: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            select(N.id, N.kind, N.subject_id, N.message, N.legal_basis, N.created_at)
            .where(N.uscc == uscc)
            .order_by(N.id)
        ).mappings()
    ]
