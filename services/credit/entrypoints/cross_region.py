"""Full credit files across regions: only with a stated purpose, and every such read audited.

The shared rule (``shared.web.cross_region``): regulators read full files of their own
jurisdiction; outside it with a stated purpose (``X-Access-Purpose`` or ``?purpose=``), written
to ``cross_region_read``, which the owning region reads at ``GET /audit/cross-region-reads``.
Without a purpose an out-of-region regulator gets the public view, like anyone else.
"""

from sqlalchemy.engine import Connection

from services.credit.adapters.orm import cross_region_reads
from shared.auth import Principal, Role
from shared.web.cross_region import AccessPurpose, audit_router, regulator_may_read_full

__all__ = ["AccessPurpose", "full_file_allowed", "router"]

router = audit_router(cross_region_reads, "credit files", "credit files of enterprises")


def full_file_allowed(
    conn: Connection, actor: Principal, uscc: str, region: str | None, purpose: str | None
) -> bool:
    """The enterprise itself; regulators of its region; others with a purpose (audited)."""
    if actor.role is Role.ENTERPRISE:
        return actor.uscc == uscc
    if not actor.is_regulator or region is None:
        return False
    record = {"uscc": uscc, "owner_region": region}
    return regulator_may_read_full(conn, cross_region_reads, actor, record, purpose)
