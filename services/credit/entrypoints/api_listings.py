"""Dishonesty-list routes: proposing, the objection, confirming, removing, reading listings."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.engine import Engine

from services.credit.domain.catalogue import RemovalReason
from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    PolicyDep,
    RegulatorOrEnterprise,
    SmallLimit,
    Today,
    Uow,
)
from services.credit.service_layer import file_views
from services.credit.service_layer import listings as listing_cases
from services.credit.service_layer.commands import ProposeListing
from shared.auth import Principal, Role
from shared.exceptions import InvalidInput
from shared.uscc import normalise
from shared.web.auth import CurrentPrincipal, Enterprise, Regulator
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor
from shared.web.problems import PROBLEM_RESPONSES

listings = APIRouter(tags=["dishonesty list"], responses=PROBLEM_RESPONSES)


@listings.post(
    "/listings", status_code=201, response_model=s.FullListingOut, summary="Propose a listing"
)
def propose(
    body: s.ListingIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """Regulators of the enterprise's region. Needs reasons, a legal basis, the records in
    force it rests on and the measures; the enterprise is notified and may object."""
    cmd = ProposeListing(
        uscc=body.uscc,
        reason=body.reason,
        legal_basis=body.legal_basis,
        basis_record_ids=body.basis_record_ids,
        measures=body.measures,
        term_years=body.term_years,
    )
    if body.indefinite:
        raise InvalidInput(
            "the rules give every listing a term",
            code="term_out_of_bounds",
            rule_version=policy.rules.version,
            source=policy.rules.term.source.cite(),
        )
    listing = listing_cases.propose_listing(uow, cmd, actor, today=today, policy=policy)
    return listing_view(engine, listing.id, actor, today)


@listings.get("/listings", response_model=s.FullListingPageOut, summary="Listings")
def list_listings(
    actor: RegulatorOrEnterprise,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    uscc: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: SmallLimit = 50,
) -> dict:
    """Regulators see all listings at every stage; an enterprise its own."""
    if actor.role is Role.ENTERPRISE:
        uscc = actor.uscc
    with engine.connect() as conn:
        return file_views.listings(
            conn, uscc=uscc and normalise(uscc), status=status, cursor=cursor, limit=limit
        )


@listings.get(
    "/listings/{listing_id}",
    response_model=s.FullListingOut | s.PublicListingOut,
    summary="A listing",
)
def get_listing(listing_id: str, actor: CurrentPrincipal, engine: EngineDep, today: Today) -> dict:
    """Anyone. The enterprise concerned and regulators see every stage; everyone else sees a
    listing only while it is in force."""
    return listing_view(engine, listing_id, actor, today)


@listings.post(
    "/listings/{listing_id}/objection", response_model=s.FullListingOut, summary="Object"
)
def object_to(
    listing_id: str,
    body: s.ObjectionIn,
    actor: Enterprise,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """The enterprise concerned, within the objection window, once; it may ask for a hearing
    where the rules give one."""
    listing_cases.file_objection(
        uow,
        listing_id,
        body.statement,
        body.evidence,
        actor,
        today=today,
        hearing_requested=body.hearing_requested,
        policy=policy,
    )
    return listing_view(engine, listing_id, actor, today)


@listings.post(
    "/listings/{listing_id}/objection-decision",
    response_model=s.FullListingOut,
    summary="Decide an objection",
)
def decide_objection(
    listing_id: str,
    body: s.ObjectionDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region. Upheld: the proposal is withdrawn. Rejected:
    the listing may be confirmed."""
    listing_cases.decide_objection(uow, listing_id, body.upheld, body.reason, actor, today=today)
    return listing_view(engine, listing_id, actor, today)


@listings.post("/listings/{listing_id}/confirm", response_model=s.FullListingOut, summary="List")
def confirm(listing_id: str, actor: Regulator, uow: Uow, engine: EngineDep, today: Today) -> dict:
    """Regulators of the enterprise's region, after the objection window (or once an
    objection was rejected). Publishes the listing and applies its measures."""
    listing_cases.confirm_listing(uow, listing_id, actor, today=today)
    return listing_view(engine, listing_id, actor, today)


@listings.post("/listings/{listing_id}/removal", response_model=s.FullListingOut, summary="Remove")
def remove(
    listing_id: str,
    body: s.RemovalIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region, when the decision the listing rests on was
    annulled. Lifts the measures and withdraws the listing from disclosure."""
    listing_cases.remove_listing(
        uow, listing_id, RemovalReason(body.reason), actor, today=today, note=body.note
    )
    return listing_view(engine, listing_id, actor, today)


def listing_view(engine: Engine, listing_id: str, actor: Principal, today: date) -> dict[str, Any]:
    """The listing after a use case, in the view the caller is entitled to."""
    with engine.connect() as conn:
        return file_views.listing_for(conn, listing_id, actor, today)
