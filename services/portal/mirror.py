"""The portal's own mirror of the credit disclosure feed (optional: ``PORTAL_MIRROR_URL``).

It is the integrators' mirror (``qp_client.mirror``: exactly once per entry, resumable from its
stored cursor, withdrawals applied) run in a background thread, so that searching the
dishonesty list reads the portal's local copy instead of re-reading every listing from the
credit service on each request. Until the mirror has caught up once, pages read upstream.
"""

import json
import logging
import threading
from datetime import date
from typing import Any

import qp_client.mirror as qp_mirror
import sqlalchemy as sa
from qp_client.client import Client

log = logging.getLogger(__name__)
FEED = "disclosures"


class DisclosureMirror:
    def __init__(self, url: str, credit_url: str, poll_seconds: float, **client: Any) -> None:
        self.engine = qp_mirror.engine_for(url)
        self.credit_url = credit_url
        self.poll_seconds = poll_seconds
        self.client_options = client
        self.caught_up = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sync(self) -> qp_mirror.Progress:
        """Mirror up to the end of the feed, once."""
        with Client(credit=self.credit_url, **self.client_options) as client:
            done = qp_mirror.sync_once(client, self.engine, FEED)
        self.caught_up.set()
        return done

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="portal-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.engine.dispose()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception:  # noqa: BLE001 - an outage upstream must not end the mirror
                log.warning("mirroring the disclosure feed failed; retrying", exc_info=True)
            self._stop.wait(self.poll_seconds)

    def listings(self, today: date) -> list[dict]:
        """Listings in disclosure whose term has not ended, as the dishonesty list shows them
        (in listing id order, like the credit service's list)."""
        t = qp_mirror.disclosures
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.data).where(t.c.entity == "listing").order_by(t.c.id)
            ).all()
        listings = [json.loads(row.data) for row in rows]
        return [
            item
            for item in listings
            if not item.get("term_end") or date.fromisoformat(item["term_end"]) >= today
        ]
