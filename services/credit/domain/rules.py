"""The legal rules credit decisions apply, as versioned data with their sources.

One ``RuleSet`` per version: which decisions qualify for the serious-violation list (and in
which fields), the listing term and its bounds, early removal (minimum listed period,
conditions, decision deadline), credit repair (minimum publication by sector, whether it is
open while listed, the repeat-penalty bar, decision deadline), what is published and from
when, and how product categories from inspections map to repair sectors.

Every decision stores the version it was taken under (``rule_version``) and the API publishes
each rule set under ``/catalogue/rules``. The default is the national rule; a province adds a
``RuleSet`` here and selects it with ``CREDIT_RULE_VERSION``. Rows marked ``needs_review``
are listed in ``services/credit/README.md`` for the legal department.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.credit.domain.catalogue import SECTORS, Severity
from services.credit.domain.periods import Period, Unit
from shared.exceptions import InvalidInput

ORDER_44 = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）"
REPAIR_MEASURES = "《市场监督管理信用修复管理办法》（国市监信规〔2021〕3号）"
PUBLICATION_RULES = "《市场监督管理行政处罚信息公示规定》（国家市场监督管理总局令第45号）"
GUOBAN_49 = (
    "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"
)
PENALTY_LAW = "《中华人民共和国行政处罚法》（2021年修订）"
SPOT_CHECK_RULES = "《产品质量监督抽查管理暂行办法》（国家市场监督管理总局令第18号）"


@dataclass(frozen=True)
class Source:
    document: str
    article: str

    def cite(self) -> str:
        return f"{self.document}{self.article}"


@dataclass(frozen=True)
class ListingGround:
    """Records that may found a listing: record class and severity (the decision's fields)."""

    code: str
    description: str
    record_classes: frozenset[str]
    severities: frozenset[Severity]
    source: Source
    needs_review: bool = False

    def covers(self, record_class: str, severity: Severity) -> bool:
        return record_class in self.record_classes and severity in self.severities


@dataclass(frozen=True)
class TermRule:
    default_years: int
    min_years: int
    max_years: int
    source: Source
    needs_review: bool = False


@dataclass(frozen=True)
class Condition:
    code: str
    text: str
    checked_by: str  # "system": computed from the file; "regulator": confirmed on evidence


@dataclass(frozen=True)
class EarlyRemovalRule:
    min_listed: Period
    conditions: tuple[Condition, ...]
    decision_within: Period
    source: Source
    deadline_source: Source
    needs_review: bool = False


@dataclass(frozen=True)
class RepairRule:
    min_publication: dict[str, Period]  # by sector
    decision_within: Period
    open_while_listed: bool
    repeat_same_kind_bars: bool
    source: Source
    listed_source: Source
    needs_review: bool = False


@dataclass(frozen=True)
class PublicationRule:
    record_class: str
    published: bool
    starts: str  # "decision_date" | "result_published"
    source: Source
    needs_review: bool = False


@dataclass(frozen=True)
class HearingRule:
    """A hearing on request before a listing is decided: requested within the objection
    window, notified at least ``notice_before`` ahead with its date and place, held and
    minuted; the objection or the listing is decided only once it has concluded."""

    available: bool
    source: Source
    needs_review: bool = True
    notice_before: Period = Period(7, Unit.DAYS)
    # the hearing procedure of the penalty law, applied to listings by analogy: legal review
    procedure_source: Source = Source(
        PENALTY_LAW, "第六十四条（听证七日前通知时间、地点；无正当理由拒不出席视为放弃）"
    )


@dataclass(frozen=True)
class RuleSet:
    version: str
    effective_from: date
    title: str
    grounds: tuple[ListingGround, ...]
    term: TermRule
    early_removal: EarlyRemovalRule
    repair: RepairRule
    publication: dict[str, PublicationRule]
    due_process_source: Source
    # inspection product categories -> repair sector (local data: legal review)
    product_category_sectors: dict[str, str] = field(default_factory=dict)
    # records from other services wait for a regulator; reviewed within this period
    intake_review_within: Period = Period(20, Unit.WORKDAYS)
    intake_source: Source = Source(PUBLICATION_RULES, "第七条（作出决定之日起二十个工作日内公示）")
    # a hearing on request before a listing is decided
    hearing: HearingRule = HearingRule(
        True, Source(ORDER_44, "第十五条（陈述、申辩；依法要求听证）")
    )
    # disputes over published information are decided within this period
    dispute_within: Period = Period(15, Unit.WORKDAYS)
    dispute_source: Source = Source(PUBLICATION_RULES, "第十二条（公示信息异议的核查处理）")

    def ground_for(self, record_class: str, severity: Severity) -> ListingGround | None:
        return next((g for g in self.grounds if g.covers(record_class, severity)), None)

    def published(self, record_class: str) -> bool:
        rule = self.publication.get(record_class)
        return rule.published if rule else True

    def sector_for_product(self, product_category: str | None) -> str:
        key = (product_category or "").strip().lower()
        return self.product_category_sectors.get(key, "industrial_products" if key else "general")

    def min_repair_publication(self, sector: str) -> Period:
        return self.repair.min_publication.get(sector, self.repair.min_publication["general"])

    def term_years(self, requested: int | None) -> int:
        years = self.term.default_years if requested is None else requested
        if not self.term.min_years <= years <= self.term.max_years:
            raise InvalidInput(
                f"a listing term is {self.term.min_years} to {self.term.max_years} years "
                f"under rule version {self.version}",
                code="term_out_of_bounds",
                min_years=self.term.min_years,
                max_years=self.term.max_years,
                rule_version=self.version,
                source=self.term.source.cite(),
            )
        return years


_SERIOUS = frozenset({Severity.SERIOUS, Severity.VERY_SERIOUS})

_NATIONAL_GROUNDS = (
    ListingGround(
        "heavier_penalty",
        "A heavier administrative penalty (较重行政处罚: heavier fine under the discretion "
        "benchmark, licence revoked, production or business suspended, ...) for a serious "
        "violation in food, drugs, product quality, consumer rights, fair competition",
        frozenset({"penalty"}),
        _SERIOUS,
        Source(ORDER_44, "第二条第二款、第五条至第九条"),
    ),
    ListingGround(
        "licence_revoked",
        "A certification body's approval revoked as a penalty (吊销、撤销许可)",
        frozenset({"accreditation_withdrawn"}),
        _SERIOUS,
        Source(ORDER_44, "第二条第二款、第七条"),
        needs_review=True,
    ),
    ListingGround(
        "obstructing_inspection",
        "Refusing, obstructing or interfering with an inspection, decided as a very serious "
        "penalty (not the bare refusal reported by an inspection team)",
        frozenset({"inspection_refused"}),
        frozenset({Severity.VERY_SERIOUS}),
        Source(ORDER_44, "第十条"),
        needs_review=True,
    ),
)

_EARLY_REMOVAL_CONDITIONS = (
    Condition(
        "obligations_fulfilled",
        "已经自觉履行行政处罚决定中规定的义务 (obligations of the penalty decision fulfilled)",
        "regulator",
    ),
    Condition(
        "harm_removed",
        "已经主动消除危害后果和不良影响 (harm and adverse effects corrected)",
        "regulator",
    ),
    Condition(
        "no_new_heavier_penalty",
        "未再受到市场监督管理部门较重行政处罚 (no new qualifying decision since listing)",
        "system",
    ),
)

_PUBLICATION = {
    "penalty_warning": PublicationRule(
        "penalty_warning",
        published=False,
        starts="decision_date",
        source=Source(PUBLICATION_RULES, "第六条（仅受到警告的行政处罚信息不予公示）"),
        needs_review=True,
    ),
    "spot_check_failed": PublicationRule(
        "spot_check_failed",
        published=True,
        starts="result_published",
        source=Source(SPOT_CHECK_RULES, "第五十条（抽查结果依法公开后方可记入信用记录）"),
        needs_review=True,
    ),
}
for _code in (
    "penalty_small_fine",
    "penalty",
    "spot_check_corrected",
    "inspection_refused",
    "certificate_revoked",
    "accreditation_withdrawn",
    "commendation",
):
    _PUBLICATION[_code] = PublicationRule(
        _code, True, "decision_date", Source(PUBLICATION_RULES, "第十四条")
    )

NATIONAL_2021 = RuleSet(
    version="CN-2021.1",
    effective_from=date(2021, 9, 1),
    title="National rules (SAMR Order 44, credit repair measures, publication rules)",
    grounds=_NATIONAL_GROUNDS,
    term=TermRule(3, 3, 3, Source(ORDER_44, "第二十二条（管理期限三年，期满移出）")),
    early_removal=EarlyRemovalRule(
        min_listed=Period(1, Unit.YEARS),
        conditions=_EARLY_REMOVAL_CONDITIONS,
        decision_within=Period(15, Unit.WORKDAYS),
        source=Source(ORDER_44, "第二十条"),
        deadline_source=Source(ORDER_44, "第二十一条"),
        needs_review=True,
    ),
    repair=RepairRule(
        min_publication=dict(SECTORS),
        decision_within=Period(15, Unit.WORKDAYS),
        open_while_listed=False,
        repeat_same_kind_bars=True,
        source=Source(REPAIR_MEASURES, "第十一条、第十二条"),
        listed_source=Source(ORDER_44, "第二十条（列入名单的，按提前移出程序办理）"),
        needs_review=True,
    ),
    publication=_PUBLICATION,
    due_process_source=Source(GUOBAN_49, "第三部分（依法依规开展失信惩戒，告知、陈述申辩）"),
    product_category_sectors={
        "food": "food",
        "edible_agricultural_products": "food",
        "food_additives": "food",
        "health_food": "food",
        "infant_formula": "food",
        "drugs": "drugs",
        "medicines": "drugs",
        "special_equipment": "special_equipment",
        "boilers": "special_equipment",
        "pressure_vessels": "special_equipment",
        "elevators": "special_equipment",
        "medical_devices": "medical_devices",
        "cosmetics": "cosmetics",
    },
)

RULESETS: dict[str, RuleSet] = {r.version: r for r in (NATIONAL_2021,)}
DEFAULT_RULES = NATIONAL_2021


def ruleset(version: str) -> RuleSet:
    try:
        return RULESETS[version]
    except KeyError:
        raise InvalidInput(
            f"unknown rule version {version!r}", code="unknown_rule_version", allowed=list(RULESETS)
        ) from None


def rules_for(version: str | None) -> RuleSet:
    """The rule set a stored decision was made under (the default for older decisions)."""
    return RULESETS.get(version or "", DEFAULT_RULES)


def describe(rules: RuleSet) -> dict[str, Any]:
    """The rule set as published under ``/catalogue/rules``, each row with its source."""
    return {
        "version": rules.version,
        "effective_from": rules.effective_from.isoformat(),
        "title": rules.title,
        "listing_grounds": [
            {
                "code": g.code,
                "description": g.description,
                "record_classes": sorted(g.record_classes),
                "severities": sorted(s.value for s in g.severities),
                "source": g.source.cite(),
                "needs_review": g.needs_review,
            }
            for g in rules.grounds
        ],
        "term": {
            "default_years": rules.term.default_years,
            "min_years": rules.term.min_years,
            "max_years": rules.term.max_years,
            "source": rules.term.source.cite(),
            "needs_review": rules.term.needs_review,
        },
        "early_removal": _describe_early_removal(rules.early_removal),
        "repair": _describe_repair(rules.repair),
        "publication": [
            {
                "record_class": p.record_class,
                "published": p.published,
                "starts": p.starts,
                "source": p.source.cite(),
                "needs_review": p.needs_review,
            }
            for p in rules.publication.values()
        ],
        "due_process_source": rules.due_process_source.cite(),
        "hearing": _describe_hearing(rules.hearing),
        "disputes": {
            "decide_within": rules.dispute_within.describe(),
            "source": rules.dispute_source.cite(),
            "needs_review": True,
        },
        "record_proposals": {
            "review_within": rules.intake_review_within.describe(),
            "source": rules.intake_source.cite(),
            "needs_review": True,
        },
        "product_category_sectors": dict(rules.product_category_sectors),
    }


def _describe_early_removal(rule: EarlyRemovalRule) -> dict[str, Any]:
    return {
        "min_listed": rule.min_listed.describe(),
        "conditions": [c.__dict__ for c in rule.conditions],
        "decision_within": rule.decision_within.describe(),
        "source": rule.source.cite(),
        "deadline_source": rule.deadline_source.cite(),
        "needs_review": rule.needs_review,
    }


def _describe_repair(rule: RepairRule) -> dict[str, Any]:
    return {
        "min_publication_by_sector": {k: v.describe() for k, v in rule.min_publication.items()},
        "decision_within": rule.decision_within.describe(),
        "open_while_listed": rule.open_while_listed,
        "repeat_penalty_of_same_kind_bars": rule.repeat_same_kind_bars,
        "source": rule.source.cite(),
        "listed_source": rule.listed_source.cite(),
        "needs_review": rule.needs_review,
    }


def _describe_hearing(rule: HearingRule) -> dict[str, Any]:
    return {
        "available": rule.available,
        "requested_within": "the objection window",
        "notice_before": rule.notice_before.describe(),
        "procedure_source": rule.procedure_source.cite(),
        "source": rule.source.cite(),
        "needs_review": rule.needs_review,
    }
