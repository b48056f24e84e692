"""Set-based writes of the credit mirror, for a consumer's batch (a backfill or a replay)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from services.inspection.adapters.orm import EnterpriseRiskRow

RISK = EnterpriseRiskRow.__table__  # type: ignore[attr-defined]


def upsert_risk_classes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One statement for many enterprises (at most one row each): a row replaces the one held
    only if it occurred later, so redelivered and out-of-order grades have no effect."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(RISK)
    changed = ("risk_class", "source_event_id", "occurred_at", "updated_at")
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[RISK.c.uscc],
            set_={name: stmt.excluded[name] for name in changed},
            where=RISK.c.occurred_at < stmt.excluded.occurred_at,
        ),
        list(rows),  # psycopg sends them pipelined, SQLite in-process
    )
