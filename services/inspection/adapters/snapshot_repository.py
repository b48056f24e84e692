"""Snapshots and draws: freezing (see ``freeze``), reading back, facts that arrived after the
freeze, and the snapshot and draw rows themselves."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    exists,
    func,
    select,
    text,
    update,
)
from sqlmodel import Session, col

from services.inspection.adapters.freeze import freeze
from services.inspection.adapters.orm import (
    DrawRow,
    SnapshotRow,
)
from services.inspection.adapters.snapshot_reads import (
    read_snapshot_details,
    read_snapshot_ordinals,
    read_snapshot_units,
)
from services.inspection.adapters.sql_lists import list_value, one_of
from services.inspection.adapters.tables import (
    CHECK_RECORD,
    CLAIM,
    SNAPSHOT,
    SNAPSHOT_ENTRY,
    SNAPSHOT_EXCLUSION,
)
from services.inspection.domain.draw import UNIT_COLUMNS
from services.inspection.domain.model import (
    CheckType,
    DrawStatus,
    Outcome,
    Plan,
    SnapshotStatus,
)
from services.inspection.domain.policy import (
    CheckRecord,
    Claim,
    EligibilityPolicy,
)
from shared.auth.principal import AuthorityLevel


class SnapshotRepository:
    """Freezing (set-based SQL), reading back, and the snapshot rows themselves."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def freeze(
        self,
        snapshot_id: str,
        plan: Plan,
        policy: EligibilityPolicy,
        today: date,
        blocking_levels: Sequence[str] | None = None,
    ) -> dict[str, list]:
        """Record exclusions (with their causes), then copy the eligible units as entries;
        returns the entries' unit columns in reading order (as ``read_units`` would).
        ``blocking_levels``: the levels whose running claims exclude (default: all)."""
        return freeze(self.session, snapshot_id, plan, policy, today, blocking_levels)

    # -- read back ---------------------------------------------------------------------------
    def read_units(
        self, snapshot_id: str, columns: Sequence[str] = UNIT_COLUMNS
    ) -> dict[str, list]:
        return read_snapshot_units(self.session.connection(), snapshot_id, columns)

    def read_details(self, snapshot_id: str, positions: Sequence[int]) -> dict[int, tuple]:
        return read_snapshot_details(self.session.connection(), snapshot_id, positions)

    def ordinals(self, snapshot_id: str, unit_ids: Iterable[str]) -> dict[str, int]:
        return read_snapshot_ordinals(self.session.connection(), snapshot_id, unit_ids)

    def get(self, snapshot_id: str, *, for_update: bool = False) -> SnapshotRow | None:
        stmt = select(SnapshotRow).where(col(SnapshotRow.id) == snapshot_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def add(self, row: SnapshotRow) -> None:
        self.session.add(row)
        self.session.flush()

    def excluded_count(self, snapshot_id: str) -> int:
        """The snapshot's exclusions (its entries are counted as they are read back)."""
        return int(
            self.session.execute(
                select(func.count()).where(SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id)
            ).scalar_one()
        )

    def abandon_undrawn(self, plan_id: str) -> None:
        self.session.execute(
            update(SNAPSHOT)
            .where(
                col(SnapshotRow.plan_id) == plan_id,
                col(SnapshotRow.status) == SnapshotStatus.COMMITTED,
            )
            .values(status=SnapshotStatus.ABANDONED)
        )

    def history_watermark(self) -> int:
        """The newest check record id; every older one is committed (append lock)."""
        return int(
            self.session.execute(select(func.coalesce(func.max(CHECK_RECORD.c.id), 0))).scalar_one()
        )

    def late_candidates(
        self, snapshot_id: str, plan_id: str, policy: EligibilityPolicy, today: date, watermark: int
    ) -> tuple[list[tuple[str, str]], set[str], list[Claim], list[CheckRecord]]:
        """Facts that arrived after the freeze about the snapshot's units: other plans' claims
        and counting checks. The pure policy decides which of them exclude."""
        claims = self._late_claims(snapshot_id, plan_id)
        records = self._late_records(snapshot_id, policy.protected_from(today), watermark)
        involved = {c.unit_id for c in claims} | {r.unit_id for r in records}
        units, dishonest = self._entries_of(snapshot_id, involved)
        return units, dishonest, claims, records

    def _late_claims(self, snapshot_id: str, plan_id: str) -> list[Claim]:
        stmt = select(
            CLAIM.c.unit_id,
            CLAIM.c.task_id,
            CLAIM.c.plan_id,
            CLAIM.c.authority_level,
            CLAIM.c.region_code,
        ).where(CLAIM.c.plan_id != plan_id, _of_snapshot(snapshot_id, CLAIM.c.unit_id))
        return [
            Claim(r.unit_id, r.task_id, r.plan_id, AuthorityLevel(r.authority_level), r.region_code)
            for r in self.session.execute(stmt)
        ]

    def _late_records(
        self, snapshot_id: str, protected_from: date, watermark: int
    ) -> list[CheckRecord]:
        """Check records committed after the freeze read the history (ids above the watermark)."""
        stmt = select(
            CHECK_RECORD.c.unit_id,
            CHECK_RECORD.c.outcome,
            CHECK_RECORD.c.check_type,
            CHECK_RECORD.c.sampling_date,
            CHECK_RECORD.c.task_id,
            CHECK_RECORD.c.plan_id,
            CHECK_RECORD.c.authority_level,
            CHECK_RECORD.c.region_code,
        ).where(
            CHECK_RECORD.c.id > watermark,
            CHECK_RECORD.c.sampling_date >= protected_from,
            _of_snapshot(snapshot_id, CHECK_RECORD.c.unit_id),
        )
        return [
            CheckRecord(
                r.unit_id,
                Outcome(r.outcome),
                CheckType(r.check_type),
                r.sampling_date,
                r.task_id,
                r.plan_id,
                AuthorityLevel(r.authority_level),
                r.region_code,
            )
            for r in self.session.execute(stmt)
        ]

    def _entries_of(
        self, snapshot_id: str, unit_ids: set[str]
    ) -> tuple[list[tuple[str, str]], set[str]]:
        """(unit id, enterprise USCC) of those units in the snapshot, and the USCCs frozen as
        dishonest."""
        units: list[tuple[str, str]] = []
        dishonest: set[str] = set()
        if not unit_ids:
            return units, dishonest
        conn = self.session.connection()
        stmt = text(
            "SELECT unit_id, enterprise_uscc, dishonest FROM snapshot_entry "
            f"WHERE snapshot_id = :snapshot_id AND {one_of(conn, 'unit_id', 'ids')}"
        )
        params = {"snapshot_id": snapshot_id, "ids": list_value(conn, sorted(unit_ids))}
        for unit_id, uscc, flag in conn.execute(stmt, params):
            units.append((unit_id, uscc))
            if flag:
                dishonest.add(uscc)
        return units, dishonest


def _of_snapshot(snapshot_id: str, unit_id: Any) -> Any:
    # EXISTS, not a join: the planner then starts from the few claims / new records
    # and probes the snapshot's key, instead of walking a million entries
    return exists().where(
        SNAPSHOT_ENTRY.c.snapshot_id == snapshot_id, SNAPSHOT_ENTRY.c.unit_id == unit_id
    )


class DrawRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active_for_plan(self, plan_id: str, *, for_update: bool = False) -> DrawRow | None:
        stmt = select(DrawRow).where(
            col(DrawRow.plan_id) == plan_id, col(DrawRow.status) == DrawStatus.ACTIVE
        )
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def add(self, row: DrawRow) -> None:
        self.session.add(row)
        self.session.flush()
