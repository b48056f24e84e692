"""Issue 10 probes against the kernel: safe defaults, tokens, bad input, body and rate limits."""

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError

from services.credit.config import CreditSettings
from services.inspection.config import InspectionSettings
from services.registry.config import RegistrySettings
from shared.auth.tokens import TokenVerifier, dev_token, mint_token
from shared.clock import utcnow
from shared.exceptions import Unauthenticated
from shared.settings import DEV_JWT_SECRET, ServiceSettings
from shared.web.guard import RequestGuard
from shared.web.limits import RateLimiter
from shared.web.problems import install_problem_handlers

SERVICE_SETTINGS = (RegistrySettings, InspectionSettings, CreditSettings)

# Production also requires authenticated Kafka (issue 10).
PROD_KAFKA: dict[str, Any] = {
    "kafka_security_protocol": "SASL_PLAINTEXT",
    "kafka_sasl_username": "svc",
    "kafka_sasl_password": "pw",
}


def _public_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


# -- safe defaults ---------------------------------------------------------------------------
@pytest.mark.parametrize("settings_cls", SERVICE_SETTINGS)
def test_environment_defaults_to_production(
    settings_cls: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    prefix = settings_cls.model_config.get("env_prefix")
    monkeypatch.delenv(f"{prefix}ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="production requires"):
        settings_cls()  # unconfigured = production = no dev key, no SQLite


@pytest.mark.parametrize("settings_cls", SERVICE_SETTINGS)
def test_plain_environment_variable_is_honoured(
    settings_cls: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = settings_cls.model_config.get("env_prefix")
    monkeypatch.delenv(f"{prefix}ENVIRONMENT", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "prod")
    with pytest.raises(ValidationError, match="production requires"):
        settings_cls()  # the probe: plain ENVIRONMENT=prod ran in dev mode
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="production requires"):
        settings_cls()
    monkeypatch.setenv("ENVIRONMENT", "dev")
    assert settings_cls().environment == "dev"


def test_contradicting_or_unknown_environment_is_refused_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "dev")
    with pytest.raises(ValidationError, match="contradicts"):
        RegistrySettings()
    monkeypatch.delenv("REGISTRY_ENVIRONMENT")
    monkeypatch.setenv("ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="not one of"):
        RegistrySettings()


def test_production_requires_authenticated_kafka() -> None:
    base: dict[str, Any] = {
        "environment": "prod",
        "jwt_algorithm": "RS256",
        "jwt_public_key": _public_pem(),
        "database_url": "postgresql://db/x",
    }
    with pytest.raises(ValidationError, match="KAFKA_SECURITY_PROTOCOL"):
        ServiceSettings(**base)
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME"):
        ServiceSettings(**base, kafka_security_protocol="SASL_PLAINTEXT")
    ok = ServiceSettings(**base, **PROD_KAFKA)
    assert ok.kafka_client_options == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "pw",
    }
    assert ServiceSettings(environment="test").kafka_client_options == {}


def test_dev_key_works_only_in_dev_and_test() -> None:
    token = dev_token(ServiceSettings(environment="test"), role="enterprise", sub="u", uscc="X")
    assert jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"], audience="quality-platform")
    prod = ServiceSettings(
        environment="prod",
        jwt_algorithm="RS256",
        jwt_public_key=_public_pem(),
        database_url="postgresql://db/x",
        **PROD_KAFKA,
    )
    with pytest.raises(ValueError, match="only in dev and test"):
        dev_token(prod, role="enterprise", sub="u", uscc="X")
    with pytest.raises(ValueError, match="only in dev and test"):
        TokenVerifier(prod.model_copy(update={"jwt_algorithm": "HS256"}))


@pytest.mark.parametrize(
    "pem,match",
    [
        ("k", "not a PEM public key"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not a PEM public key"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "private key"),
        ("short", "not a PEM"),
    ],
)
def test_rs256_key_is_validated_at_start_up(pem: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        ServiceSettings(
            environment="prod",
            jwt_algorithm="RS256",
            jwt_public_key=pem,
            database_url="postgresql://db/x",
            **PROD_KAFKA,
        )


def test_rs256_key_must_be_rsa_of_2048_bits() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    for pem, match in ((ec_pem, "RSA public key"), (_public_pem(1024), "at least 2048")):
        with pytest.raises(ValidationError, match=match):
            ServiceSettings(environment="test", jwt_algorithm="RS256", jwt_public_key=pem)


# -- tokens ----------------------------------------------------------------------------------
def _raw_token(**claims: object) -> str:
    now = int(utcnow().timestamp())
    payload = {
        "iss": "quality-platform",
        "aud": "quality-platform",
        "iat": now,
        "exp": now + 600,
        "sub": "u1",
        **claims,
    }
    return jwt.encode(payload, DEV_JWT_SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"role": ["regulator"]},
        {"role": {"x": 1}},
        {"role": "enterprise", "uscc": 913301},
        {"role": "enterprise", "uscc": ["91330100MA2ABCDE1R"]},
        {"role": "enterprise", "uscc": "91330100MA2ABCDE1R", "sub": 12},
        {"role": "enterprise", "uscc": "91330100MA2ABCDE1R", "sub": {"id": 1}},
        {"role": "enterprise", "uscc": "91330100MA2ABCDE1R", "name": 7},
        {
            "role": "regulator",
            "authority_level": "national",
            "department": "SAMR",
            "region_code": 330000,
        },
        {
            "role": "regulator",
            "authority_level": ["national"],
            "department": "SAMR",
            "region_code": "330000",
        },
        {
            "role": "regulator",
            "authority_level": "provincial",
            "department": "SAMR",
            "region_code": "33",
        },
        {"role": "certification_body", "body_id": True},
        {"role": "certification_body", "body_id": "a\x00b"},
        {"role": "enterprise", "uscc": "91330100MA2ABCDE1R", "iat": "now"},
    ],
)
def test_claims_of_the_wrong_type_are_401(claims: dict) -> None:
    verifier = TokenVerifier(ServiceSettings(environment="test"))
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(_raw_token(**claims))
    assert err.value.code == "invalid_token"


def test_token_lifetime_is_capped_and_iat_required() -> None:
    settings = ServiceSettings(environment="test", jwt_max_lifetime_hours=1)
    verifier = TokenVerifier(settings)
    long_lived = dev_token(
        settings, role="enterprise", sub="u", uscc="91330100MA2ABCDE1R", ttl=timedelta(days=365)
    )
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(long_lived)
    assert err.value.code == "token_too_long_lived"
    ok = dev_token(
        settings, role="enterprise", sub="u", uscc="91330100MA2ABCDE1R", ttl=timedelta(minutes=30)
    )
    assert verifier.verify(ok).uscc == "91330100MA2ABCDE1R"
    no_iat = jwt.encode(
        {
            "iss": "quality-platform",
            "aud": "quality-platform",
            "exp": 9999999999,
            "sub": "u",
            "role": "enterprise",
            "uscc": "91330100MA2ABCDE1R",
        },
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(no_iat)
    with pytest.raises(ValidationError):
        ServiceSettings(environment="test", jwt_max_lifetime_hours=24 * 30)


def test_rs256_tokens_still_verify_with_a_valid_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings = ServiceSettings(
        environment="prod",
        jwt_algorithm="RS256",
        jwt_public_key=public.decode(),
        database_url="postgresql://db/x",
        **PROD_KAFKA,
    )
    token = mint_token(
        key=private.decode(), algorithm="RS256", role="certification_body", sub="b", body_id="B1"
    )
    assert TokenVerifier(settings).verify(token).body_id == "B1"


# -- bad input, centrally ----------------------------------------------------------------------
class _Item(BaseModel):
    name: str


def _app(**guard: Any) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(
        RequestGuard,
        default_limit=guard.get("default_limit", 4096),
        route_limits=guard.get("route_limits"),
    )

    @app.post("/items")
    def create(item: _Item) -> dict:
        return {"name": item.name}

    @app.post("/big/{kind}/import")
    async def upload(kind: str) -> dict:
        return {"kind": kind}

    @app.get("/items")
    def search(q: str = "") -> dict:
        return {"q": q}

    @app.get("/race")
    def race() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    @app.get("/unstorable")
    def unstorable() -> None:
        raise DataError("INSERT", {}, Exception("NUL"))

    @app.get("/overflow")
    def overflow() -> None:
        from datetime import date

        date(9999, 12, 31) + timedelta(days=180)

    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = _app(route_limits={("POST", "/big/{kind}/import"): 100_000})
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "a\\u0000b"}',
        b'{"name": "\\ud800"}',
        b'{"name": "ok", "\\u0000": 1}',
        b'{"name": "x\\udc00y"}',
    ],
)
def test_unstorable_json_text_is_422(client: TestClient, raw: bytes) -> None:
    r = client.post("/items", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "unstorable_text"
    assert r.headers["content-type"] == "application/problem+json"


def test_escaped_backslashes_and_paired_surrogates_pass(client: TestClient) -> None:
    r = client.post(
        "/items",
        content=b'{"name": "\\\\u0000 \\ud83d\\ude00"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["name"] == "\\u0000 \U0001f600"


def test_nul_in_query_path_and_raw_body_is_422(client: TestClient) -> None:
    assert client.get("/items?q=a%00b").json()["code"] == "unstorable_text"
    assert client.get("/items%00").status_code == 422
    r = client.post(
        "/big/units/import", content=b"a,b\n\x00,1\n", headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422 and r.json()["code"] == "unstorable_text"


def test_body_limits_per_route_before_reading(client: TestClient) -> None:
    r = client.post("/items", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert client.post("/big/units/import", content=b"x" * 50_000).status_code == 200
    assert client.post("/big/units/import", content=b"x" * 100_001).status_code == 413

    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length, stopped while streaming
        for _ in range(100):
            yield b"x" * 10_000

    r = client.post("/big/units/import", content=chunks())
    assert r.status_code == 413


def test_races_overflows_and_unstorable_values_are_4xx(client: TestClient) -> None:
    r = client.get("/race")
    assert r.status_code == 409 and r.json()["code"] == "concurrent_conflict"
    assert client.get("/unstorable").json()["code"] == "unstorable_value"
    r = client.get("/overflow")
    assert r.status_code == 422 and r.json()["code"] == "value_out_of_range"


def test_405_carries_allow(client: TestClient) -> None:
    r = client.delete("/items")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


# -- rate limits -------------------------------------------------------------------------------
def _limited_app(**overrides: Any) -> TestClient:
    settings = ServiceSettings(
        environment="test",
        rate_limit_enabled=True,
        rate_limit_public="3/minute",
        rate_limit_portal="5/minute",
        portal_api_keys={"zj-portal": hashlib.sha256(b"s3cret").hexdigest()},
        **overrides,
    )
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RateLimiter, settings=settings)

    @app.get("/public/x")
    def public_x() -> dict:
        return {}

    @app.get("/healthz")
    def healthz() -> dict:
        return {}

    @app.get("/own")
    def own() -> dict:
        return {}

    return TestClient(app, raise_server_exceptions=False)


def test_public_rate_limit_answers_429_with_retry_after() -> None:
    client = _limited_app()
    assert [client.get("/public/x").status_code for _ in range(3)] == [200, 200, 200]
    r = client.get("/public/x")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert client.get("/healthz").status_code == 200  # probes are never limited
    assert client.get("/own", headers={"Authorization": "Bearer t"}).status_code == 200


def test_portal_api_key_tier_has_its_own_higher_limit() -> None:
    client = _limited_app()
    for _ in range(3):
        client.get("/public/x")
    assert client.get("/public/x").status_code == 429
    portal = {"X-API-Key": "s3cret"}
    assert [client.get("/public/x", headers=portal).status_code for _ in range(5)] == [200] * 5
    assert client.get("/public/x", headers=portal).status_code == 429
    r = client.get("/public/x", headers={"X-API-Key": "guess"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"


def test_clients_behind_a_trusted_proxy_are_told_apart() -> None:
    client = _limited_app(rate_limit_trusted_proxies=["testclient"])
    for _ in range(3):
        assert client.get("/public/x", headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
    assert client.get("/public/x", headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 429
    assert client.get("/public/x", headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 200
