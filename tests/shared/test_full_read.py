"""Full reads across regions (shared.auth.authority.full_read) and jurisdiction prefixes."""

import pytest

from shared.auth import AuthorityLevel, Principal, Role
from shared.auth.authority import FullRead, full_read


def _reg(level: str, region: str | None) -> Principal:
    return Principal(Role.REGULATOR, "r", authority_level=AuthorityLevel(level), region_code=region)


@pytest.mark.parametrize(
    "level, region, prefix",
    [
        ("national", "100000", ""),
        ("provincial", "330000", "33"),
        ("municipal", "330100", "3301"),
        ("county", "330102", "330102"),
        ("county", None, None),
        ("municipal", "33", None),
    ],
)
def test_jurisdiction_prefix(level: str, region: str | None, prefix: str | None) -> None:
    assert _reg(level, region).jurisdiction_prefix() == prefix


def test_a_regulator_without_a_region_covers_nothing() -> None:
    assert not _reg("county", None).covers_region("330102")
    assert not _reg("county", "").covers_region("")


@pytest.mark.parametrize(
    "who, purpose, expected",
    [
        (_reg("county", "330102"), None, FullRead.IN_JURISDICTION),
        (_reg("municipal", "330100"), None, FullRead.IN_JURISDICTION),
        (_reg("county", "330106"), None, FullRead.REFUSED),
        (_reg("county", "330106"), "joint case", FullRead.AUDITED),
        (_reg("provincial", "320000"), "joint case", FullRead.AUDITED),
        (_reg("national", "100000"), None, FullRead.IN_JURISDICTION),
        (Principal(Role.ENTERPRISE, "e", uscc="x"), "joint case", FullRead.REFUSED),
        (Principal(Role.CERTIFICATION_BODY, "b", body_id="B"), "joint case", FullRead.REFUSED),
        (Principal(Role.ANONYMOUS), "joint case", FullRead.REFUSED),
    ],
)
def test_full_read(who: Principal, purpose: str | None, expected: FullRead) -> None:
    assert full_read(who, "330102", purpose) is expected


def test_no_region_no_full_read() -> None:
    assert full_read(_reg("national", "100000"), None, "joint case") is FullRead.REFUSED
