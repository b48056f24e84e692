"""The inspection unit of work: repositories on one transaction, events into the outbox."""

import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from services.inspection.adapters.bulk import PreparedMessage
from services.inspection.adapters.orm import outbox
from services.inspection.adapters.repository import (
    DrawRepository,
    MirrorRepository,
    PlanRepository,
    PolicyRepository,
    ResultRepository,
    RosterRepository,
    SnapshotRepository,
    TaskRepository,
)
from shared.clock import utcnow
from shared.events import ENVELOPE_VERSION, EventPayload, topic_for
from shared.observability import request_id_var
from shared.uow import SqlUnitOfWork


def new_uuids(count: int) -> list[str]:
    """Random (version 4) UUIDs from one read of the OS's randomness instead of ``count``."""
    raw = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * count, 16)]


class InspectionUnitOfWork(SqlUnitOfWork):
    rosters: RosterRepository
    policies: PolicyRepository
    plans: PlanRepository
    snapshots: SnapshotRepository
    draws: DrawRepository
    tasks: TaskRepository
    results: ResultRepository
    mirror: MirrorRepository

    def __init__(self, engine: Engine, before_commit: Callable[[], None] | None = None) -> None:
        super().__init__(engine, outbox, producer="inspection")
        # A seam for the concurrency tests: runs inside the transaction, just before COMMIT.
        self.before_commit = before_commit

    def enter_repositories(self) -> None:
        self.rosters = RosterRepository(self.session)
        self.policies = PolicyRepository(self.session)
        self.plans = PlanRepository(self.session)
        self.snapshots = SnapshotRepository(self.session)
        self.draws = DrawRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.results = ResultRepository(self.session)
        self.mirror = MirrorRepository(self.session)

    def emit_many(
        self, model: type[EventPayload], events: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Many events of one contract at once: (subject, JSON-ready payload) pairs built from
        data the use case already validated (a draw's thousands of task assignments). The
        envelopes are serialised here, once, in the kernel's envelope format; the contract
        tests hold every emitted event to its model."""
        topic = topic_for(self.producer)
        occurred_at = utcnow().isoformat().replace("+00:00", "Z")
        correlation = request_id_var.get()
        for event_id, (subject, payload) in zip(new_uuids(len(events)), events, strict=True):
            body = json.dumps(
                {
                    "envelope_version": ENVELOPE_VERSION,
                    "event_id": event_id,
                    "event_type": model.EVENT_TYPE,
                    "schema_version": model.VERSION,
                    "occurred_at": occurred_at,
                    "producer": self.producer,
                    "subject": subject,
                    "correlation_id": correlation,
                    "payload": payload,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            self._pending.append(PreparedMessage(topic, event_id, subject, model.EVENT_TYPE, body))  # type: ignore[arg-type]

    def commit(self) -> None:
        if self.before_commit is not None:
            self.session.flush()
            self.before_commit()
        super().commit()
