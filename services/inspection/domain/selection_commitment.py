"""Commitment to a draw's selection, revealed entry by entry. Pure.

Spot checks are unannounced: at draw time the public learns the seed and the counts, but not
which units were drawn. The draw instead publishes a commitment to the ordered selection so
that it cannot be changed later, and reveals it one entry at a time (an entry becomes public
once its sampling is recorded) and wholly at the end of the plan's sampling period.

Layout (``qp-selection-v1``; every hash is SHA-256, ``||`` is concatenation, ``u32be(i)`` is
the 0-based position in the selection as 4 big-endian bytes, ``canonical(entry)`` is the
canonical JSON of the entry ``{"inspectors", "lab", "rank", "stratum", "unit_id"}``: sorted
keys, no whitespace, UTF-8, as in the snapshot document):

    salt_i     = SHA-256("qp-selection-salt-v1" || 0x00 || key || u32be(i))
    leaf_i     = SHA-256("qp-selection-leaf-v1" || 0x00 || salt_i || canonical(entry_i))
    commitment = SHA-256("qp-selection-commit-v1" || 0x00 || leaf_0 || leaf_1 || ...)

``key`` is 32 random bytes chosen at draw time and published with the full reveal. The
leaves are public from the draw on (each hides its entry behind a 256-bit salt), so one
revealed entry with its salt is checked against the commitment without the others.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from services.inspection.domain.draw_core import canonical_bytes

SCHEME = "qp-selection-v1"
KEY_BYTES = 32
_SALT = b"qp-selection-salt-v1\x00"
_LEAF = b"qp-selection-leaf-v1\x00"
_COMMIT = b"qp-selection-commit-v1\x00"
ENTRY_KEYS = ("inspectors", "lab", "rank", "stratum", "unit_id")


def entry_salt(key: bytes, index: int) -> bytes:
    return hashlib.sha256(_SALT + key + index.to_bytes(4, "big")).digest()


def leaf(salt: bytes, entry: dict) -> bytes:
    doc = {k: entry[k] for k in ENTRY_KEYS}
    return hashlib.sha256(_LEAF + salt + canonical_bytes(doc)).digest()


def commitment_of_leaves(leaves: Sequence[bytes]) -> str:
    h = hashlib.sha256(_COMMIT)
    for one in leaves:
        h.update(one)
    return h.hexdigest()


def leaves_of(selection: Sequence[dict], key: bytes) -> list[bytes]:
    return [leaf(entry_salt(key, i), entry) for i, entry in enumerate(selection)]


def commit(selection: Sequence[dict], key: bytes) -> str:
    """The commitment to ``selection`` (in draw order) under ``key``."""
    return commitment_of_leaves(leaves_of(selection, key))


@dataclass(frozen=True)
class RevealedEntry:
    index: int
    salt: bytes
    entry: dict


def check_full(selection: Sequence[dict], key_hex: str, commitment: str) -> list[str]:
    """Problems found checking a fully revealed selection against the earlier commitment."""
    try:
        key = bytes.fromhex(key_hex)
    except (TypeError, ValueError):
        return ["the selection key is not valid hex"]
    if commit(selection, key) != commitment:
        return ["the published selection does not match the selection commitment of the draw"]
    return []


def check_partial(
    leaves_hex: Sequence[str], revealed: Sequence[RevealedEntry], commitment: str
) -> list[str]:
    """Problems found checking revealed entries against the published leaves and commitment."""
    try:
        leaves = [bytes.fromhex(h) for h in leaves_hex]
    except (TypeError, ValueError):
        return ["the selection leaves are not valid hex"]
    problems = []
    if commitment_of_leaves(leaves) != commitment:
        problems.append("the published leaves do not match the selection commitment")
    for r in revealed:
        if not 0 <= r.index < len(leaves):
            problems.append(f"revealed entry {r.index} is outside the selection")
        elif leaf(r.salt, r.entry) != leaves[r.index]:
            problems.append(f"revealed entry {r.index} ({r.entry.get('unit_id')}) does not match")
    return problems
