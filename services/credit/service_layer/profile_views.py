"""Public profiles (the cached hot path), an enterprise's records in disclosure and the list of
serious violators in force: what anyone may see, without logging in."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import Connection

from services.credit.service_layer.views import (
    ENTERPRISE,
    LISTING,
    PROFILE_CHANGE,
    RECORD,
    RECORD_COLUMNS,
    case_names,
    enterprise_public,
    grade,
    listing_in_force,
    listing_public,
    record_public,
)
from shared.pagination import cut_page, decode_cursor


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
        profile = enterprise_public(row)
        profile["risk_grade"] = grade(row)
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
        .where(
            RECORD.c.uscc == ENTERPRISE.c.uscc,
            RECORD.c.disclosed.is_(True),
            RECORD.c.publication_until >= today,
        )
        .scalar_subquery()
    )
    has_listing = (
        select(LISTING.c.id)
        .where(LISTING.c.uscc == ENTERPRISE.c.uscc, LISTING.c.status == "listed")
        .exists()
    )
    key = ENTERPRISE.c.uscc == usccs[0] if len(usccs) == 1 else ENTERPRISE.c.uscc.in_(usccs)
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
            .where(LISTING.c.uscc.in_(usccs), LISTING.c.status == "listed")
            .order_by(LISTING.c.listed_on, LISTING.c.id)
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
        conn.execute(
            select(PROFILE_CHANGE.c.id, PROFILE_CHANGE.c.uscc)
            .where(PROFILE_CHANGE.c.id > last_id)
            .order_by(PROFILE_CHANGE.c.id)
            .limit(limit)
        )
    )


def last_profile_change(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(PROFILE_CHANGE.c.id), 0))).scalar_one())


def public_records(
    conn: Connection, uscc: str, today: date, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = (
        conn.execute(
            select(
                *RECORD_COLUMNS,
                ENTERPRISE.c.name.label("enterprise_name"),
                ENTERPRISE.c.operator_name,
            )
            .join_from(RECORD, ENTERPRISE, ENTERPRISE.c.uscc == RECORD.c.uscc)
            .where(
                RECORD.c.uscc == uscc,
                RECORD.c.disclosed.is_(True),
                RECORD.c.publication_until >= today,
                RECORD.c.id > after,
            )
            .order_by(RECORD.c.id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    page, next_cursor = cut_page(rows, limit, lambda row: row["id"])
    return {
        "items": [record_public(r, r["enterprise_name"], r["operator_name"]) for r in page],
        "next_cursor": next_cursor,
    }


def dishonesty_list(
    conn: Connection, today: date, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = (
        conn.execute(
            select(LISTING, ENTERPRISE.c.name.label("enterprise_name"), ENTERPRISE.c.operator_name)
            .join_from(LISTING, ENTERPRISE, ENTERPRISE.c.uscc == LISTING.c.uscc)
            .where(
                LISTING.c.status == "listed",
                or_(LISTING.c.term_end.is_(None), LISTING.c.term_end >= today),
                LISTING.c.id > after,
            )
            .order_by(LISTING.c.id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    page, next_cursor = cut_page(rows, limit, lambda row: row["id"])
    named = case_names(conn, [r["uscc"] for r in page])
    return {
        "items": [
            listing_public(r, r["enterprise_name"], r["operator_name"], named[r["uscc"]])
            for r in page
        ],
        "next_cursor": next_cursor,
    }
