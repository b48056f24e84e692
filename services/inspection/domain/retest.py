"""Results procedure (issue 13, item 4): the re-test window and the re-test lab. Pure.

* The enterprise may ask for a re-test within 15 days of *receiving* the result (产品质量监督
  抽查管理暂行办法 art. 34: 自收到检验结果之日起十五日内), counted per Civil Code arts. 201-203:
  the day of receipt is not counted, a period ending on a rest day ends on the next working day.
* The re-test lab is drawn at random among the labs accredited for the product's category other
  than the first lab (art. 35: 复检机构不得为初检机构) and without a declared conflict with the
  enterprise, "verifiably, as in the draw": ``retest-lab-v2`` (``docs/draw-spec.md`` section 3)
  uses the plan's *draw seed*, the server's seed combined with the revealed contributions
  (``draw_seed.combine``), so no single party chose it:
  ``stream = SHAKE-256("qp-retest-lab-v2" || 0x00 || draw_seed || task_id as UTF-8)``; read
  8-byte big-endian integers ``x`` until ``x < 2^64 - (2^64 mod n)``; the lab is
  ``sorted(distinct candidates)[x mod n]``. ``retest-lab-v1`` (labs drawn before) used the
  server's seed alone with the prefix ``qp-retest-lab-v1``. The record publishes the seed, the
  contributions, the draw seed and the candidates, so anyone can recompute it
  (``check_record``).
"""

import hashlib
from datetime import date
from typing import Any

from services.inspection.domain import draw_seed
from shared.periods import Dated, Period, Unit, period_end

RETEST_WINDOW = Period(15, Unit.DAYS, roll_forward=True)
WINDOW_SOURCE = "产品质量监督抽查管理暂行办法 第三十四条; 民法典 第二百零一条至第二百零三条"
LAB_SOURCE = "产品质量监督抽查管理暂行办法 第三十五条"
ALGORITHM = "retest-lab-v2"
LEGACY_ALGORITHM = "retest-lab-v1"
_DOMAINS = {LEGACY_ALGORITHM: b"qp-retest-lab-v1\x00", ALGORITHM: b"qp-retest-lab-v2\x00"}


def retest_window_end(received_on: date) -> Dated:
    return period_end(received_on, RETEST_WINDOW)


def draw_retest_lab(seed: bytes, task_id: str, candidates: list[str]) -> str:
    """``retest-lab-v1``: from the server's seed alone (labs drawn before v2)."""
    return _pick(_DOMAINS[LEGACY_ALGORITHM], seed, task_id, candidates)


def draw_retest_lab_v2(combined_seed: bytes, task_id: str, candidates: list[str]) -> str:
    """``retest-lab-v2``: from the plan's draw seed (server seed and contributions)."""
    if len(combined_seed) != draw_seed.VALUE_BYTES:
        raise ValueError("the draw seed must be 32 bytes")
    return _pick(_DOMAINS[ALGORITHM], combined_seed, task_id, candidates)


def _pick(domain: bytes, seed: bytes, task_id: str, candidates: list[str]) -> str:
    ordered = sorted(set(candidates))
    n = len(ordered)
    if n == 0:
        raise ValueError("no candidate lab")
    limit = 2**64 - (2**64 % n)
    shake = hashlib.shake_256(domain + seed + task_id.encode())
    offset, chunk = 0, b""
    while True:
        if offset + 8 > len(chunk):
            chunk = shake.digest(len(chunk) * 2 + 64)
        x = int.from_bytes(chunk[offset : offset + 8], "big")
        offset += 8
        if x < limit:
            return ordered[x % n]


def check_record(doc: dict[str, Any]) -> list[str]:
    """Everything wrong with a published re-test lab draw (``GET /public/tasks/{id}/retest-lab``):
    the lab must be a candidate other than the first lab, and the draw recomputed from the
    record's seeds must give it. ``[]`` when it verifies."""
    problems: list[str] = []
    lab, first, candidates = doc.get("lab_id"), doc.get("first_lab_id"), doc.get("candidates")
    if not isinstance(candidates, list) or not candidates:
        return ["the record lists no candidate lab"]
    if lab == first:
        problems.append("the re-test lab is the first lab")
    if first in candidates:
        problems.append("the first lab is among the candidates")
    if lab not in candidates:
        problems.append(f"the re-test lab {lab!r} is not a candidate")
    try:
        seed = bytes.fromhex(doc.get("seed") or "")
    except ValueError:
        seed = b""
    if "seed_commitment" in doc and hashlib.sha256(seed).hexdigest() != doc["seed_commitment"]:
        problems.append("the seed does not match the seed commitment")
    algorithm = doc.get("algorithm")
    if algorithm == LEGACY_ALGORITHM:
        used = seed
    elif algorithm == ALGORITHM:
        found = _draw_seed_of(doc, seed)
        if isinstance(found, str):
            return [*problems, found]
        used = found
    else:
        return [*problems, f"unknown algorithm {algorithm!r}"]
    try:
        expected = _pick(_DOMAINS[algorithm], used, str(doc.get("task_id")), candidates)
    except ValueError as exc:
        return [*problems, f"the re-test lab cannot be recomputed: {exc}"]
    if expected != lab:
        problems.append(f"the draw gives {expected!r}, the record names {lab!r}")
    return problems


def _draw_seed_of(doc: dict[str, Any], seed: bytes) -> bytes | str:
    """The record's draw seed, recomputed from the seed, the snapshot hash and the revealed
    contributions (no contributions: the seed itself); a string says why it cannot be."""
    values: dict[str, bytes] = {}
    for c in doc.get("contributions") or []:
        try:
            value = bytes.fromhex(c.get("value") or "")
        except ValueError:
            value = b""
        if not draw_seed.matches(value, c.get("commitment", "")):
            return f"contribution {c.get('id')} does not match its commitment"
        values[str(c.get("id"))] = value
    try:
        combined = (
            draw_seed.combine(seed, doc.get("snapshot_hash") or "", values) if values else seed
        )
    except ValueError as exc:
        return f"the draw seed cannot be recomputed: {exc}"
    if combined.hex() != doc.get("draw_seed"):
        return "the published draw seed is not the combination of the seed and the contributions"
    return combined
