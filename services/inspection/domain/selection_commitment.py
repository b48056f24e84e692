"""Commitment to a draw's selection, revealed entry by entry. Pure.

Spot checks are unannounced: at draw time the public learns the seed and the counts, but not
which units were drawn. The draw instead publishes a commitment to the ordered selection so
that it cannot be changed later, and reveals it one entry at a time (an entry becomes public
once its sampling is recorded) and wholly at the end of the plan's sampling period.

Layout (``qp-selection-v1``; SHA-256 and SHAKE-256 as in FIPS 180-4 / 202, ``||`` is
concatenation, strings are UTF-8, integers are decimal ASCII):

    salts      = SHAKE-256("qp-selection-salt-v1" || 0x00 || key), 32 * n bytes
    salt_i     = salts[32 i : 32 i + 32]
    entry_i    = unit_id || 0x1F || stratum || 0x1F || rank || 0x1F
                 || inspector_1 || 0x1E || inspector_2 ... || 0x1F || lab
    leaf_i     = SHA-256("qp-selection-leaf-v1" || 0x00 || salt_i || entry_i)
    commitment = SHA-256("qp-selection-commit-v1" || 0x00 || leaf_0 || leaf_1 || ...)

for the n entries in draw order (stratum, then rank). ``key`` is 32 random bytes chosen at draw
time and published with the full reveal. The leaves are public from the draw on (each hides
its entry behind a 256-bit salt), so one revealed entry with its salt is checked against the
commitment without the others. (A plain byte layout, not JSON: hashing 20,000 entries must
stay a small part of the draw and of its verification.)
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

SCHEME = "qp-selection-v1"
KEY_BYTES = 32
_SALT = b"qp-selection-salt-v1\x00"
_LEAF = b"qp-selection-leaf-v1\x00"
_COMMIT = b"qp-selection-commit-v1\x00"


def salts(key: bytes, count: int) -> list[bytes]:
    stream = hashlib.shake_256(_SALT + key).digest(32 * count) if count else b""
    return [stream[32 * i : 32 * i + 32] for i in range(count)]


def entry_bytes(entry: dict) -> bytes:
    return (
        f"{entry['unit_id']}\x1f{entry['stratum']}\x1f{entry['rank']}\x1f"
        f"{chr(0x1E).join(entry['inspectors'])}\x1f{entry['lab']}"
    ).encode()


def leaf(salt: bytes, entry: dict) -> bytes:
    return hashlib.sha256(_LEAF + salt + entry_bytes(entry)).digest()


def commitment_of_leaves(leaves: Sequence[bytes]) -> str:
    return hashlib.sha256(_COMMIT + b"".join(leaves)).hexdigest()


def leaves_of(selection: Sequence[dict], key: bytes) -> list[bytes]:
    sha, prefix = hashlib.sha256, _LEAF
    return [
        sha(prefix + salt + entry_bytes(entry)).digest()
        for salt, entry in zip(salts(key, len(selection)), selection, strict=True)
    ]


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
