"""Offline verification of a published draw against its snapshot. Pure.

The draw record (``inspection-draw/1``, served at ``/public/draws/{id}/verification``) holds
the algorithm, the revealed seed, the hashes published before the draw, the late exclusions
and recusals, and the published selection with teams and labs. ``verify`` recomputes
everything from the snapshot bytes and the seed with the algorithm both name (``es-shake256-v2``
or ``es-hmac-sha256-v1``) and lists every discrepancy.
"""

import json
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from services.inspection.domain import draw_seed, draw_v2, late_exclusions, selection_commitment
from services.inspection.domain.draw import (
    ALGORITHMS,
    DRAW_FORMAT,
    SNAPSHOT_FORMAT,
    DrawOutcome,
    Recusal,
    compute_draw,
    paused_gc,
    seed_commitment,
    sha256_hex,
)
from services.inspection.domain.model import Sampling
from shared.exceptions import DomainError


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked_units: int = 0
    selected: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(bundle: dict[str, Any], snapshot_bytes: bytes, *, use_numpy: bool = True) -> Report:
    # a whole roster of fresh objects: the cyclic collector would walk it again and again
    with paused_gc():
        return _verify(bundle, snapshot_bytes, use_numpy)


def _verify(bundle: dict[str, Any], snapshot_bytes: bytes, use_numpy: bool) -> Report:
    """The steps in the spec's order (docs/draw-spec.md); each stops the check when what
    follows it could not be computed."""
    report = Report()
    problems = report.problems
    header = _check_header(bundle, problems)
    if header is None:
        return report
    algorithm, seed = header
    snapshot_hash = sha256_hex(snapshot_bytes)
    doc = _check_snapshot(bundle, snapshot_bytes, snapshot_hash, algorithm, problems)
    if doc is None:
        return report
    checked = draw_seed.check_contributions(
        doc.get("contributions"), bundle.get("contributions") or [], seed, snapshot_hash
    )
    problems.extend(checked.problems)
    if checked.draw_seed is None:
        return report
    if bundle.get("draw_seed") not in (None, checked.draw_seed.hex()):
        problems.append("the published draw seed is not the combination of seed and contributions")
    report.checked_units = len(doc["units"]["unit_id"])
    late = _check_units(bundle, doc, algorithm, problems)
    outcome = _recompute(bundle, doc, checked.draw_seed, late, snapshot_hash, use_numpy, problems)
    if outcome is not None:
        report.selected = _compare(bundle, doc, outcome, problems)
    return report


def _check_header(bundle: dict[str, Any], problems: list[str]) -> tuple[str, bytes] | None:
    """The record's format, algorithm and seed (against its commitment)."""
    if bundle.get("format") != DRAW_FORMAT:
        problems.append(f"not a draw record of format {DRAW_FORMAT}")
        return None
    algorithm = bundle.get("algorithm")
    if algorithm not in ALGORITHMS:
        problems.append(f"unsupported algorithm {algorithm!r}")
        return None
    try:
        seed = bytes.fromhex(bundle["seed"])
    except (KeyError, TypeError, ValueError):
        problems.append("the draw record has no valid hex seed")
        return None
    if seed_commitment(seed) != bundle.get("seed_commitment"):
        problems.append("the seed does not match the seed commitment published before the draw")
    return str(algorithm), seed


def _check_snapshot(
    bundle: dict[str, Any],
    snapshot_bytes: bytes,
    snapshot_hash: str,
    algorithm: str,
    problems: list[str],
) -> dict[str, Any] | None:
    """The snapshot document against the hash and seed commitment published before the draw."""
    if snapshot_hash != bundle.get("snapshot_hash"):
        problems.append("the snapshot does not match the snapshot hash published before the draw")
    try:
        doc: dict[str, Any] = json.loads(snapshot_bytes)
    except ValueError:
        problems.append("the snapshot is not valid JSON")
        return None
    if doc.get("format") != SNAPSHOT_FORMAT or doc.get("algorithm") != algorithm:
        problems.append(f"the snapshot is not an {algorithm} snapshot")
        return None
    if doc.get("seed_commitment") != bundle.get("seed_commitment"):
        problems.append("the snapshot commits to a different seed")
    return doc


def _check_units(
    bundle: dict[str, Any], doc: dict[str, Any], algorithm: str, problems: list[str]
) -> list[str]:
    """The unit order and weights, and the late exclusions (committed, and in the snapshot);
    returns the late-excluded unit ids the draw is recomputed without."""
    ids = doc["units"]["unit_id"]
    canonical = draw_v2.is_canonical_order(ids)
    if algorithm == draw_v2.ALGORITHM and not canonical:
        problems.append("the snapshot does not list its units in canonical (unit id) order")
    problems.extend(_check_weights(doc))
    # the draw is recomputed without the listed units: they must be the committed ones
    problems.extend(late_exclusions.check_record(bundle, complete=True))
    late = [e["unit_id"] for e in bundle.get("late_exclusions", [])]
    in_order = ids if canonical else sorted(ids)
    strays = [u for u in late if not _contains(in_order, u)]
    if strays:
        problems.append(f"late exclusions name units not in the snapshot: {strays[:5]}")
    return late


def _recompute(
    bundle: dict[str, Any],
    doc: dict[str, Any],
    seed: bytes,
    late: list[str],
    snapshot_hash: str,
    use_numpy: bool,
    problems: list[str],
) -> DrawOutcome | None:
    """The draw recomputed from the snapshot and the combined seed; None when it cannot be."""
    recusals = [
        Recusal(r["unit_id"], r["kind"], r["id"], r["reason"]) for r in bundle.get("recusals", [])
    ]
    try:
        return compute_draw(
            doc,
            seed,
            late_excluded=late,
            recusals=recusals,
            use_numpy=use_numpy,
            snapshot_hash=snapshot_hash,
        )
    except DomainError as exc:
        problems.append(f"the draw cannot be recomputed: {exc.detail}")
    except ValueError as exc:  # e.g. a v2 seed of the wrong length, duplicate unit ids
        problems.append(f"the draw cannot be recomputed: {exc}")
    return None


def _compare(
    bundle: dict[str, Any], doc: dict[str, Any], outcome: DrawOutcome, problems: list[str]
) -> int:
    """The published selection, recusals, digest and selection commitment against the
    recomputed draw; returns how many units the record publishes as selected."""
    expected = outcome.selection_doc()
    if "committed_recusals" in doc:
        problems.extend(_check_recusals(doc, expected, bundle.get("recusals") or []))
    published = bundle.get("selection", [])
    if published != expected:
        problems.extend(_diff_selection(expected, published))
    if bundle.get("result_digest") != outcome.result_digest and not problems:
        problems.append("the result digest does not match the selection")
    if bundle.get("selection_commitment") is not None:  # draws since time-locked publicity
        problems.extend(
            selection_commitment.check_full(
                published, bundle.get("selection_key", ""), bundle["selection_commitment"]
            )
        )
    return len(published)


def verify_partial(bundle: dict[str, Any]) -> Report:
    """A draw record before its full reveal: the entries revealed so far (sampling recorded)
    against the commitment to the selection published at draw time, and the seed."""
    report = Report()
    try:
        seed = bytes.fromhex(bundle["seed"])
    except (KeyError, TypeError, ValueError):
        report.problems.append("the draw record has no valid hex seed")
        return report
    if seed_commitment(seed) != bundle.get("seed_commitment"):
        report.problems.append("the seed does not match the seed commitment")
    report.problems.extend(verify_contributions(bundle, seed))
    report.problems.extend(late_exclusions.check_record(bundle, complete=False))
    leaves = bundle.get("leaves") or []
    if len(leaves) != bundle.get("selected_count"):
        report.problems.append("the number of leaves differs from the selected count")
    try:
        revealed = [
            selection_commitment.RevealedEntry(e["index"], bytes.fromhex(e["salt"]), e)
            for e in bundle.get("selection", [])
        ]
    except (KeyError, TypeError, ValueError):
        report.problems.append("a revealed entry lacks a valid index or salt")
        return report
    report.problems.extend(
        selection_commitment.check_partial(leaves, revealed, bundle.get("selection_commitment", ""))
    )
    report.selected = len(revealed)
    return report


def _check_recusals(doc: dict, expected: list[dict], published: list[dict]) -> list[str]:
    """The record's recusals must be those the snapshot committed, for the drawn units."""
    ids = doc["units"]["unit_id"]
    chosen = [(e["stratum"], e["rank"], bisect_left(ids, e["unit_id"])) for e in expected]
    derived = [r.as_doc() for r in draw_seed.unit_recusals(doc, chosen)]
    if derived != published:
        return ["the draw record's recusals differ from those committed in the snapshot"]
    return []


def verify_contributions(bundle: dict[str, Any], seed: bytes) -> list[str]:
    """A record's revealed contributions against their commitments, and its draw seed."""
    contributions = bundle.get("contributions") or []
    problems, values = [], {}
    for c in contributions:
        try:
            value = bytes.fromhex(c.get("value") or "")
        except ValueError:
            value = b""
        if not draw_seed.matches(value, c.get("commitment", "")):
            problems.append(f"contribution {c.get('id')} does not match its commitment")
        values[c.get("id")] = value
    if problems or bundle.get("draw_seed") is None:
        return problems
    try:
        combined = draw_seed.combine(seed, bundle.get("snapshot_hash", ""), values).hex()
    except ValueError as exc:
        return [f"the draw seed cannot be recomputed: {exc}"]
    if combined != bundle["draw_seed"]:
        problems.append("the published draw seed is not the combination of seed and contributions")
    return problems


def _contains(sorted_ids: list[str], unit_id: str) -> bool:
    i = bisect_left(sorted_ids, unit_id)
    return i < len(sorted_ids) and sorted_ids[i] == unit_id


def _check_weights(doc: dict) -> list[str]:
    """Each unit's weight must follow from its risk class and dishonesty flag."""
    sampling = Sampling.from_doc(doc["plan"]["sampling"])
    expected = {
        (c.value, flag): sampling.weight(c, bool(flag)) for c in sampling.weights for flag in (0, 1)
    }
    units = doc["units"]
    derived = list(map(expected.get, zip(units["risk_class"], units["dishonest"], strict=True)))
    if derived == units["weight"]:
        return []
    wrong = [
        u for u, e, w in zip(units["unit_id"], derived, units["weight"], strict=True) if e != w
    ]
    return [f"{len(wrong)} units carry weights the plan does not give them, e.g. {wrong[:3]}"]


def _diff_selection(expected: list[dict], published: list[dict]) -> list[str]:
    problems = []
    exp_units = {e["unit_id"]: e for e in expected}
    pub_units = {p.get("unit_id"): p for p in published}
    missing = [u for u in exp_units if u not in pub_units]
    extra = [u for u in pub_units if u not in exp_units]
    if missing:
        problems.append(
            f"{len(missing)} units the draw selects are not published, e.g. {missing[:3]}"
        )
    if extra:
        problems.append(f"{len(extra)} published units the draw does not select, e.g. {extra[:3]}")
    for unit_id, exp in exp_units.items():
        pub = pub_units.get(unit_id)
        if pub is None:
            continue
        for key in ("stratum", "rank", "inspectors", "lab"):
            if pub.get(key) != exp[key]:
                problems.append(
                    f"unit {unit_id}: published {key} {pub.get(key)!r}, recomputed {exp[key]!r}"
                )
                break
        if len(problems) > 20:
            problems.append("... (further differences not listed)")
            break
    if len(published) != len(pub_units):
        problems.append("the published selection lists a unit twice")
    return problems
