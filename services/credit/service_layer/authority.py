"""Who may decide what in the credit service (issue 10), on ``shared.auth.authority``.

- A credit file belongs to the region of the enterprise's registration: a regulator registers
  a file in another region than the one in its USCC only when it covers both (a province for a
  move within it, the national authority across provinces).
- Due-process decisions on a listing (objections, confirmation, removal) are taken by the
  authority that proposed it or a higher one covering the proposer's region. The listing
  itself records its proposer (``proposer_level``, ``_region``, ``_department``): the one
  source of truth (migration s5c912_0001 folded the former ``listing_authority`` table in).
- A regulator's record is identified by its natural key: department + decision number (per
  party); the same decision entered twice is a 409, not a second penalty.
"""

from services.credit.domain.listing import Listing
from services.credit.service_layer.ports import CreditWork
from shared.auth import AuthorityLevel, Principal
from shared.auth.authority import Power, authorise, may_overrule
from shared.exceptions import Conflict, Forbidden
from shared.uscc import region_of


def check_registration_region(actor: Principal, uscc: str, region_code: str | None) -> None:
    registered = region_of(uscc)
    if not (len(registered) == 6 and registered.isdigit()):
        return  # legacy codes carry no region: the given region_code is checked as usual
    authorise(actor, Power.REGISTER_CREDIT_FILE, registered)
    if region_code and region_code != registered and not actor.covers_region(region_code):
        raise Forbidden(
            f"moving a file from {registered} to {region_code} needs an authority over both",
            code="outside_jurisdiction",
        )


def record_proposer(listing: Listing, actor: Principal) -> None:
    """The listing itself is the one record of who proposed it (level, region, department)."""
    if not actor.is_regulator or actor.authority_level is None:
        return
    listing.proposer_level = actor.authority_level.value
    listing.proposer_region = actor.region_code
    listing.proposer_department = actor.department


def check_decider(listing: Listing, actor: object) -> None:
    """The proposing authority or a higher one covering its region; system callers pass."""
    if not isinstance(actor, Principal) or not actor.is_regulator:
        return
    # Listings proposed before proposers were recorded: provincial or higher decides.
    level = AuthorityLevel(listing.proposer_level or AuthorityLevel.PROVINCIAL.value)
    region = listing.proposer_region if listing.proposer_level else None
    same_or_higher = may_overrule(actor, level) and (region is None or actor.covers_region(region))
    if not same_or_higher:
        raise Forbidden(
            f"listing {listing.id} was proposed by a {level.value} authority ({region}); "
            "only it or a higher authority over its region decides",
            code="lower_authority",
            proposer_level=level.value,
            proposer_region=region,
        )


def check_natural_key(uow: CreditWork, department: str, decision_number: str, uscc: str) -> None:
    existing = uow.authority.record_by_decision(department, decision_number, uscc)
    if existing is not None:
        raise Conflict(
            f"decision {decision_number} of {department} is already record {existing}",
            code="duplicate_record",
            record_id=existing,
        )
