"""The public, append-only, hash-chained transparency log of draws (issue 13, item 2). Pure;
specified in ``docs/draw-spec.md`` section 8.

Every contribution commitment, snapshot (committed, abandoned), late exclusion (a salted leaf,
``domain.late_exclusions``), draw, re-draw and task cancellation appends one entry in the
transaction of the event. An entry is
``{seq, at, kind, subject, payload, payload_hash, prev_hash, entry_hash}``::

    payload_hash = hex(SHA-256(canonical JSON of payload))
    entry_hash   = hex(SHA-256("qp-transparency-v1" || 0x00 || seq || 0x1F || at || 0x1F
                               || kind || 0x1F || subject || 0x1F || payload_hash || 0x1F
                               || prev_hash))

``seq`` counts from 1 in decimal ASCII; ``at`` is UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``;
``prev_hash`` is the previous entry's ``entry_hash`` (64 zeros for entry 1). Altering,
removing or reordering an entry breaks the chain after it; rewriting the whole tail is caught
by comparing the head (seq, entry_hash) with one noted earlier (``verify_chain(expect=...)``).
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
_PREFIX = b"qp-transparency-v1\x00"


class Kind:
    CONTRIBUTION_COMMITTED = "contribution_committed"
    CONTRIBUTION_REVEALED = "contribution_revealed"
    SNAPSHOT_COMMITTED = "snapshot_committed"
    SNAPSHOT_ABANDONED = "snapshot_abandoned"
    DRAW = "draw"
    REDRAW = "redraw"
    TASK_CANCELLED = "task_cancelled"
    LATE_EXCLUSION = "late_exclusion"


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_hash(payload: Any) -> str:
    data = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def entry_hash(seq: int, at: str, kind: str, subject: str, p_hash: str, prev_hash: str) -> str:
    fields = (str(seq), at, kind, subject, p_hash, prev_hash)
    return hashlib.sha256(_PREFIX + "\x1f".join(fields).encode("utf-8")).hexdigest()


def make_entry(
    seq: int, at: datetime, kind: str, subject: str, payload: Any, prev_hash: str
) -> dict[str, Any]:
    stamp, p_hash = timestamp(at), payload_hash(payload)
    return {
        "seq": seq,
        "at": stamp,
        "kind": kind,
        "subject": subject,
        "payload": payload,
        "payload_hash": p_hash,
        "prev_hash": prev_hash,
        "entry_hash": entry_hash(seq, stamp, kind, subject, p_hash, prev_hash),
    }


@dataclass
class ChainReport:
    entries: int = 0
    head: tuple[int, str] = (0, GENESIS)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    entries: Iterable[dict[str, Any]], *, expect: tuple[int, str] | None = None
) -> ChainReport:
    """Check an entire log from entry 1: numbering, links, hashes, time order, and (given)
    that the entry ``expect[0]`` still has the hash ``expect[1]`` noted earlier."""
    report = ChainReport()
    prev_seq, prev_hash, prev_at = 0, GENESIS, ""
    seen_expected = expect is None
    for e in entries:
        report.entries += 1
        seq = e.get("seq")
        where = f"entry {seq}"
        if seq != prev_seq + 1:
            report.problems.append(f"{where}: expected sequence {prev_seq + 1} (removed entry?)")
        if e.get("prev_hash") != prev_hash:
            report.problems.append(f"{where}: does not link to the entry before it")
        if payload_hash(e.get("payload")) != e.get("payload_hash"):
            report.problems.append(f"{where}: the payload does not match its hash")
        recomputed = entry_hash(
            seq,  # type: ignore[arg-type]
            str(e.get("at")),
            str(e.get("kind")),
            str(e.get("subject")),
            str(e.get("payload_hash")),
            str(e.get("prev_hash")),
        )
        if recomputed != e.get("entry_hash"):
            report.problems.append(f"{where}: the entry hash does not match its fields")
        if str(e.get("at")) < prev_at:
            report.problems.append(f"{where}: timestamp earlier than the entry before it")
        if expect is not None and seq == expect[0]:
            seen_expected = True
            if e.get("entry_hash") != expect[1]:
                report.problems.append(f"{where}: differs from the head noted earlier")
        prev_seq, prev_hash, prev_at = (
            seq if isinstance(seq, int) else prev_seq + 1,
            str(e.get("entry_hash")),
            str(e.get("at")),
        )
        if len(report.problems) > 50:
            report.problems.append("... (further problems not listed)")
            break
    if not seen_expected:
        report.problems.append(f"the log no longer reaches entry {expect[0]}")  # type: ignore[index]
    report.head = (prev_seq, prev_hash)
    return report
