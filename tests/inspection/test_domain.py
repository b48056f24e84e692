"""Pure domain: the draw algorithm, the eligibility policy, results and rosters (no database)."""

import hashlib
import hmac
import math
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.inspection.domain import draw as d
from services.inspection.domain import draw_v1 as d1
from services.inspection.domain import draw_v2 as d2
from services.inspection.domain.draw_core import _exact_cmp, top_weighted
from services.inspection.domain.model import (
    FailedItem,
    Outcome,
    Result,
    ResultStatus,
    RiskClass,
    Sampling,
    Stratum,
    mask_name,
)
from services.inspection.domain.policy import (
    POLICY_V1,
    CheckRecord,
    CheckType,
    Claim,
    EligibilityPolicy,
    Rule,
    add_months,
    exclusions,
)
from services.inspection.domain.roster import parse_inspectors, parse_units, unit_id_for
from shared.auth import AuthorityLevel
from shared.exceptions import Conflict, InvalidInput
from shared.periods import Period as SharedPeriod
from shared.periods import Unit as SharedUnit
from shared.periods import period_end
from tests.inspection import reference_v2
from tests.inspection.conftest import inspectors_csv, units_csv
from tests.inspection.factories import snapshot_doc

SEED = bytes(range(32))
NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)


# -- es-hmac-sha256-v1 (draws made before v2) ---------------------------------------------------
def test_keyed_hmac_is_standard_hmac_sha256() -> None:
    keyed = d1.KeyedHmac(SEED, d1.UNIT_DOMAIN)
    msgs = [b"U1", "统一".encode(), b"", b"x" * 200]
    assert keyed.digests(msgs) == [hmac.digest(SEED, d1.UNIT_DOMAIN + m, "sha256") for m in msgs]
    long_key = b"k" * 100  # keys over a block are hashed first, as RFC 2104 says
    assert d1.KeyedHmac(long_key, b"").digest(b"m") == hmac.digest(long_key, b"m", "sha256")


def test_unit_draw_is_documented_formula() -> None:
    x = d1.unit_draws(SEED, ["U1"], use_numpy=False)[0]
    digest = hmac.digest(SEED, b"es-hmac-sha256-v1\x00unit\x00U1", "sha256")
    assert x == int.from_bytes(digest[:8], "big") >> 12
    assert 0 < (2 * x + 1) / 2**53 < 1


STRATA: list[dict[str, Any]] = [
    {"risk_classes": ["A", "B"], "size": 20, "ratio": None},
    {"risk_classes": ["C", "D"], "size": None, "ratio": "0.25"},
]


@pytest.mark.skipif(d.np is None, reason="numpy path needs numpy")
@pytest.mark.parametrize("algorithm", [d2.ALGORITHM, d1.ALGORITHM])
def test_numpy_and_pure_paths_agree(algorithm: str) -> None:
    doc = snapshot_doc(300, seed=3, strata=STRATA, algorithm=algorithm)
    a = d.compute_draw(doc, SEED, late_excluded=doc["units"]["unit_id"][:10])
    b = d.compute_draw(doc, SEED, late_excluded=doc["units"]["unit_id"][:10], use_numpy=False)
    assert a.selection == b.selection and a.strata == b.strata
    assert [s.target for s in a.strata] == [20, math.ceil(Decimal("0.25") * a.strata[1].available)]


# Known answers: the v1 digests were computed with the code that made v1 draws before v2 was
# introduced; v1 must keep giving them or published draws would stop verifying. The v2 ones
# pin the algorithm: a change to it needs a new algorithm id, not an edit.
KNOWN_ANSWERS = [
    (d1.ALGORITHM, 40, 1, None, "8f3a01196f6ed64b451a4ce5efbdc81bc3b46903a670731b7a1a669ef41da69f"),
    (
        d1.ALGORITHM,
        300,
        3,
        STRATA,
        "d31cfd7c804172588a486fc6260a1caecc7004fa870f202c7a49b13f8a3df05e",
    ),
    (d2.ALGORITHM, 40, 1, None, "c20823955a5b004bafecd69a659192504f6b855c25483caaa2b33cb04d0db5b3"),
    (
        d2.ALGORITHM,
        300,
        3,
        STRATA,
        "923138d0a09a34b6d09394c0b57ee66aad2ced68277bd2007557b9674c36dfd2",
    ),
]


@pytest.mark.parametrize(("algorithm", "n", "doc_seed", "strata", "digest"), KNOWN_ANSWERS)
def test_known_answers(
    algorithm: str, n: int, doc_seed: int, strata: list[dict[str, Any]] | None, digest: str
) -> None:
    doc = snapshot_doc(n, seed=doc_seed, strata=strata, algorithm=algorithm)
    late = doc["units"]["unit_id"][:3]
    recusals = [d.Recusal(doc["units"]["unit_id"][5], "inspector", "INS-330100-0", "conflict")]
    for use_numpy in (True, False):
        outcome = d.compute_draw(
            doc, SEED, late_excluded=late, recusals=recusals, use_numpy=use_numpy
        )
        assert outcome.result_digest == digest
    if algorithm == d2.ALGORITHM:  # and so does the independent implementation of the spec
        selection = reference_v2.draw(doc, SEED, late, [r.as_doc() for r in recusals])
        assert d.sha256_hex(d.canonical_bytes(selection)) == digest


# -- es-shake256-v2 ------------------------------------------------------------------------------
def test_v2_unit_numbers_are_the_documented_stream() -> None:
    snapshot_hash = "ab" * 32
    xof = hashlib.shake_256(b"es-shake256-v2\x00unit\x00" + SEED + bytes.fromhex(snapshot_hash))
    data = xof.digest(8 * 5)
    words = [int.from_bytes(data[8 * j : 8 * j + 8], "big") for j in range(5)]
    for use_numpy in (True, False):
        xs = d2.unit_draws(SEED, snapshot_hash, 5, use_numpy=use_numpy)
        assert [int(x) for x in xs] == [w >> 12 for w in words]


def test_v2_maps_every_word_strictly_inside_the_unit_interval_exactly() -> None:
    for word in (0, 1, 2**12, 2**63, 2**64 - 1):
        x = word >> 12
        u = (x + 0.5) / 2**52
        assert u == Fraction(2 * x + 1, 2**53)  # exact in binary64
        assert 0 < u < 1
    # why not 53 bits: the largest word would round to exactly 1.0
    assert ((2**64 - 1 >> 11) + 0.5) / 2**53 == 1.0


def test_v2_streams_are_separate_per_purpose_and_bound_to_seed_and_hash() -> None:
    h = "cd" * 32
    inputs = {d2.stream_input(p, SEED, h) for p in (d2.UNIT, d2.TEAM, d2.LAB)}
    inputs |= {d2.stream_input(d2.UNIT, bytes(32), h), d2.stream_input(d2.UNIT, SEED, "ce" * 32)}
    assert len(inputs) == 5
    with pytest.raises(ValueError):
        d2.stream_input(d2.UNIT, SEED[:31], h)
    with pytest.raises(ValueError):
        d2.stream_input(d2.UNIT, SEED, "cd" * 31)


def test_v2_word_stream_continues_the_same_output_beyond_its_first_read() -> None:
    data = b"some stream input"
    stream = d2.WordStream(data, 2)
    taken = [stream.take() for _ in range(100)]
    raw = hashlib.shake_256(data).digest(800)
    assert taken == [int.from_bytes(raw[8 * j : 8 * j + 8], "big") for j in range(100)]


def test_v2_pick_skips_biased_words_and_repeats() -> None:
    class Words:
        def __init__(self, words: list[int]) -> None:
            self.words = iter(words)

        def take(self) -> int:
            return next(self.words)

    m = 3  # 2**64 % 3 == 1: only the largest word is discarded
    words = [2**64 - 1, 4, 7, 2]  # discarded, candidate 1, candidate 1 again, candidate 2
    # Words stands in for the hash-driven WordStream with chosen words
    assert d2.pick_uniform(Words(words), ["a", "b", "c"], 2) == ["b", "c"]  # type: ignore[arg-type]
    assert 2**64 % m == 1  # so the limit is 2**64 - 1
    with pytest.raises(ValueError):
        d2.pick_uniform(Words([]), ["a"], 2)  # type: ignore[arg-type]  # as above


def test_v2_teams_and_labs_come_from_their_streams_in_selection_order() -> None:
    doc = snapshot_doc(40, seed=8, cross_region=False)
    outcome = d.compute_draw(doc, SEED)
    h = d2.hash_of(doc)
    teams = d2.WordStream(d2.stream_input(d2.TEAM, SEED, h), 1)
    labs = d2.WordStream(d2.stream_input(d2.LAB, SEED, h), 1)
    inspectors = sorted(doc["inspectors"]["inspector_id"])
    for selected in outcome.selection:  # nobody is excluded: every unit sees the whole pool
        assert list(selected.inspectors) == d2.pick_uniform(teams, inspectors, 2)
        assert selected.lab == d2.pick_uniform(labs, ["L1", "L2", "L3"], 1)[0]


def test_v2_late_exclusion_by_position_equals_by_id() -> None:
    doc = snapshot_doc(80, seed=6, strata=STRATA)
    ids = doc["units"]["unit_id"]
    h = d2.hash_of(doc)
    by_id = d.select_units(doc, SEED, late_excluded=[ids[4], ids[9]], snapshot_hash=h)
    lean = {**doc, "units": {c: doc["units"][c] for c in d2.SELECTION_COLUMNS}}
    by_position = d.select_units(lean, SEED, excluded_positions=[4, 9], snapshot_hash=h)
    assert by_id == by_position


def test_v2_near_ties_go_to_the_smaller_position() -> None:
    xs = [2**51, 2**51, 2**51 + 1, 12345]
    ws = [4, 4, 4, 1]
    for use_numpy in (True, False):
        arr_x = d.np.asarray(xs, dtype=d.np.uint64) if use_numpy and d.np is not None else xs
        arr_w = d.np.asarray(ws, dtype=d.np.int64) if use_numpy and d.np is not None else ws
        order = top_weighted(list(range(4)), arr_x, arr_w, None, 4, use_numpy=use_numpy)
        assert order == [2, 0, 1, 3]


# -- exact order and team picks shared by both -------------------------------------------------
def test_exact_comparison_matches_rational_arithmetic() -> None:
    rng = random.Random(5)
    for _ in range(300):
        xa, xb = rng.randrange(2**52), rng.randrange(2**52)
        wa, wb = rng.choice([1, 2, 3, 8]), rng.choice([1, 2, 5, 16])
        ua, ub = Fraction(2 * xa + 1, 2**53), Fraction(2 * xb + 1, 2**53)
        expected = (ua**wb > ub**wa) - (ua**wb < ub**wa)  # u_a^(1/w_a) vs u_b^(1/w_b)
        assert _exact_cmp((xa, wa, "a"), (xb, wb, "b")) == -expected


def test_near_ties_are_ordered_exactly_not_by_float() -> None:
    # identical x and weight: a true tie, broken by unit id; plus a key 1 ulp-ish away
    ids = ["U3", "U1", "U2", "U0"]
    xs = [2**51, 2**51, 2**51 + 1, 12345]
    ws = [4, 4, 4, 1]
    for use_numpy in (True, False):
        arr_x = d.np.asarray(xs, dtype=d.np.uint64) if use_numpy and d.np is not None else xs
        arr_w = d.np.asarray(ws, dtype=d.np.int64) if use_numpy and d.np is not None else ws
        order = top_weighted(list(range(4)), arr_x, arr_w, ids, 4, use_numpy=use_numpy)
        assert [ids[i] for i in order] == ["U2", "U1", "U3", "U0"]


def test_pick_uniform_is_deterministic_distinct_and_fair() -> None:
    keyed = d1.KeyedHmac(SEED, d1.TEAM_DOMAIN)
    candidates = [f"I{i}" for i in range(5)]
    team = d1.pick_uniform(keyed, "U1", candidates, 3)
    assert team == d1.pick_uniform(keyed, "U1", candidates, 3) and len(set(team)) == 3
    counts = {c: 0 for c in candidates}
    for n in range(2000):
        counts[d1.pick_uniform(keyed, f"U{n}", candidates, 1)[0]] += 1
    assert all(340 < v < 460 for v in counts.values()), counts  # 400 expected each
    with pytest.raises(ValueError):
        d1.pick_uniform(keyed, "U1", candidates, 6)
    stream = d2.WordStream(b"fair", 16)
    counts = {c: 0 for c in candidates}
    for _ in range(2000):
        counts[d2.pick_uniform(stream, candidates, 1)[0]] += 1
    assert all(340 < v < 460 for v in counts.values()), counts


def test_teams_respect_cross_region_and_recusals() -> None:
    doc = snapshot_doc(60, seed=9)
    units = doc["units"]
    first = d.compute_draw(doc, SEED)
    sel = first.selection[0]
    pos = units["unit_id"].index(sel.unit_id)
    for s in first.selection:
        region = units["region_code"][units["unit_id"].index(s.unit_id)]
        assert all(i.split("-")[1] != region for i in s.inspectors)
    recused = d.Recusal(sel.unit_id, "inspector", sel.inspectors[0], "conflict_of_interest")
    again = d.compute_draw(doc, SEED, recusals=[recused])
    assert sel.inspectors[0] not in again.selection[0].inspectors
    assert [s.unit_id for s in again.selection] == [s.unit_id for s in first.selection]
    assert units["region_code"][pos]  # sanity


def test_too_few_inspectors_and_no_lab_are_conflicts() -> None:
    doc = snapshot_doc(30, seed=2, team_size=7)  # 6 inspectors outside each region
    with pytest.raises(d.TooFewInspectors) as info:
        d.compute_draw(doc, SEED)
    assert info.value.extra["eligible"] == 6 and info.value.extra["required"] == 7
    doc = snapshot_doc(30, seed=2)
    doc["labs"] = {"lab_id": ["L9"], "categories": [["cosmetics"]]}
    with pytest.raises(d.NoEligibleLab):
        d.compute_draw(doc, SEED)


def test_stratum_targets() -> None:
    assert Stratum((RiskClass.A,), size=10).target(4) == 4
    assert Stratum((RiskClass.A,), ratio=Decimal("0.1")).target(21) == 3  # ceil(2.1)
    assert Stratum((RiskClass.A,), ratio=Decimal("0.1")).target(20) == 2  # exact, no float drift


def test_sampling_validation() -> None:
    with pytest.raises(InvalidInput) as info:
        Sampling(weights={RiskClass.A: 0}, strata=(Stratum((RiskClass.A,), size=1),))
    assert info.value.code == "invalid_weight"
    with pytest.raises(InvalidInput) as info:
        Sampling(weights={RiskClass.A: 1}, strata=(Stratum((RiskClass.B,), size=1),))
    assert info.value.code == "invalid_sampling"
    s = Sampling(
        weights={RiskClass.A: 3}, strata=(Stratum((RiskClass.A,), size=1),), dishonest_multiplier=4
    )
    assert s.weight("A", True) == 12 and Sampling.from_doc(s.as_doc()) == s


# -- the six-month rule ------------------------------------------------------------------------
def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), -6) == date(2025, 7, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


@pytest.mark.parametrize(
    "today", [date(2026, 11, 22), date(2027, 2, 28), date(2026, 3, 1), date(2026, 8, 31)]
)
def test_protected_from_is_the_exact_boundary(today: date) -> None:
    since = POLICY_V1.protected_from(today)
    assert add_months(since, 6) >= today  # protected through the corresponding day
    assert add_months(date.fromordinal(since.toordinal() - 1), 6) < today  # the day before is not


def test_six_month_rule_counts_like_the_civil_code_and_the_credit_service() -> None:
    """Sampled 06-01: the sampling day is not counted, 12-01 is the last protected day; the
    credit service counts with the same shared.periods (tests/credit/test_domain.py)."""
    assert POLICY_V1.protected_until(date(2026, 6, 1)) == date(2026, 12, 1)
    assert POLICY_V1.protected_from(date(2026, 12, 1)) == date(2026, 6, 1)
    assert POLICY_V1.protected_from(date(2026, 12, 2)) == date(2026, 6, 2)
    for sampled in (date(2026, 6, 1), date(2026, 8, 31), date(2027, 8, 31), date(2026, 12, 31)):
        civil_code = period_end(sampled, SharedPeriod(6, SharedUnit.MONTHS)).day
        assert POLICY_V1.protected_until(sampled) == civil_code
    assert POLICY_V1.as_doc()["counting"] == "civil_code"


@settings(max_examples=300)
@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 400))
def test_a_unit_is_excluded_exactly_through_the_civil_code_last_day(
    sampled: date, days_later: int
) -> None:
    today = date.fromordinal(sampled.toordinal() + days_later)
    excluded = sampled >= POLICY_V1.protected_from(today)
    assert excluded == (today <= period_end(sampled, SharedPeriod(6, SharedUnit.MONTHS)).day)


def record(
    unit: str,
    day: date,
    outcome: Outcome = Outcome.PASS,
    task: str = "t1",
    check: CheckType = CheckType.SUPERVISORY_SPOT_CHECK,
) -> CheckRecord:
    return CheckRecord(unit, outcome, check, day, task, "p-old", AuthorityLevel.MUNICIPAL, "330100")


def test_exclusions_explain_each_rule() -> None:
    today = date(2026, 11, 22)
    units = [("U1", "E1"), ("U2", "E2"), ("U3", "E3"), ("U4", "E4"), ("U5", "E5"), ("U6", "E6")]
    found = exclusions(
        POLICY_V1,
        today=today,
        plan_id="p-new",
        plan_level=AuthorityLevel.MUNICIPAL,
        units=units,
        dishonest={"E4"},
        claims=[
            Claim("U1", "t-nat", "p-nat", AuthorityLevel.NATIONAL, "100000"),
            Claim("U5", "t-own", "p-new", AuthorityLevel.MUNICIPAL, "330100"),
            Claim("U6", "t-cty", "p-cty", AuthorityLevel.COUNTY, "330102"),
        ],
        history=[
            record("U2", date(2026, 6, 1), task="older"),
            record("U2", date(2026, 9, 1), task="newer"),
            record("U3", date(2026, 5, 21)),  # protected through 11-21 (Civil Code): free again
            record("U3", date(2026, 10, 1), outcome=Outcome.FAIL),  # failures do not count
            record("U4", date(2026, 10, 1)),  # dishonest: exemption lifted
            record("U5", date(2026, 10, 1), check=CheckType.RISK_MONITORING),
        ],
    )
    assert set(found) == {"U1", "U2", "U6"}
    assert (
        found["U1"].rule is Rule.HIGHER_LEVEL_RUNNING_CHECK and found["U1"].cause_task_id == "t-nat"
    )
    assert found["U6"].rule is Rule.RUNNING_CHECK
    assert found["U2"].rule is Rule.SIX_MONTH_PASS and found["U2"].cause_task_id == "newer"
    assert found["U2"].cause_date == date(2026, 9, 1)
    strict = EligibilityPolicy(version=2, dishonest_exemption_lifted=False)
    again = exclusions(
        strict,
        today=today,
        plan_id="p",
        plan_level=AuthorityLevel.MUNICIPAL,
        units=units,
        dishonest={"E4"},
        claims=[],
        history=[record("U4", date(2026, 10, 1))],
    )
    assert set(again) == {"U4"}


def test_policy_documents_round_trip() -> None:
    assert EligibilityPolicy.from_doc(POLICY_V1.as_doc()) == POLICY_V1
    with pytest.raises(InvalidInput):
        EligibilityPolicy.from_doc({"version": 2, "window_months": 99})


# -- results ------------------------------------------------------------------------------------
def recorded(outcome: Outcome, items: list[FailedItem] | None = None) -> Result:
    return Result.record(
        task_id="t",
        outcome=outcome,
        failed_items=items or [],
        sampling_date=date(2026, 11, 20),
        today=date(2026, 11, 22),
        objection_window_days=15,
        actor="regulator:r",
        at=NOW,
    )


def test_pass_is_final_at_once_fail_is_provisional() -> None:
    assert recorded(Outcome.PASS).status is ResultStatus.FINAL
    fail = recorded(Outcome.FAIL, [FailedItem("Labelling")])
    assert fail.status is ResultStatus.PROVISIONAL and fail.objection_deadline == date(2026, 12, 7)
    assert not fail.finalise_if_due(date(2026, 12, 7), NOW)
    assert fail.finalise_if_due(date(2026, 12, 8), NOW)
    # mypy keeps the narrowing of the assert above across the mutating call
    assert fail.status is ResultStatus.FINAL  # type: ignore[comparison-overlap]
    with pytest.raises(InvalidInput):
        recorded(Outcome.FAIL)
    with pytest.raises(InvalidInput):
        recorded(Outcome.PASS, [FailedItem("x")])


def test_objection_window_ending_on_a_rest_day_runs_to_the_next_working_day() -> None:
    fail = Result.record(
        task_id="t",
        outcome=Outcome.FAIL,
        failed_items=[FailedItem("Labelling")],
        sampling_date=date(2026, 9, 10),
        today=date(2026, 9, 16),
        objection_window_days=15,
        actor="regulator:r",
        at=NOW,
    )
    # 15 days end on 10-01 (National Day); the holiday runs to 10-07
    assert fail.objection_deadline == date(2026, 10, 8)


def test_objection_then_retest() -> None:
    fail = recorded(Outcome.FAIL, [FailedItem("Labelling")])
    with pytest.raises(Conflict):
        fail.record_retest(Outcome.PASS, [], "r", NOW)
    fail.object("sample damaged", date(2026, 12, 1), NOW)
    assert not fail.finalise_if_due(date(2027, 1, 1), NOW)  # waits for the re-test
    fail.record_retest(Outcome.PASS, [], "regulator:r", NOW)
    assert fail.status is ResultStatus.FINAL and fail.outcome is Outcome.PASS and fail.retested


def test_objection_window_closes() -> None:
    fail = recorded(Outcome.FAIL, [FailedItem("Labelling")])
    with pytest.raises(Conflict) as info:
        fail.object("late", date(2026, 12, 8), NOW)
    assert info.value.code == "objection_window_closed"


def test_masking() -> None:
    assert (
        mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name(None) is None
    )


# -- rosters ------------------------------------------------------------------------------------
def test_unit_ids_are_stable_and_rows_validated() -> None:
    text = units_csv(4)
    parsed = parse_units(text, lambda region: True)
    assert not parsed.errors and len(parsed.items) == 4
    u = parsed.items[0]
    assert u.id == unit_id_for(u.enterprise_uscc, u.product_name, u.model)
    denied = parse_units(text, lambda region: region == "330100")
    assert {e.code for e in denied.errors} == {"outside_jurisdiction"} and len(denied.items) == 2


def test_inspector_rows_validate_conflict_usccs() -> None:
    parsed = parse_inspectors(inspectors_csv(1, {"INS-330100-0": "NOTAUSCC"}), lambda r: True)
    assert [(e.row, e.field, e.code) for e in parsed.errors] == [(2, "conflicts", "uscc_length")]


def test_only_a_committed_snapshot_is_drawable() -> None:
    from services.inspection.domain.model import SnapshotNotDrawable, SnapshotStatus

    SnapshotStatus.COMMITTED.check_drawable()
    for status in (SnapshotStatus.DRAWN, SnapshotStatus.ABANDONED):
        with pytest.raises(SnapshotNotDrawable) as refused:
            status.check_drawable()
        assert refused.value.status is status
