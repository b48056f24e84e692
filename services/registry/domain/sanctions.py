"""Joint-punishment measures against a certificate holder, mirrored from the credit service's
dishonesty list (the registry enforces them: no new certificates, suspension, lifetime bans).

Pure: what a measure is, when it is lifted, and which measure bars a holder."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

BARRING_MEASURE = "no_new_certificates"
LIFETIME_BAN = "lifetime_ban"


@dataclass
class HolderSanction:
    holder_uscc: str
    listing_id: str
    measure_code: str
    measure_name: str
    legal_basis: str
    enforcing_service: str
    active: bool
    started_at: datetime
    lifted_at: datetime | None = None

    @classmethod
    def tombstone(cls, applied: "HolderSanction") -> "HolderSanction":
        """A lift that overtook its apply (relays may publish out of order): recorded lifted,
        so the late apply of this listing's measure has no effect."""
        return cls(**{**applied.__dict__, "active": False, "lifted_at": applied.started_at})

    def lift(self, at: datetime) -> bool:
        """Ends the measure; False when it had ended already (a redelivered lift)."""
        if not self.active:
            return False
        self.active, self.lifted_at = False, at
        return True


def barring(sanctions: Iterable[HolderSanction]) -> HolderSanction | None:
    """The active measure that bars the holder from new certificates, if any."""
    return next((s for s in sanctions if s.active and s.measure_code == BARRING_MEASURE), None)


def barred_by_another_listing(sanctions: Iterable[HolderSanction], listing_id: str) -> bool:
    """Whether a barring measure of another listing still holds (certificates stay suspended)."""
    return any(
        s.active and s.measure_code == BARRING_MEASURE and s.listing_id != listing_id
        for s in sanctions
    )


def banned_for_life(sanctions: Iterable[HolderSanction]) -> bool:
    return any(s.active and s.measure_code == LIFETIME_BAN for s in sanctions)
