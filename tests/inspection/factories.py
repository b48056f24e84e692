"""Snapshot documents and draw records built in memory, for the pure domain tests.

Documents use the algorithm new snapshots commit to unless ``algorithm`` says otherwise."""

import random
from collections.abc import Sequence

from services.inspection.domain.draw import (
    ALGORITHM,
    DRAW_FORMAT,
    SNAPSHOT_FORMAT,
    Recusal,
    canonical_bytes,
    compute_draw,
    seed_commitment,
    sha256_hex,
)

WEIGHTS = {"A": 1, "B": 2, "C": 4, "D": 8}
REGIONS = ("330100", "330200", "330300")
CATEGORIES = ("household_appliances", "toys")


def snapshot_doc(
    n: int = 40,
    *,
    seed: int = 1,
    strata: list[dict] | None = None,
    team_size: int = 2,
    cross_region: bool = True,
    inspectors_per_region: int = 3,
    commitment: str = "0" * 64,
    algorithm: str = ALGORITHM,
) -> dict:
    rng = random.Random(seed)
    ids = sorted(f"U{rng.randrange(16**12):012X}{i:04d}" for i in range(n))
    classes = [rng.choice("ABCD") for _ in ids]
    dishonest = [1 if rng.random() < 0.1 else 0 for _ in ids]
    inspector_ids = [f"INS-{r}-{k}" for r in REGIONS for k in range(inspectors_per_region)]
    return {
        "format": SNAPSHOT_FORMAT,
        "algorithm": algorithm,
        "snapshot_id": f"snap-{seed}",
        "seed_commitment": commitment,
        "excluded_count": 0,
        "frozen_on": "2026-11-22",
        "policy": {"version": 1},
        "plan": {
            "plan_id": "plan-1",
            "sampling": {
                "weights": WEIGHTS,
                "dishonest_multiplier": 2,
                "strata": strata
                or [{"risk_classes": ["A", "B", "C", "D"], "size": max(1, n // 5), "ratio": None}],
            },
            "team_size": team_size,
            "cross_region_teams": cross_region,
            "region_granularity": 4,
        },
        "units": {
            "unit_id": ids,
            "enterprise_uscc": [f"E{i % 7}" for i in range(n)],
            "region_code": [REGIONS[rng.randrange(3)] for _ in ids],
            "product_category": [CATEGORIES[rng.randrange(2)] for _ in ids],
            "risk_class": classes,
            "dishonest": dishonest,
            "weight": [
                WEIGHTS[c] * (2 if d else 1) for c, d in zip(classes, dishonest, strict=True)
            ],
        },
        "inspectors": {
            "inspector_id": inspector_ids,
            "region_code": [i.split("-")[1] for i in inspector_ids],
            "expertise": [list(CATEGORIES) for _ in inspector_ids],
        },
        "labs": {"lab_id": ["L1", "L2", "L3"], "categories": [list(CATEGORIES)] * 3},
    }


def published_draw(
    doc: dict,
    seed: bytes,
    *,
    late: Sequence[str] = (),
    recusals: Sequence[Recusal] = (),
) -> tuple[dict, bytes]:
    """A draw record as the service publishes it, and the snapshot bytes it refers to."""
    doc = {**doc, "seed_commitment": seed_commitment(seed)}
    snapshot = canonical_bytes(doc)
    outcome = compute_draw(doc, seed, late_excluded=late, recusals=recusals)
    bundle = {
        "format": DRAW_FORMAT,
        "algorithm": doc["algorithm"],
        "draw_id": "draw-1",
        "seed": seed.hex(),
        "seed_commitment": seed_commitment(seed),
        "snapshot_hash": sha256_hex(snapshot),
        "late_exclusions": [{"unit_id": u, "rule": "running_check", "cause": {}} for u in late],
        "recusals": [r.as_doc() for r in recusals],
        "selection": outcome.selection_doc(),
        "result_digest": outcome.result_digest,
    }
    return bundle, snapshot
