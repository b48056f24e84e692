"""The webhook kernel on its own: Standard Webhooks signatures (checked with the reference
library a receiver would use), SSRF target checks and the subscription API's guards."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from devtools.testing.databases import drop_database, new_database
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from shared.exceptions import InvalidInput
from shared.webhooks.signing import new_secret, sign_headers
from shared.webhooks.targets import check_target


def test_signature_verifies_with_each_secret_during_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    now = datetime.now(UTC)
    body = '{"type":"registry.certificate.issued","data":{}}'
    headers = sign_headers("msg_1", now, body, [old, new])
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {
            "type": "registry.certificate.issued",
            "data": {},
        }
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):  # body changed
        Webhook(old).verify(body.replace("issued", "revoked"), headers)
    stale = sign_headers("msg_1", now - timedelta(minutes=10), body, [old])
    with pytest.raises(WebhookVerificationError):  # replayed too late
        Webhook(old).verify(body, stale)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
    ],
)
def test_private_and_loopback_targets_are_refused_outside_dev(url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_target(url, allow_private=False)
    assert err.value.code == "webhook_target_forbidden"
    check_target(url.replace("https", "http"), allow_private=True)  # dev and test only


def test_target_scheme_and_credentials() -> None:
    check_target("https://93.184.216.34/hook", allow_private=False)
    for url, code in [
        ("http://93.184.216.34/hook", "webhook_target_not_https"),
        ("ftp://93.184.216.34/hook", "webhook_target_invalid"),
        ("https://user:pw@93.184.216.34/hook", "webhook_target_invalid"),
        ("not a url", "webhook_target_invalid"),
    ]:
        with pytest.raises(InvalidInput) as err:
            check_target(url, allow_private=False)
        assert err.value.code == code


@pytest.fixture
def client(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW_PRIVATE_TARGETS", "false")
    from pathlib import Path

    url = new_database(backend, Path("services/registry"), tmp_path, "i16_api")
    with TestClient(create_app(RegistrySettings(database_url=url))) as c:
        yield c
    drop_database(url)


def test_subscription_api_guards(client: TestClient) -> None:
    r = client.post("/webhooks/subscriptions", json={"url": "https://127.0.0.1:9/x"})
    assert r.status_code == 422 and r.json()["code"] == "webhook_target_forbidden"
    r = client.post(
        "/webhooks/subscriptions",
        json={"url": "https://93.184.216.34/x", "event_types": ["credit.disclosure."]},
    )
    assert r.status_code == 422 and r.json()["code"] == "webhook_event_type_unknown"
    r = client.post(
        "/webhooks/subscriptions", json={"url": "https://93.184.216.34/x", "usccs": ["123"]}
    )
    assert r.status_code == 422
    r = client.post(
        "/webhooks/subscriptions",
        json={"url": "https://93.184.216.34/x", "certificates": ["CCC-2026-1"]},
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["api_key"].startswith("qpk_") and sub["secret"].startswith("whsec_")
    path = f"/webhooks/subscriptions/{sub['id']}"
    assert client.get(path).status_code == 404  # no key
    assert client.get(path, headers={"X-API-Key": "qpk_wrong"}).status_code == 404
    key = {"X-API-Key": sub["api_key"]}
    view = client.get(path, headers=key).json()
    assert view["certificates"] == ["CCC-2026-1"] and "secret" not in str(view["secrets"][0])
    assert "api_key" not in view
    rotated = client.post(f"{path}/rotate-secret", headers=key).json()
    assert rotated["secret"] != sub["secret"] and len(rotated["secrets"]) == 2
    assert rotated["secrets"][0]["expires_at"] is not None
    assert client.post(f"{path}/pause", headers=key).json()["status"] == "paused"
    assert client.post(f"{path}/resume", headers=key).json()["status"] == "active"
    assert client.delete(path, headers=key).status_code == 204
    assert client.get(path, headers=key).status_code == 404


def test_fan_out_once_send_and_purge(backend: str, tmp_path: Path) -> None:
    """Fan-out over a scripted feed on a migrated database: each entry once per matching
    subscription, a cursor that moves past skipped entries, and the retention purge."""
    from pathlib import Path

    from sqlalchemy import select, update

    from shared.db import make_engine
    from shared.webhooks import schema as t
    from shared.webhooks import store
    from shared.webhooks.fanout import FeedEntry, fan_out
    from shared.webhooks.worker import purge

    url = new_database(backend, Path("services/credit"), tmp_path, "i16_fan")
    engine = make_engine(url)
    now = datetime.now(UTC)

    class Feed:
        event_types: tuple[str, ...] = ("credit.disclosure.",)

        def head(self, conn: Connection) -> int:
            return 0

        def entries(self, conn: Connection, after: int, limit: int) -> tuple[list[FeedEntry], int]:
            seqs = [s for s in range(after + 1, 11)][:limit]
            # sequence 5 is no longer public: skipped, but the cursor moves past it
            found = [
                FeedEntry(s, "credit.disclosure.publish", frozenset({f"U{s % 2}"}), now, {"n": s})
                for s in seqs
                if s != 5
            ]
            return found, (seqs[-1] if seqs else after)

    try:
        with engine.begin() as conn:
            new = store.NewSubscription
            odd = store.create(conn, new("https://93.184.216.34/a", None, [], [], ["U1"], ""), 0)
            every = store.create(conn, new("https://93.184.216.34/b", None, [], [], [], ""), 3)
        while fan_out(engine, Feed(), limit=3):
            pass
        with engine.connect() as conn:
            rows = conn.execute(select(t.delivery.c.subscription_id, t.delivery.c.sequence)).all()
        by_sub: dict[str, list[int]] = {}
        for sub_id, seq in rows:
            by_sub.setdefault(sub_id, []).append(seq)
        assert sorted(by_sub[odd["id"]]) == [1, 3, 7, 9]
        assert sorted(by_sub[every["id"]]) == [4, 6, 7, 8, 9, 10]  # after its start, not 5
        assert fan_out(engine, Feed()) == 0  # nothing twice
        with engine.begin() as conn:
            conn.execute(
                update(t.delivery)
                .where(t.delivery.c.sequence < 7)
                .values(status="delivered", created_at=now - timedelta(days=40))
            )
        assert purge(engine, timedelta(days=30)) == 4
    finally:
        engine.dispose()
        drop_database(url)


def test_failed_attempts_follow_the_schedule_or_the_receivers_retry_after(
    backend: str, tmp_path: Path
) -> None:
    from pathlib import Path

    from sqlalchemy import insert, select

    from shared.db import make_engine
    from shared.webhooks import schema as t
    from shared.webhooks import store
    from shared.webhooks.sender import Outcome, claim, record
    from shared.webhooks.settings import WebhookSettings

    url = new_database(backend, Path("services/registry"), tmp_path, "i16_retry")
    engine = make_engine(url)
    settings = WebhookSettings(retry_schedule=[10, 60], pause_after_failures=3)
    try:
        with engine.begin() as conn:
            new = store.NewSubscription("https://93.184.216.34/a", None, [], [], [], "")
            sub = store.create(conn, new, 0)
            conn.execute(
                insert(t.delivery).values(
                    id="msg_1",
                    subscription_id=sub["id"],
                    sequence=1,
                    event_type="x",
                    payload="{}",
                    status="pending",
                    attempts=0,
                    next_attempt_at=datetime.now(UTC),
                    created_at=datetime.now(UTC),
                )
            )

        def attempt(out: Outcome) -> tuple[str, float]:
            (row,) = claim(engine, settings)
            record(engine, row, out, settings, "test")
            with engine.begin() as conn:
                d = conn.execute(select(t.delivery)).mappings().one()
                conn.execute(t.delivery.update().values(next_attempt_at=datetime.now(UTC)))
            return d["status"], (d["next_attempt_at"] - datetime.now(UTC)).total_seconds()

        status, wait = attempt(Outcome(False, 429, "HTTP 429", 5, retry_after=30))
        assert status == "pending" and 28 < wait <= 30  # the receiver asked for more than 10
        status, wait = attempt(Outcome(False, 500, "HTTP 500", 5))
        assert status == "pending" and 58 < wait <= 60  # the schedule's second step
        status, _ = attempt(Outcome(False, 503, "HTTP 503", 5))
        assert status == "failed"  # the schedule is spent
        with engine.connect() as conn:
            paused = conn.execute(select(t.subscription.c.status)).scalar_one()
            logged = conn.execute(select(t.attempt.c.status_code).order_by(t.attempt.c.id))
            assert [r[0] for r in logged] == [429, 500, 503]
        assert paused == "paused"  # three consecutive failures
    finally:
        engine.dispose()
        drop_database(url)
