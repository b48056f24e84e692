"""Start-up validation of the identity provider's RS256 public key (fail fast, not per request)."""

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

MIN_RSA_BITS = 2048


def key_problem(pem: str | None) -> str | None:
    """Why ``pem`` cannot verify RS256 tokens, or None when it can."""
    if not pem or not pem.strip():
        return "RS256 requires JWT_PUBLIC_KEY (a PEM public key)"
    if "PRIVATE KEY" in pem:
        return "JWT_PUBLIC_KEY holds a private key: configure the public key only"
    try:
        key = load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError) as exc:
        return f"JWT_PUBLIC_KEY is not a PEM public key: {exc}"
    if not isinstance(key, RSAPublicKey):
        return "JWT_PUBLIC_KEY must be an RSA public key for RS256"
    if key.key_size < MIN_RSA_BITS:
        return f"JWT_PUBLIC_KEY has {key.key_size} bits; RS256 needs at least {MIN_RSA_BITS}"
    return None
