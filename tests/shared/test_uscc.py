"""Property tests of the GB 32100-2015 / GB 11714 validator (shared/uscc.py)."""

import string
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shared import uscc
from shared.exceptions import InvalidInput

ALPHABET = uscc.ALPHABET
DIGITS = "0123456789"
FORBIDDEN = "IOSVZ"

AUTHORITY_TYPES = [a + t for a, (_, types) in uscc.REGISTRATION_AUTHORITIES.items() for t in types]
prefixes = st.builds(
    lambda head, region, rest: head + region + rest,
    st.sampled_from(AUTHORITY_TYPES),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(ALPHABET, min_size=8, max_size=8),
)
valid_codes = prefixes.map(uscc.make)


@given(valid_codes)
def test_completed_codes_validate_and_normalise(code: str) -> None:
    assert uscc.find_problem(code) is None
    assert uscc.validate(code) == code
    assert uscc.validate(f"  {code.lower()} ") == code
    assert uscc.region_of(code) == code[2:8]


@given(valid_codes, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_detected(code: str, index: int, replacement: str) -> None:
    assume(code[index] != replacement)
    changed = code[:index] + replacement + code[index + 1 :]
    problem = uscc.find_problem(changed)
    assert problem is not None
    assert problem.code in set(uscc.PROBLEM_CODES) - {"uscc_length", "uscc_character"}
    with pytest.raises(InvalidInput) as exc:
        uscc.validate(changed)
    assert exc.value.extra["position"] == problem.position


@given(valid_codes, st.integers(0, 15))
def test_every_adjacent_transposition_is_detected(code: str, index: int) -> None:
    assume(code[index] != code[index + 1])
    swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
    assert uscc.find_problem(swapped) is not None


@given(valid_codes, st.integers(0, 17), st.sampled_from(FORBIDDEN))
def test_forbidden_letters_are_named_with_their_position(code: str, index: int, bad: str) -> None:
    changed = code[:index] + bad + code[index + 1 :]
    problem = uscc.find_problem(changed)
    assert problem is not None
    assert (problem.code, problem.position) == ("uscc_character", index + 1)
    assert "never used" in problem.detail


@given(st.text(string.printable + "统一社会信用代码", max_size=30))
def test_arbitrary_input_is_either_valid_or_a_clear_invalid_input(text: str) -> None:
    try:
        code = uscc.validate(text)
    except InvalidInput as exc:
        assert exc.code in uscc.PROBLEM_CODES
        position = exc.extra.get("position")
        assert position is None or 1 <= position <= 18
    else:
        assert len(code) == 18 and uscc.find_problem(code) is None


@given(valid_codes, st.sampled_from(ALPHABET))
def test_configured_legacy_codes_pass_as_they_are(code: str, wrong_check: str) -> None:
    assume(code[17] != wrong_check)
    legacy = code[:17] + wrong_check
    with pytest.raises(InvalidInput):
        uscc.validate(legacy)
    assert uscc.validate(legacy.lower(), legacy_codes=frozenset({legacy})) == legacy


# Published registrations, as printed in the holders' own public documents (found through the
# code-search library; each can be checked on the National Enterprise Credit Information
# Publicity System, gsxt.gov.cn, or the MCA social-organisation register):
PUBLISHED = {
    "91330100757206158J": "浙江春风动力股份有限公司 (SSE 603129), company profile",
    "91440300100012316L": "中国平安保险(集团)股份有限公司 (SSE 601318), company profile",
    "914403001922038216": "华为技术有限公司, company profile",
    "91330100799655058B": "阿里巴巴(中国)有限公司, company profile",
    "91110108MA005BCA25": "天聚地合(苏州)数据股份有限公司北京分公司, registration listing",
    "9132059455117770X5": "天聚地合(苏州)数据股份有限公司, registration listing",
    "12100000425006117P": "复旦大学 (public institution, 事业单位), invoice header",
    "12100000470095016Q": "浙江大学 (public institution), tender notice account details",
    "53100000500019795A": "中国社会福利基金会 (foundation, 民政), registration details",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_registrations_pass_every_check(code: str) -> None:
    assert uscc.find_problem(code, legacy_codes=frozenset()) is None


@pytest.mark.parametrize(
    ("code", "problem_code", "position"),
    [
        ("000000000000000000", "uscc_registration_authority", 1),  # passes the check character
        ("B1330100757206158J", "uscc_registration_authority", 1),
        ("94330100757206158J", "uscc_entity_type", 2),  # 工商 assigns 1, 2, 3 only
        ("Y2330100757206158J", "uscc_entity_type", 2),  # 其他 assigns 1 only
        ("913301A0757206158J", "uscc_region", 7),
        ("91330100757206159J", "uscc_organisation_code", 17),  # GB 11714 check digit
        ("91330100MA2ABCDE1R", "uscc_organisation_code", 17),  # the README's old demo code
        ("91330100757206158K", "uscc_checksum", 18),
    ],
)
def test_each_failing_part_is_named(code: str, problem_code: str, position: int) -> None:
    problem = uscc.find_problem(code, legacy_codes=frozenset())
    assert problem is not None and (problem.code, problem.position) == (problem_code, position)


def test_all_zero_code_passes_the_check_character_but_not_the_parts() -> None:
    assert uscc.check_character("0" * 17) == "0"  # why the old validator accepted it
    with pytest.raises(InvalidInput) as exc:
        uscc.validate("0" * 18)
    assert exc.value.code == "uscc_registration_authority"


@given(valid_codes)
def test_organisation_code_is_a_valid_gb11714_code(code: str) -> None:
    assert uscc.organisation_check_digit(code[8:16]) == code[16]


def test_configured_legacy_list_is_one_environment_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    legacy = "91330100MA2ABCDE1R"  # fails GB 11714, legal if its authority says so
    with pytest.raises(InvalidInput):
        uscc.validate(legacy)
    monkeypatch.setenv(uscc.LEGACY_ENV, f'["{legacy.lower()}"]')
    assert uscc.validate(legacy) == legacy and uscc.find_problem(legacy) is None
    monkeypatch.delenv(uscc.LEGACY_ENV)
    listed = tmp_path / "legacy.json"
    listed.write_text(f'[{{"code": "{legacy}", "source": "registration authority letter"}}]')
    monkeypatch.setenv(uscc.LEGACY_FILE_ENV, str(listed))
    assert uscc.find_problem(legacy) is None
    monkeypatch.setenv(uscc.LEGACY_ENV, '["TOO-SHORT"]')
    with pytest.raises(ValueError, match="malformed"):
        uscc.configured_legacy_codes()


def test_make_needs_sixteen_characters() -> None:
    assert uscc.make("91330100MA2ABCDE") == "91330100MA2ABCDEXG"
    with pytest.raises(ValueError):
        uscc.make("91330100MA2ABCDE1")
