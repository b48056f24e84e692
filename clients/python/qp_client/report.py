"""Offline verification of enterprise quality credit reports (PDF or JSON) signed by the portal.

Pure functions (no network) except ``fetch_keys`` and ``is_current``. The portal signs with the
same formats (services/portal/report/signing.py imports these); ``qp report verify`` and
``python -m services.portal.verify`` both call ``verify_report``.

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
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TOKEN_LINE = b"\n%QP-REPORT "
SIGNATURE_LINE = b"\n%QP-FILE-SIGNATURE "
KEYS_PATH = "/.well-known/quality-report-keys.json"
KEY_PEM_PATH = "/.well-known/quality-report-key.pem"
CURRENT_MARK = 'data-verdict="current"'
STALE_MARK = 'data-verdict="stale"'


def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same bytes for the same data everywhere."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(content: Any) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public_bytes(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_bytes(public)).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def keys_from_pem(pem: bytes) -> dict[str, Ed25519PublicKey]:
    key = load_public_key(pem)
    return {key_id(key): key}


def keys_from_jwks(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 (OKP) keys of a JWK set, by their key id (recomputed, never trusted)."""
    keys = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            key = Ed25519PublicKey.from_public_bytes(unb64(str(jwk["x"])))
            keys[key_id(key)] = key
    if not keys:
        raise ValueError("the key set holds no Ed25519 key")
    return keys


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


def token_of(data: bytes) -> str:
    """The signed token inside a report file (call after ``verify_report`` accepted it)."""
    if data.startswith(b"%PDF"):
        start = data.rfind(TOKEN_LINE) + len(TOKEN_LINE)
        return data[start : data.index(SIGNATURE_LINE, start)].decode()
    return str(json.loads(data)["token"])


def fetch_keys(portal: str, timeout: float = 10) -> dict[str, Ed25519PublicKey]:
    """The portal's published report keys (every key, so older reports still verify)."""
    response = httpx.get(portal.rstrip("/") + KEYS_PATH, timeout=timeout)
    response.raise_for_status()
    return keys_from_jwks(response.json())


def is_current(portal: str, token: str, timeout: float = 30) -> bool:
    """Asks the portal's check page, which compares the report's digest with the live record.

    Raises ``ValueError`` when the portal answers neither "current" nor "stale"."""
    response = httpx.get(
        f"{portal.rstrip('/')}/reports/check?token={quote(token)}",
        timeout=timeout,
        headers={"Accept": "text/html"},
    )
    if CURRENT_MARK in response.text:
        return True
    if STALE_MARK in response.text:
        return False
    raise ValueError(f"the portal could not check the report (HTTP {response.status_code})")
