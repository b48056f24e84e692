"""Read side, the building blocks: the tables read and how a record, a listing, a measure and a
grade are shown, publicly and in full. The views themselves are by use case: ``profile_views``
(public profiles and lists), ``feed_views`` (the disclosure feed), ``file_views`` (credit files
for the enterprise itself and regulators). Single Core queries, no ORM objects, because profile
lookups and the feed are the hot paths.

What the public sees is decided here and only here: records within their publication period,
listings in force, natural persons' names masked and identity numbers never included.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

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
from shared.async_reads import DIALECTS, AsyncReads, PreparedRead, in_list
from shared.db import table_of

ENTERPRISE = table_of(EnterpriseRow)
RECORD = table_of(RecordRow)
LISTING = table_of(ListingRow)
DISCLOSURE = table_of(DisclosureRow)
PROFILE_CHANGE = table_of(ProfileChangeRow)
GRADE_CHANGE = table_of(GradeChangeRow)
NOTICE = table_of(NoticeRow)
REPAIR = table_of(RepairRow)


RECORD_COLUMNS = (
    RECORD.c.id,
    RECORD.c.uscc,
    RECORD.c.record_class,
    RECORD.c.severity,
    RECORD.c.sector,
    RECORD.c.title,
    RECORD.c.facts,
    RECORD.c.legal_basis,
    RECORD.c.decision_number,
    RECORD.c.decision_date,
    RECORD.c.source_service,
    RECORD.c.source_department,
    RECORD.c.publication_until,
    RECORD.c.persons,
    RECORD.c.disclosed,
    RECORD.c.under_dispute,
    RECORD.c.publication_until_provenance,
    RECORD.c.publication_calendar_version,
)


def record_public(
    row: Mapping[Any, Any], enterprise_name: str | None, operator: str | None = None
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


def record_full(row: Mapping[Any, Any], enterprise_name: str | None, today: date) -> dict[str, Any]:
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


def is_public(row: Mapping[Any, Any], today: date) -> bool:
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


def listing_in_force(row: Mapping[Any, Any], today: date) -> bool:
    return row["status"] == "listed" and (row["term_end"] is None or today <= row["term_end"])


_CASE_PERSONS = {
    d: select(RECORD.c.uscc, RECORD.c.persons).where(in_list(RECORD.c.uscc, "usccs", d))
    for d in DIALECTS
}
CASE_PERSONS_READ = PreparedRead(_CASE_PERSONS["postgresql"])


def case_names(conn: Connection, usccs: Iterable[str]) -> dict[str, list[str]]:
    """Every natural person named in an enterprise's records: scrubbed from its free text."""
    wanted = sorted(set(usccs))
    rows: list[Mapping[Any, Any]] = []
    for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
        chunk = {"usccs": wanted[start : start + 500]}
        rows += conn.execute(_CASE_PERSONS[conn.dialect.name], chunk).mappings().all()
    return _names_by_enterprise(wanted, rows)


async def case_names_async(reads: AsyncReads, usccs: Iterable[str]) -> dict[str, list[str]]:
    """``case_names`` on the async driver (PostgreSQL)."""
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    return _names_by_enterprise(wanted, await reads.rows(CASE_PERSONS_READ, usccs=wanted))


def _names_by_enterprise(
    usccs: list[str], rows: Iterable[Mapping[Any, Any]]
) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {u: [] for u in usccs}
    for row in rows:
        names[row["uscc"]] += [p.get("name", "") for p in row["persons"] or []]
    return names


def listing_public(
    row: Mapping[Any, Any],
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


def listing_full(row: Mapping[Any, Any], enterprise_name: str | None) -> dict[str, Any]:
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


def grade(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "grade": row["risk_grade"],
        "label": GRADE_LABELS[Grade(row["risk_grade"])],
        "rule_version": row["grade_rule_version"],
        "score": row["grade_score"],
        "assessed_at": row["graded_at"],
    }


def enterprise_public(row: Mapping[Any, Any]) -> dict[str, Any]:
    operator = row["operator_name"]
    return {
        "uscc": row["uscc"],
        "name": row["name"],
        "category": row["category"],
        "region_code": row["region_code"],
        "operator_name": mask_name(operator) if operator else None,
    }
