"""Dead-letter topic operations: ``python -m shared.dlq inspect|redrive <consumer-name>``.

``inspect`` lists each dead letter with its error, origin and attempts. ``redrive`` publishes
dead letters back to the topic they came from (after the cause is fixed); the consumer is
idempotent, so redriving a letter whose effect somehow exists already is harmless.
Both read the DLQ from the beginning without a consumer group; ``--since-offset`` narrows.
"""

import argparse
import json
import os
import sys
from typing import Any

from shared.events import dead_letter_topic
from shared.kafka import make_producer, read_topic


def _headers(message: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (message.headers or [])}


def inspect(bootstrap: str, consumer: str) -> list[dict[str, object]]:
    letters = []
    for m in read_topic(bootstrap, dead_letter_topic(consumer), settle=1.0):
        h = _headers(m)
        letters.append(
            {
                "partition": m.partition,
                "offset": m.offset,
                "origin": h.get("origin"),
                "attempts": h.get("attempts"),
                "error": h.get("error"),
                "dead_lettered_at": h.get("dead_lettered_at"),
                "value": m.value[:500].decode(errors="replace"),
            }
        )
    return letters


def redrive(bootstrap: str, consumer: str, *, since_offset: int = 0) -> int:
    producer = make_producer([bootstrap])
    count = 0
    for m in read_topic(bootstrap, dead_letter_topic(consumer), settle=1.0):
        if m.offset < since_offset:
            continue
        origin = _headers(m).get("origin", "")
        topic = origin.split("/", 1)[0]
        if not topic:
            print(f"skipping offset {m.offset}: no origin header", file=sys.stderr)
            continue
        producer.send(topic, value=m.value, headers=[("redriven_from", m.topic.encode())])
        count += 1
    producer.flush()
    producer.close()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlq", description=__doc__)
    parser.add_argument("command", choices=["inspect", "redrive"])
    parser.add_argument("consumer", help="consumer name, e.g. registry-consumer")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--since-offset", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "inspect":
        for letter in inspect(args.bootstrap, args.consumer):
            print(json.dumps(letter, ensure_ascii=False))
        return 0
    print(f"{redrive(args.bootstrap, args.consumer, since_offset=args.since_offset)} redriven")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
