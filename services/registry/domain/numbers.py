"""Certificate numbers as people type them: one canonical form for every lookup.

Forged certificates and careless portals produce numbers with stray spaces, lower case and
full-width characters (``ＨＩＳＴ－０００２Ｘ``); all of them mean the same certificate.
"""

import re
import unicodedata

# Dashes a copy-paste may bring in, all meaning the ASCII hyphen of the printed number.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"), "-")
_SPACE = re.compile(r"\s+")
MAX_PATTERN_LENGTH = 32


def canonical_number(raw: str) -> str:
    """NFKC (full-width to ASCII), dashes unified, whitespace removed, upper case."""
    text = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    return _SPACE.sub("", text).upper()


def number_pattern(number: str) -> str:
    """The shape of a number: letters as ``A``, digits as ``9``, separators kept, runs
    counted (``CQC-2024-000123`` -> ``A3-94-96``). Forgers reuse a shape; counting
    not-found lookups by shape shows a forged series without storing what was typed."""
    shape = "".join("9" if ch.isdigit() else "A" if ch.isalpha() else ch for ch in number)
    runs = [(m.group(0)[0], len(m.group(0))) for m in re.finditer(r"(.)\1*", shape)]
    text = "".join(f"{ch}{n}" if ch in "A9" else ch * n for ch, n in runs)
    return text[:MAX_PATTERN_LENGTH]
