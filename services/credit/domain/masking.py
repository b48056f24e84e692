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
# 15-digit form. Anchored on non-alphanumerics so codes embedded in longer strings are left.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"|\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])"
)
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
