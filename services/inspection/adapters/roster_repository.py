"""Rosters: units, inspectors and labs (bulk upserts, the pools a snapshot draws teams from)."""

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    Table,
    insert,
    select,
    update,
)
from sqlmodel import Session

from services.inspection.adapters.tables import (
    INSPECTOR,
    LAB,
    LAB_STANDING,
    UNIT,
)
from services.inspection.domain.model import (
    region_prefix,
)
from services.inspection.domain.roster import Inspector, Lab, Unit
from shared.auth.principal import AuthorityLevel
from shared.clock import utcnow

INELIGIBLE_LABS = select(LAB_STANDING.c.lab_id).where(LAB_STANDING.c.eligible.is_(False))


def _upsert(session: Session, table: Table, rows: list[dict], key: str) -> tuple[int, int]:
    """Insert new rows, update existing ones (by primary key); returns (created, updated)."""
    if not rows:
        return 0, 0
    keys = [r[key] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        existing |= set(
            session.execute(select(table.c[key]).where(table.c[key].in_(chunk))).scalars()
        )
    new = [r for r in rows if r[key] not in existing]
    old = [r for r in rows if r[key] in existing]
    if new:
        session.execute(insert(table), new)
    for row in old:
        session.execute(update(table).where(table.c[key] == row[key]).values(**row))
    return len(new), len(old)


class RosterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_units(self, units: Sequence[Unit]) -> tuple[int, int]:
        now = utcnow()
        rows = [
            {
                "id": u.id,
                "enterprise_uscc": u.enterprise_uscc,
                "enterprise_name": u.enterprise_name,
                "product_name": u.product_name,
                "model": u.model,
                "industry": u.industry,
                "product_category": u.product_category,
                "region_code": u.region_code,
                "risk_class": u.risk_class.value,
                "updated_at": now,
            }
            for u in units
        ]
        return _upsert(self.session, UNIT, rows, "id")

    def upsert_inspectors(self, inspectors: Sequence[Inspector]) -> tuple[int, int]:
        now = utcnow()
        rows = [
            {
                "id": i.id,
                "name": i.name,
                "department": i.department,
                "region_code": i.region_code,
                "qualifications": list(i.qualifications),
                "expertise": list(i.expertise),
                "conflicts": list(i.conflicts),
                "active": i.active,
                "updated_at": now,
            }
            for i in inspectors
        ]
        return _upsert(self.session, INSPECTOR, rows, "id")

    def upsert_labs(self, labs: Sequence[Lab]) -> tuple[int, int]:
        now = utcnow()
        rows = [
            {
                "id": lab.id,
                "name": lab.name,
                "region_code": lab.region_code,
                "accredited_categories": list(lab.accredited_categories),
                "conflicts": list(lab.conflicts),
                "active": lab.active,
                "updated_at": now,
            }
            for lab in labs
        ]
        return _upsert(self.session, LAB, rows, "id")

    def unit(self, unit_id: str) -> dict | None:
        row = self.session.execute(select(UNIT).where(UNIT.c.id == unit_id)).mappings().first()
        return dict(row) if row else None

    def units(self, unit_ids: Iterable[str]) -> dict[str, dict]:
        wanted = list(unit_ids)
        found: dict[str, dict] = {}
        for start in range(0, len(wanted), 1000):
            stmt = select(UNIT).where(UNIT.c.id.in_(wanted[start : start + 1000]))
            for row in self.session.execute(stmt).mappings():
                found[row["id"]] = dict(row)
        return found

    def inspector_pool(
        self, region_code: str, level: AuthorityLevel, departments: Sequence[str] = ()
    ) -> dict[str, list]:
        """Active inspectors of the authority's region, as snapshot columns sorted by id. A
        joint plan's pool (``departments`` given) holds its departments' inspectors only,
        with a ``department`` column."""
        stmt = select(
            INSPECTOR.c.id, INSPECTOR.c.region_code, INSPECTOR.c.expertise, INSPECTOR.c.department
        ).where(INSPECTOR.c.active.is_(True))
        if level is not AuthorityLevel.NATIONAL:
            stmt = stmt.where(INSPECTOR.c.region_code.startswith(region_prefix(region_code)))
        if departments:
            stmt = stmt.where(INSPECTOR.c.department.in_(list(departments)))
        rows = sorted(self.session.execute(stmt).all(), key=lambda r: r.id)
        pool = {
            "inspector_id": [r.id for r in rows],
            "region_code": [r.region_code for r in rows],
            "expertise": [sorted(r.expertise) for r in rows],
        }
        if departments:
            pool["department"] = [r.department for r in rows]
        return pool

    def lab_pool(self) -> dict[str, list]:
        rows = sorted(
            self.session.execute(
                select(LAB.c.id, LAB.c.accredited_categories)
                .where(LAB.c.active.is_(True))
                .where(LAB.c.id.not_in(INELIGIBLE_LABS))  # issue 14: the registry's verdict
            ).all(),
            key=lambda r: r.id,
        )
        return {
            "lab_id": [r.id for r in rows],
            "categories": [sorted(r.accredited_categories) for r in rows],
        }

    def conflicts(
        self, inspector_ids: Iterable[str], lab_ids: Iterable[str]
    ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Declared conflicts: enterprise USCC -> inspector ids / lab ids."""
        inspectors: dict[str, set[str]] = {}
        labs: dict[str, set[str]] = {}
        ins = set(inspector_ids)
        for row in self.session.execute(select(INSPECTOR.c.id, INSPECTOR.c.conflicts)):
            if row.id in ins:
                for uscc in row.conflicts:
                    inspectors.setdefault(uscc, set()).add(row.id)
        lab_set = set(lab_ids)
        for row in self.session.execute(select(LAB.c.id, LAB.c.conflicts)):
            if row.id in lab_set:
                for uscc in row.conflicts:
                    labs.setdefault(uscc, set()).add(row.id)
        return inspectors, labs
