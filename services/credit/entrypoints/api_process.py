"""Routes of the hearing on a proposed listing and of disputes filed for named persons."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from services.credit.entrypoints.api_deps import PolicyDep, Today, Uow
from services.credit.entrypoints.api_listings import listing_view
from services.credit.entrypoints.api_rules import DisputeIn, dispute_view
from services.credit.entrypoints.schemas import DisputeOut, FullListingOut, LongText, Strict
from services.credit.service_layer import disputes, hearings
from shared.web.auth import Enterprise, Regulator
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

hearing_routes = APIRouter(tags=["dishonesty list"], responses=PROBLEM_RESPONSES)
person_disputes = APIRouter(tags=["disputes"], responses=PROBLEM_RESPONSES)


class HearingNoticeIn(Strict):
    hearing_on: date
    place: Annotated[str, Field(min_length=1, max_length=300)]


class HearingRecordIn(Strict):
    held_on: date
    attended: bool = Field(description="false: the party did not attend (hearing waived)")
    minutes: LongText


class PersonIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id_number: Annotated[str, Field(min_length=15, max_length=32)]


class PersonDisputeIn(DisputeIn):
    person: PersonIn = Field(description="the natural person, as the record names them")


@hearing_routes.post(
    "/listings/{listing_id}/hearing-request",
    response_model=FullListingOut,
    summary="Request a hearing",
)
def request_hearing(
    listing_id: str, actor: Enterprise, uow: Uow, engine: EngineDep, today: Today
) -> dict:
    """The enterprise concerned, within the objection window, where the listing's rule version
    gives a hearing (`409 hearing_not_available`, `409 hearing_request_window_closed`)."""
    hearings.request(uow, listing_id, actor, today=today)
    return listing_view(engine, listing_id, actor, today)


@hearing_routes.post(
    "/listings/{listing_id}/hearing-notice",
    response_model=FullListingOut,
    summary="Give notice of the hearing",
)
def notify_hearing(
    listing_id: str,
    body: HearingNoticeIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the proposing authority or a higher one covering it: date and place, at
    least the rule's notice period ahead (`422 hearing_notice_too_short`); again to
    reschedule a hearing not yet held."""
    hearings.give_notice(
        uow, listing_id, hearing_on=body.hearing_on, place=body.place, actor=actor, today=today
    )
    return listing_view(engine, listing_id, actor, today)


@hearing_routes.post(
    "/listings/{listing_id}/hearing-record",
    response_model=FullListingOut,
    summary="Record the hearing",
)
def record_hearing(
    listing_id: str,
    body: HearingRecordIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the proposing authority or a higher one covering it: held (minutes) or
    not attended (waived). Only then may the objection or the listing be decided."""
    hearings.record(
        uow,
        listing_id,
        held_on=body.held_on,
        attended=body.attended,
        minutes=body.minutes,
        actor=actor,
        today=today,
    )
    return listing_view(engine, listing_id, actor, today)


@person_disputes.post(
    "/records/{record_id}/disputes/for-person",
    status_code=201,
    response_model=DisputeOut,
    summary="Dispute a record for a person it names",
)
def file_dispute_for_person(
    record_id: str,
    body: PersonDisputeIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """Regulators of the record's region (power `file_dispute_for_person`) file the dispute of
    a natural person the record names: the name and identity number must match a person of the
    record (`422 person_not_named`); the dispute keeps which person, never the ID number."""
    d = disputes.file_for_person(
        uow,
        record_id,
        body.statement,
        body.evidence,
        (body.person.name, body.person.id_number),
        actor,
        today=today,
        policy=policy,
    )
    return dispute_view(engine, d.id, actor)
