"""Draw algorithm ``es-hmac-sha256-v1`` (draws made before ``es-shake256-v2``). Pure.

Kept unchanged so that every draw made with it stays verifiable; new snapshots use v2.

Commit. Freezing a plan's eligible roster gives a *snapshot document*: plain JSON holding the
plan's sampling parameters, the eligible units (id, enterprise, region, product category, risk
class, dishonesty flag, weight), the frozen inspector and lab pools and the commitment to a
secret 32-byte seed, ``seed_commitment = SHA-256(seed)`` (hex). Its canonical serialisation is
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``
encoded as UTF-8, with every list of units / inspectors / labs sorted by id (code-point order);
``snapshot_hash = SHA-256(canonical bytes)`` (hex). Both hashes are published before the draw.

Reveal. The draw publishes the seed. Everything below is a function of (snapshot, seed, the
late exclusions and recusals the draw record lists) and nothing else:

Units (Efraimidis-Spirakis weighted sampling without replacement).
  For each unit: ``d = HMAC-SHA256(seed, b"es-hmac-sha256-v1\\x00unit\\x00" + unit_id UTF-8)``,
  ``x = int.from_bytes(d[:8], "big") >> 12`` (52 bits), ``u = (2x + 1) / 2**53`` in (0, 1), and
  the key is ``u ** (1 / w)`` with ``w`` the unit's integer weight. Each stratum of the plan takes,
  among its units not excluded late, the ``target`` units with the largest keys, where target is
  the stratum's size or ``ceil(ratio * available)``, never more than available. Keys are
  compared exactly (``u_i**(1/w_i) > u_j**(1/w_j)`` iff ``(2x_i+1)**w_j * 2**(53*w_i) >
  (2x_j+1)**w_i * 2**(53*w_j)`` in integers; equal keys: smaller unit id first), so results do
  not depend on a platform's floating-point logarithm. Ranks count from 1 within a stratum.

Teams and labs (uniform sampling without replacement, same seed, separate HMAC domains).
  For a drawn unit, the candidate inspectors are the frozen pool members whose expertise
  includes the unit's product category, minus those in the unit's region (first
  ``region_granularity`` digits) when the plan requires cross-region teams, minus the recusals
  the draw record lists for the unit; sorted by id. With ``m`` candidates and ``j = 0, 1, ...``:
  ``v = int.from_bytes(HMAC-SHA256(seed, b"es-hmac-sha256-v1\\x00team\\x00" + unit_id + b"\\x00"
  + str(j))[:8], "big")``; values ``v >= 2**64 - 2**64 % m`` are skipped (no modulo bias), else
  candidate ``v % m`` joins the team unless already in it, until ``team_size`` are chosen (the
  first is the team leader). The lab is drawn the same way with the domain ``lab`` and size 1.
"""

import hashlib
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

from services.inspection.domain.draw_core import (
    Chosen,
    Pools,
    Recusal,
    Selected,
    StratumSummary,
    assign_with,
    np,
    select_with,
)

ALGORITHM = "es-hmac-sha256-v1"
_PREFIX = ALGORITHM.encode() + b"\x00"
UNIT_DOMAIN = _PREFIX + b"unit\x00"
TEAM_DOMAIN = _PREFIX + b"team\x00"
LAB_DOMAIN = _PREFIX + b"lab\x00"
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_HASH = type(hashlib.sha256())


class KeyedHmac:
    """HMAC-SHA256 under one key and message prefix, for many messages; equal to
    ``hmac.digest(seed, prefix + m, "sha256")`` but several times faster in bulk.

    The keyed inner and outer states are computed once and copied per message (what RFC 2104
    allows and the stdlib ``hmac`` module does internally), in C-level ``map`` loops.
    """

    def __init__(self, seed: bytes, prefix: bytes) -> None:
        key = seed if len(seed) <= 64 else hashlib.sha256(seed).digest()
        key = key.ljust(64, b"\0")
        self.inner = hashlib.sha256(key.translate(_IPAD))
        self.inner.update(prefix)
        self.outer = hashlib.sha256(key.translate(_OPAD))

    def digests(self, messages: list[bytes]) -> list[bytes]:
        inners = list(map(_HASH.copy, repeat(self.inner, len(messages))))
        list(map(_HASH.update, inners, messages))
        outers = list(map(_HASH.copy, repeat(self.outer, len(messages))))
        list(map(_HASH.update, outers, map(_HASH.digest, inners)))
        return list(map(_HASH.digest, outers))

    def digest(self, message: bytes) -> bytes:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def unit_draws(seed: bytes, unit_ids: Sequence[str], *, use_numpy: bool = True) -> Any:
    """The 52-bit ``x`` of each unit (``u = (2x + 1) / 2**53``): a uint64 array or a list."""
    digests = KeyedHmac(seed, UNIT_DOMAIN).digests(list(map(str.encode, unit_ids)))
    if use_numpy and np is not None:
        if not digests:
            return np.zeros(0, dtype=np.uint64)
        return np.frombuffer(b"".join(digests), dtype=">u8")[::4] >> np.uint64(12)
    return [int.from_bytes(d[:8], "big") >> 12 for d in digests]


SELECTION_COLUMNS = ("unit_id", "risk_class", "weight")  # what phase 1 reads of every unit


def select_units(
    doc: dict,
    seed: bytes,
    *,
    late_excluded: Iterable[str] = (),
    excluded_positions: Iterable[int] = (),
    use_numpy: bool = True,
) -> tuple[Chosen, list[StratumSummary]]:
    """Phase 1: the units, stratum by stratum (teams need the recusals of these units)."""
    use_numpy = use_numpy and np is not None
    xs = unit_draws(seed, doc["units"]["unit_id"], use_numpy=use_numpy)
    return select_with(
        doc,
        xs,
        late_excluded=late_excluded,
        excluded_positions=excluded_positions,
        use_numpy=use_numpy,
    )


# -- uniform picks for teams and labs ----------------------------------------------------------
def pick_uniform(
    keyed: KeyedHmac,
    unit_id: str,
    candidates: Sequence[str],
    k: int,
    first: Sequence[bytes] = (),
) -> list[str]:
    """``k`` distinct candidates, uniformly without replacement (see module doc); ``keyed``
    holds the seed and the domain (team or lab); ``first`` may hold the digests for
    j = 0, 1, ... computed ahead in bulk."""
    m = len(candidates)
    if k > m:
        raise ValueError("fewer candidates than places")
    limit = (1 << 64) - (1 << 64) % m
    chosen: list[str] = []
    base = unit_id.encode() + b"\x00"
    j = 0
    batch = list(first)
    while True:
        for digest in batch:
            v = int.from_bytes(digest[:8], "big")
            if v < limit:
                c = candidates[v % m]
                if c not in chosen:
                    chosen.append(c)
                    if len(chosen) == k:
                        return chosen
        j += len(batch)
        batch = keyed.digests([base + str(j + t).encode() for t in range(k + 1)])


def _ahead(keyed: KeyedHmac, unit_ids: list[str], per_unit: int) -> list[list[bytes]]:
    """The digests for j = 0 .. per_unit-1 of every unit, in one bulk HMAC pass."""
    suffixes = [b"\x00" + str(j).encode() for j in range(per_unit)]
    flat = keyed.digests([u.encode() + s for u in unit_ids for s in suffixes])
    return [flat[i : i + per_unit] for i in range(0, len(flat), per_unit)]


class HmacPicker:
    """Team and lab picks from per-unit HMAC digests, the first few computed in bulk."""

    def __init__(self, seed: bytes, pools: Pools, chosen_ids: list[str]) -> None:
        self.team_hmac = KeyedHmac(seed, TEAM_DOMAIN)
        self.lab_hmac = KeyedHmac(seed, LAB_DOMAIN)
        self.team_ahead = _ahead(self.team_hmac, chosen_ids, pools.team_size + 1)
        self.lab_ahead = _ahead(self.lab_hmac, chosen_ids, 2)

    def team(self, n: int, unit_id: str, candidates: list[str], k: int) -> list[str]:
        return pick_uniform(self.team_hmac, unit_id, candidates, k, self.team_ahead[n])

    def lab(self, n: int, unit_id: str, candidates: list[str]) -> str:
        return pick_uniform(self.lab_hmac, unit_id, candidates, 1, self.lab_ahead[n])[0]


def assign_teams(
    doc: dict, seed: bytes, chosen: Chosen, recusals: Iterable[Recusal]
) -> list[Selected]:
    """Phase 2: a team of inspectors and a lab for each chosen unit."""
    return assign_with(doc, chosen, recusals, lambda pools, ids: HmacPicker(seed, pools, ids))
