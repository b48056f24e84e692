"""An outbox relay for tests: short broker timeouts, and draining on demand."""

from sqlalchemy.engine import Engine

from shared.kafka import make_producer
from shared.outbox import Outbox
from shared.relay import OutboxRelay


def relay_for_tests(service: str, engine: Engine, outbox: Outbox, bootstrap: str) -> OutboxRelay:
    """Fails fast (2-3 s) when the broker is away, so outage tests do not wait long."""
    return OutboxRelay(
        service=service,
        engine=engine,
        outbox=outbox,
        producer_factory=lambda: make_producer(
            [bootstrap], max_block_ms=2000, request_timeout_ms=2000
        ),
        send_timeout=3,
    )


def drain(relay: OutboxRelay) -> int:
    """Publish batches until the outbox has nothing unsent; how many rows went out."""
    total = 0
    while sent := relay.publish_batch():
        total += sent
    return total
