"""What every draw algorithm shares: the snapshot document, hashing, the exact weighted order,
strata, inspector and lab candidates, and the outcome records. Pure.

The algorithms themselves (where the random numbers come from) live in ``draw_v1`` and
``draw_v2``; ``draw`` dispatches on the algorithm a snapshot names.
"""

import gc
import hashlib
import json
import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, cmp_to_key
from typing import Any, Protocol

from services.inspection.domain.model import Sampling
from shared.exceptions import Conflict

try:  # numpy only speeds up key arithmetic; the pure-Python path gives identical results
    import numpy as np
except ImportError:  # pragma: no cover - exercised by forcing use_numpy=False in tests
    np = None  # type: ignore[assignment]

SNAPSHOT_FORMAT = "inspection-snapshot/1"
DRAW_FORMAT = "inspection-draw/1"
SEED_BYTES = 32
# Float keys only pre-sort; keys closer than this are ordered by the exact integer comparison.
# Float error of log(u)/w is below 1e-13 for any u representable here.
_EPS = 1e-9
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
    the collector over and over, and each full collection walks the whole roster; pausing it
    halves the time of reading or drawing a roster.
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


# -- weighted selection -------------------------------------------------------------------------
def _exact_cmp(a: tuple[int, int, Any], b: tuple[int, int, Any]) -> int:
    """Order by descending key u**(1/w), u = (2x+1)/2**53, in exact integer arithmetic, then
    ascending tie-breaker (the unit id)."""
    (xa, wa, ida), (xb, wb, idb) = a, b
    left = (2 * xa + 1) ** wb << (53 * wa)
    right = (2 * xb + 1) ** wa << (53 * wb)
    if left != right:
        return -1 if left > right else 1
    return int((ida > idb) - (ida < idb))


def top_weighted(
    positions: Any,
    xs: Any,
    ws: Any,
    ids: Sequence[str] | None,
    n: int,
    *,
    use_numpy: bool = True,
) -> list[int]:
    """Of the units at ``positions``, those with the ``n`` largest keys ``u**(1/w)`` with
    ``u = (2x+1)/2**53``, best first; equal keys: smaller id first (smaller position when
    ``ids`` is None). ``xs``/``ws`` are numpy arrays on the numpy path. Floats only
    pre-sort; near ties are ordered exactly."""
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
    tie = (lambda i: i) if ids is None else ids.__getitem__
    return _resolve_near_ties(cand, fkeys, lambda i: (exact_x(i), exact_w(i), tie(i)))[:n]


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


# -- the outcome --------------------------------------------------------------------------------
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
        return self._selection_doc

    @cached_property
    def _selection_doc(self) -> list[dict]:
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


Chosen = list[tuple[int, int, int]]  # (stratum, rank, position of the unit in the snapshot)


# -- strata -------------------------------------------------------------------------------------
def positions_of(ids: Sequence[str], wanted: Iterable[str], *, ids_sorted: bool) -> list[int]:
    """Positions in ``ids`` of the ``wanted`` ids that occur there."""
    wanted = set(wanted)
    if not wanted:
        return []
    if ids_sorted:
        found = []
        for unit_id in wanted:
            i = bisect_left(ids, unit_id)
            if i < len(ids) and ids[i] == unit_id:
                found.append(i)
        return found
    return [i for i, unit_id in enumerate(ids) if unit_id in wanted]


def select_with(
    doc: dict,
    xs: Any,
    *,
    late_excluded: Iterable[str] = (),
    excluded_positions: Iterable[int] = (),
    ids_sorted: bool = False,
    tie_by_position: bool = False,
    use_numpy: bool = True,
) -> tuple[Chosen, list[StratumSummary]]:
    """Phase 1 given each unit's 52-bit ``x``: per stratum of the plan, among its units not
    excluded late (by id or by position), the ``target`` units with the largest keys
    ``u**(1/w)``, u = (2x+1)/2**53. Needs the units' risk_class and weight columns, and
    unit_id unless ties are broken by position and exclusions given by position."""
    use_numpy = use_numpy and np is not None
    units = doc["units"]
    ids: list[str] | None = units.get("unit_id")
    sampling = Sampling.from_doc(doc["plan"]["sampling"])
    stratum_of = {c.value: si for si, s in enumerate(sampling.strata) for c in s.risk_classes}
    lookup = {c: stratum_of.get(c, -1) for c in set(units["risk_class"])}
    strata = list(map(lookup.__getitem__, units["risk_class"]))
    late = set(late_excluded)
    if late and ids is None:
        raise ValueError("late exclusions by unit id need the unit_id column")
    for pos in [*positions_of(ids or [], late, ids_sorted=ids_sorted), *excluded_positions]:
        strata[pos] = -1
    members: list[Any]  # per stratum: an index array (numpy) or a list of positions
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
    tie_ids = None if tie_by_position else ids
    chosen: Chosen = []
    summaries = []
    for si, stratum in enumerate(sampling.strata):
        target = stratum.target(len(members[si]))
        summaries.append(StratumSummary(si, len(members[si]), target))
        best = top_weighted(members[si], xs, ws, tie_ids, target, use_numpy=use_numpy)
        chosen.extend((si, rank, pos) for rank, pos in enumerate(best, start=1))
    return chosen, summaries


# -- teams and labs -----------------------------------------------------------------------------
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
        # a joint plan: its departments in order, and each inspector's department
        self.departments: list[str] = list(plan.get("departments", []))
        self.department_of = dict(zip(ins["inspector_id"], ins.get("department", []), strict=False))
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


class Picker(Protocol):
    """Where an algorithm's uniform picks come from; ``n`` counts the chosen units from 0."""

    def team(self, n: int, unit_id: str, candidates: list[str], k: int) -> list[str]: ...

    def lab(self, n: int, unit_id: str, candidates: list[str]) -> str: ...


def assign_with(
    doc: dict,
    chosen: Chosen,
    recusals: Iterable[Recusal],
    make_picker: Callable[[Pools, list[str]], Picker],
) -> list[Selected]:
    """Phase 2: a team and a lab for each chosen unit, in selection order. The candidates are
    the frozen pool members whose expertise (accreditation) covers the unit's product
    category, minus same-region inspectors when the plan requires cross-region teams, minus
    the draw record's recusals for the unit, sorted by id."""
    pools = Pools(doc)
    units = doc["units"]
    recused: dict[tuple[str, str], set[str]] = {}
    for r in recusals:
        recused.setdefault((r.unit_id, r.kind), set()).add(r.member_id)
    chosen_ids = [units["unit_id"][pos] for _, _, pos in chosen]
    picker = make_picker(pools, chosen_ids)
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
        if pools.departments:
            team = _joint_team(picker, pools, n, unit_id, inspectors)
        else:
            team = picker.team(n, unit_id, inspectors, pools.team_size)
        lab = picker.lab(n, unit_id, labs)
        selection.append(Selected(unit_id, si, rank, tuple(team), lab))
    return selection


def _joint_team(
    picker: Picker, pools: Pools, n: int, unit_id: str, candidates: list[str]
) -> list[str]:
    """A joint plan's team: first one member of each department, in the order of
    ``plan.departments``, each drawn from that department's candidates; then the remaining
    places from every candidate not yet in the team (all picks from the same stream)."""
    team: list[str] = []
    for department in pools.departments:
        own = [i for i in candidates if pools.department_of.get(i) == department]
        if not own:
            raise TooFewInspectors(
                f"no eligible inspector of department {department} for unit {unit_id}; "
                "a joint plan's team has one from each department",
                unit_id=unit_id,
                department=department,
                eligible=0,
                required=1,
            )
        team += picker.team(n, unit_id, own, 1)
    rest = [i for i in candidates if i not in team]
    return team + picker.team(n, unit_id, rest, pools.team_size - len(team))
