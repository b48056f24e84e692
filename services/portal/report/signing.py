"""Ed25519 signatures over credit reports; pure functions, usable offline.

A report has *claims* (report id, subject, time, key id and the SHA-256 of the report's
canonical content), signed as a compact token ``base64url(claims).base64url(signature)``. The
QR code carries the token. A signed JSON report is ``{"content": ..., "token": ...}``; a signed
PDF ends with two comment lines after ``%%EOF``: the token, and a signature over every byte
before the signature line, so changing any byte of the file breaks verification.
"""

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TOKEN_LINE = b"\n%QP-REPORT "
SIGNATURE_LINE = b"\n%QP-FILE-SIGNATURE "


def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same bytes for the same data everywhere."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(content: Any) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def load_or_create_private_key(
    pem: str | None, path: Path, allow_create: bool
) -> Ed25519PrivateKey:
    """The configured key; in dev/test a key file is created on first use."""
    if pem is None and path.exists():
        pem = path.read_text()
    if pem is None:
        if not allow_create:
            raise ValueError("no report signing key configured")
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return key
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError("the report signing key must be an Ed25519 key")
    return loaded


def sign_claims(private: Ed25519PrivateKey, claims: dict) -> str:
    payload = canonical(claims)
    return f"{b64(payload)}.{b64(private.sign(payload))}"


def sign_json_report(private: Ed25519PrivateKey, content: dict, claims: dict) -> bytes:
    return canonical({"content": content, "token": sign_claims(private, claims)})


def sign_pdf(private: Ed25519PrivateKey, pdf: bytes, token: str) -> bytes:
    signed = pdf.rstrip(b"\n") + TOKEN_LINE + token.encode()
    return signed + SIGNATURE_LINE + b64(private.sign(signed)).encode() + b"\n"


@dataclass
class Verdict:
    valid: bool
    reason: str  # machine-readable: ok, bad_signature, content_mismatch, unknown_key, malformed
    claims: dict = field(default_factory=dict)
    content: dict | None = None


def verify_token(token: str, keys: dict[str, Ed25519PublicKey]) -> Verdict:
    try:
        payload_b64, signature_b64 = token.strip().split(".")
        payload = unb64(payload_b64)
        claims = json.loads(payload)
        signature = unb64(signature_b64)
    except (ValueError, UnicodeDecodeError):
        return Verdict(False, "malformed")
    if b64(payload) != payload_b64 or b64(signature) != signature_b64:
        return Verdict(False, "malformed")  # only the canonical encoding: one token per report
    if not isinstance(claims, dict):
        return Verdict(False, "malformed")
    key = keys.get(str(claims.get("kid")))
    if key is None:
        return Verdict(False, "unknown_key", claims)
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        return Verdict(False, "bad_signature", claims)
    return Verdict(True, "ok", claims)


def verify_report(data: bytes, keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """A signed PDF or JSON report, checked offline against the portal's public keys."""
    if data.startswith(b"%PDF"):
        return _verify_pdf(data, keys)
    try:
        document = json.loads(data)
        content, token = document["content"], document["token"]
    except (ValueError, KeyError, TypeError):
        return Verdict(False, "malformed")
    if canonical(document) != data.rstrip(b"\n"):
        return Verdict(False, "malformed")  # not byte-for-byte what the portal signed
    verdict = verify_token(str(token), keys)
    if not verdict.valid:
        return verdict
    if digest(content) != verdict.claims.get("content_sha256"):
        return Verdict(False, "content_mismatch", verdict.claims)
    return Verdict(True, "ok", verdict.claims, content)


def _verify_pdf(data: bytes, keys: dict[str, Ed25519PublicKey]) -> Verdict:
    at = data.rfind(SIGNATURE_LINE)
    token_at = data.rfind(TOKEN_LINE, 0, at)
    if at < 0 or token_at < 0:
        return Verdict(False, "malformed")
    signed = data[:at]
    token = data[token_at + len(TOKEN_LINE) : at].decode(errors="replace")
    verdict = verify_token(token, keys)
    if not verdict.valid:
        return verdict
    tail = data[at + len(SIGNATURE_LINE) :]
    try:
        signature = unb64(tail[:-1].decode())
        keys[verdict.claims["kid"]].verify(signature, signed)
    except (ValueError, UnicodeDecodeError, InvalidSignature):
        return Verdict(False, "bad_signature", verdict.claims)
    if tail != b64(signature).encode() + b"\n":
        return Verdict(False, "malformed", verdict.claims)  # exactly the bytes the portal wrote
    return Verdict(True, "ok", verdict.claims)
