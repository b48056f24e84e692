"""Catalogues the credit rules are made of: data, not code paths.

- record classes with their publication period (SAMR rule: 3 months for a warning, a circulated
  criticism or a small fine, 3 years for other penalties) and whether credit repair applies;
- sectors with the minimum publication before repair (6 months; 1 year for food, drugs and
  special equipment);
- categories of credit subjects;
- joint-punishment measures for the dishonesty list, each with its legal basis and the service
  that enforces it;
- reasons a listing ends.

Legal-basis texts are configuration to be reviewed by the legal department; the API publishes
all of it under ``/catalogue``.
"""

from dataclasses import dataclass
from enum import StrEnum

from services.credit.domain.periods import Period, Unit
from shared.exceptions import InvalidInput


class Severity(StrEnum):
    POSITIVE = "positive"  # commendations
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"
    VERY_SERIOUS = "very_serious"


class Kind(StrEnum):
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    FAILED_SPOT_CHECK = "failed_spot_check"
    INSPECTION_REFUSAL = "inspection_refusal"
    CERTIFICATE_REVOCATION = "certificate_revocation"
    COMMENDATION = "commendation"


@dataclass(frozen=True)
class RecordClass:
    code: str
    kind: Kind
    name: str
    name_zh: str
    publication: Period
    severities: tuple[Severity, ...]  # the first is the default
    repairable: bool

    @property
    def default_severity(self) -> Severity:
        return self.severities[0]

    @property
    def negative(self) -> bool:
        return self.kind is not Kind.COMMENDATION


NEGATIVE = (Severity.GENERAL, Severity.SERIOUS, Severity.VERY_SERIOUS)
_CLASSES = [
    RecordClass(
        "penalty_warning",
        Kind.ADMINISTRATIVE_PENALTY,
        "Administrative penalty: warning or circulated criticism",
        "行政处罚（警告、通报批评）",
        Period(3, Unit.MONTHS),
        (Severity.MINOR,),
        repairable=False,  # published for three months only; it ends by itself
    ),
    RecordClass(
        "penalty_small_fine",
        Kind.ADMINISTRATIVE_PENALTY,
        "Administrative penalty: fine of a small amount",
        "行政处罚（较低数额罚款）",
        Period(3, Unit.MONTHS),
        (Severity.MINOR,),
        repairable=False,
    ),
    RecordClass(
        "penalty",
        Kind.ADMINISTRATIVE_PENALTY,
        "Administrative penalty (other than the above)",
        "行政处罚（其他）",
        Period(3, Unit.YEARS),
        NEGATIVE,
        repairable=True,
    ),
    RecordClass(
        "spot_check_corrected",
        Kind.FAILED_SPOT_CHECK,
        "Failed spot check, corrected within the set time",
        "抽查检查不合格（限期内已整改）",
        # Local policy example of a period in working days; adjust to the province's rules.
        Period(20, Unit.WORKDAYS),
        (Severity.MINOR,),
        repairable=False,
    ),
    RecordClass(
        "spot_check_failed",
        Kind.FAILED_SPOT_CHECK,
        "Failed spot check",
        "抽查检查不合格",
        Period(3, Unit.YEARS),
        (Severity.GENERAL, Severity.SERIOUS),
        repairable=True,
    ),
    RecordClass(
        "inspection_refused",
        Kind.INSPECTION_REFUSAL,
        "Refused or obstructed an inspection",
        "拒绝、阻碍抽查检查",
        Period(3, Unit.YEARS),
        (Severity.SERIOUS, Severity.VERY_SERIOUS),
        repairable=True,
    ),
    RecordClass(
        "certificate_revoked",
        Kind.CERTIFICATE_REVOCATION,
        "Certificate revoked for cause",
        "认证证书因违法违规被撤销",
        Period(3, Unit.YEARS),
        (Severity.SERIOUS, Severity.VERY_SERIOUS),
        repairable=True,
    ),
    RecordClass(
        "accreditation_withdrawn",
        Kind.ADMINISTRATIVE_PENALTY,
        "Certification body's approval withdrawn",
        "认证机构资质被撤销",
        Period(3, Unit.YEARS),
        (Severity.SERIOUS, Severity.VERY_SERIOUS),
        repairable=True,
    ),
    RecordClass(
        "commendation",
        Kind.COMMENDATION,
        "Commendation or honour",
        "表彰奖励",
        Period(3, Unit.YEARS),
        (Severity.POSITIVE,),
        repairable=False,
    ),
]
RECORD_CLASSES: dict[str, RecordClass] = {c.code: c for c in _CLASSES}

# Minimum time a record must have been published before repair may be applied for.
DEFAULT_MIN_REPAIR = Period(6, Unit.MONTHS)
SECTORS: dict[str, Period] = {
    "general": DEFAULT_MIN_REPAIR,
    "food": Period(1, Unit.YEARS),
    "drugs": Period(1, Unit.YEARS),
    "special_equipment": Period(1, Unit.YEARS),
    "medical_devices": DEFAULT_MIN_REPAIR,
    "cosmetics": DEFAULT_MIN_REPAIR,
    "industrial_products": DEFAULT_MIN_REPAIR,
    "certification": DEFAULT_MIN_REPAIR,
}


class Category(StrEnum):
    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"  # operated by a natural person (个体工商户)
    FARMERS_COOPERATIVE = "farmers_cooperative"
    CERTIFICATION_BODY = "certification_body"
    TESTING_LAB = "testing_lab"
    SOCIAL_ORGANISATION = "social_organisation"
    PUBLIC_INSTITUTION = "public_institution"


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    name_zh: str
    legal_basis: str
    enforcing_service: str  # a platform service, or "external:<authority>"
    applies_to: frozenset[Category] | None = None  # None: every category


_ART_14 = "《市场监督管理严重违法失信名单管理办法》第十四条"
_MEASURES = [
    Measure(
        "no_new_certificates",
        "No new certificates or approvals",
        "不予新发认证证书及行政许可",
        f"{_ART_14}第一款第（一）项",
        "registry",
    ),
    Measure(
        "increased_inspection_frequency",
        "Key supervision target: higher inspection frequency",
        "列为重点监管对象，提高检查频次",
        f"{_ART_14}第一款第（二）项",
        "inspection",
    ),
    Measure(
        "no_six_month_exemption",
        "No exemption from being drawn again within six months",
        "不适用六个月内免于重复抽查",
        f"{_ART_14}第一款第（二）项",
        "inspection",
    ),
    Measure(
        "no_commitment_approval",
        "No approval on the strength of a written commitment",
        "不适用告知承诺制",
        f"{_ART_14}第一款第（三）项",
        "registry",
    ),
    Measure(
        "procurement_exclusion",
        "Excluded from government procurement",
        "限制参与政府采购活动",
        "《中华人民共和国政府采购法》第二十二条第一款第（五）项",
        "external:government_procurement",
    ),
    Measure(
        "no_honours",
        "No commendations or honours from market regulators",
        "不予授予市场监督管理部门荣誉称号等表彰奖励",
        f"{_ART_14}第一款第（四）项",
        "credit",
    ),
    Measure(
        "lifetime_ban",
        "Lifetime ban from certification and testing activity",
        "终身禁入认证、检验检测活动",
        "《中华人民共和国认证认可条例》关于出具虚假认证结论的罚则（以法务审定条款为准）",
        "registry",
        applies_to=frozenset({Category.CERTIFICATION_BODY, Category.TESTING_LAB}),
    ),
]
MEASURES: dict[str, Measure] = {m.code: m for m in _MEASURES}


class RemovalReason(StrEnum):
    TERM_ENDED = "term_ended"
    REPAIRED = "repaired"
    OBJECTION_UPHELD = "objection_upheld"
    BASIS_REVOKED = "basis_revoked"  # the underlying decision was annulled (review, court)
    EARLY_REMOVAL = "early_removal"  # granted on application (Order 44 art. 20)


def record_class(code: str) -> RecordClass:
    try:
        return RECORD_CLASSES[code]
    except KeyError:
        raise InvalidInput(
            f"unknown record class {code!r}",
            code="unknown_record_class",
            allowed=sorted(RECORD_CLASSES),
        ) from None


def min_repair_period(sector: str) -> Period:
    try:
        return SECTORS[sector]
    except KeyError:
        raise InvalidInput(
            f"unknown sector {sector!r}", code="unknown_sector", allowed=sorted(SECTORS)
        ) from None


def measures(codes: list[str], category: Category) -> list[Measure]:
    unknown = sorted(set(codes) - set(MEASURES))
    if unknown:
        raise InvalidInput(
            f"unknown measures {unknown}", code="unknown_measure", allowed=sorted(MEASURES)
        )
    chosen = [MEASURES[c] for c in dict.fromkeys(codes)]  # dedupe, keep order
    for m in chosen:
        if m.applies_to is not None and category not in m.applies_to:
            raise InvalidInput(
                f"measure {m.code} does not apply to a {category.value}",
                code="measure_not_applicable",
                measure=m.code,
                applies_to=sorted(c.value for c in m.applies_to),
            )
    return chosen
