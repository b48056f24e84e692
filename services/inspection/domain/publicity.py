"""Publicity of inspection matters, annual plans and pass rates (issue 13, item 7). Pure.

Everything public here is built from structured fields (check type, authority, scope,
sampling sizes, outcomes of published results), never from free text. Matters are versioned
data with their legal source; rows marked ``needs_legal_review`` are not yet confirmed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from services.inspection.domain.model import CheckType, Outcome

MATTERS_VERSION = "2026-12-03.1"


@dataclass(frozen=True)
class Matter:
    """An inspection matter (随机抽查事项): what is checked, on what basis."""

    check_type: CheckType
    name: str
    subject: str
    legal_basis: str
    counts_for_six_month_rule: bool
    needs_legal_review: bool = False

    def as_doc(self) -> dict:
        return {
            "check_type": self.check_type.value,
            "name": self.name,
            "subject": self.subject,
            "legal_basis": self.legal_basis,
            "counts_for_six_month_rule": self.counts_for_six_month_rule,
            "needs_legal_review": self.needs_legal_review,
            "version": MATTERS_VERSION,
        }


MATTERS: dict[CheckType, Matter] = {
    m.check_type: m
    for m in (
        Matter(
            CheckType.SUPERVISORY_SPOT_CHECK,
            "产品质量监督抽查",
            "products produced or sold (one enterprise's product of one specification/model)",
            "中华人民共和国产品质量法 第十五条",
            counts_for_six_month_rule=True,
        ),
        Matter(
            CheckType.RISK_MONITORING,
            "产品质量安全风险监测",
            "products produced or sold (one enterprise's product of one specification/model)",
            "to be confirmed (risk monitoring is not a supervisory spot check)",
            counts_for_six_month_rule=False,
            needs_legal_review=True,
        ),
    )
}

PERIODS = ("year", "quarter", "month")
DIMENSIONS = ("level", "region", "product_category", "check_type")
COUNTED = (Outcome.PASS, Outcome.FAIL, Outcome.REFUSED, Outcome.NOT_FOUND)


def period_label(day: date, period: str) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def region_label(code: str, digits: int) -> str:
    """The region a unit's code falls in at ``digits`` (2 province, 4 city, 6 county)."""
    return code[:digits].ljust(6, "0")


def pass_rate(passed: int, failed: int) -> str | None:
    """Passed among those that passed or failed (refusals and absent producers are counted
    apart), four decimals; None when nothing passed or failed."""
    if passed + failed == 0:
        return None
    rate = Decimal(passed) / Decimal(passed + failed)
    return str(rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Fact:
    """One group of published results as the database counts them."""

    level: str
    check_type: str
    region_code: str
    product_category: str
    sampling_date: date
    outcome: str
    count: int


def pass_rates(
    facts: Iterable[Fact], *, period: str, group_by: tuple[str, ...], region_digits: int
) -> list[dict]:
    """Counts per outcome and the pass rate, per period and the chosen dimensions."""
    groups: dict[tuple[str, ...], dict[str, int]] = {}
    for f in facts:
        values = {
            "level": f.level,
            "region": region_label(f.region_code, region_digits),
            "product_category": f.product_category,
            "check_type": f.check_type,
        }
        key = (period_label(f.sampling_date, period), *(values[d] for d in group_by))
        counts = groups.setdefault(key, {o.value: 0 for o in COUNTED})
        counts[f.outcome] = counts.get(f.outcome, 0) + f.count
    out = []
    for key in sorted(groups):
        counts = groups[key]
        out.append(
            {
                "period": key[0],
                **dict(zip(group_by, key[1:], strict=True)),
                **counts,
                "checked": sum(counts.values()),
                "pass_rate": pass_rate(counts[Outcome.PASS.value], counts[Outcome.FAIL.value]),
            }
        )
    return out


def planned_count(sampling: dict) -> int | None:
    """How many units a plan will check when every stratum has a fixed size, else None (a
    ratio's number is known once the roster is frozen)."""
    sizes = [s.get("size") for s in sampling.get("strata", [])]
    if not sizes or any(s is None for s in sizes):
        return None
    return sum(int(s) for s in sizes)
