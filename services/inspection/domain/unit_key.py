"""One unit, one key (issue 13): "the same enterprise's product of the same specification or
model" must be one inspection unit however the name was typed, or the six-month rule is
evaded by writing "M－24" (full width) or "m-24" instead of "M-24". Pure.

``unit-key-v1``: each of product name and model is normalised by

1. Unicode NFKC (full-width letters, digits and punctuation become their ASCII forms,
   compatibility characters are unfolded);
2. case folding (``str.casefold``);
3. every dash or minus variant becomes ``-`` and every bracket variant ``(`` or ``)``;
4. runs of whitespace become one space, none at either end nor around ``-``, ``(``, ``)``,
   ``/``;

then a regulator-maintained alias (per field, for one enterprise or for all) replaces the
normalised value by its canonical one. The key is
``SHA-256(USCC || 0x1F || product || 0x1F || model)`` in hex; a new unit's id is ``"U"`` and
the key's first 20 hex digits in upper case. Units imported before keep their ids; the
``unit_key`` table maps keys to them.
"""

import hashlib
import re
import unicodedata
from collections.abc import Mapping

VERSION = "unit-key-v1"
FIELDS = ("product_name", "model")

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u30fc\u2500\u2e3a"
_OPEN = "（［｛【〔〖〘〚〈《「『⦅[{<"
_CLOSE = "）］｝】〕〗〙〛〉》」』⦆]}>"
_TABLE = str.maketrans(
    {**{c: "-" for c in _DASHES}, **{c: "(" for c in _OPEN}, **{c: ")" for c in _CLOSE}}
)
_SPACES = re.compile(r"\s+")
_AROUND = re.compile(r" ?([-()/]) ?")

# (field, enterprise USCC or "" for every enterprise, normalised alias) -> normalised canonical
Aliases = Mapping[tuple[str, str, str], str]


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TABLE)
    return _AROUND.sub(r"\1", _SPACES.sub(" ", folded).strip())


def resolve(field: str, uscc: str, value: str, aliases: Aliases) -> str:
    """The normalised value after the alias table (the enterprise's own alias first)."""
    norm = normalise(value)
    return aliases.get((field, uscc, norm)) or aliases.get((field, "", norm)) or norm


def unit_key(uscc: str, product_name: str, model: str, aliases: Aliases | None = None) -> str:
    table = aliases or {}
    product = resolve("product_name", uscc, product_name, table)
    spec = resolve("model", uscc, model, table)
    return hashlib.sha256(f"{uscc}\x1f{product}\x1f{spec}".encode()).hexdigest()


def new_unit_id(key: str) -> str:
    return "U" + key[:20].upper()
