"""The disclosure feed under concurrent writers: a reader paging by cursor sees every entry
exactly once, in increasing order, even while transactions commit out of id order."""

import threading
from datetime import date

from sqlalchemy.engine import Engine

from services.credit.service_layer import feed_views, records
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.policy import SystemActor
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared import uscc

TODAY = date(2026, 9, 1)
WRITERS, PER_WRITER = 4, 12


def add(engine: Engine, writer: int, n: int) -> str:
    cmd = AddRecord(
        uscc=uscc.make(f"9133010{writer}MA2ABCDE"),
        record_class="penalty",
        title=f"case {writer}-{n}",
        legal_basis="《产品质量法》",
        decision_number=f"N-{writer}-{n}",
        decision_date=date(2026, 8, 1),
        source_service="test",
        source_department="test",
        enterprise_name=f"Writer {writer} Ltd",
    )
    return records.add_record(CreditUnitOfWork(engine), cmd, SystemActor("t"), today=TODAY).id


def test_reader_sees_each_entry_once_while_writers_commit(engine: Engine) -> None:
    written: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for n in range(PER_WRITER):
                record_id = add(engine, i, n)
                with lock:
                    written.append(record_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    seen: list[int] = []
    ids: list[str] = []
    cursor = None

    def read_page() -> None:
        nonlocal cursor
        with engine.connect() as conn:
            page = feed_views.feed(conn, cursor=cursor, limit=5, today=TODAY)
        seen.extend(item["sequence"] for item in page["items"])
        ids.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        read_page()
    for t in threads:
        t.join()
    assert not errors, errors
    for _ in range(WRITERS * PER_WRITER):  # drain what is left
        read_page()
    assert seen == sorted(set(seen)), "an entry was repeated or seen out of order"
    assert sorted(ids) == sorted(written), "an entry was skipped"
    assert len(written) == WRITERS * PER_WRITER
