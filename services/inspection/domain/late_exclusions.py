"""Late exclusions committed where an outsider can check them (issue 13, item 2). Pure;
specified in ``docs/draw-spec.md`` section 7.

A late exclusion (a unit that another plan claimed, or whose counting check was recorded,
between the freeze and the draw) cannot be in the snapshot. Instead each one is appended to
the public transparency log when the service first records it, before the draw, as a salted
leaf that names neither the unit nor the cause (both may be secret until another plan's task
is public)::

    leaf       = hex(SHA-256("qp-late-exclusion-leaf-v1" || 0x00 || salt || canonical JSON of
                             {"unit_id", "rule", "cause"}))
    commitment = hex(SHA-256("qp-late-exclusions-v1" || 0x00 || leaf_0 || ... || leaf_{n-1}))

with ``salt`` 32 random bytes and the leaves raw, in the draw record's order (unit id
ascending). The draw's log entry carries ``late_exclusions_commitment``; the draw record
publishes every leaf (``late_exclusion_leaves``) and each public late exclusion with its
``index``, ``salt`` and ``log_seq`` (the log entry that recorded it).
"""

import hashlib
import json
from typing import Any

from services.inspection.domain.transparency import payload_hash

SCHEME = "qp-late-exclusions-v1"
LOG_KIND = "late_exclusion"
_LEAF = b"qp-late-exclusion-leaf-v1\x00"
_COMMIT = b"qp-late-exclusions-v1\x00"
CORE = ("unit_id", "rule", "cause")


def core(entry: dict[str, Any]) -> dict[str, Any]:
    """What a leaf covers: the unit, the rule and the cause (not the bookkeeping fields)."""
    return {k: entry.get(k) for k in CORE}


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(
        core(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def leaf(salt: bytes, entry: dict[str, Any]) -> str:
    if len(salt) != 32:
        raise ValueError("a late exclusion's salt is 32 bytes")
    return hashlib.sha256(_LEAF + salt + canonical(entry)).hexdigest()


def commitment(leaves: list[str]) -> str:
    return hashlib.sha256(_COMMIT + b"".join(bytes.fromhex(x) for x in leaves)).hexdigest()


def log_payload(snapshot_id: str, plan_id: str, leaf_hex: str) -> dict[str, Any]:
    """A transparency-log entry's payload: public before the draw, naming no unit."""
    return {"scheme": SCHEME, "snapshot_id": snapshot_id, "plan_id": plan_id, "leaf": leaf_hex}


def record_fields(stored: list[dict[str, Any]]) -> dict[str, Any]:
    """What a draw record publishes of its late exclusions besides the public entries; nothing
    for draws made before the commitment (their entries carry no leaf)."""
    if any("leaf" not in e for e in stored):
        return {}
    leaves = [e["leaf"] for e in stored]
    return {
        "late_exclusions_scheme": SCHEME,
        "late_exclusions_commitment": commitment(leaves),
        "late_exclusion_leaves": leaves,
    }


def check_record(bundle: dict[str, Any], *, complete: bool) -> list[str]:
    """The record's late exclusions against its leaves and the leaves against the commitment;
    a complete record must reveal every one (the draw is recomputed without them)."""
    published = bundle.get("late_exclusions") or []
    if bundle.get("late_exclusions_commitment") is None:
        if any("leaf" in e or "salt" in e for e in published):
            return ["late exclusions with salts but no late-exclusion commitment"]
        return []  # a draw made before late exclusions were committed
    leaves = bundle.get("late_exclusion_leaves") or []
    problems = []
    try:
        if commitment(leaves) != bundle["late_exclusions_commitment"]:
            problems.append("the late-exclusion leaves do not match their commitment")
    except ValueError:
        return ["the late-exclusion leaves are not hex"]
    seen: set[int] = set()
    for e in published:
        index = e.get("index")
        try:
            ok = isinstance(index, int) and 0 <= index < len(leaves)
            ok = ok and leaf(bytes.fromhex(e.get("salt") or ""), e) == leaves[index]
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"late exclusion of {e.get('unit_id')} does not match its leaf")
        elif index in seen:
            problems.append(f"late exclusion {index} is published twice")
        seen.add(index)
    if complete and len(seen) != len(leaves):
        problems.append(
            f"the record reveals {len(seen)} of {len(leaves)} committed late exclusions"
        )
    return problems


def check_log(bundle: dict[str, Any], entries: list[dict[str, Any]]) -> list[str]:
    """Against the transparency log: the draw's entry commits to the record's late exclusions,
    and every leaf was logged for this snapshot before the draw (at ``log_seq`` where given)."""
    draw_id, snapshot_id = bundle.get("draw_id"), bundle.get("snapshot_id")
    draws = [e for e in entries if e.get("kind") in ("draw", "redraw")]
    mine = [e for e in draws if e.get("subject") == draw_id]
    if not mine:
        return [f"the log has no entry for draw {draw_id}"]
    entry = mine[0]
    problems = []
    if payload_hash(entry.get("payload")) != entry.get("payload_hash"):
        problems.append("the draw's log entry does not match its hash")
    logged = (entry.get("payload") or {}).get("late_exclusions_commitment")
    recorded = bundle.get("late_exclusions_commitment")
    if logged is None and recorded is None:
        return problems  # both predate the commitment
    if logged != recorded:
        problems.append("the draw record's late exclusions differ from those the draw logged")
    by_seq = {e.get("seq"): e for e in entries}
    before = {
        (e.get("payload") or {}).get("leaf"): e.get("seq")
        for e in entries
        if e.get("kind") == LOG_KIND
        and (e.get("payload") or {}).get("snapshot_id") == snapshot_id
        and isinstance(e.get("seq"), int)
        and e["seq"] < entry.get("seq", 0)
    }
    for i, x in enumerate(bundle.get("late_exclusion_leaves") or []):
        if x not in before:
            problems.append(f"late exclusion {i} was not logged for the snapshot before the draw")
    for e in bundle.get("late_exclusions") or []:
        at = by_seq.get(e.get("log_seq"))
        index = e.get("index")
        leaves = bundle.get("late_exclusion_leaves") or []
        if at is None or not isinstance(index, int) or not 0 <= index < len(leaves):
            continue  # reported above or by check_record
        if at.get("kind") != LOG_KIND or (at.get("payload") or {}).get("leaf") != leaves[index]:
            problems.append(
                f"late exclusion of {e.get('unit_id')}: log entry {at.get('seq')} differs"
            )
    return problems
