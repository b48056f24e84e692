"""Holder sanctions as a domain type: lifting, tombstones and which measure bars a holder."""

from datetime import UTC, datetime, timedelta

from services.registry.domain.sanctions import (
    BARRING_MEASURE,
    LIFETIME_BAN,
    HolderSanction,
    banned_for_life,
    barred_by_another_listing,
    barring,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def sanction(listing_id: str = "L1", measure_code: str = BARRING_MEASURE) -> HolderSanction:
    return HolderSanction(
        holder_uscc="91330100MA27XXXX1A",
        listing_id=listing_id,
        measure_code=measure_code,
        measure_name="No new certificates",
        legal_basis="《失信行为纠正后的信用信息修复管理办法》",
        enforcing_service="registry",
        active=True,
        started_at=T0,
    )


def test_a_measure_is_lifted_once() -> None:
    s = sanction()
    assert s.lift(T0 + timedelta(days=1)) is True
    assert (s.active, s.lifted_at) == (False, T0 + timedelta(days=1))
    assert s.lift(T0 + timedelta(days=2)) is False  # a redelivered lift changes nothing
    assert s.lifted_at == T0 + timedelta(days=1)


def test_a_tombstone_is_born_lifted_so_a_late_apply_has_no_effect() -> None:
    t = HolderSanction.tombstone(sanction())
    assert not t.active and t.lifted_at == t.started_at
    assert barring([t]) is None


def test_only_an_active_barring_measure_bars_and_another_listing_keeps_it() -> None:
    other = sanction("L2", "restricted_financing")
    barred = sanction("L1")
    assert barring([other]) is None
    assert barring([other, barred]) is barred
    assert barred_by_another_listing([barred], "L1") is False
    assert barred_by_another_listing([barred, sanction("L3")], "L1") is True
    barred.lift(T0)
    assert barring([barred]) is None


def test_a_lifetime_ban_is_seen_only_while_active() -> None:
    ban = sanction("L9", LIFETIME_BAN)
    assert banned_for_life([ban])
    ban.lift(T0)
    assert not banned_for_life([ban])
