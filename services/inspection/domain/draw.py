"""The verifiable draw: commit to a snapshot and a seed, reveal the seed, draw. Pure.

A draw is a documented, versioned function of (snapshot document, seed, the late exclusions
and recusals its record lists). The snapshot names its algorithm, and a draw always uses the
algorithm of its snapshot, so a draw stays verifiable after a newer algorithm is introduced:

* ``es-shake256-v2`` (``draw_v2``, every new snapshot): per-unit numbers from one SHAKE-256
  stream bound to the seed and the snapshot hash; see that module for the specification.
* ``es-hmac-sha256-v1`` (``draw_v1``, earlier snapshots): per-unit HMAC-SHA256 of the unit id.

Both select units by Efraimidis-Spirakis keys compared exactly (``draw_core``) and draw teams
and labs uniformly without replacement.
"""

from collections.abc import Iterable
from types import ModuleType

from services.inspection.domain import draw_seed, draw_v1, draw_v2
from services.inspection.domain.draw_core import (
    DRAW_FORMAT,
    SEED_BYTES,
    SNAPSHOT_FORMAT,
    UNIT_COLUMNS,
    Chosen,
    DrawOutcome,
    NoEligibleLab,
    Pools,
    Recusal,
    Selected,
    StratumSummary,
    TooFewInspectors,
    canonical_bytes,
    np,
    paused_gc,
    seed_commitment,
    sha256_hex,
)

ALGORITHM = draw_v2.ALGORITHM  # what new snapshots commit to
ALGORITHMS: dict[str, ModuleType] = {draw_v1.ALGORITHM: draw_v1, draw_v2.ALGORITHM: draw_v2}

__all__ = [
    "ALGORITHM",
    "ALGORITHMS",
    "DRAW_FORMAT",
    "SEED_BYTES",
    "SNAPSHOT_FORMAT",
    "UNIT_COLUMNS",
    "Chosen",
    "DrawOutcome",
    "NoEligibleLab",
    "Pools",
    "Recusal",
    "Selected",
    "StratumSummary",
    "TooFewInspectors",
    "assign_teams",
    "canonical_bytes",
    "compute_draw",
    "np",
    "paused_gc",
    "seed_commitment",
    "select_units",
    "selection_columns",
    "sha256_hex",
]


def algorithm_of(doc: dict) -> ModuleType:
    module = ALGORITHMS.get(doc.get("algorithm"))  # type: ignore[arg-type]
    if module is None:
        raise ValueError(f"unsupported algorithm {doc.get('algorithm')!r}")
    return module


def selection_columns(algorithm: str) -> tuple[str, ...]:
    """The unit columns phase 1 of ``algorithm`` reads of every unit."""
    return algorithm_of({"algorithm": algorithm}).SELECTION_COLUMNS  # type: ignore[no-any-return]


def select_units(
    doc: dict,
    seed: bytes,
    *,
    late_excluded: Iterable[str] = (),
    excluded_positions: Iterable[int] = (),
    use_numpy: bool = True,
    snapshot_hash: str | None = None,
) -> tuple[Chosen, list[StratumSummary]]:
    """Phase 1: the units, stratum by stratum (teams need the recusals of these units).
    Late exclusions by unit id or by position; ``snapshot_hash`` (v2) saves hashing the
    document: pass the published one."""
    if algorithm_of(doc) is draw_v1:
        return draw_v1.select_units(
            doc,
            seed,
            late_excluded=late_excluded,
            excluded_positions=excluded_positions,
            use_numpy=use_numpy,
        )
    return draw_v2.select_units(
        doc,
        seed,
        snapshot_hash=snapshot_hash,
        late_excluded=late_excluded,
        excluded_positions=excluded_positions,
        use_numpy=use_numpy,
    )


def assign_teams(
    doc: dict,
    seed: bytes,
    chosen: Chosen,
    recusals: Iterable[Recusal],
    *,
    snapshot_hash: str | None = None,
) -> list[Selected]:
    """Phase 2: a team of inspectors and a lab for each chosen unit."""
    if algorithm_of(doc) is draw_v1:
        return draw_v1.assign_teams(doc, seed, chosen, recusals)
    return draw_v2.assign_teams(doc, seed, chosen, recusals, snapshot_hash=snapshot_hash)


def compute_draw(
    doc: dict,
    seed: bytes,
    *,
    late_excluded: Iterable[str] = (),
    recusals: Iterable[Recusal] = (),
    use_numpy: bool = True,
    snapshot_hash: str | None = None,
) -> DrawOutcome:
    """The draw as a pure function of the snapshot document, the draw seed (the server's seed
    combined with the contributions, ``draw_seed.combine``) and the draw record."""
    with paused_gc():
        if algorithm_of(doc) is draw_v2:
            doc = draw_v2.canonical_units(doc)  # v2 numbers units by their canonical position
            snapshot_hash = snapshot_hash or draw_v2.hash_of(doc)
        chosen, summaries = select_units(
            doc, seed, late_excluded=late_excluded, use_numpy=use_numpy, snapshot_hash=snapshot_hash
        )
        if "committed_recusals" in doc:  # frozen with the snapshot: the record's list is ignored
            recusals = draw_seed.unit_recusals(doc, chosen)
        selection = assign_teams(doc, seed, chosen, recusals, snapshot_hash=snapshot_hash)
        return DrawOutcome(selection, summaries)
