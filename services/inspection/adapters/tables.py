"""The inspection tables as SQLAlchemy Core tables, for set-based SQL and the read side.

Columns are written ``UNIT.c.region_code`` in full: the same short alias used to mean different
tables in different modules.
"""

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    CheckRecordRow,
    ClaimRow,
    DeadlineChangeRow,
    DishonestyMeasureRow,
    DrawRow,
    EnterpriseRiskRow,
    InspectorRow,
    LabRow,
    PlanRow,
    PolicyRow,
    ResultRow,
    SnapshotEntryRow,
    SnapshotExclusionRow,
    SnapshotRow,
    TaskRow,
    UnitRow,
)
from services.inspection.adapters.orm_labs import LabStandingRow
from shared.db import table_of

UNIT = table_of(UnitRow)
INSPECTOR = table_of(InspectorRow)
LAB = table_of(LabRow)
LAB_STANDING = table_of(LabStandingRow)
POLICY = table_of(PolicyRow)
PLAN = table_of(PlanRow)
DEADLINE_CHANGE = table_of(DeadlineChangeRow)
SNAPSHOT = table_of(SnapshotRow)
SNAPSHOT_ENTRY = table_of(SnapshotEntryRow)
SNAPSHOT_EXCLUSION = table_of(SnapshotExclusionRow)
DRAW = table_of(DrawRow)
TASK = table_of(TaskRow)
CLAIM = table_of(ClaimRow)
RESULT = table_of(ResultRow)
CHECK_RECORD = table_of(CheckRecordRow)
ENTERPRISE_RISK = table_of(EnterpriseRiskRow)
DISHONESTY_MEASURE = table_of(DishonestyMeasureRow)
CERTIFIED_PRODUCT = table_of(CertifiedProductRow)
