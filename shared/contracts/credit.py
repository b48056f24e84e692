"""Events the credit service publishes on ``credit.events`` (message key: the enterprise's USCC).

Joint punishment works through these: ``credit.measure.applied`` / ``credit.measure.lifted``
carry each measure's code, name, legal basis and the service that enforces it (``registry``,
``inspection``, ``credit`` or ``external:<authority>``), so enforcing services need no
catalogue of their own. ``credit.listing.listed`` / ``delisted`` carry the full measure list
as well, for consumers that mirror whole listings.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict

from shared.events import EventPayload, contracts


class MeasureV1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    name_zh: str
    legal_basis: str
    enforcing_service: str


class CreditRecordAddedV1(EventPayload):
    EVENT_TYPE = "credit.record.added"
    VERSION = 1

    record_id: str
    uscc: str
    enterprise_name: str
    record_class: str
    kind: str
    severity: str
    sector: str
    title: str
    legal_basis: str
    decision_number: str
    decision_date: date
    source_service: str
    source_department: str
    source_event_id: str | None
    publication_until: date
    disclosed: bool


class RiskGradeChangedV1(EventPayload):
    EVENT_TYPE = "credit.risk_grade.changed"
    VERSION = 1

    uscc: str
    enterprise_name: str
    from_grade: str | None
    to_grade: str
    score: int
    rule_version: str
    reasons: list[str]
    trigger: str


class ListingProposedV1(EventPayload):
    """The enterprise is notified: reasons, legal basis and until when it may object."""

    EVENT_TYPE = "credit.listing.proposed"
    VERSION = 1

    listing_id: str
    uscc: str
    enterprise_name: str
    reason: str
    legal_basis: str
    basis_record_ids: list[str]
    measures: list[MeasureV1]
    term_years: int | None  # None: indefinite
    proposed_on: date
    objection_deadline: date


class ListedV1(EventPayload):
    EVENT_TYPE = "credit.listing.listed"
    VERSION = 1

    listing_id: str
    uscc: str
    enterprise_name: str
    category: str
    reason: str
    legal_basis: str
    term_start: date
    term_end: date | None  # None: indefinite
    measures: list[MeasureV1]


class DelistedV1(EventPayload):
    EVENT_TYPE = "credit.listing.delisted"
    VERSION = 1

    listing_id: str
    uscc: str
    enterprise_name: str
    from_status: str  # proposed | objection_filed | listed
    removal_reason: str  # term_ended | repaired | objection_upheld | basis_revoked
    removed_on: date
    measures: list[MeasureV1]  # lifted (empty when it was never listed)


class RepairDecidedV1(EventPayload):
    EVENT_TYPE = "credit.repair.decided"
    VERSION = 1

    application_id: str
    uscc: str
    enterprise_name: str
    record_id: str
    approved: bool
    reason: str
    decided_on: date
    disclosure_ended: bool
    delisted_listing_ids: list[str]


class _MeasureEvent(EventPayload):
    VERSION = 1

    listing_id: str
    uscc: str
    enterprise_name: str
    category: str
    measure: MeasureV1
    # flat copies of the measure for consumers that store rows (e.g. the registry's sanctions)
    measure_code: str
    measure_name: str
    legal_basis: str
    enforcing_service: str


class MeasureAppliedV1(_MeasureEvent):
    EVENT_TYPE = "credit.measure.applied"

    term_start: date
    term_end: date | None


class MeasureLiftedV1(_MeasureEvent):
    EVENT_TYPE = "credit.measure.lifted"

    lifted_on: date
    removal_reason: str


class RecordDisputeDecidedV1(EventPayload):
    """A dispute over a published record was decided: ``rejected`` (the record stands),
    ``corrected`` (``corrections`` replaced those fields) or ``withdrawn`` (left disclosure)."""

    EVENT_TYPE = "credit.record.dispute_decided"
    VERSION = 1

    dispute_id: str
    record_id: str
    uscc: str
    enterprise_name: str
    outcome: str  # rejected | corrected | withdrawn
    reason: str
    corrections: dict[str, str]
    decided_on: date


class ListingDeadlineChangedV1(EventPayload):
    """A proposed listing's objection deadline was recomputed on newer calendar data (the State
    Council's table replacing a provisional year) and moved. Subject: the USCC."""

    EVENT_TYPE = "credit.listing.deadline_changed"
    VERSION = 1

    listing_id: str
    uscc: str
    deadline_kind: str  # "objection"
    previous_deadline: date
    new_deadline: date
    previous_provenance: str | None
    new_provenance: str  # "official" | "provisional"
    calendar_version: str


class RecordPublicationChangedV1(EventPayload):
    """A credit record's last day of publication (a period in working days) was recomputed on
    newer calendar data (the State Council's table replacing a provisional year) and moved.
    Subject: the USCC."""

    EVENT_TYPE = "credit.record.publication_changed"
    VERSION = 1

    record_id: str
    uscc: str
    record_class: str
    previous_until: date
    new_until: date
    previous_provenance: str | None
    new_provenance: str  # "official" | "provisional"
    calendar_version: str


for _model in (
    RecordPublicationChangedV1,
    RecordDisputeDecidedV1,
    ListingDeadlineChangedV1,
    CreditRecordAddedV1,
    RiskGradeChangedV1,
    ListingProposedV1,
    ListedV1,
    DelistedV1,
    RepairDecidedV1,
    MeasureAppliedV1,
    MeasureLiftedV1,
):
    contracts.register(_model)
