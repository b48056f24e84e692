"""Routes of issue 12: the versioned legal rules and early removal from the list."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from prometheus_client.core import GaugeMetricFamily
from pydantic import Field
from sqlalchemy.engine import Engine

from services.credit.domain.rules import RULESETS, describe, ruleset
from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    PolicyDep,
    RegulatorOrEnterprise,
    Today,
    Uow,
)
from services.credit.entrypoints.api_listings import listing_view
from services.credit.entrypoints.schemas import LongText, Strict
from services.credit.service_layer import disputes, early_removal, intake, process_views
from shared.auth import Principal
from shared.observability import CallbackGauges
from shared.uscc import normalise
from shared.web.auth import Enterprise, Regulator
from shared.web.dependencies import EngineDep
from shared.web.pagination import Limit
from shared.web.problems import PROBLEM_RESPONSES

rules = APIRouter(tags=["catalogues"], responses=PROBLEM_RESPONSES)
removal = APIRouter(tags=["dishonesty list"], responses=PROBLEM_RESPONSES)


@rules.get("/catalogue/rules", response_model=s.RuleSetsOut, summary="Legal rule sets")
def list_rules(policy: PolicyDep) -> dict[str, Any]:
    """Anyone. Every rule version with its rows and their sources; ``in_force`` names the
    version new decisions apply."""
    return {"in_force": policy.rules.version, "versions": [describe(r) for r in RULESETS.values()]}


@rules.get("/catalogue/rules/{version}", response_model=s.RuleSetOut, summary="One legal rule set")
def get_rules(version: str) -> dict[str, Any]:
    """Anyone. The rule set a decision names in its ``rule_version``."""
    return describe(ruleset(version))


@removal.post(
    "/listings/{listing_id}/early-removal",
    response_model=s.FullListingOut,
    summary="Apply for early removal",
)
def apply_for_early_removal(
    listing_id: str,
    body: s.EarlyRemovalIn,
    actor: Enterprise,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """The listed enterprise, after the minimum listed period, with a statement and evidence.
    The response shows each condition, whether it is met, and the decision deadline."""
    early_removal.apply(
        uow, listing_id, body.statement, body.evidence, actor, today=today, policy=policy
    )
    return listing_view(engine, listing_id, actor, today)


@removal.post(
    "/listings/{listing_id}/early-removal-decision",
    response_model=s.FullListingOut,
    summary="Decide an early-removal application",
)
def decide_early_removal(
    listing_id: str,
    body: s.EarlyRemovalDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the proposing authority or a higher one covering it, with reasons.
    A grant needs every condition met and removes the listing (measures lifted)."""
    early_removal.decide(
        uow,
        listing_id,
        body.granted,
        body.reason,
        body.confirmed_conditions,
        actor,
        today=today,
    )
    return listing_view(engine, listing_id, actor, today)


# -- the regulator's queue of records from other services ------------------------------------
queue = APIRouter(tags=["record proposals"], responses=PROBLEM_RESPONSES)


class ProposalDecisionIn(Strict):
    confirm: bool
    reason: LongText
    decision_number: str | None = Field(
        default=None, max_length=100, description="the regulator's own decision (refusals)"
    )
    decision_date: date | None = None
    severity: str | None = Field(default=None, max_length=20)


@queue.get(
    "/record-proposals",
    response_model=s.ProposalListOut,
    summary="Records from other services awaiting a decision",
)
def list_proposals(
    actor: Regulator,
    engine: EngineDep,
    today: Today,
    status: Annotated[str | None, Query(max_length=20)] = "pending",
    uscc: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Regulators: proposals of enterprises in their jurisdiction, oldest deadline first,
    each with its deadline and whether it is overdue."""
    with engine.connect() as conn:
        return process_views.record_proposals(
            conn, actor, today, status=status, uscc=uscc and normalise(uscc), limit=limit
        )


@queue.post(
    "/record-proposals/{proposal_id}/decision",
    response_model=s.ProposalOut,
    summary="Confirm or reject",
)
def decide_proposal(
    proposal_id: str,
    body: ProposalDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """Regulators of the enterprise's region, with reasons. Confirming makes the credit
    record (published as its class's rule says); a refusal of inspection needs the
    regulator's own decision number. Rejecting keeps the reasons; nothing is published."""
    intake.decide(
        uow,
        proposal_id,
        confirm=body.confirm,
        reason=body.reason,
        actor=actor,
        today=today,
        policy=policy,
        decision_number=body.decision_number,
        decision_date=body.decision_date,
        severity=body.severity,
    )
    with engine.connect() as conn:
        return process_views.record_proposal(conn, proposal_id, today)


def proposal_gauges(engine: Engine, today: Callable[[], date]) -> CallbackGauges:
    """``credit_record_proposals_pending`` and ``..._overdue`` (past their review deadline)."""

    def collect() -> list[GaugeMetricFamily]:
        with engine.connect() as conn:
            total, late = process_views.proposal_counts(conn, today())
        waiting = GaugeMetricFamily(
            "credit_record_proposals_pending", "Records from other services awaiting a regulator"
        )
        waiting.add_metric([], total)
        overdue = GaugeMetricFamily(
            "credit_record_proposals_overdue", "Record proposals past their review deadline"
        )
        overdue.add_metric([], late)
        return [waiting, overdue]

    return CallbackGauges(collect)


# -- disputes over published records -----------------------------------------------------------
dispute_routes = APIRouter(tags=["disputes"], responses=PROBLEM_RESPONSES)


class DisputeIn(Strict):
    statement: LongText
    evidence: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=20
    )


class DisputeDecisionIn(Strict):
    outcome: Literal["rejected", "corrected", "withdrawn"]
    reason: LongText
    corrections: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, description="corrected: the fields replaced"
    )


def dispute_view(engine: Engine, dispute_id: str, actor: Principal) -> dict[str, Any]:
    """The dispute after a use case, for those who may see it."""
    with engine.connect() as conn:
        return process_views.dispute_for(conn, dispute_id, actor)


@dispute_routes.post(
    "/records/{record_id}/disputes",
    status_code=201,
    response_model=s.DisputeOut,
    summary="Dispute a record",
)
def file_dispute(
    record_id: str,
    body: DisputeIn,
    actor: Enterprise,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """The enterprise concerned, on its own record in public disclosure (`409
    record_not_published` otherwise). The record shows `under_dispute` publicly until decided."""
    d = disputes.file(
        uow, record_id, body.statement, body.evidence, actor, today=today, policy=policy
    )
    return dispute_view(engine, d.id, actor)


@dispute_routes.get("/disputes/{dispute_id}", response_model=s.DisputeOut, summary="A dispute")
def get_dispute(dispute_id: str, actor: RegulatorOrEnterprise, engine: EngineDep) -> dict:
    """The enterprise that filed it and regulators."""
    return dispute_view(engine, dispute_id, actor)


@dispute_routes.post(
    "/disputes/{dispute_id}/decision", response_model=s.DisputeOut, summary="Decide a dispute"
)
def decide_dispute(
    dispute_id: str,
    body: DisputeDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region, with reasons: rejected, corrected (named fields)
    or withdrawn (leaves disclosure). The feed and `credit.record.dispute_decided` follow."""
    disputes.decide(
        uow,
        dispute_id,
        outcome=body.outcome,
        reason=body.reason,
        corrections=body.corrections,
        actor=actor,
        today=today,
    )
    return dispute_view(engine, dispute_id, actor)
