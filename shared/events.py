"""The event envelope every service publishes, and the registry of versioned payload contracts.

An event on Kafka is a JSON envelope; its ``payload`` conforms to a versioned pydantic model
(``shared.contracts``). Topics are one per producing domain: ``registry.events`` etc.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.clock import utcnow

ENVELOPE_VERSION = 1


def topic_for(producer: str) -> str:
    return f"{producer}.events"


def dead_letter_topic(consumer_name: str) -> str:
    return f"{consumer_name}.dlq"


class EventPayload(BaseModel):
    """Base of every versioned payload contract. Subclasses set EVENT_TYPE and VERSION."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    EVENT_TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    envelope_version: int = ENVELOPE_VERSION
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    schema_version: int
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    subject: str = Field(description="aggregate id; also the Kafka message key")
    correlation_id: str | None = None
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        producer: str,
        subject: str,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> "EventEnvelope":
        return cls(
            event_type=payload.EVENT_TYPE,
            schema_version=payload.VERSION,
            producer=producer,
            subject=subject,
            correlation_id=correlation_id,
            occurred_at=occurred_at or utcnow(),
            payload=payload.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "EventEnvelope":
        return cls.model_validate_json(raw)


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class ContractRegistry:
    """Maps (event_type, version) to its payload model; consumers parse payloads through it.

    Consumers call ``parse_latest``: a message of an older version is upcast step by step
    (v1 -> v2 -> ...) by registered upcasters, so handlers only ever see the newest model.
    """

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[EventPayload]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._latest: dict[str, int] = {}  # a consumer asks for every message

    def register(self, model: type[EventPayload]) -> type[EventPayload]:
        key = (model.EVENT_TYPE, model.VERSION)
        if key in self._models and self._models[key] is not model:
            raise ValueError(f"contract {key} registered twice")
        self._models[key] = model
        self._latest[model.EVENT_TYPE] = max(model.VERSION, self._latest.get(model.EVENT_TYPE, 0))
        return model

    def model_for(self, event_type: str, version: int) -> type[EventPayload]:
        try:
            return self._models[(event_type, version)]
        except KeyError:
            raise KeyError(f"no contract for {event_type} v{version}") from None

    def parse(self, envelope: EventEnvelope) -> EventPayload:
        return self.model_for(envelope.event_type, envelope.schema_version).model_validate(
            envelope.payload
        )

    def all(self) -> list[type[EventPayload]]:
        return list(self._models.values())

    def register_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        """``upcaster`` turns a v``from_version`` payload into a v``from_version + 1`` one."""
        self._upcasters[(event_type, from_version)] = upcaster

    def latest_version(self, event_type: str) -> int:
        try:
            return self._latest[event_type]
        except KeyError:
            raise KeyError(f"no contract for {event_type}") from None

    def parse_latest(self, envelope: EventEnvelope) -> EventPayload:
        payload, version = dict(envelope.payload), envelope.schema_version
        latest = self.latest_version(envelope.event_type)
        if version > latest:
            raise KeyError(f"{envelope.event_type} v{version} is newer than this consumer knows")
        while version < latest:
            upcaster = self._upcasters.get((envelope.event_type, version))
            if upcaster is None:
                raise KeyError(f"no upcaster for {envelope.event_type} v{version}")
            payload, version = upcaster(payload), version + 1
        return self.model_for(envelope.event_type, version).model_validate(payload)


contracts = ContractRegistry()
