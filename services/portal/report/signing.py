"""Ed25519 signatures over credit reports: the portal's signing side.

The formats and the pure verification live in the integrators' client package
(``qp_client.report``, also behind ``qp report verify``), so the portal checks reports with
exactly the code everyone else runs; this module adds what only the signer needs: its private
key and the signing of claims, JSON reports and PDFs.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from qp_client.report import (
    SIGNATURE_LINE,
    TOKEN_LINE,
    Verdict,
    b64,
    canonical,
    digest,
    key_id,
    load_public_key,
    public_pem,
    raw_public_bytes,
    unb64,
    verify_report,
    verify_token,
)

__all__ = [
    "SIGNATURE_LINE",
    "TOKEN_LINE",
    "Verdict",
    "b64",
    "canonical",
    "digest",
    "key_id",
    "load_or_create_private_key",
    "load_public_key",
    "public_pem",
    "raw_public_bytes",
    "sign_claims",
    "sign_json_report",
    "sign_pdf",
    "unb64",
    "verify_report",
    "verify_token",
]


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
