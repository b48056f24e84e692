"""The credit disclosure feed as a webhook feed: publish and withdraw entries exactly as the
public feed shows them (what has left disclosure is not sent; its withdrawal is)."""

from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.engine import Connection

from services.credit.service_layer import feed_views
from shared.clock import today_in_china
from shared.pagination import decode_int_cursor, encode_cursor
from shared.webhooks.fanout import FeedEntry


class DisclosureFeed:
    event_types: tuple[str, ...] = ("credit.disclosure.",)

    def head(self, conn: Connection) -> int:
        return feed_views.last_sequence(conn)

    def entries(self, conn: Connection, after: int, limit: int) -> tuple[list[FeedEntry], int]:
        page = feed_views.feed(
            conn, cursor=encode_cursor(after), limit=limit, today=today_in_china()
        )
        entries = [self._entry(item) for item in page["items"]]
        return entries, decode_int_cursor(page["next_cursor"])

    @staticmethod
    def _entry(item: dict[str, Any]) -> FeedEntry:
        return FeedEntry(
            sequence=int(item["sequence"]),
            event_type=f"credit.disclosure.{item['action']}",
            subjects=frozenset({item["uscc"]}),
            occurred_at=item["occurred_at"],
            data=to_jsonable_python(item),
        )
