"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015 with amendment No. 1.

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):

| chars | part | checked against |
|---|---|---|
| 1 | registration authority (登记管理部门代码) | ``REGISTRATION_AUTHORITIES`` |
| 2 | entity type (机构类别代码) | the types that authority assigns |
| 3-8 | administrative division of the registering office | six digits (GB/T 2260) |
| 9-17 | organisation code (主体标识码), GB 11714-1997 | its own check digit, char 17 |
| 18 | check character | ``(31 - sum(value_i * weight_i) mod 31) mod 31`` |

Every service validates with this module and honours the same configured list of legacy codes
(``legacy_codes()``): codes a registration authority issued before validation was enforced are
legal although they fail a check, and must never lock their holder out of any service.
"""

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shared.exceptions import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# GB 11714-1997 organisation code: 8 body characters, weights below, check = 11 - sum mod 11
# (10 -> "X", 11 -> "0"); letters count A=10 ... Z=35.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 32100-2015 table 1 and 2 (amendment No. 1 of 2016 added A and N): registration authority
# -> the entity-type codes it assigns. Rows needing legal review are listed in the README.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直管群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台旅游部门常驻代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商(市场监管)", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}
SOURCE = "GB 32100-2015 (with amendment No. 1, 2016) tables 1-2; GB 11714-1997 clause 4"

# One list for every service: JSON list in USCC_LEGACY_CODES, or a JSON file of
# [{"code": ..., "source": ...}] or plain strings in USCC_LEGACY_CODES_FILE.
LEGACY_ENV = "USCC_LEGACY_CODES"
LEGACY_FILE_ENV = "USCC_LEGACY_CODES_FILE"

PROBLEM_CODES = (
    "uscc_length",
    "uscc_character",
    "uscc_registration_authority",
    "uscc_entity_type",
    "uscc_region",
    "uscc_organisation_code",
    "uscc_checksum",
)


@dataclass(frozen=True)
class UsccProblem:
    code: str
    detail: str
    position: int | None = None


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def organisation_check_digit(body8: str) -> str:
    """GB 11714 check digit of an 8-character organisation code body."""
    total = sum(_org_value(ch) * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    digit = 11 - total % 11
    return "X" if digit == 10 else "0" if digit == 11 else str(digit)


def _shape_problem(code: str) -> UsccProblem | None:
    if len(code) != LENGTH:
        return UsccProblem("uscc_length", f"a USCC has 18 characters, this one has {len(code)}")
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            why = " (I, O, S, V and Z are never used)" if ch.upper() in "IOSVZ" else ""
            return UsccProblem(
                "uscc_character", f"character {pos} {ch!r} is not allowed{why}", position=pos
            )
    return None


def _part_problem(code: str) -> UsccProblem | None:
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        return UsccProblem(
            "uscc_registration_authority",
            f"character 1 {code[0]!r} is not a registration authority code of GB 32100",
            position=1,
        )
    name, types = authority
    if code[1] not in types:
        return UsccProblem(
            "uscc_entity_type",
            f"character 2 {code[1]!r} is not an entity type the {name} authority "
            f"({code[0]}) assigns; allowed: {', '.join(types)}",
            position=2,
        )
    for pos in range(3, 9):
        if not code[pos - 1].isdigit():
            return UsccProblem(
                "uscc_region",
                f"character {pos} {code[pos - 1]!r} must be a digit of the region code",
                position=pos,
            )
    expected = organisation_check_digit(code[8:16])
    if code[16] != expected:
        return UsccProblem(
            "uscc_organisation_code",
            f"organisation code {code[8:17]} (characters 9-17) fails its GB 11714 check: "
            f"character 17 is {code[16]!r} but {code[8:16]} requires {expected!r}",
            position=17,
        )
    return None


def find_problem(code: str, *, legacy_codes: frozenset[str] | None = None) -> UsccProblem | None:
    """Say precisely which part of ``code`` is wrong, or None if it is a valid USCC.

    Configured legacy codes (``legacy_codes()`` unless a set is passed) are valid as they are.
    """
    if code in (legacy_codes if legacy_codes is not None else configured_legacy_codes()):
        return None
    problem = _shape_problem(code) or _part_problem(code)
    if problem:
        return problem
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


def validate(code: str, *, legacy_codes: frozenset[str] | None = None) -> str:
    """Return the normalised code or raise InvalidInput naming the failing part.

    ``legacy_codes`` defaults to the configured list every service shares.
    """
    code = normalise(code)
    problem = find_problem(code, legacy_codes=legacy_codes)
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


def make(head16: str) -> str:
    """Complete 16 characters (authority, type, region, organisation code body) with the
    organisation code's GB 11714 check digit and the GB 32100 check character.

    Used by demo data, tests and benchmarks, so every generated code passes every check.
    """
    if len(head16) != 16:
        raise ValueError(f"make() takes the first 16 characters, got {len(head16)}: {head16!r}")
    first17 = head16 + organisation_check_digit(head16[8:16])
    return first17 + check_character(first17)


def configured_legacy_codes() -> frozenset[str]:
    """The legacy codes configured for this process (environment, read once per value)."""
    return _load_legacy(os.environ.get(LEGACY_ENV, ""), os.environ.get(LEGACY_FILE_ENV, ""))


@lru_cache(maxsize=8)
def _load_legacy(inline: str, file: str) -> frozenset[str]:
    entries: list[object] = []
    if inline.strip():
        entries.extend(json.loads(inline))
    if file:
        entries.extend(json.loads(Path(file).read_text(encoding="utf-8")))
    codes = set()
    for entry in entries:
        raw = entry["code"] if isinstance(entry, dict) else entry
        code = normalise(str(raw))
        problem = _shape_problem(code)
        if problem:  # a legacy code is still 18 characters of the alphabet: fail loudly
            raise ValueError(f"configured legacy USCC {raw!r} is malformed: {problem.detail}")
        codes.add(code)
    return frozenset(codes)
