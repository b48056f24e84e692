"""Draw algorithm ``es-shake256-v2``: the algorithm of every new snapshot. Pure; this text is
the specification, precise enough to reimplement the draw in any language.

1. Snapshot and commitment (before the draw)
   Freezing a plan's eligible roster gives the *snapshot document*, a JSON object with
   ``"format": "inspection-snapshot/1"``, ``"algorithm": "es-shake256-v2"``, the plan
   (``plan.sampling``: ``weights``, ``dishonest_multiplier``, ``strata``; ``team_size``,
   ``cross_region_teams``, ``region_granularity``), the eligibility policy, ``seed_commitment``
   = hex SHA-256 of the secret 32-byte seed, and three column tables:
   ``units`` {unit_id, enterprise_uscc, region_code, product_category, risk_class, dishonest,
   weight}, ``inspectors`` {inspector_id, region_code, expertise} and ``labs`` {lab_id,
   categories}; each a JSON object of equally long lists, row ``p`` of a table being element
   ``p`` of each of its lists. Units are listed in strictly increasing code-point order of
   ``unit_id`` (inspectors and labs by id likewise); the unit in row ``p`` has *position* ``p``
   (0-based). A unit's ``weight`` is its class weight, times ``dishonest_multiplier`` if
   ``dishonest`` is 1. The canonical serialisation is ``json.dumps(doc, sort_keys=True,
   separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` encoded as UTF-8 (the bytes
   ``GET /public/snapshots/{id}/document`` serves); ``snapshot_hash`` = SHA-256 of those bytes.
   The snapshot hash and the seed commitment are published before anything is drawn.

2. Random streams (after the reveal)
   The draw record (``"format": "inspection-draw/1"``, ``GET /public/draws/{id}/verification``)
   reveals the seed (hex) and lists ``late_exclusions`` (``{"unit_id", "rule", "cause"}``:
   units that became ineligible between freeze and draw) and ``recusals`` (``{"unit_id",
   "kind": "inspector" | "lab", "id", "reason"}``). Everything below is a function of the
   snapshot document, the seed and these two lists.
   Let ``S`` be the seed (exactly 32 bytes) and ``H`` the 32 raw bytes of the
   snapshot hash. For each purpose ``P`` in ``unit``, ``team``, ``lab`` the stream is the
   SHAKE-256 output (FIPS 202; Python's ``hashlib.shake_256``) of the input
   ``b"es-shake256-v2" || 0x00 || P (ASCII) || 0x00 || S || H``
   (all fields fixed-length or terminated, so the three inputs never collide). A stream is
   read as consecutive 8-byte big-endian unsigned integers: word ``W_P[j]`` is output bytes
   ``8j .. 8j+7``. Binding ``H`` means a different roster gives unrelated numbers even under
   the same seed.

3. Units: Efraimidis-Spirakis weighted sampling without replacement, per stratum
   The unit at position ``p`` gets ``x_p = W_unit[p] >> 12`` (the top 52 bits) and
   ``u_p = (x_p + 0.5) / 2**52 = (2*x_p + 1) / 2**53``, which is exact in IEEE binary64 and
   strictly inside (0, 1). (Not 53 bits: ``((w >> 11) + 0.5) / 2**53`` needs 54 significant
   bits, so binary64 rounds it, and for the largest words to exactly 1.0.) Every listed unit
   consumes its word, late-excluded or not, so no exclusion changes another unit's number.
   Its key is ``k_p = u_p ** (1 / w_p)`` (order-equivalent to ``log(u_p) / w_p``), ``w_p`` its
   weight (an integer >= 1).
   Stratum ``s`` (0-based, in the order of ``plan.sampling.strata``) holds the units whose
   ``risk_class`` is among the stratum's ``risk_classes`` and that the draw record does not
   list as late exclusions. ``available`` is their number; ``target`` is the stratum's
   ``size``, or ``ceil(ratio * available)`` in decimal arithmetic, at most ``available``:
   ``ratio`` is ``Decimal(value)`` (a string read exactly; a JSON number is a binary64 double
   and read as its exact value, so ``0.2`` is a little above 0.2) and the product is rounded
   to 28 significant digits, half even (Python's default decimal context), before the ceiling.
   The stratum takes the ``target`` units with the largest keys, best first: rank 1 is the
   largest key. Keys are compared exactly, never in floating point:
   ``k_a > k_b`` iff ``(2*x_a + 1)**w_b * 2**(53*w_a) > (2*x_b + 1)**w_a * 2**(53*w_b)``.
   Equal keys (possible only when both ``x`` and ``w`` are equal) go to the smaller position,
   i.e. the smaller unit id, first. The *selection order* is stratum 0 by rank, then
   stratum 1 by rank, and so on.

4. Teams and labs: uniform sampling without replacement, one stream each
   For each selected unit, in selection order: the candidate inspectors are the frozen pool's
   inspectors whose ``expertise`` contains the unit's ``product_category``; if the plan has
   ``cross_region_teams``, minus those whose ``region_code`` starts with the same first
   ``region_granularity`` digits as the unit's; minus the inspectors the draw record's
   ``recusals`` list for that unit; sorted by id. With ``m`` candidates, take the next unread
   word ``v`` of the team stream (the first unit starts at ``W_team[0]``; words are never
   reused across units); a word ``v >= 2**64 - (2**64 mod m)`` is discarded (no modulo bias);
   otherwise candidate number ``v mod m`` joins the team unless it is already in it; repeat
   until the team has ``team_size`` members (the first drawn is the team leader). The lab is
   drawn the same way, one pick, from the lab stream, among the pool's labs whose
   ``categories`` contain the unit's product category minus the unit's lab recusals. Fewer
   candidates than places ends the draw with an error (too few inspectors / no eligible lab),
   never a short team.
   A joint plan (``plan.departments`` present: the departments taking part, sorted; the
   inspector table then has a ``department`` column) draws each team in two steps from the
   same stream: first, for each department in the order of ``plan.departments``, one member
   among the unit's candidates of that department (as above, with ``m`` their number);
   then the remaining ``team_size - len(departments)`` places among the unit's candidates
   not yet in the team. A department without a candidate ends the draw with an error.

5. The published result
   The selection is the list, in selection order, of ``{"unit_id", "stratum", "rank",
   "inspectors", "lab"}`` objects (``inspectors`` in drawing order); ``result_digest`` is the
   hex SHA-256 of its canonical serialisation.

``numpy``, when installed, vectorises step 3; the pure-Python path gives identical results.
"""

import hashlib
import operator
import struct
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from services.inspection.domain.draw_core import (
    SEED_BYTES,
    Chosen,
    Pools,
    Recusal,
    Selected,
    StratumSummary,
    assign_with,
    canonical_bytes,
    np,
    select_with,
    sha256_hex,
)

ALGORITHM = "es-shake256-v2"
_PREFIX = ALGORITHM.encode() + b"\x00"
UNIT = b"unit"
TEAM = b"team"
LAB = b"lab"


def stream_input(purpose: bytes, seed: bytes, snapshot_hash: str) -> bytes:
    """The SHAKE-256 input of one stream (step 2 of the module doc)."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"the seed must be {SEED_BYTES} bytes")
    digest = bytes.fromhex(snapshot_hash)
    if len(digest) != 32:
        raise ValueError("the snapshot hash must be a hex SHA-256")
    return _PREFIX + purpose + b"\x00" + seed + digest


def unit_draws(seed: bytes, snapshot_hash: str, count: int, *, use_numpy: bool = True) -> Any:
    """``x_p`` for positions 0 .. count-1: a uint64 array, or a list on the pure path."""
    data = hashlib.shake_256(stream_input(UNIT, seed, snapshot_hash)).digest(8 * count)
    if use_numpy and np is not None:
        return np.frombuffer(data, dtype=">u8") >> np.uint64(12)
    return [w >> 12 for w in struct.unpack(f">{count}Q", data)]


def is_canonical_order(ids: Sequence[str]) -> bool:
    """Strictly increasing code-point order: sorted and without duplicates."""
    return all(map(operator.lt, ids, islice(ids, 1, None)))


def canonical_units(doc: dict) -> dict:
    """The document with its units in canonical order (itself if they already are)."""
    units = doc["units"]
    ids = units["unit_id"]
    if is_canonical_order(ids):
        return doc
    if len(set(ids)) != len(ids):
        raise ValueError("the snapshot lists a unit id twice")
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return {**doc, "units": {k: [v[i] for i in order] for k, v in units.items()}}


def hash_of(doc: dict) -> str:
    """The snapshot hash of a whole document (the service passes the stored one instead)."""
    return sha256_hex(canonical_bytes(canonical_units(doc)))


# Phase 1 numbers units by position, so it reads only these of every unit (the service reads
# them in canonical order from the database and fetches the drawn units' other columns)
SELECTION_COLUMNS = ("risk_class", "weight")


def select_units(
    doc: dict,
    seed: bytes,
    *,
    snapshot_hash: str | None = None,
    late_excluded: Iterable[str] = (),
    excluded_positions: Iterable[int] = (),
    use_numpy: bool = True,
) -> tuple[Chosen, list[StratumSummary]]:
    """Phase 1 (step 3). ``doc["units"]`` must be in canonical order (``compute_draw`` sees
    to it). With ``snapshot_hash`` given and late exclusions given by position, the units
    need only the ``SELECTION_COLUMNS``."""
    units = doc["units"]
    snapshot_hash = snapshot_hash or hash_of(doc)
    use_numpy = use_numpy and np is not None
    xs = unit_draws(seed, snapshot_hash, len(units["weight"]), use_numpy=use_numpy)
    return select_with(
        doc,
        xs,
        late_excluded=late_excluded,
        excluded_positions=excluded_positions,
        ids_sorted=True,
        tie_by_position=True,
        use_numpy=use_numpy,
    )


# -- teams and labs (step 4) --------------------------------------------------------------------
class WordStream:
    """The words W[0], W[1], ... of one SHAKE-256 stream, handed out in order."""

    def __init__(self, data: bytes, expected: int) -> None:
        self._xof = hashlib.shake_256(data)
        self._words: tuple[int, ...] = ()
        self._next = 0
        self._read(max(expected, 16))

    def _read(self, count: int) -> None:
        # an XOF's longer output starts with its shorter one: re-reading keeps the order
        self._words = struct.unpack(f">{count}Q", self._xof.digest(8 * count))

    def take(self) -> int:
        if self._next == len(self._words):
            self._read(2 * len(self._words))
        word = self._words[self._next]
        self._next += 1
        return word


def pick_uniform(stream: WordStream, candidates: Sequence[str], k: int) -> list[str]:
    """``k`` distinct candidates, uniformly without replacement, from the next words."""
    m = len(candidates)
    if k > m:
        raise ValueError("fewer candidates than places")
    limit = (1 << 64) - (1 << 64) % m
    chosen: list[str] = []
    while len(chosen) < k:
        v = stream.take()
        if v < limit:
            c = candidates[v % m]
            if c not in chosen:
                chosen.append(c)
    return chosen


class ShakePicker:
    def __init__(self, seed: bytes, snapshot_hash: str, pools: Pools, count: int) -> None:
        # team_size words per unit and a few for repeats; WordStream reads more on demand
        self.teams = WordStream(
            stream_input(TEAM, seed, snapshot_hash), count * (pools.team_size + 1)
        )
        self.labs = WordStream(stream_input(LAB, seed, snapshot_hash), count * 2)

    def team(self, n: int, unit_id: str, candidates: list[str], k: int) -> list[str]:
        return pick_uniform(self.teams, candidates, k)

    def lab(self, n: int, unit_id: str, candidates: list[str]) -> str:
        return pick_uniform(self.labs, candidates, 1)[0]


def assign_teams(
    doc: dict,
    seed: bytes,
    chosen: Chosen,
    recusals: Iterable[Recusal],
    *,
    snapshot_hash: str | None = None,
) -> list[Selected]:
    """Phase 2 (step 4): a team of inspectors and a lab for each chosen unit."""
    snapshot_hash = snapshot_hash or hash_of(doc)
    return assign_with(
        doc,
        chosen,
        recusals,
        lambda pools, ids: ShakePicker(seed, snapshot_hash, pools, len(ids)),
    )
