"""Notice when the broker has lost its data, and republish what may not have been consumed.

A broker rebuilt from nothing (a lost volume, the memory-storage test broker restarted) forgets
messages it had acknowledged, and the relays had already marked them sent. Each service's relay
keeps a marker topic on the broker (``_epoch.<service>``); while the marker is there, the broker
still holds what the relay sent. When it is gone although this service has published before, the
relay counts a broker loss, logs it, and marks its retained outbox rows for republishing (the
consumers skip the ones they had applied). An operator's ``replay --since`` stays the fallback
for losses older than the outbox retention.
"""

import logging
from collections.abc import Callable

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.engine import Engine

from shared.kafka import ensure_topics, make_admin
from shared.outbox import Outbox

log = logging.getLogger(__name__)

BROKER_LOSSES = Counter(
    "relay_broker_data_loss_total",
    "Times the relay found the broker had lost its data and republished its retained outbox",
    ["service"],
)

TopicLister = Callable[[], set[str]]
TopicCreator = Callable[[str], None]


def marker_topic(service: str) -> str:
    return f"_epoch.{service}"


def admin_topic_lister(bootstrap: list[str]) -> tuple[TopicLister, TopicCreator]:
    """List and create topics with a short-lived admin client (a check every few seconds)."""

    def list_topics() -> set[str]:
        client = make_admin(bootstrap)
        try:
            return set(client.list_topics())
        finally:
            client.close()

    def create(topic: str) -> None:
        ensure_topics(bootstrap, [topic], partitions=1)

    return list_topics, create


class BrokerEpochWatch:
    def __init__(
        self,
        *,
        service: str,
        engine: Engine,
        outbox: Outbox,
        list_topics: TopicLister,
        create_topic: TopicCreator,
    ) -> None:
        self.service = service
        self.engine = engine
        self.outbox = outbox
        self.list_topics = list_topics
        self.create_topic = create_topic
        self.topic = marker_topic(service)

    def check(self) -> int:
        """Returns how many outbox rows were queued again (0 when the broker kept its data).
        Raises the client's error when the broker cannot be asked (the relay retries later)."""
        if self.topic in self.list_topics():
            return 0
        requeued = 0
        if self._has_published_before():
            with self.engine.begin() as conn:
                requeued = self.outbox.mark_for_replay(conn)
            BROKER_LOSSES.labels(self.service).inc()
            log.error(
                "%s: the broker lost its data (marker topic %s is gone); %d retained outbox "
                "rows queued for republishing",
                self.service,
                self.topic,
                requeued,
            )
        self.create_topic(self.topic)
        return requeued

    def _has_published_before(self) -> bool:
        t = self.outbox.table
        with self.engine.connect() as conn:
            return (
                conn.execute(select(t.c.id).where(t.c.sent_at.is_not(None)).limit(1)).first()
                is not None
            )
