"""Property tests of the GB 32100-2015 validator (shared/uscc.py)."""

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shared import uscc
from shared.exceptions import InvalidInput

ALPHABET = uscc.ALPHABET
DIGITS = "0123456789"
FORBIDDEN = "IOSVZ"

prefixes = st.builds(
    lambda head, region, rest: head + region + rest,
    st.text(ALPHABET, min_size=2, max_size=2),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
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
    assert problem.code in {"uscc_checksum", "uscc_region"}
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
        assert exc.code in {"uscc_length", "uscc_character", "uscc_region", "uscc_checksum"}
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
