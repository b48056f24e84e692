"""Public profiles (the cached hot path), an enterprise's records in disclosure and the list of
serious violators in force: what anyone may see, without logging in."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from services.credit.service_layer.views import (
    ENTERPRISE,
    LISTING,
    PROFILE_CHANGE,
    RECORD,
    RECORD_COLUMNS,
    case_names,
    case_names_async,
    enterprise_public,
    grade,
    listing_in_force,
    listing_public,
    record_public,
)
from shared.async_reads import DIALECTS, AsyncReads, PreparedRead, in_list
from shared.pagination import cut_page, decode_cursor


def _profile_statement(key: ColumnElement[bool]) -> Select[Any]:
    """Enterprises with the count of their records in disclosure (``today`` a parameter) and
    whether any listing exists, as subqueries: one round trip."""
    in_disclosure = (
        select(func.count())
        .where(
            RECORD.c.uscc == ENTERPRISE.c.uscc,
            RECORD.c.disclosed.is_(True),
            RECORD.c.publication_until >= bindparam("today", type_=Date),
        )
        .scalar_subquery()
    )
    has_listing = (
        select(LISTING.c.id)
        .where(LISTING.c.uscc == ENTERPRISE.c.uscc, LISTING.c.status == "listed")
        .exists()
    )
    return select(
        ENTERPRISE,
        in_disclosure.label("records_in_disclosure"),
        has_listing.label("has_listing"),
    ).where(key)


# Built once: a call binds only the codes and the day (one code is the public route's case).
_ONE_PROFILE = _profile_statement(ENTERPRISE.c.uscc == bindparam("uscc"))
_MANY_PROFILES = {d: _profile_statement(in_list(ENTERPRISE.c.uscc, "usccs", d)) for d in DIALECTS}
_LISTINGS = {
    d: select(LISTING)
    .where(in_list(LISTING.c.uscc, "usccs", d), LISTING.c.status == "listed")
    .order_by(LISTING.c.listed_on, LISTING.c.id)
    for d in DIALECTS
}
ONE_PROFILE_READ = PreparedRead(_ONE_PROFILE)
MANY_PROFILES_READ = PreparedRead(_MANY_PROFILES["postgresql"])
LISTINGS_READ = PreparedRead(_LISTINGS["postgresql"])


def load_profiles(conn: Connection, usccs: Iterable[str], today: date) -> dict[str, dict[str, Any]]:
    """Public profiles of several enterprises. One round trip, and a second one only for the
    few enterprises on the dishonesty list."""
    wanted = list(usccs)
    if not wanted:
        return {}
    if len(wanted) == 1:
        result = conn.execute(_ONE_PROFILE, {"uscc": wanted[0], "today": today})
    else:
        result = conn.execute(_MANY_PROFILES[conn.dialect.name], {"usccs": wanted, "today": today})
    profiles = Profiles(result.mappings())
    if profiles.listed:
        rows = conn.execute(_LISTINGS[conn.dialect.name], {"usccs": profiles.listed}).mappings()
        listings = list(rows)
        profiles.add_listings(listings, case_names(conn, [r["uscc"] for r in listings]), today)
    return profiles.by_uscc


async def load_profiles_async(
    reads: AsyncReads, usccs: list[str], today: date
) -> dict[str, dict[str, Any]]:
    """``load_profiles`` on the async driver (PostgreSQL): the same statements and rows."""
    if not usccs:
        return {}
    if len(usccs) == 1:
        rows = await reads.rows(ONE_PROFILE_READ, uscc=usccs[0], today=today)
    else:
        rows = await reads.rows(MANY_PROFILES_READ, usccs=usccs, today=today)
    profiles = Profiles(rows)
    if profiles.listed:
        listings = await reads.rows(LISTINGS_READ, usccs=profiles.listed)
        named = await case_names_async(reads, [r["uscc"] for r in listings])
        profiles.add_listings(listings, named, today)
    return profiles.by_uscc


class Profiles:
    """Public profiles built from the profile statement's rows, listings added after."""

    def __init__(self, rows: Iterable[Mapping[Any, Any]]) -> None:
        self.by_uscc: dict[str, dict[str, Any]] = {}
        self.operators: dict[str, str | None] = {}
        self.listed: list[str] = []
        for row in rows:
            profile = enterprise_public(row)
            profile["risk_grade"] = grade(row)
            self.operators[row["uscc"]] = row["operator_name"]
            profile["dishonesty_list"] = {"listed": False, "listings": []}
            profile["active_measures"] = []
            profile["records_in_disclosure"] = row["records_in_disclosure"]
            self.by_uscc[row["uscc"]] = profile
            if row["has_listing"]:
                self.listed.append(row["uscc"])

    def add_listings(
        self, rows: Iterable[Mapping[Any, Any]], named: dict[str, list[str]], today: date
    ) -> None:
        for row in rows:
            if not listing_in_force(row, today):
                continue  # the term-end job has not run yet
            profile = self.by_uscc[row["uscc"]]
            operator = self.operators[row["uscc"]]
            view = listing_public(row, profile["name"], operator, named[row["uscc"]])
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
