"""Who is calling. Pure data: no web framework, no JWT library."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REGULATOR = "regulator"
    CERTIFICATION_BODY = "certification_body"
    ENTERPRISE = "enterprise"
    # a public observer of draws (e.g. a deputy or an invited member of the public) who
    # contributes randomness to them; holds no other power
    OBSERVER = "observer"
    ANONYMOUS = "anonymous"


class AuthorityLevel(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"

    @property
    def rank(self) -> int:
        """Higher authorities have a lower rank number (national = 0)."""
        return list(AuthorityLevel).index(self)


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str = "anonymous"
    name: str | None = None
    # regulator
    authority_level: AuthorityLevel | None = None
    department: str | None = None
    region_code: str | None = None
    # certification body
    body_id: str | None = None
    # enterprise
    uscc: str | None = None

    @property
    def is_regulator(self) -> bool:
        return self.role is Role.REGULATOR

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.ANONYMOUS

    def actor(self) -> str:
        """How this caller is named in audit trails."""
        return f"{self.role.value}:{self.subject}"

    def covers_region(self, region_code: str) -> bool:
        """A regulator's jurisdiction: national covers all; others cover their code's prefix.

        Region codes are GB/T 2260 six-digit codes: 330000 province, 330100 city, 330102 county.
        """
        prefix = self.jurisdiction_prefix()
        return prefix is not None and region_code.startswith(prefix)

    def jurisdiction_prefix(self) -> str | None:
        """The prefix every covered region code starts with ('' = all; None = no region)."""
        if not self.is_regulator or self.authority_level is None:
            return None
        digits = {
            AuthorityLevel.NATIONAL: 0,
            AuthorityLevel.PROVINCIAL: 2,
            AuthorityLevel.MUNICIPAL: 4,
        }.get(self.authority_level, 6)
        prefix = (self.region_code or "")[:digits]
        return prefix if len(prefix) == digits else None  # a regulator without its region: none


ANONYMOUS = Principal(role=Role.ANONYMOUS)
