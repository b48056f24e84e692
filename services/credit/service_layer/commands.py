"""Inputs of the credit use cases (plain data; the API validates shapes first)."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class RegisterEnterprise:
    uscc: str
    name: str
    category: str = "enterprise"
    region_code: str | None = None  # default: characters 3-8 of the USCC
    operator_name: str | None = None
    operator_id_number: str | None = None


@dataclass(frozen=True)
class AddRecord:
    """A credit record from a decision of a department or another service.

    ``source_event_id`` makes recording idempotent: a consumer turning another service's
    event into a record passes that event's id, and a redelivery returns the first record.
    ``enterprise_name`` lets such a consumer record against an enterprise not yet known here.
    """

    uscc: str
    record_class: str
    title: str
    legal_basis: str
    decision_number: str
    decision_date: date
    source_service: str
    source_department: str
    severity: str | None = None
    sector: str = "general"
    facts: str = ""
    persons: list[dict[str, str]] = field(default_factory=list)
    source_event_id: str | None = None
    enterprise_name: str | None = None
    enterprise_category: str = "enterprise"


@dataclass(frozen=True)
class ProposeListing:
    uscc: str
    reason: str
    legal_basis: str
    basis_record_ids: list[str]
    measures: list[str]
    term_years: int | None = 3  # None: indefinite


@dataclass(frozen=True)
class ApplyForRepair:
    record_id: str
    commitment: str
    evidence: list[str]
