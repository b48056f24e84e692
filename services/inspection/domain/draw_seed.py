"""Draw inputs no single party controls (issue 13, item 2). Pure; specified byte for byte in
``docs/draw-spec.md`` section 6 and 7.

* **Contributions.** Before the freeze, parties other than the plan's authority (a supervising
  official, a public observer) each commit to a secret 32-byte value ``v``:
  ``commitment = hex(SHA-256("qp-draw-contribution-v1" || 0x00 || v))``. The freeze lists the
  commitments in the snapshot document (``contributions``), so they are covered by the
  snapshot hash; after the freeze each party reveals ``v``. The draw needs every listed
  contribution revealed, and at least ``required`` of them.
* **The draw seed** the algorithm's streams use is then
  ``SHA-256("qp-draw-seed-v1" || 0x00 || S || H || v_1 || ... || v_n)``: ``S`` the server's
  revealed seed, ``H`` the raw snapshot hash, ``v_i`` the values in code-point order of the
  contribution ids. A snapshot without ``contributions`` (earlier ones) draws with ``S``.
* **Committed recusals.** The freeze also lists, per enterprise, the inspectors and labs that
  may not act for it (declared conflicts, recent inspections) as ``committed_recusals``; a
  draw derives each drawn unit's recusals from that list only (``unit_recusals``).
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from services.inspection.domain.draw_core import SEED_BYTES, Chosen, Pools, Recusal

CONTRIBUTION_SCHEME = "qp-draw-seed-v1"
_COMMIT_PREFIX = b"qp-draw-contribution-v1\x00"
_SEED_PREFIX = b"qp-draw-seed-v1\x00"
VALUE_BYTES = 32


def contribution_commitment(value: bytes) -> str:
    if len(value) != VALUE_BYTES:
        raise ValueError(f"a contribution is exactly {VALUE_BYTES} bytes")
    return hashlib.sha256(_COMMIT_PREFIX + value).hexdigest()


def matches(value: bytes, commitment: str) -> bool:
    return len(value) == VALUE_BYTES and contribution_commitment(value) == commitment


def combine(seed: bytes, snapshot_hash: str, values_by_id: dict[str, bytes]) -> bytes:
    """The draw seed: the server's seed, the snapshot hash and the revealed contributions."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"the seed must be {SEED_BYTES} bytes")
    digest = bytes.fromhex(snapshot_hash)
    if len(digest) != 32:
        raise ValueError("the snapshot hash must be a hex SHA-256")
    data = bytearray(_SEED_PREFIX + seed + digest)
    for cid in sorted(values_by_id):
        value = values_by_id[cid]
        if len(value) != VALUE_BYTES:
            raise ValueError(f"contribution {cid} is not {VALUE_BYTES} bytes")
        data += value
    return hashlib.sha256(bytes(data)).digest()


@dataclass(frozen=True)
class SeedCheck:
    draw_seed: bytes | None
    problems: list[str]


def check_contributions(
    committed: dict[str, Any] | None, revealed: Sequence[dict], seed: bytes, snapshot_hash: str
) -> SeedCheck:
    """The draw seed from the snapshot's ``contributions`` section and the revealed values
    (``[{"id", "value"}]``), or the problems that prevent it. No section: the server's seed."""
    if committed is None:
        return SeedCheck(seed, [] if not revealed else ["contributions the snapshot never listed"])
    listed = {c["id"]: c["commitment"] for c in committed.get("committed", [])}
    problems: list[str] = []
    values: dict[str, bytes] = {}
    for r in revealed:
        cid = str(r.get("id"))
        try:
            value = bytes.fromhex(r.get("value") or "")
        except ValueError:
            value = b""
        if cid not in listed:
            problems.append(f"contribution {cid} is not listed in the snapshot")
        elif not matches(value, listed[cid]):
            problems.append(f"contribution {cid} does not match its commitment")
        else:
            values[cid] = value
    missing = sorted(set(listed) - {r.get("id") for r in revealed})
    if missing:
        problems.append(f"contributions not revealed: {missing[:5]}")
    if len(listed) < int(committed.get("required", 0)):
        problems.append(f"the snapshot lists {len(listed)} contributions, fewer than required")
    if problems:
        return SeedCheck(None, problems)
    return SeedCheck(combine(seed, snapshot_hash, values), [])


# -- recusals committed at the freeze -----------------------------------------------------------
def committed_recusal_list(
    inspector_conflicts: dict[str, set[str]],
    lab_conflicts: dict[str, set[str]],
    recent: dict[str, set[str]],
    usccs: Iterable[str],
) -> list[dict[str, str]]:
    """The snapshot's ``committed_recusals``: ``{enterprise_uscc, kind, id, reason}`` for the
    snapshot's enterprises, sorted; a declared conflict wins over a recent inspection."""
    rows = []
    # only enterprises with a conflict or a recent inspection yield rows (rows are sorted
    # below): a million-unit roster need not be walked enterprise by enterprise
    involved = set(inspector_conflicts) | set(lab_conflicts) | set(recent)
    for uscc in involved.intersection(usccs):
        conflicted = inspector_conflicts.get(uscc, set())
        rows += [(uscc, "inspector", i, "conflict_of_interest") for i in conflicted]
        rows += [
            (uscc, "inspector", i, "inspected_recently")
            for i in recent.get(uscc, set()) - conflicted
        ]
        rows += [(uscc, "lab", lab, "conflict_of_interest") for lab in lab_conflicts.get(uscc, ())]
    return [{"enterprise_uscc": u, "kind": k, "id": m, "reason": r} for u, k, m, r in sorted(rows)]


def unit_recusals(doc: dict, chosen: Chosen) -> list[Recusal]:
    """Each drawn unit's recusals from the committed list: those of its enterprise that are
    candidates for the unit (inspectors before labs, conflicts before recent, ids ascending)."""
    by_uscc: dict[str, list[dict]] = {}
    for r in doc.get("committed_recusals", []):
        by_uscc.setdefault(r["enterprise_uscc"], []).append(r)
    pools = Pools(doc)
    units = doc["units"]
    found: list[Recusal] = []
    for _, _, pos in chosen:
        rows = by_uscc.get(units["enterprise_uscc"][pos])
        if not rows:
            continue
        unit_id, category = units["unit_id"][pos], units["product_category"][pos]
        inspectors = set(pools.inspector_candidates(category, units["region_code"][pos]))
        labs = set(pools.lab_candidates(category))
        for reason in ("conflict_of_interest", "inspected_recently"):
            found += [
                Recusal(unit_id, "inspector", r["id"], reason)
                for r in rows
                if r["kind"] == "inspector" and r["reason"] == reason and r["id"] in inspectors
            ]
        found += [
            Recusal(unit_id, "lab", r["id"], r["reason"])
            for r in rows
            if r["kind"] == "lab" and r["id"] in labs
        ]
    return found
