"""Routes of issue 12: the versioned legal rules and early removal from the list."""

from fastapi import APIRouter

from services.credit.domain.rules import RULESETS, describe, ruleset
from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api import EngineDep, PolicyDep, Today, Uow, _listing
from services.credit.service_layer import early_removal
from shared.web.auth import Enterprise, Regulator
from shared.web.problems import PROBLEM_RESPONSES

rules = APIRouter(tags=["catalogues"], responses=PROBLEM_RESPONSES)
removal = APIRouter(tags=["dishonesty list"], responses=PROBLEM_RESPONSES)


@rules.get("/catalogue/rules", summary="Legal rule sets")
def list_rules(policy: PolicyDep) -> dict:
    """Anyone. Every rule version with its rows and their sources; ``in_force`` names the
    version new decisions apply."""
    return {"in_force": policy.rules.version, "versions": [describe(r) for r in RULESETS.values()]}


@rules.get("/catalogue/rules/{version}", summary="One legal rule set")
def get_rules(version: str) -> dict:
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
    return _listing(engine, listing_id, actor, today)


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
    return _listing(engine, listing_id, actor, today)
