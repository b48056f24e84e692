"""Risk grades of a consumer batch in one set-based upsert (issue 17 item 4, backfills): the
same state as one by one, whatever the order; a bad grade fails only itself."""

import uuid

from sqlalchemy.engine import Engine

from tests.inspection.test_handlers import HOLDER, consumer, rows, sample

OTHER = "91330100MA2ABCDE01"


def grade(uscc: str, to_grade: str, day: int) -> tuple[bytes, str]:
    raw = sample(
        "credit.risk_grade.changed.v1.json",
        uscc=uscc,
        to_grade=to_grade,
        event_id=str(uuid.uuid4()),
        occurred_at=f"2026-11-{day:02d}T10:00:00Z",
    )
    return raw, f"credit.events/0@{day}"


def held(engine: Engine) -> list[tuple]:
    return rows(engine, "SELECT uscc, risk_class FROM enterprise_risk ORDER BY uscc")


def test_a_batch_keeps_the_newest_grade_per_enterprise_in_any_order(engine: Engine) -> None:
    c = consumer(engine)
    c.handle_raw(grade(HOLDER, "C", 15)[0])  # held before the backfill
    c.handle_batch([grade(HOLDER, "D", 20), grade(OTHER, "A", 12), grade(HOLDER, "B", 10)])
    assert held(engine) == sorted([(HOLDER, "D"), (OTHER, "A")])
    c.handle_batch([grade(HOLDER, "A", 14), grade(OTHER, "B", 11)])  # all older than held
    assert held(engine) == sorted([(HOLDER, "D"), (OTHER, "A")])
    assert c.stats.processed == 6


def test_an_unknown_grade_fails_alone(engine: Engine) -> None:
    c = consumer(engine)
    c.max_attempts = 1
    dead: list[bytes] = []
    # the consumer's dead-letter producer replaced by a list, on this instance only
    c._dead_letter = lambda raw, *_a, **_k: dead.append(raw)  # type: ignore[method-assign]
    bad = grade(OTHER, "Z", 13)
    c.handle_batch([grade(HOLDER, "B", 12), bad])
    assert held(engine) == [(HOLDER, "B")]
    assert dead == [bad[0]] and c.stats.processed == 1
