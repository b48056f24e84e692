"""Property tests of the draw, for every algorithm a draw may have been made with (new draws
use es-shake256-v2, older ones es-hmac-sha256-v1): reproducible, hash-binding, exclusions
respected, weights followed, tampering detected, and v2 equal to an independent
implementation written from its specification."""

import math
import random
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.inspection.domain import draw as d
from services.inspection.domain import draw_v1, draw_v2
from services.inspection.domain.model import Outcome
from services.inspection.domain.policy import POLICY_V1, CheckRecord, CheckType, Claim, exclusions
from services.inspection.domain.verification import verify
from shared.auth import AuthorityLevel
from tests.inspection import reference_v2
from tests.inspection.factories import WEIGHTS, published_draw, snapshot_doc

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.binary(min_size=32, max_size=32)
BOTH = pytest.mark.parametrize("algorithm", [draw_v2.ALGORITHM, draw_v1.ALGORITHM])


def docs(algorithm: str, low: int = 5, high: int = 60) -> st.SearchStrategy[dict]:
    return st.builds(
        snapshot_doc,
        n=st.integers(low, high),
        seed=st.integers(0, 10**6),
        algorithm=st.just(algorithm),
    )


def test_new_snapshots_use_v2() -> None:
    assert d.ALGORITHM == draw_v2.ALGORITHM == "es-shake256-v2"
    assert set(d.ALGORITHMS) == {"es-shake256-v2", "es-hmac-sha256-v1"}


@BOTH
@SETTINGS
@given(data=st.data(), seed=seeds, shuffle=st.randoms(use_true_random=False))
def test_same_snapshot_and_seed_always_give_the_same_draw(
    algorithm: str, data: st.DataObject, seed: bytes, shuffle: random.Random
) -> None:
    doc = data.draw(docs(algorithm))
    first = d.compute_draw(doc, seed)
    assert d.compute_draw(doc, seed) == first
    assert d.compute_draw(doc, seed, use_numpy=False).selection == first.selection
    # the order units are listed in does not matter, only the snapshot's content
    order = list(range(len(doc["units"]["unit_id"])))
    shuffle.shuffle(order)
    permuted = {**doc, "units": {k: [v[i] for i in order] for k, v in doc["units"].items()}}
    assert d.compute_draw(permuted, seed).selection == first.selection


@BOTH
@SETTINGS
@given(data=st.data())
def test_any_change_to_the_snapshot_changes_its_hash(algorithm: str, data: st.DataObject) -> None:
    doc = data.draw(docs(algorithm))
    before = d.sha256_hex(d.canonical_bytes(doc))
    column = data.draw(st.sampled_from(sorted(doc["units"])))
    i = data.draw(st.integers(0, len(doc["units"]["unit_id"]) - 1))
    value = doc["units"][column][i]
    new = data.draw(
        st.integers(0, 99).filter(lambda v: v != value)
        if isinstance(value, int)
        else st.text(min_size=1, max_size=12).filter(lambda v: v != value)
    )
    changed = {**doc, "units": {**doc["units"], column: [*doc["units"][column]]}}
    changed["units"][column][i] = new
    assert d.sha256_hex(d.canonical_bytes(changed)) != before
    dropped = {**doc, "units": {k: v[:i] + v[i + 1 :] for k, v in doc["units"].items()}}
    assert d.sha256_hex(d.canonical_bytes(dropped)) != before


@BOTH
@SETTINGS
@given(seed=seeds, data=st.data())
def test_no_excluded_unit_is_ever_drawn(algorithm: str, seed: bytes, data: st.DataObject) -> None:
    doc = data.draw(docs(algorithm))
    ids = doc["units"]["unit_id"]
    late = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    outcome = d.compute_draw(doc, seed, late_excluded=late)
    drawn = {s.unit_id for s in outcome.selection}
    assert not drawn & set(late)
    eligible = len(ids) - len(late)
    assert len(drawn) == min(eligible, doc["plan"]["sampling"]["strata"][0]["size"])


@BOTH
@SETTINGS
@given(
    n=st.integers(3, 30),
    rnd=st.randoms(use_true_random=False),
    seed=seeds,
)
def test_units_the_policy_excludes_never_reach_a_draw(
    algorithm: str, n: int, rnd: random.Random, seed: bytes
) -> None:
    """End to end in the domain: policy exclusions at freeze, then the draw of the rest."""
    today = date(2026, 11, 22)
    doc = snapshot_doc(n, seed=rnd.randrange(10**6), algorithm=algorithm)
    ids = doc["units"]["unit_id"]
    units = list(zip(ids, doc["units"]["enterprise_uscc"], strict=True))
    claims = [
        Claim(u, f"t{u}", "other", AuthorityLevel.NATIONAL, "100000")
        for u in ids
        if rnd.random() < 0.2
    ]
    history = [
        CheckRecord(
            u,
            rnd.choice(list(Outcome)),
            CheckType.SUPERVISORY_SPOT_CHECK,
            today - timedelta(days=rnd.randrange(400)),
            f"h{u}",
            "old",
            AuthorityLevel.COUNTY,
            "330102",
        )
        for u in ids
        if rnd.random() < 0.5
    ]
    excluded = exclusions(
        POLICY_V1,
        today=today,
        plan_id="mine",
        plan_level=AuthorityLevel.PROVINCIAL,
        units=units,
        dishonest=set(),
        claims=claims,
        history=history,
    )
    keep = [i for i, u in enumerate(ids) if u not in excluded]
    if not keep:
        return
    eligible = {**doc, "units": {k: [v[i] for i in keep] for k, v in doc["units"].items()}}
    drawn = {s.unit_id for s in d.compute_draw(eligible, seed).selection}
    assert drawn and not drawn & set(excluded)
    for unit_id in drawn:  # and every drawn unit really is eligible under the rule
        assert not any(c.unit_id == unit_id for c in claims)
        assert not any(
            h.unit_id == unit_id
            and h.outcome is Outcome.PASS
            and h.sampling_date >= POLICY_V1.protected_from(today)
            for h in history
        )


def _weighted_doc(weights: list[int], size: int, algorithm: str) -> dict:
    doc = snapshot_doc(len(weights), seed=11, algorithm=algorithm)
    classes = {w: c for c, w in WEIGHTS.items()}
    doc["units"]["weight"] = weights
    doc["units"]["risk_class"] = [classes[w] for w in weights]
    doc["units"]["dishonest"] = [0] * len(weights)
    doc["plan"]["sampling"]["strata"] = [
        {"risk_classes": ["A", "B", "C", "D"], "size": size, "ratio": None}
    ]
    return doc


@BOTH
def test_first_pick_frequencies_follow_the_weights(algorithm: str) -> None:
    """Chi-square on 4000 draws with seeds derived from a fixed master seed (deterministic)."""
    weights = [1, 1, 2, 2, 4, 4, 8, 8]
    doc = _weighted_doc(weights, 1, algorithm)
    ids = doc["units"]["unit_id"]
    rng = random.Random(20261122)
    draws = 4000
    counts = dict.fromkeys(ids, 0)
    for _ in range(draws):
        counts[d.compute_draw(doc, rng.randbytes(32)).selection[0].unit_id] += 1
    total = sum(weights)
    chi2 = sum(
        (counts[u] - draws * w / total) ** 2 / (draws * w / total)
        for u, w in zip(ids, weights, strict=True)
    )
    assert chi2 < 24.32, (chi2, counts)  # 7 degrees of freedom, p = 0.001


@BOTH
def test_inclusion_probabilities_without_replacement(algorithm: str) -> None:
    """With two places, P(unit i drawn) = p_i + sum_j p_j * p_i / (1 - p_j) (successive sampling)."""
    weights = [1, 2, 3, 4]
    doc = _weighted_doc([1, 2, 4, 8], 2, algorithm)
    doc["units"]["weight"] = weights  # integer weights need not be a class's
    doc["units"]["risk_class"] = ["A"] * 4
    doc["plan"]["sampling"]["weights"] = {"A": 1, "B": 2, "C": 4, "D": 8}
    ids = doc["units"]["unit_id"]
    p = [w / sum(weights) for w in weights]
    expected = [p[i] + sum(p[j] * p[i] / (1 - p[j]) for j in range(4) if j != i) for i in range(4)]
    rng = random.Random(7)
    draws = 3000
    counts = dict.fromkeys(ids, 0)
    for _ in range(draws):
        for s in d.select_units(doc, rng.randbytes(32))[0]:
            counts[ids[s[2]]] += 1
    for unit_id, e in zip(ids, expected, strict=True):
        sd = math.sqrt(draws * e * (1 - e))
        assert abs(counts[unit_id] - draws * e) < 4 * sd, (unit_id, counts[unit_id], draws * e)


TAMPERS = [
    "seed",
    "algorithm",
    "snapshot_weight",
    "snapshot_drop_unit",
    "swap_unit",
    "rank",
    "inspector",
    "lab",
    "drop_selection",
    "fake_late_exclusion",
    "forget_late_exclusion",
    "snapshot_hash",
    "recusal",
]


@BOTH
@SETTINGS
@given(
    data=st.data(),
    seed=seeds,
    tamper=st.sampled_from(TAMPERS),
    rnd=st.randoms(use_true_random=False),
)
def test_the_offline_verifier_rejects_a_tampered_draw(
    algorithm: str, data: st.DataObject, seed: bytes, tamper: str, rnd: random.Random
) -> None:
    doc = data.draw(docs(algorithm, 12, 50))
    ids = doc["units"]["unit_id"]
    late = [ids[0]]
    bundle, snapshot = published_draw(doc, seed, late=late)
    assert verify(bundle, snapshot).ok
    chosen = {s["unit_id"] for s in bundle["selection"]}
    others = [u for u in ids if u not in chosen and u not in late]
    sel = bundle["selection"]
    k = rnd.randrange(len(sel))
    if tamper == "seed":
        bundle["seed"] = (bytes([seed[0] ^ 1]) + seed[1:]).hex()  # a different revealed seed
    elif tamper == "algorithm":  # claim the other algorithm gave this selection
        other = draw_v1.ALGORITHM if algorithm == draw_v2.ALGORITHM else draw_v2.ALGORITHM
        bundle["algorithm"] = other
    elif tamper == "snapshot_weight":
        tampered = d.canonical_bytes(
            {**_doc_of(snapshot), "units": _bump_weight(_doc_of(snapshot)["units"], k)}
        )
        snapshot = tampered
    elif tamper == "snapshot_drop_unit":
        units = _doc_of(snapshot)["units"]
        snapshot = d.canonical_bytes(
            {**_doc_of(snapshot), "units": {c: v[:-1] for c, v in units.items()}}
        )
    elif tamper == "swap_unit" and others:
        sel[k]["unit_id"] = rnd.choice(others)
    elif tamper == "rank":
        sel[k]["rank"] += len(sel)
    elif tamper == "inspector":
        sel[k]["inspectors"] = list(reversed(sel[k]["inspectors"]))
    elif tamper == "lab":
        sel[k]["lab"] = "L-bribed"
    elif tamper == "drop_selection":
        del sel[k]
    elif tamper == "fake_late_exclusion":
        # quietly exclude a drawn unit to steer the draw to someone else
        bundle["late_exclusions"].append(
            {"unit_id": sel[k]["unit_id"], "rule": "running_check", "cause": {}}
        )
    elif tamper == "forget_late_exclusion":
        bundle["late_exclusions"] = []
    elif tamper == "snapshot_hash":
        bundle["snapshot_hash"] = "0" * 64
    elif tamper == "recusal":
        bundle["recusals"].append(
            {
                "unit_id": sel[k]["unit_id"],
                "kind": "inspector",
                "id": sel[k]["inspectors"][0],
                "reason": "conflict_of_interest",
            }
        )
    else:
        return  # nothing to swap with: every unit was drawn
    report = verify(bundle, snapshot)
    if tamper == "forget_late_exclusion" and not _late_would_change(snapshot, seed, late):
        return  # the excluded unit would not have been drawn anyway: nothing to detect
    assert not report.ok, tamper


def _doc_of(snapshot: bytes) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(snapshot)
    return doc


def _bump_weight(units: dict, k: int) -> dict:
    weights = list(units["weight"])
    weights[k % len(weights)] += 1
    return {**units, "weight": weights}


def _late_would_change(snapshot: bytes, seed: bytes, late: list[str]) -> bool:
    doc = _doc_of(snapshot)  # the published document: v2 numbers depend on its hash
    return (
        d.compute_draw(doc, seed).selection
        != d.compute_draw(doc, seed, late_excluded=late).selection
    )


@BOTH
@pytest.mark.parametrize("n", [1, 2, 7])
def test_small_rosters_draw_everyone_when_size_exceeds_them(algorithm: str, n: int) -> None:
    doc = snapshot_doc(n, seed=n, algorithm=algorithm)
    doc["plan"]["sampling"]["strata"][0]["size"] = 10
    assert len(d.compute_draw(doc, bytes(32)).selection) == n


# -- v2 only ------------------------------------------------------------------------------------
@SETTINGS
@given(
    n=st.integers(1, 60),
    doc_seed=st.integers(0, 10**6),
    seed=seeds,
    team_size=st.integers(1, 5),
    cross_region=st.booleans(),
    ratio=st.sampled_from([None, "0.1", "0.5", "1"]),
    rnd=st.randoms(use_true_random=False),
)
def test_v2_equals_an_independent_implementation_of_its_specification(
    n: int,
    doc_seed: int,
    seed: bytes,
    team_size: int,
    cross_region: bool,
    ratio: str | None,
    rnd: random.Random,
) -> None:
    strata: list[dict[str, Any]] = [
        {"risk_classes": ["A", "B"], "size": rnd.randint(1, 10), "ratio": None},
        {"risk_classes": ["C", "D"], "size": None if ratio else 3, "ratio": ratio},
    ]
    doc = snapshot_doc(
        n, seed=doc_seed, strata=strata, team_size=team_size, cross_region=cross_region
    )
    ids = doc["units"]["unit_id"]
    late = rnd.sample(ids, rnd.randint(0, n // 3))
    recusals = [
        d.Recusal(u, "inspector", rnd.choice(doc["inspectors"]["inspector_id"]), "conflict")
        for u in rnd.sample(ids, rnd.randint(0, n // 3))
    ] + [d.Recusal(u, "lab", "L2", "conflict") for u in rnd.sample(ids, rnd.randint(0, n // 4))]
    expected = reference_v2.draw(doc, seed, late, [r.as_doc() for r in recusals])
    for use_numpy in (True, False):
        outcome = d.compute_draw(
            doc, seed, late_excluded=late, recusals=recusals, use_numpy=use_numpy
        )
        assert outcome.selection_doc() == expected


@SETTINGS
@given(doc=docs(draw_v2.ALGORITHM), seed=seeds, data=st.data())
def test_v2_numbers_are_bound_to_the_snapshot_hash(
    doc: dict[str, Any], seed: bytes, data: st.DataObject
) -> None:
    """The same seed under another snapshot gives unrelated numbers to every position."""
    other = {**doc, "frozen_on": data.draw(st.dates().map(str).filter(lambda v: v != "2026-11-22"))}
    count = len(doc["units"]["unit_id"])
    mine = draw_v2.unit_draws(seed, draw_v2.hash_of(doc), count, use_numpy=False)
    theirs = draw_v2.unit_draws(seed, draw_v2.hash_of(other), count, use_numpy=False)
    assert all(a != b for a, b in zip(mine, theirs, strict=True))  # 2**-52 chance each


def test_v2_verifier_rejects_a_snapshot_not_in_canonical_order() -> None:
    bundle, snapshot = published_draw(snapshot_doc(20, seed=4), bytes(range(32)))
    doc = _doc_of(snapshot)
    order = list(range(20))[::-1]
    doc["units"] = {k: [v[i] for i in order] for k, v in doc["units"].items()}
    reordered = d.canonical_bytes(doc)
    bundle["snapshot_hash"] = d.sha256_hex(reordered)  # even if published like that
    report = verify(bundle, reordered)
    assert not report.ok and any("canonical" in p for p in report.problems)


def test_v2_verifier_rejects_a_short_seed() -> None:
    seed = bytes(16)
    doc = snapshot_doc(20, seed=5, commitment=d.seed_commitment(seed))
    bundle, snapshot = published_draw(snapshot_doc(20, seed=5), bytes(range(32)))
    snapshot = d.canonical_bytes(doc)
    bundle.update(
        seed=seed.hex(),
        seed_commitment=d.seed_commitment(seed),
        snapshot_hash=d.sha256_hex(snapshot),
    )
    report = verify(bundle, snapshot)
    assert not report.ok and any("32 bytes" in p for p in report.problems)
