"""An independent, deliberately naive implementation of the draw algorithm ``es-shake256-v2``,
written from the specification in ``services/inspection/domain/draw_v2.py`` and sharing no
code with the service: if both agree, the specification is precise enough to reimplement.
"""

import hashlib
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from functools import cmp_to_key


def canonical(doc: dict) -> bytes:
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def stream(purpose: bytes, seed: bytes, snapshot_hash: bytes) -> Iterator[int]:
    """W_P[0], W_P[1], ... (step 2)."""
    xof = hashlib.shake_256(b"es-shake256-v2" + b"\x00" + purpose + b"\x00" + seed + snapshot_hash)
    j, size = 0, 64
    while True:
        data = xof.digest(8 * size)
        while j < size:
            yield int.from_bytes(data[8 * j : 8 * j + 8], "big")
            j += 1
        size *= 2


def pick(words: Iterator[int], candidates: list[str], k: int) -> list[str]:
    m = len(candidates)
    if m < k:
        raise ValueError("too few candidates")
    team: list[str] = []
    while len(team) < k:
        v = next(words)
        if v >= 2**64 - (2**64 % m):
            continue
        if candidates[v % m] not in team:
            team.append(candidates[v % m])
    return team


def draw(doc: dict, seed: bytes, late: list[str], recusals: list[dict]) -> list[dict]:
    assert len(seed) == 32
    h = hashlib.sha256(canonical(doc)).digest()
    units, plan = doc["units"], doc["plan"]
    n = len(units["unit_id"])
    assert units["unit_id"] == sorted(set(units["unit_id"]))
    unit_words = stream(b"unit", seed, h)
    x = [next(unit_words) >> 12 for _ in range(n)]
    w = units["weight"]

    def larger_key_first(a: int, b: int) -> int:
        left = (2 * x[a] + 1) ** w[b] * 2 ** (53 * w[a])
        right = (2 * x[b] + 1) ** w[a] * 2 ** (53 * w[b])
        if left != right:
            return -1 if left > right else 1
        return -1 if a < b else 1

    order = []
    for s, stratum in enumerate(plan["sampling"]["strata"]):
        members = [
            p
            for p in range(n)
            if units["risk_class"][p] in stratum["risk_classes"] and units["unit_id"][p] not in late
        ]
        if stratum.get("size") is not None:
            target = stratum["size"]
        else:
            target = math.ceil(Decimal(stratum["ratio"]) * len(members))
        ranked = sorted(members, key=cmp_to_key(larger_key_first))[: min(target, len(members))]
        order += [(s, rank, p) for rank, p in enumerate(ranked, start=1)]

    ins, labs = doc["inspectors"], doc["labs"]
    g = plan["region_granularity"]
    team_words, lab_words = stream(b"team", seed, h), stream(b"lab", seed, h)
    selection = []
    for s, rank, p in order:
        unit_id, category, region = (
            units["unit_id"][p],
            units["product_category"][p],
            units["region_code"][p],
        )
        recused = {(r["kind"], r["id"]) for r in recusals if r["unit_id"] == unit_id}
        inspectors = sorted(
            i
            for i, r, e in zip(
                ins["inspector_id"], ins["region_code"], ins["expertise"], strict=True
            )
            if category in e
            and not (plan["cross_region_teams"] and r[:g] == region[:g])
            and ("inspector", i) not in recused
        )
        lab_ids = sorted(
            lab
            for lab, cats in zip(labs["lab_id"], labs["categories"], strict=True)
            if category in cats and ("lab", lab) not in recused
        )
        team = pick(team_words, inspectors, plan["team_size"])
        lab = pick(lab_words, lab_ids, 1)[0]
        selection.append(
            {"unit_id": unit_id, "stratum": s, "rank": rank, "inspectors": team, "lab": lab}
        )
    return selection
