"""The verifiable draw, algorithm ``es-hmac-sha256-v1``. Pure: anyone can run it offline.

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

import gc
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, cmp_to_key
from itertools import repeat
from typing import Any

from services.inspection.domain.model import Sampling
from shared.exceptions import Conflict

try:  # numpy only speeds up key arithmetic; the pure-Python path gives identical results
    import numpy as np
except ImportError:  # pragma: no cover - exercised by forcing use_numpy=False in tests
    np = None

ALGORITHM = "es-hmac-sha256-v1"
SNAPSHOT_FORMAT = "inspection-snapshot/1"
DRAW_FORMAT = "inspection-draw/1"
SEED_BYTES = 32
_PREFIX = ALGORITHM.encode() + b"\x00"
UNIT_DOMAIN = _PREFIX + b"unit\x00"
TEAM_DOMAIN = _PREFIX + b"team\x00"
LAB_DOMAIN = _PREFIX + b"lab\x00"
# Float keys only pre-sort; keys closer than this are ordered by the exact integer comparison.
# Float error of log(u)/w is below 1e-13 for any u representable here.
_EPS = 1e-9
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_HASH = type(hashlib.sha256())
UNIT_COLUMNS = (
    "unit_id",
    "enterprise_uscc",
    "region_code",
    "product_category",
    "risk_class",
    "dishonest",
    "weight",
)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work on a whole roster.

    Hundreds of thousands of fresh tuples and lists (none of which can form a cycle) trigger
    the collector over and over; pausing it halves the time of reading or drawing a roster.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TooFewInspectors(Conflict):
    code = "too_few_inspectors"


class NoEligibleLab(Conflict):
    code = "no_eligible_lab"


# -- hashing ------------------------------------------------------------------------------------
def canonical_bytes(doc: Any) -> bytes:
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seed_commitment(seed: bytes) -> str:
    return sha256_hex(seed)


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


# -- weighted selection -------------------------------------------------------------------------
def _exact_cmp(a: tuple[int, int, str], b: tuple[int, int, str]) -> int:
    """Order by descending key u**(1/w) in exact integer arithmetic, then ascending unit id."""
    (xa, wa, ida), (xb, wb, idb) = a, b
    left = (2 * xa + 1) ** wb << (53 * wa)
    right = (2 * xb + 1) ** wa << (53 * wb)
    if left != right:
        return -1 if left > right else 1
    return (ida > idb) - (ida < idb)


def top_weighted(
    positions: Any, xs: Any, ws: Any, ids: Sequence[str], n: int, *, use_numpy: bool = True
) -> list[int]:
    """Of the units at ``positions``, those with the ``n`` largest keys, best first, in the
    exact order of the module doc. ``xs``/``ws`` are numpy arrays on the numpy path."""
    count = len(positions)
    n = min(n, count)
    if n <= 0:
        return []
    if use_numpy and np is not None:
        pos = np.asarray(positions, dtype=np.int64)
        u = (xs[pos] * np.uint64(2) + np.uint64(1)).astype(np.float64) * 2.0**-53
        keys = np.log(u) / ws[pos].astype(np.float64)
        if n < count:
            threshold = np.partition(keys, count - n)[count - n]
            keep = np.flatnonzero(keys >= threshold - _EPS)
        else:
            keep = np.arange(count)
        keep = keep[np.argsort(-keys[keep], kind="stable")]
        cand = pos[keep].tolist()
        fkeys = dict(zip(cand, keys[keep].tolist(), strict=True))
        xl, wl = xs, ws
        exact_x = lambda i: int(xl[i])  # noqa: E731
        exact_w = lambda i: int(wl[i])  # noqa: E731
    else:
        fk = {i: math.log((2 * xs[i] + 1) * 2.0**-53) / ws[i] for i in positions}
        order = sorted(positions, key=fk.__getitem__, reverse=True)
        threshold = fk[order[n - 1]]
        cand = [i for i in order if fk[i] >= threshold - _EPS]
        fkeys = fk
        exact_x = xs.__getitem__
        exact_w = ws.__getitem__
    return _resolve_near_ties(cand, fkeys, lambda i: (exact_x(i), exact_w(i), ids[i]))[:n]


def _resolve_near_ties(cand: list[int], fkeys: dict[int, float], exact: Any) -> list[int]:
    """Candidates arrive sorted by float key; reorder runs of near-equal keys exactly."""
    out: list[int] = []
    run: list[int] = []
    by_exact = cmp_to_key(_exact_cmp)

    def flush() -> None:
        if len(run) > 1:
            run.sort(key=lambda i: by_exact(exact(i)))
        out.extend(run)

    for i in cand:
        if run and fkeys[run[-1]] - fkeys[i] > _EPS:
            flush()
            run = []
        run.append(i)
    flush()
    return out


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


# -- the whole draw -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Selected:
    unit_id: str
    stratum: int
    rank: int
    inspectors: tuple[str, ...]
    lab: str

    def as_doc(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "stratum": self.stratum,
            "rank": self.rank,
            "inspectors": list(self.inspectors),
            "lab": self.lab,
        }


@dataclass(frozen=True)
class StratumSummary:
    stratum: int
    available: int
    target: int


@dataclass
class DrawOutcome:
    selection: list[Selected]
    strata: list[StratumSummary] = field(default_factory=list)

    def selection_doc(self) -> list[dict]:
        return [s.as_doc() for s in self.selection]

    @cached_property
    def result_digest(self) -> str:
        return sha256_hex(canonical_bytes(self.selection_doc()))


@dataclass(frozen=True)
class Recusal:
    """A pool member kept off one unit's draw, with the reason (recorded in the draw)."""

    unit_id: str
    kind: str  # "inspector" | "lab"
    member_id: str
    reason: str  # conflict_of_interest | inspected_recently

    def as_doc(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "kind": self.kind,
            "id": self.member_id,
            "reason": self.reason,
        }


class Pools:
    """Frozen inspector and lab pools with per-(category, region) candidate lists cached."""

    def __init__(self, doc: dict) -> None:
        plan = doc["plan"]
        self.team_size: int = plan["team_size"]
        self.cross_region: bool = plan["cross_region_teams"]
        self.granularity: int = plan["region_granularity"]
        ins = doc["inspectors"]
        self.inspectors = list(
            zip(ins["inspector_id"], ins["region_code"], ins["expertise"], strict=True)
        )
        self._region = dict(zip(ins["inspector_id"], ins["region_code"], strict=True))
        labs = doc["labs"]
        self.labs = list(zip(labs["lab_id"], labs["categories"], strict=True))
        self._inspector_cache: dict[tuple[str, str], list[str]] = {}
        self._lab_cache: dict[str, list[str]] = {}

    def inspector_candidates(self, category: str, region: str) -> list[str]:
        prefix = region[: self.granularity] if self.cross_region else ""
        found = self._inspector_cache.get((category, prefix))
        if found is None:
            experts = self._inspector_cache.get((category, ""))
            if experts is None:
                experts = [i for i, _, expertise in self.inspectors if category in expertise]
                self._inspector_cache[(category, "")] = experts
            found = experts
            if prefix:
                found = [i for i in experts if self._region[i][: self.granularity] != prefix]
            self._inspector_cache[(category, prefix)] = found
        return found

    def lab_candidates(self, category: str) -> list[str]:
        found = self._lab_cache.get(category)
        if found is None:
            found = [lab for lab, cats in self.labs if category in cats]
            self._lab_cache[category] = found
        return found


Chosen = list[tuple[int, int, int]]  # (stratum, rank, position of the unit in the snapshot)


def compute_draw(
    doc: dict,
    seed: bytes,
    *,
    late_excluded: Iterable[str] = (),
    recusals: Iterable[Recusal] = (),
    use_numpy: bool = True,
) -> DrawOutcome:
    """The draw as a pure function of the snapshot document, the seed and the draw record."""
    with paused_gc():
        chosen, summaries = select_units(
            doc, seed, late_excluded=late_excluded, use_numpy=use_numpy
        )
        return DrawOutcome(assign_teams(doc, seed, chosen, recusals), summaries)


def select_units(
    doc: dict, seed: bytes, *, late_excluded: Iterable[str] = (), use_numpy: bool = True
) -> tuple[Chosen, list[StratumSummary]]:
    """Phase 1: the units, stratum by stratum (teams need the recusals of these units)."""
    if doc.get("algorithm") != ALGORITHM:
        raise ValueError(f"unsupported algorithm {doc.get('algorithm')!r}")
    use_numpy = use_numpy and np is not None
    units = doc["units"]
    ids: list[str] = units["unit_id"]
    sampling = Sampling.from_doc(doc["plan"]["sampling"])
    stratum_of = {c.value: si for si, s in enumerate(sampling.strata) for c in s.risk_classes}
    lookup = {c: stratum_of.get(c, -1) for c in set(units["risk_class"])}
    strata = list(map(lookup.__getitem__, units["risk_class"]))
    excluded = set(late_excluded)
    if excluded:
        strata = [-1 if uid in excluded else si for uid, si in zip(ids, strata, strict=True)]
    xs = unit_draws(seed, ids, use_numpy=use_numpy)
    if use_numpy:
        ws = np.asarray(units["weight"], dtype=np.int64)
        sarr = np.asarray(strata, dtype=np.int64)
        members = [np.flatnonzero(sarr == si) for si in range(len(sampling.strata))]
    else:
        ws = units["weight"]
        members = [[] for _ in sampling.strata]
        for i, si in enumerate(strata):
            if si >= 0:
                members[si].append(i)
    chosen: Chosen = []
    summaries = []
    for si, stratum in enumerate(sampling.strata):
        target = stratum.target(len(members[si]))
        summaries.append(StratumSummary(si, len(members[si]), target))
        best = top_weighted(members[si], xs, ws, ids, target, use_numpy=use_numpy)
        chosen.extend((si, rank, pos) for rank, pos in enumerate(best, start=1))
    return chosen, summaries


def assign_teams(
    doc: dict, seed: bytes, chosen: Chosen, recusals: Iterable[Recusal]
) -> list[Selected]:
    """Phase 2: a team of inspectors and a lab for each chosen unit."""
    pools = Pools(doc)
    units = doc["units"]
    team_hmac = KeyedHmac(seed, TEAM_DOMAIN)
    lab_hmac = KeyedHmac(seed, LAB_DOMAIN)
    recused: dict[tuple[str, str], set[str]] = {}
    for r in recusals:
        recused.setdefault((r.unit_id, r.kind), set()).add(r.member_id)
    chosen_ids = [units["unit_id"][pos] for _, _, pos in chosen]
    team_ahead = _ahead(team_hmac, chosen_ids, pools.team_size + 1)
    lab_ahead = _ahead(lab_hmac, chosen_ids, 2)
    selection = []
    for n, (si, rank, pos) in enumerate(chosen):
        unit_id = chosen_ids[n]
        category = units["product_category"][pos]
        inspectors = pools.inspector_candidates(category, units["region_code"][pos])
        labs = pools.lab_candidates(category)
        if recused:
            if (unit_id, "inspector") in recused:
                inspectors = [i for i in inspectors if i not in recused[(unit_id, "inspector")]]
            if (unit_id, "lab") in recused:
                labs = [lab for lab in labs if lab not in recused[(unit_id, "lab")]]
        if len(inspectors) < pools.team_size:
            raise TooFewInspectors(
                f"only {len(inspectors)} eligible inspectors for unit {unit_id} "
                f"({category}); a team needs {pools.team_size}",
                unit_id=unit_id,
                product_category=category,
                eligible=len(inspectors),
                required=pools.team_size,
            )
        if not labs:
            raise NoEligibleLab(
                f"no eligible testing lab for unit {unit_id} ({category})",
                unit_id=unit_id,
                product_category=category,
            )
        team = pick_uniform(team_hmac, unit_id, inspectors, pools.team_size, team_ahead[n])
        lab = pick_uniform(lab_hmac, unit_id, labs, 1, lab_ahead[n])[0]
        selection.append(Selected(unit_id, si, rank, tuple(team), lab))
    return selection
