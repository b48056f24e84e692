"""The authority model as data: which regulator may do what, over which regions.

One table for every service (pure data, no framework imports). Each power names the lowest
authority level that holds it, how far its territory reaches, whether a second regulator must
approve, and the legal source. Routes ask ``authorise(principal, power, region)``; the role x
route matrix tests walk this table. Rows marked ``review`` need legal review (README).

Hierarchy runs national (rank 0) > provincial > municipal > county (rank 3): a higher authority
may overrule a lower one (``may_overrule``), never the reverse.
"""

from dataclasses import dataclass
from enum import StrEnum

from shared.auth.principal import AuthorityLevel, Principal, Role
from shared.exceptions import Forbidden

AUTHORITY_MODEL_VERSION = "2026-12-03.3"


class Territory(StrEnum):
    NATIONWIDE = "nationwide"  # the power itself is national; no region check beyond the level
    JURISDICTION = "jurisdiction"  # the caller's region must cover the row's current region


class Power(StrEnum):
    # registry: certification bodies (认证机构审批 is a national power)
    APPROVE_BODY = "approve_body"
    SUSPEND_BODY = "suspend_body"
    REINSTATE_BODY = "reinstate_body"
    WITHDRAW_BODY = "withdraw_body"
    # inspection rosters
    CHANGE_ROSTER_UNIT = "change_roster_unit"
    CHANGE_ROSTER_INSPECTOR = "change_roster_inspector"
    CHANGE_ROSTER_LAB = "change_roster_lab"
    CHANGE_GLOBAL_UNIT_ALIAS = "change_global_unit_alias"
    # inspection: checks made by other authorities, entered for the six-month rule
    RECORD_OUTSIDE_CHECK = "record_outside_check"
    # credit
    REGISTER_CREDIT_FILE = "register_credit_file"
    TRANSFER_CREDIT_FILE = "transfer_credit_file"
    DECIDE_LISTING = "decide_listing"
    READ_FULL_FILE = "read_full_file"
    FILE_DISPUTE_FOR_PERSON = "file_dispute_for_person"
    # inspection draws: randomness contributed by parties other than the plan's authority
    SUPERVISE_DRAW = "supervise_draw"
    OBSERVE_DRAW = "observe_draw"


@dataclass(frozen=True)
class Rule:
    power: Power
    lowest_level: AuthorityLevel
    territory: Territory
    source: str
    second_approval: bool = False
    review: bool = False  # needs legal review before production
    # held by the public observer role (no level, no territory) instead of by regulators
    observers: bool = False


_N, _P, _C = AuthorityLevel.NATIONAL, AuthorityLevel.PROVINCIAL, AuthorityLevel.COUNTY
RULES: dict[Power, Rule] = {
    r.power: r
    for r in (
        Rule(Power.APPROVE_BODY, _N, Territory.NATIONWIDE, "《认证认可条例》第十条、第十一条"),
        Rule(Power.SUSPEND_BODY, _N, Territory.NATIONWIDE, "《认证机构管理办法》第三十条"),
        Rule(Power.REINSTATE_BODY, _N, Territory.NATIONWIDE, "《认证机构管理办法》第三十条"),
        Rule(
            Power.WITHDRAW_BODY,
            _N,
            Territory.NATIONWIDE,
            "《认证机构管理办法》第三十一条; second approval: internal control",
            second_approval=True,
            review=True,
        ),
        Rule(
            Power.CHANGE_ROSTER_UNIT,
            _C,
            Territory.JURISDICTION,
            "《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》",
        ),
        Rule(
            Power.CHANGE_ROSTER_INSPECTOR,
            _C,
            Territory.JURISDICTION,
            "《市场监督管理随机抽查事项清单》 (执法检查人员名录库)",
        ),
        Rule(
            Power.CHANGE_ROSTER_LAB,
            _P,
            Territory.JURISDICTION,
            "《检验检测机构监督管理办法》 (provincial lab directories)",
            review=True,
        ),
        Rule(
            Power.RECORD_OUTSIDE_CHECK,
            _C,
            Territory.JURISDICTION,
            "six-month no-repeat rule: 6个月内任何地方、部门和机构不得重复抽查 (the checks of "
            "every authority count); who enters them (the unit's region): local rule",
            review=True,
        ),
        Rule(
            Power.CHANGE_GLOBAL_UNIT_ALIAS,
            _N,
            Territory.NATIONWIDE,
            "an alias for every enterprise re-keys units in every region's roster; "
            "per-enterprise aliases are CHANGE_ROSTER_UNIT over the enterprise's units",
            review=True,
        ),
        Rule(
            Power.REGISTER_CREDIT_FILE,
            _C,
            Territory.JURISDICTION,
            "《企业信息公示暂行条例》第六条 (registration authority's region)",
        ),
        Rule(
            Power.TRANSFER_CREDIT_FILE,
            _P,
            Territory.JURISDICTION,
            "《市场监督管理信用修复管理办法》; transfer on change of registration",
            second_approval=True,
            review=True,
        ),
        Rule(
            Power.DECIDE_LISTING,
            _C,
            Territory.JURISDICTION,
            "《市场监督管理严重违法失信名单管理办法》第十六条 (deciding authority or higher)",
        ),
        Rule(
            Power.READ_FULL_FILE,
            _C,
            Territory.JURISDICTION,
            "《个人信息保护法》第六条 (purpose limitation); cross-region with a stated purpose",
        ),
        Rule(
            Power.FILE_DISPUTE_FOR_PERSON,
            _C,
            Territory.JURISDICTION,
            "《市场监督管理行政处罚信息公示规定》第十二条 (dispute over published information); "
            "《个人信息保护法》第四十六条 (a person's right to correction): a regulator of the "
            "record's region receives a named person's dispute",
            review=True,
        ),
        Rule(
            Power.SUPERVISE_DRAW,
            _C,
            Territory.JURISDICTION,
            "product policy (issue 13): a regulator covering the plan's region but not the plan's "
            "own authority commits and reveals a draw contribution; no legal source yet",
            review=True,
        ),
        Rule(
            Power.OBSERVE_DRAW,
            _N,
            Territory.NATIONWIDE,
            "product policy (issue 13): a public observer commits and reveals a draw "
            "contribution; no legal source yet",
            review=True,
            observers=True,
        ),
    )
}


def holds_level(principal: Principal, rule: Rule) -> bool:
    if rule.observers:
        return principal.role is Role.OBSERVER
    level = principal.authority_level
    return principal.is_regulator and level is not None and level.rank <= rule.lowest_level.rank


def may(principal: Principal, power: Power, region_code: str | None = None) -> bool:
    rule = RULES[power]
    if not holds_level(principal, rule):
        return False
    if rule.territory is Territory.JURISDICTION:
        return region_code is not None and principal.covers_region(region_code)
    return True


def authorise(principal: Principal, power: Power, region_code: str | None = None) -> Rule:
    """The rule that allows this, or 403 naming the power and the level or region missing."""
    rule = RULES[power]
    if not holds_level(principal, rule):
        raise Forbidden(
            f"{power.value} needs a {rule.lowest_level.value} authority or higher ({rule.source})",
            code="authority_level_too_low",
            power=power.value,
        )
    if rule.territory is Territory.JURISDICTION and not (
        region_code is not None and principal.covers_region(region_code)
    ):
        raise Forbidden(
            f"{power.value}: region {region_code} is outside your jurisdiction",
            code="outside_jurisdiction",
            power=power.value,
        )
    return rule


class FullRead(StrEnum):
    """How a regulator may read a full file (credit file, certificate record) of a region."""

    IN_JURISDICTION = "in_jurisdiction"
    AUDITED = "audited"  # outside the jurisdiction, with a stated purpose: written to the audit
    REFUSED = "refused"  # the public view only


def full_read(principal: Principal, region_code: str | None, purpose: str | None) -> FullRead:
    """``Power.READ_FULL_FILE``: in the jurisdiction freely; outside it only with a purpose."""
    if region_code is None or not holds_level(principal, RULES[Power.READ_FULL_FILE]):
        return FullRead.REFUSED
    if may(principal, Power.READ_FULL_FILE, region_code):
        return FullRead.IN_JURISDICTION
    return FullRead.AUDITED if purpose else FullRead.REFUSED


def may_overrule(actor: Principal, decided_by_level: AuthorityLevel) -> bool:
    """A decision is revisited by the authority that took it or a higher one."""
    level = actor.authority_level
    return actor.is_regulator and level is not None and level.rank <= decided_by_level.rank


def table() -> list[dict[str, object]]:
    """The model as published (README, GET /authority-model)."""
    return [
        {
            "power": r.power.value,
            "lowest_level": r.lowest_level.value,
            "territory": r.territory.value,
            "second_approval": r.second_approval,
            "source": r.source,
            "needs_legal_review": r.review,
            "holders": "public observers" if r.observers else "regulators",
            "version": AUTHORITY_MODEL_VERSION,
        }
        for r in RULES.values()
    ]
