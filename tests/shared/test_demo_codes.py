"""Demo data, seeds and generated test codes pass every part of the USCC check."""

import re
from pathlib import Path

import pytest

from devtools.demo import demo_enterprises
from devtools.services.registry import seed as registry_seed
from shared import uscc

STRICT = frozenset[str]()  # no legacy exemptions: demo codes must be valid on their own


def test_every_demo_enterprise_code_passes_every_check() -> None:
    codes = [e.uscc for e in demo_enterprises()]
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if uscc.find_problem(c, legacy_codes=STRICT)] == []


@pytest.mark.parametrize("body", registry_seed.BODIES, ids=lambda b: b[0])
def test_demo_bodies_have_valid_codes(body: tuple) -> None:
    assert uscc.find_problem(registry_seed.body_uscc(body[0]), legacy_codes=STRICT) is None


ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r"(?<![0-9A-Z])[0-9A-Y]{2}[0-9]{6}[0-9A-Y]{10}(?![0-9A-Z])")
# Codes the docs show *as* invalid examples.
DOCUMENTED_INVALID = {"000000000000000000"}
PERSONAL_ID = re.compile(r"[1-8][0-9]{5}(19|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9X]")


def _shipped_files() -> list[Path]:
    kinds = ("*.py", "*.json", "*.md", "*.csv")
    dirs = [ROOT / "shared", ROOT / "services", ROOT / "bench"]
    return [ROOT / "README.md"] + [f for d in dirs for k in kinds for f in d.rglob(k)]


def test_no_shipped_file_carries_an_invalid_code() -> None:
    """Seeds, samples, benchmarks and docs hold only codes that pass every check."""
    bad = []
    for path in _shipped_files():
        for code in LITERAL.findall(path.read_text(encoding="utf-8", errors="ignore")):
            if PERSONAL_ID.fullmatch(code) or code in DOCUMENTED_INVALID:
                continue  # a citizen ID number, or an example of what the validator refuses
            if uscc.find_problem(code, legacy_codes=STRICT):
                bad.append(f"{path.relative_to(ROOT)}: {code}")
    assert bad == []
