"""JWT bearer tokens (PyJWT): HS256 with a dev key in dev/test, RS256 in production."""

import uuid
from datetime import timedelta
from typing import Annotated, Any, Protocol

import jwt
from pydantic import BaseModel, ConfigDict, SecretStr, StringConstraints, ValidationError

from shared.auth.principal import AuthorityLevel, Principal, Role
from shared.clock import utcnow
from shared.exceptions import Unauthenticated
from shared.settings import ServiceSettings

# Claim values are printed in audit trails and compared with stored codes: plain, short text.
_Text = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]


class TokenClaims(BaseModel):
    """The claims a principal is built from, each checked by JSON type (strict: no coercion)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    sub: _Text
    role: _Text
    iat: int
    exp: int
    name: _Text | None = None
    authority_level: _Text | None = None
    department: _Text | None = None
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = None
    body_id: _Text | None = None
    uscc: Annotated[str, StringConstraints(min_length=1, max_length=18)] | None = None


class TokenSettings(Protocol):
    """What verifying tokens needs: ServiceSettings has it, and so has the portal's settings."""

    @property
    def environment(self) -> str: ...
    @property
    def jwt_algorithm(self) -> str: ...
    @property
    def jwt_dev_secret(self) -> SecretStr | None: ...
    @property
    def jwt_public_key(self) -> str | None: ...
    @property
    def jwt_issuer(self) -> str: ...
    @property
    def jwt_audience(self) -> str: ...
    @property
    def jwt_max_lifetime_hours(self) -> float: ...


class TokenVerifier:
    def __init__(self, settings: TokenSettings) -> None:
        self.algorithm = settings.jwt_algorithm
        self.max_lifetime = timedelta(hours=settings.jwt_max_lifetime_hours).total_seconds()
        if self.algorithm == "HS256" and settings.environment not in ("dev", "test"):
            raise ValueError("HS256 dev tokens are accepted only in dev and test")
        if self.algorithm == "RS256":
            if not settings.jwt_public_key:
                raise ValueError("RS256 requires a JWT public key")
            self.key: Any = settings.jwt_public_key
        else:
            if settings.jwt_dev_secret is None:
                raise ValueError("HS256 requires JWT_DEV_SECRET")
            self.key = settings.jwt_dev_secret.get_secret_value()
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired", code="token_expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}", code="invalid_token") from None
        checked = checked_claims(claims)
        if checked.exp - checked.iat > self.max_lifetime:
            raise Unauthenticated(
                f"the token lives longer than {self.max_lifetime:.0f} s",
                code="token_too_long_lived",
            )
        return principal_from_claims(checked.model_dump(exclude_none=True))


def checked_claims(claims: dict[str, Any]) -> TokenClaims:
    """Claims of the wrong JSON type or shape are a 401, never a 500 further down."""
    try:
        return TokenClaims.model_validate(claims)
    except ValidationError as exc:
        wrong = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise Unauthenticated(f"malformed token claims: {wrong}", code="invalid_token") from None


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError:
        raise Unauthenticated(f"unknown role {claims['role']!r}", code="invalid_token") from None
    if role is Role.ANONYMOUS:
        raise Unauthenticated("tokens cannot carry the anonymous role", code="invalid_token")
    required = {
        Role.REGULATOR: ("authority_level", "region_code", "department"),
        Role.CERTIFICATION_BODY: ("body_id",),
        Role.ENTERPRISE: ("uscc",),
        Role.OBSERVER: (),
    }[role]
    missing = [c for c in required if not claims.get(c)]
    if missing:
        raise Unauthenticated(
            f"a {role.value} token needs the claims {', '.join(missing)}", code="invalid_token"
        )
    level = claims.get("authority_level")
    try:
        authority_level = AuthorityLevel(level) if level else None
    except ValueError:
        raise Unauthenticated(f"unknown authority level {level!r}", code="invalid_token") from None
    return Principal(
        role=role,
        subject=str(claims["sub"]),
        name=claims.get("name"),
        authority_level=authority_level,
        department=claims.get("department"),
        region_code=claims.get("region_code"),
        body_id=claims.get("body_id"),
        uscc=claims.get("uscc"),
    )


def mint_token(
    *,
    key: str,
    algorithm: str = "HS256",
    issuer: str = "quality-platform",
    audience: str = "quality-platform",
    ttl: timedelta = timedelta(hours=12),
    **claims: Any,
) -> str:
    """Sign a token. Used by the dev CLI and by tests; production tokens come from the IdP."""
    now = utcnow()
    payload = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **{k: v for k, v in claims.items() if v is not None},
    }
    return jwt.encode(payload, key, algorithm=algorithm)


def dev_token(settings: ServiceSettings | None = None, /, **claims: Any) -> str:
    """A token signed with the dev key; only dev/test settings have one."""
    settings = settings or ServiceSettings(environment="dev")
    if settings.jwt_dev_secret is None:
        raise ValueError("dev tokens exist only in dev and test")
    return mint_token(
        key=settings.jwt_dev_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        **claims,
    )
