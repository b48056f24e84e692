"""Events the inspection service publishes on ``inspection.events``.

Subjects (Kafka keys): the snapshot id for snapshot events, the draw id for draw events and
the enterprise's USCC for task and result events, so one enterprise's events stay in order.
"""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from shared.events import EventPayload, contracts


class FailedItemV1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str
    requirement: str = ""
    measured: str = ""


class SnapshotCommittedV1(EventPayload):
    """The eligible roster is frozen and the seed committed; nothing is drawn yet."""

    EVENT_TYPE = "inspection.snapshot.committed"
    VERSION = 1

    snapshot_id: str
    plan_id: str
    authority_level: str
    region_code: str
    algorithm: str
    snapshot_hash: str
    seed_commitment: str
    policy_version: int
    unit_count: int
    excluded_count: int
    frozen_on: date


class DrawMadeV1(EventPayload):
    """A draw revealed its seed; ``supersedes_draw_id`` is set for a re-draw (with a reason)."""

    EVENT_TYPE = "inspection.draw.made"
    VERSION = 1

    draw_id: str
    snapshot_id: str
    plan_id: str
    authority_level: str
    region_code: str
    algorithm: str
    seed: str
    seed_commitment: str
    snapshot_hash: str
    result_digest: str
    selected_count: int
    late_exclusion_count: int
    supersedes_draw_id: str | None = None
    redraw_reason: str | None = None


class TaskAssignedV1(EventPayload):
    EVENT_TYPE = "inspection.task.assigned"
    VERSION = 1

    task_id: str
    draw_id: str
    plan_id: str
    unit_id: str
    enterprise_uscc: str
    product_category: str
    region_code: str
    authority_level: str
    inspector_ids: list[str]
    lab_id: str
    period_end: date


class _ResultEvent(EventPayload):
    VERSION = 1

    task_id: str
    plan_id: str
    unit_id: str
    enterprise_uscc: str
    enterprise_name: str
    product_name: str
    model: str
    authority_level: str
    region_code: str
    check_type: str
    outcome: str  # pass | fail | refused | not_found
    failed_items: list[FailedItemV1]
    sampling_date: date


class ResultRecordedV1(_ResultEvent):
    """A result was recorded. A failure is provisional until ``objection_deadline``."""

    EVENT_TYPE = "inspection.result.recorded"
    status: str  # provisional | final
    objection_deadline: date | None = None


class ResultFinalisedV1(_ResultEvent):
    """The result is final (a pass at once; a failure after its objection/re-test window)."""

    EVENT_TYPE = "inspection.result.finalised"
    finalised_at: datetime
    retested: bool = False


class ResultPublishedV1(_ResultEvent):
    """The final result is public ("一公开")."""

    EVENT_TYPE = "inspection.result.published"
    published_at: datetime
    publication_deadline: date | None = None


class PlanDeadlineChangedV1(EventPayload):
    """A plan's deadline was recomputed on newer calendar data (typically the State Council's
    table replacing a provisional year) and moved. Subject: the plan id."""

    EVENT_TYPE = "inspection.plan.deadline_changed"
    VERSION = 1

    plan_id: str
    authority_level: str
    region_code: str
    deadline_kind: str  # "publication"
    previous_deadline: date | None
    new_deadline: date
    previous_provenance: str | None
    new_provenance: str  # "official" | "provisional"
    calendar_version: str


ALL = (
    SnapshotCommittedV1,
    DrawMadeV1,
    TaskAssignedV1,
    ResultRecordedV1,
    ResultFinalisedV1,
    ResultPublishedV1,
    PlanDeadlineChangedV1,
)

for _model in ALL:
    contracts.register(_model)
