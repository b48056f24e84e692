"""Minimum search terms for public name searches, so that one word cannot enumerate a register.

A term must keep at least ``MIN_MEANINGFUL_CHARS`` characters (letters or digits; Latin-only
terms ``MIN_LATIN_CHARS``) once the words every enterprise name contains (company forms such as
有限公司 or Co., Ltd.) are taken out. "有限公司" or "Ltd" alone would match the whole register.
"""

import re

from shared.exceptions import InvalidInput

MIN_MEANINGFUL_CHARS = 2
MIN_LATIN_CHARS = 3
# Longest first, so that 有限责任公司 goes before 公司.
GENERIC_WORDS = sorted(
    (
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "分公司",
        "公司",
        "有限",
        "责任",
        "股份",
        "集团",
        "企业",
        "工厂",
        "厂",
        "店",
        "中心",
        "company",
        "limited",
        "co",
        "ltd",
        "inc",
        "corp",
        "group",
    ),
    key=len,
    reverse=True,
)
_GENERIC = re.compile("|".join(re.escape(w) for w in GENERIC_WORDS), re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def meaningful_part(term: str) -> str:
    return _NOT_WORD.sub("", _GENERIC.sub("", term))


def check_search_term(term: str, *, field: str = "holder_name") -> str:
    """The term, stripped; 422 ``search_term_too_broad`` when it would match nearly everything."""
    core = meaningful_part(term)
    needed = MIN_LATIN_CHARS if core.isascii() else MIN_MEANINGFUL_CHARS
    if len(core) < needed:
        raise InvalidInput(
            f"{field} must name at least {needed} characters besides company-form words "
            "such as 有限公司 or Ltd",
            code="search_term_too_broad",
            field=field,
        )
    return term.strip()
