"""What every credit use case depends on: the policy in force and who is acting."""

from dataclasses import dataclass

from services.credit.domain.periods import Period, Unit
from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from shared.auth import Principal
from shared.workdays import DEFAULT_CALENDAR, WorkdayCalendar


@dataclass(frozen=True)
class Policy:
    """Configuration the use cases depend on (from settings in production, pinned in tests)."""

    workdays: WorkdayCalendar = DEFAULT_CALENDAR
    objection_window: Period = Period(15, Unit.DAYS)
    # None: the legacy USCCs configured for every service (shared.uscc.configured_legacy_codes).
    legacy_codes: frozenset[str] | None = None
    rules: RuleSet = DEFAULT_RULES  # the legal rule set in force (CREDIT_RULE_VERSION)


@dataclass(frozen=True)
class SystemActor:
    """A trusted in-process caller such as a consumer of another service's events."""

    name: str

    def actor(self) -> str:
        return f"system:{self.name}"


Actor = Principal | SystemActor
DEFAULT_POLICY = Policy()
