"""Personal data of natural persons in public views: names partly masked, ID numbers never.

Credit files name natural persons (operators of individual businesses, legal representatives,
persons held responsible). The public sees the surname only; identity numbers are not shown in
any form. Free text written by officials is scrubbed too, as a second line of defence: the
names of the persons the record names are masked wherever they occur, and anything shaped like
a resident identity number is withheld.
"""

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3400-\u9fff]")
# GB 11643 resident identity number: region(6) birth date(8) sequence(3) check(1); and the old
# 15-digit form. Officials write them with separators ("330102 19800101 1234", "330102-1980-...")
# and behind prefixes ("ID330102...", "身份证号：330102..."), so up to two separator characters
# may stand between any two digits and only a digit may not precede or follow the number.
_SEP = r"[\s\-‐‑–—_.·•/\\:：,，]{0,2}"


def _digits(*atoms: str) -> str:
    return _SEP.join(atoms)


_D = r"\d"
_REGION = _digits(*[_D] * 6)
_MONTH = f"(?:{_digits('0', '[1-9]')}|{_digits('1', '[0-2]')})"
_DAY = f"(?:{_digits('0', '[1-9]')}|{_digits('[12]', _D)}|{_digits('3', '[01]')})"
_YEAR = f"(?:{_digits('1', '[89]')}|{_digits('2', '0')}){_SEP}{_digits(_D, _D)}"
_ID18 = _digits(_REGION, _YEAR, _MONTH, _DAY, _D, _D, _D, "[\\dXx]")
_ID15 = _digits(_REGION, _D, _D, _MONTH, _DAY, _D, _D, _D)
_ID_NUMBER = re.compile(f"(?<!\\d)(?:{_ID18}|{_ID15})(?![0-9Xx])")
WITHHELD = "[ID number withheld]"


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*** S****."""
    name = name.strip()
    if not name:
        return ""
    if _CJK.search(name):
        return name[0] + "*" * max(1, len(name) - 1)
    return " ".join(part[0] + "*" * max(1, len(part) - 1) for part in name.split())


def scrub(text: str | None, names: Iterable[str] = ()) -> str | None:
    """Free text for the public: the named persons' names masked, ID-number shapes withheld."""
    if text is None:
        return None
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return _ID_NUMBER.sub(WITHHELD, text)


def public_persons(persons: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Only the role and the masked name leave the service."""
    return [
        {"role": p.get("role", ""), "name": mask_name(p.get("name", ""))} for p in persons or []
    ]
