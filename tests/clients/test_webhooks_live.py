"""Signed webhooks from the running services: a receiver verifies every signature and sees
every entry once (by ``webhook-id``) although the worker is killed mid-delivery; failing
endpoints are retried, paused, resumed and replayed; secrets rotate without a gap."""

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from devtools.testing.system import ManagedProcess
from tests.clients.conftest import Live, record
from tests.clients.receiver import Received, Receiver
from tests.e2e.conftest import BODY, REGULATOR, enterprise, issue

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def wait_for(what: Callable[[], bool], timeout: float = 60, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, message or "timed out"
        time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def worker(live: Live, service: str, name: str) -> ManagedProcess:
    p = service.upper() + "_WEBHOOK_"
    env = {
        **live.system.env(service),
        f"{p}RETRY_SCHEDULE": "[0.3, 0.6, 1.0, 1.0]",
        f"{p}PAUSE_AFTER_FAILURES": "3",
        f"{p}POLL_SECONDS": "0.05",
        f"{p}TIMEOUT_SECONDS": "1",
        f"{p}BATCH_SIZE": "4",
    }
    return ManagedProcess(
        name,
        ["-m", f"services.{service}.entrypoints.webhooks"],
        env,
        live.system.root / f"{name}.log",
    )


def subscribe(live: Live, service: str, **body: object) -> dict:
    r = httpx.post(live.system.url(service, "/webhooks/subscriptions"), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_every_change_arrives_signed_once_across_a_worker_kill(
    live: Live, receiver: Receiver
) -> None:
    holder = enterprise(880 + (0 if live.backend == "sqlite" else 1))
    sub = subscribe(
        live, "registry", url=receiver.url("/registry"), usccs=[holder], description="kill test"
    )
    receiver.answers["/registry"] = (200, 0.15)  # slow enough to be cut off mid-delivery
    first = worker(live, "registry", f"registry-webhooks-{live.backend}")
    first.start()
    numbers = [f"WH-{live.backend[:2].upper()}-{i:03d}" for i in range(12)]
    with live.system.client("registry", **BODY) as body:
        for number in numbers:
            assert issue(body, number, holder).status_code == 201
        assert (
            issue(body, f"WH-{live.backend[:2].upper()}-OTHER", live.holders[0]).status_code == 201
        )
    wait_for(lambda: len(receiver.at("/registry")) >= 4, message="no delivery before the kill")
    first.kill()  # SIGKILL while deliveries are in flight
    sent_before_kill = len(receiver.at("/registry"))
    # two replicas now: they must not send the same delivery twice either
    replicas = [worker(live, "registry", f"registry-webhooks-{live.backend}-{i}") for i in (2, 3)]
    for replica in replicas:
        replica.start()
    deliveries = live.system.url("registry", f"/webhooks/subscriptions/{sub['id']}/deliveries")

    def log() -> list[dict]:
        items = httpx.get(deliveries, headers={"X-API-Key": sub["api_key"]}).json()["items"]
        return list(items)

    try:
        # a delivery cut off by the kill is sent again once its lease has expired
        wait_for(
            lambda: len(log()) == 12 and all(d["status"] == "delivered" for d in log()),
            message="not every change was delivered after the restart",
        )
    finally:
        for replica in replicas:
            replica.stop()
    got = receiver.verified("/registry", sub["secret"])
    # only what the kill cut off (at most one claimed batch) went twice, with the same id
    repeats = len(receiver.at("/registry")) - len(got)
    assert repeats <= min(4, sent_before_kill)
    keys = sorted(p["data"]["key"] for p in got.values())
    assert keys == numbers  # each change once by id; the other holder's certificate not sent
    assert {p["type"] for p in got.values()} == {"registry.certificate.issued"}
    delivered = log()
    assert sorted(d["id"] for d in delivered) == sorted(got)
    assert {d["status"] for d in delivered} == {"delivered"}
    assert all(d["attempt_log"] and d["attempt_log"][-1]["status_code"] == 200 for d in delivered)


def test_failing_endpoint_is_retried_paused_resumed_replayed_and_rotated(
    live: Live, receiver: Receiver
) -> None:
    holder = live.holders[6]
    sub = subscribe(
        live,
        "credit",
        url=receiver.url("/credit"),
        notify_url=receiver.url("/owner"),
        usccs=[holder],
    )
    api = live.system.url("credit", f"/webhooks/subscriptions/{sub['id']}")
    key = {"X-API-Key": sub["api_key"]}
    receiver.answers["/credit"] = (500, 0.0)
    process = worker(live, "credit", f"credit-webhooks-{live.backend}")
    process.start()
    try:
        with live.system.client("credit", **REGULATOR) as credit:
            for i in range(2):
                assert credit.post("/records", json=record(holder, 500 + i)).status_code == 201
            other = live.holders[7]
            assert credit.post("/records", json=record(other, 600)).status_code == 201
        wait_for(lambda: httpx.get(api, headers=key).json()["status"] == "paused", timeout=30)
        paused = httpx.get(api, headers=key).json()
        assert "consecutive failed deliveries" in paused["paused_reason"]
        failing = receiver.at("/credit")
        assert len(failing) >= 3
        # the owner is told, signed like every delivery
        wait_for(lambda: len(receiver.at("/owner")) == 1)
        (notice,) = receiver.verified("/owner", sub["secret"]).values()
        assert notice["type"] == "webhook.subscription.paused"
        assert notice["data"]["subscription_id"] == sub["id"]
        stamps = [int(r.headers["webhook-timestamp"]) for r in failing]
        assert stamps == sorted(stamps)
        log = [
            d
            for d in httpx.get(f"{api}/deliveries", headers=key).json()["items"]
            if d["event_type"].startswith("credit.")
        ]
        assert len(log) == 2 and all(d["status"] == "pending" for d in log)
        assert sum(len(d["attempt_log"]) for d in log) >= 3
        assert all(a["status_code"] == 500 for d in log for a in d["attempt_log"])

        # the endpoint is fixed, the secret rotated: both secrets' signatures are sent
        receiver.answers["/credit"] = (200, 0.0)
        rotated = httpx.post(f"{api}/rotate-secret", headers=key).json()
        assert httpx.post(f"{api}/resume", headers=key).json()["status"] == "active"
        wait_for(
            lambda: all(
                d["status"] == "delivered"
                for d in httpx.get(f"{api}/deliveries", headers=key).json()["items"]
            )
        )
        ok = [r for r in receiver.at("/credit")][len(failing) :]
        for secret in (sub["secret"], rotated["secret"]):
            verified = {r.headers["webhook-id"] for r in ok if _verifies(r, secret)}
            assert verified == {d["id"] for d in log}
        payloads = receiver.verified("/credit", rotated["secret"], since=len(failing))
        assert {p["data"]["uscc"] for p in payloads.values()} == {holder}
        assert {p["type"] for p in payloads.values()} == {"credit.disclosure.publish"}

        # replay: the same messages again, same ids, bodies byte for byte
        before = len(receiver.at("/credit"))
        r = httpx.post(f"{api}/replay", headers=key, json={"since_sequence": 0})
        assert r.status_code == 200 and r.json()["queued"] >= 2  # earlier records of holder too
        wait_for(lambda: len(receiver.at("/credit")) >= before + r.json()["queued"])
        replayed = receiver.verified("/credit", rotated["secret"], since=len(failing))
        assert set(payloads) <= set(replayed)
    finally:
        process.stop()


def _verifies(r: Received, secret: str) -> bool:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(r.body, r.headers)
    except WebhookVerificationError:
        return False
    return True
