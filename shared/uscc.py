"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
1 registration authority, 2 organisation type, 3-8 administrative division code (digits),
9-17 organisation code, 18 check character = (31 - sum(value_i * weight_i) mod 31) mod 31.
"""

from dataclasses import dataclass

from shared.exceptions import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


@dataclass(frozen=True)
class UsccProblem:
    code: str
    detail: str
    position: int | None = None


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def find_problem(code: str) -> UsccProblem | None:
    """Say precisely what is wrong with ``code``, or None if it is a well-formed USCC."""
    if len(code) != LENGTH:
        return UsccProblem("uscc_length", f"a USCC has 18 characters, this one has {len(code)}")
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            why = " (I, O, S, V and Z are never used)" if ch.upper() in "IOSVZ" else ""
            return UsccProblem(
                "uscc_character", f"character {pos} {ch!r} is not allowed{why}", position=pos
            )
    for pos in range(3, 9):
        if not code[pos - 1].isdigit():
            return UsccProblem(
                "uscc_region",
                f"character {pos} {code[pos - 1]!r} must be a digit of the region code",
                position=pos,
            )
    expected = check_character(code[:17])
    if code[17] != expected:
        return UsccProblem(
            "uscc_checksum",
            f"check character is {code[17]!r} but the first 17 characters require {expected!r}",
            position=18,
        )
    return None


def normalise(code: str) -> str:
    return code.strip().upper()


def validate(code: str, *, legacy_codes: frozenset[str] = frozenset()) -> str:
    """Return the normalised code or raise InvalidInput naming the faulty character or checksum.

    ``legacy_codes`` are codes issued in error before validation was enforced: legal although
    they fail the checksum, so they are accepted as they are.
    """
    code = normalise(code)
    if code in legacy_codes:
        return code
    problem = find_problem(code)
    if problem:
        raise InvalidInput(
            f"invalid Unified Social Credit Code {code!r}: {problem.detail}",
            code=problem.code,
            position=problem.position,
        )
    return code


def region_of(code: str) -> str:
    """The 6-digit administrative division code at characters 3-8."""
    return code[2:8]


def make(prefix17: str) -> str:
    """Complete 17 characters with their check character (used by demo data and tests)."""
    return prefix17 + check_character(prefix17)
