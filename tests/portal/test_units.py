"""Pure parts of the portal: pass rates, language choice, settings, make-run wiring."""

import pytest

from services.portal.charts import bars, pass_rates
from services.portal.config import PortalSettings
from services.portal.i18n import MESSAGES, pick_language, translator


def result(outcome: str | None, region: str) -> dict:
    return {"region_code": region, "result": {"outcome": outcome} if outcome else None}


def test_pass_rates_count_refusals_as_not_passed_and_skip_open_results() -> None:
    results = [
        result("pass", "330100"),
        result("fail", "330100"),
        result("refused", "330100"),
        result("pass", "330200"),
        result(None, "330200"),
    ]
    rates = pass_rates(results, lambda r: r["region_code"])
    assert [(r.label, r.passed, r.total, r.percent) for r in rates] == [
        ("330100", 1, 3, 33.3),
        ("330200", 1, 1, 100.0),
    ]
    assert bars({"a": 5, "b": 10}) == [("a", 5, 50.0), ("b", 10, 100.0)]
    assert bars({}) == []


def test_language_is_chinese_unless_asked() -> None:
    assert pick_language(None, None) == "zh"
    assert pick_language("en", None) == "en"
    assert pick_language(None, "en") == "en"
    assert pick_language("zh", "en") == "zh"  # the query wins over the cookie
    assert pick_language("fr", None) == "zh"
    assert translator("en")("based_on", n=3) == "Based on 3 published results"
    assert all(len(pair) == 2 and all(pair) for pair in MESSAGES.values())


def test_production_refuses_to_start_without_a_signing_key_or_the_jwt_key() -> None:
    with pytest.raises(ValueError, match="PORTAL_SIGNING_KEY"):
        PortalSettings(environment="prod")
    with pytest.raises(ValueError, match="PORTAL_JWT_PUBLIC_KEY"):
        PortalSettings(environment="prod", signing_key="x")
    prod = PortalSettings(
        environment="prod", signing_key="x", jwt_algorithm="RS256", jwt_public_key="PEM"
    )
    assert prod.port == 8004 and prod.jwt_dev_secret is None


def test_make_run_starts_the_portal_without_a_database() -> None:
    from devtools.devstack import discover

    portal = {s.name: s for s in discover()}["portal"]
    assert portal.port == 8004 and portal.migrate is False and portal.banner_path == "/"


def test_draw_checks_catch_a_wrong_seed_or_a_changed_snapshot() -> None:
    import hashlib
    import json

    from services.portal.draws import checks

    seed = bytes(range(32))
    commitment = hashlib.sha256(seed).hexdigest()
    document = json.dumps({"seed_commitment": commitment, "units": {}}).encode()
    digest = hashlib.sha256(document).hexdigest()
    draw = {
        "seed": seed.hex(),
        "seed_commitment": commitment,
        "snapshot_hash": digest,
        "selected_count": 1,
    }
    snapshot = {"seed_commitment": commitment, "snapshot_hash": digest}
    record = {"selection": [{"unit_id": "U1"}]}
    assert all(c.ok for c in checks(draw, snapshot, document, record))
    failed = lambda *a: {c.key for c in checks(*a) if not c.ok}  # noqa: E731
    assert failed({**draw, "seed": "00" * 32}, snapshot, document, record) == {
        "draw.check.commitment"
    }
    assert failed(draw, snapshot, document + b" ", record) == {"draw.check.snapshot"}
    assert failed(draw, snapshot, document, {"selection": []}) == {"draw.check.count"}
    assert failed({**draw, "seed": "zz"}, snapshot, document, record) == {"draw.check.commitment"}
