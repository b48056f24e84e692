"""The inspection unit of work: repositories on one transaction, events into the outbox."""

import json
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from services.inspection.adapters.bulk import PreparedMessage
from services.inspection.adapters.disclosure_repository import DisclosureRepository
from services.inspection.adapters.draw_inputs_repository import DrawInputsRepository
from services.inspection.adapters.mirror_repository import MirrorRepository
from services.inspection.adapters.orm import outbox
from services.inspection.adapters.plan_repository import PlanRepository, PolicyRepository
from services.inspection.adapters.roster_repository import RosterRepository
from services.inspection.adapters.snapshot_repository import DrawRepository, SnapshotRepository
from services.inspection.adapters.task_repository import ResultRepository, TaskRepository
from services.inspection.domain.hierarchy import DEFAULT as DEFAULT_HIERARCHY
from services.inspection.domain.hierarchy import HierarchyPolicy
from shared.clock import utcnow
from shared.events import ENVELOPE_VERSION, EventPayload, topic_for
from shared.observability import request_id_var
from shared.uow import SqlUnitOfWork

_VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))  # byte 6: version nibble 4
_RFC_4122 = bytes((b & 0x3F) | 0x80 for b in range(256))  # byte 8: variant bits 10


def new_uuids(count: int) -> list[str]:
    """Random (version 4) UUIDs from one read of the OS's randomness instead of ``count``."""
    return uuid_strings(os.urandom(16 * count))


def uuid_strings(raw: bytes) -> list[str]:
    """``str(uuid.UUID(bytes=chunk, version=4))`` for each 16-byte chunk of ``raw``, with the
    version and variant bits set for all chunks at once: a draw needs 40,000 of them and
    building a UUID object per id costs more than the rest of their handling."""
    data = bytearray(raw)
    data[6::16] = data[6::16].translate(_VERSION_4)
    data[8::16] = data[8::16].translate(_RFC_4122)
    h = data.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, len(h), 32)
    ]


# one encoder for every event: json.dumps with options builds a new one per call
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class InspectionUnitOfWork(SqlUnitOfWork):
    rosters: RosterRepository
    policies: PolicyRepository
    plans: PlanRepository
    snapshots: SnapshotRepository
    draws: DrawRepository
    tasks: TaskRepository
    results: ResultRepository
    mirror: MirrorRepository
    disclosure: DisclosureRepository
    draw_inputs: DrawInputsRepository
    hierarchy: HierarchyPolicy = DEFAULT_HIERARCHY  # which claims block which levels
    # contributions a freeze needs (the API sets it from the settings, default 2); callers
    # of the service layer that set nothing (seed data, benchmarks) draw on the server's seed
    contributions_required: int = 0

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
        self.disclosure = DisclosureRepository(self.session)
        self.draw_inputs = DrawInputsRepository(self.session)

    def emit_many(
        self, model: type[EventPayload], events: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Many events of one contract at once: (subject, JSON-ready payload) pairs built from
        data the use case already validated (a draw's thousands of task assignments). The
        envelopes are serialised here, once, in the kernel's envelope format; the contract
        tests hold every emitted event to its model."""
        topic = topic_for(self.producer)
        envelope: dict[str, Any] = {
            "envelope_version": ENVELOPE_VERSION,
            "event_id": None,
            "event_type": model.EVENT_TYPE,
            "schema_version": model.VERSION,
            "occurred_at": utcnow().isoformat().replace("+00:00", "Z"),
            "producer": self.producer,
            "subject": None,
            "correlation_id": request_id_var.get(),
            "payload": None,
        }
        pending = self._pending
        for event_id, (subject, payload) in zip(new_uuids(len(events)), events, strict=True):
            envelope["event_id"], envelope["subject"], envelope["payload"] = (
                event_id,
                subject,
                payload,
            )
            body = _encode(envelope)
            pending.append(PreparedMessage(topic, event_id, subject, model.EVENT_TYPE, body))  # type: ignore[arg-type]

    def commit(self) -> None:
        if self.before_commit is not None:
            self.session.flush()
            self.before_commit()
        super().commit()
