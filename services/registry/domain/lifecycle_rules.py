"""Lifecycle limits as versioned data with their source: how long a certificate may stay
suspended, and how long holders of a withdrawn body's certificates have to transfer.

Defaults follow the national rules cited per row; a deployment may override rows with a JSON
file (``REGISTRY_LIFECYCLE_RULES_FILE``). Rows marked ``review`` need legal review (README).
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from services.registry.domain.model import Certificate, CertificateStatus
from services.registry.domain.reasons import Action
from services.registry.domain.schemes import CATALOGUE
from shared.clock import CHINA_TZ, as_utc
from shared.exceptions import Conflict

VERSION = "2026-12-03"


@dataclass(frozen=True)
class SuspensionRule:
    max_days: int
    # What the scheduler does when the suspension outlives max_days.
    then: Action = Action.REVOKE
    then_reason_code: str = "suspension_not_remedied"
    source: str = ""
    review: bool = True


CCC_SOURCE = "CNCA Announcement 2008 No. 19, 强制性产品认证证书注销、暂停、撤销实施规则"
MS_SOURCE = "CNCA 管理体系认证规则 (suspension at most 6 months, then withdrawal)"
DEFAULT_SOURCE = "general practice of CNCA implementation rules (6 months)"

# scheme code -> rule; schemes not listed use DEFAULT_RULE.
SUSPENSION_RULES: dict[str, SuspensionRule] = {
    "CCC": SuspensionRule(180, source=CCC_SOURCE),
    **{
        code: SuspensionRule(180, source=MS_SOURCE)
        for code, scheme in CATALOGUE.items()
        if scheme.kind == "management_system"
    },
}
DEFAULT_RULE = SuspensionRule(180, source=DEFAULT_SOURCE)
# Suspension at the holder's request (seasonal or to-order production) may last longer.
REASON_OVERRIDES: dict[tuple[str, str], SuspensionRule] = {
    ("CCC", "holder_request"): SuspensionRule(
        365, source="CQC rule for CCC suspension at the holder's request (12 months)"
    ),
}

# After a body's approval is withdrawn, its certificates stay as they are for this many days
# so holders can transfer to another approved body; then they are cancelled with the reason.
WITHDRAWN_BODY_TRANSFER_DAYS = 180
WITHDRAWN_BODY_SOURCE = "认证机构管理办法 (SAMR Order 2017 No. 193) arts. 31-33; period: review"
WITHDRAWN_BODY_REASON = "issuing_body_withdrawn"


@dataclass(frozen=True)
class LifecycleRules:
    suspension: dict[str, SuspensionRule] = field(default_factory=lambda: dict(SUSPENSION_RULES))
    overrides: dict[tuple[str, str], SuspensionRule] = field(
        default_factory=lambda: dict(REASON_OVERRIDES)
    )
    default: SuspensionRule = DEFAULT_RULE
    withdrawn_body_transfer_days: int = WITHDRAWN_BODY_TRANSFER_DAYS

    def suspension_rule(self, scheme: str, reason_code: str | None) -> SuspensionRule:
        return (
            self.overrides.get((scheme, reason_code or ""))
            or self.suspension.get(scheme)
            or self.default
        )

    def as_data(self) -> dict:
        def row(r: SuspensionRule) -> dict:
            return {
                "max_days": r.max_days,
                "then": r.then.value,
                "then_reason_code": r.then_reason_code,
                "source": r.source,
                "needs_legal_review": r.review,
            }

        return {
            "version": VERSION,
            "suspension": {code: row(r) for code, r in sorted(self.suspension.items())},
            "suspension_by_reason": [
                {"scheme": s, "reason_code": c, **row(r)}
                for (s, c), r in sorted(self.overrides.items())
            ],
            "default_suspension": row(self.default),
            "withdrawn_body_transfer_days": self.withdrawn_body_transfer_days,
            "withdrawn_body_source": WITHDRAWN_BODY_SOURCE,
        }


def load_rules(path: Path | None) -> LifecycleRules:
    """Defaults, with rows from ``path`` (JSON: {"suspension": {"CCC": {"max_days": 90,
    "source": "..."}}, "withdrawn_body_transfer_days": 90}) replacing them."""
    rules = LifecycleRules()
    if path is None:
        return rules
    data = json.loads(path.read_text(encoding="utf-8"))
    for code, row in data.get("suspension", {}).items():
        if not row.get("source"):
            raise ValueError(f"lifecycle rule for {code} needs its legal source")
        rules.suspension[code] = SuspensionRule(
            int(row["max_days"]),
            Action(row.get("then", "revoke")),
            row.get("then_reason_code", "suspension_not_remedied"),
            row["source"],
            bool(row.get("needs_legal_review", False)),
        )
    days = data.get("withdrawn_body_transfer_days")
    return replace(rules, withdrawn_body_transfer_days=int(days)) if days else rules


DEFAULT_RULES = LifecycleRules()


def suspension_limit_passed(cert: Certificate, rules: LifecycleRules, today: date) -> bool:
    if cert.status is not CertificateStatus.SUSPENDED or cert.status_changed_at is None:
        return False
    rule = rules.suspension_rule(cert.scheme, cert.status_reason_code)
    since = as_utc(cert.status_changed_at).astimezone(CHINA_TZ).date()
    return since + timedelta(days=rule.max_days) < today


def refuse_restore_after_limit(cert: Certificate, rules: LifecycleRules, today: date) -> None:
    if suspension_limit_passed(cert, rules, today):
        rule = rules.suspension_rule(cert.scheme, cert.status_reason_code)
        raise Conflict(
            f"suspended for more than {rule.max_days} days: the certificate can no longer be "
            f"restored ({rule.source})",
            code="suspension_limit_passed",
            max_days=rule.max_days,
            source=rule.source,
        )
