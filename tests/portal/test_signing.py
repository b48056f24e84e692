"""Report signatures, offline: any changed byte fails, other keys fail, canonical encoding only."""

import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.portal.report import signing

KEY = Ed25519PrivateKey.generate()
KID = signing.key_id(KEY.public_key())
KEYS = {KID: KEY.public_key()}
CONTENT = {"profile": {"uscc": "91330100MA2ABCDE1R", "name": "杭州测试有限公司"}, "records": []}
CLAIMS = {
    "v": 1,
    "report_id": "QCR-20261203-ABCDEF0123",
    "uscc": "91330100MA2ABCDE1R",
    "name": "杭州测试有限公司",
    "issued_at": "2026-12-03T08:00:00Z",
    "kid": KID,
    "content_sha256": signing.digest(CONTENT),
}
FAKE_PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def flipped(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def test_json_report_verifies_and_fails_after_any_one_byte_change() -> None:
    data = signing.sign_json_report(KEY, CONTENT, CLAIMS)
    verdict = signing.verify_report(data, KEYS)
    assert verdict.valid and verdict.claims == CLAIMS and verdict.content == CONTENT
    for at in range(len(data)):
        assert not signing.verify_report(flipped(data, at), KEYS).valid, at


def test_pdf_signature_covers_every_byte() -> None:
    token = signing.sign_claims(KEY, CLAIMS)
    data = signing.sign_pdf(KEY, FAKE_PDF, token)
    assert signing.verify_report(data, KEYS).valid
    positions = list(range(len(data) - 400, len(data))) + random.Random(1).sample(
        range(len(data) - 400), 300
    )
    for at in positions:
        assert not signing.verify_report(flipped(data, at), KEYS).valid, at
    assert not signing.verify_report(data + b"x", KEYS).valid
    assert not signing.verify_report(data[:-1], KEYS).valid


def test_another_key_or_a_forged_token_fails() -> None:
    other = Ed25519PrivateKey.generate()
    data = signing.sign_json_report(other, CONTENT, CLAIMS)  # claims name our key id
    assert signing.verify_report(data, KEYS).reason == "bad_signature"
    unknown = signing.sign_json_report(other, CONTENT, {**CLAIMS, "kid": "0" * 16})
    assert signing.verify_report(unknown, KEYS).reason == "unknown_key"
    assert signing.verify_token("garbage", KEYS).reason == "malformed"
    assert signing.verify_report(b"{}", KEYS).reason == "malformed"
    assert signing.verify_report(b"%PDF-1.4 no signature", KEYS).reason == "malformed"


def test_content_changed_but_token_kept_is_detected() -> None:
    token = signing.sign_claims(KEY, CLAIMS)
    other = {**CONTENT, "records": [{"id": "CR-1"}]}
    data = signing.canonical({"content": other, "token": token})
    assert signing.verify_report(data, KEYS).reason == "content_mismatch"


@pytest.mark.parametrize("value", [{"b": 1, "a": [1, "二"]}, [{"z": None, "y": 1.5}]])
def test_canonical_json_is_order_independent(value: object) -> None:
    import json

    shuffled = json.loads(json.dumps(value))
    assert signing.canonical(value) == signing.canonical(shuffled)
    assert b" " not in signing.canonical(value)


def test_dev_key_is_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    first = signing.load_or_create_private_key(None, path, allow_create=True)
    again = signing.load_or_create_private_key(None, path, allow_create=True)
    assert signing.key_id(first.public_key()) == signing.key_id(again.public_key())
    with pytest.raises(ValueError):
        signing.load_or_create_private_key(None, tmp_path / "none.pem", allow_create=False)
