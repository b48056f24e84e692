"""The event envelope every service publishes, and the registry of versioned payload contracts.

An event on Kafka is a JSON envelope; its ``payload`` conforms to a versioned pydantic model
(``shared.contracts``). Topics are one per producing domain: ``registry.events`` etc.
"""

import uuid
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


class ContractRegistry:
    """Maps (event_type, version) to its payload model; consumers parse payloads through it."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[EventPayload]] = {}

    def register(self, model: type[EventPayload]) -> type[EventPayload]:
        key = (model.EVENT_TYPE, model.VERSION)
        if key in self._models and self._models[key] is not model:
            raise ValueError(f"contract {key} registered twice")
        self._models[key] = model
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


contracts = ContractRegistry()
