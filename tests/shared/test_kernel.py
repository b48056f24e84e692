"""The shared kernel's own behaviour: settings, tokens, problems, observability."""

import json
import logging
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shared.auth import Role
from shared.auth.tokens import TokenVerifier, dev_token, mint_token
from shared.exceptions import Unauthenticated
from shared.observability import ObservabilityMiddleware, configure_logging, request_id_var
from shared.settings import ServiceSettings
from shared.web.problems import install_problem_handlers

# Production also requires authenticated Kafka (issue 10).
PROD_KAFKA: dict[str, Any] = {
    "kafka_security_protocol": "SASL_PLAINTEXT",
    "kafka_sasl_username": "svc",
    "kafka_sasl_password": "pw",
}


def test_production_settings_fail_fast() -> None:
    _, public = _rsa_pair()
    with pytest.raises(ValidationError, match="RS256"):
        ServiceSettings(environment="prod", database_url="postgresql://db/x", **PROD_KAFKA)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        ServiceSettings(
            environment="prod",
            jwt_algorithm="RS256",
            jwt_public_key=public,
            database_url="sqlite:///x.db",
        )
    ok = ServiceSettings(
        environment="prod",
        jwt_algorithm="RS256",
        jwt_public_key=public,
        database_url="postgresql://db/x",
        **PROD_KAFKA,
    )
    assert ok.environment == "prod"
    assert ok.jwt_dev_secret is None  # the committed dev key is gone in production


def _rsa_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def test_production_verifies_rs256_and_refuses_dev_tokens() -> None:
    private, public = _rsa_pair()
    settings = ServiceSettings(
        environment="prod",
        jwt_algorithm="RS256",
        jwt_public_key=public,
        database_url="postgresql://db/x",
        **PROD_KAFKA,
    )
    verifier = TokenVerifier(settings)
    token = mint_token(
        key=private.decode(),
        algorithm="RS256",
        role="enterprise",
        sub="u1",
        uscc="91330100MA2ABCDEXG",
    )
    principal = verifier.verify(token)
    assert principal.role is Role.ENTERPRISE and principal.uscc == "91330100MA2ABCDEXG"
    with pytest.raises(Unauthenticated):  # an HS256 dev token is worthless in production
        verifier.verify(
            dev_token(ServiceSettings(), role="enterprise", sub="u1", uscc="91330100MA2ABCDEXG")
        )


@pytest.mark.parametrize(
    "claims,code",
    [
        ({"role": "regulator", "sub": "r"}, "invalid_token"),  # missing authority claims
        ({"role": "superuser", "sub": "r"}, "invalid_token"),
        ({"role": "anonymous", "sub": "r"}, "invalid_token"),
    ],
)
def test_tokens_with_bad_claims_are_rejected(claims: dict, code: str) -> None:
    verifier = TokenVerifier(ServiceSettings())
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(dev_token(ServiceSettings(), **claims))
    assert err.value.code == code


def test_expired_and_foreign_tokens() -> None:
    settings = ServiceSettings()
    verifier = TokenVerifier(settings)
    expired = dev_token(settings, role="enterprise", sub="u", uscc="x", ttl=timedelta(seconds=-5))
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(expired)
    assert err.value.code == "token_expired"
    forged = jwt.encode(
        {"role": "regulator", "sub": "x", "exp": 9999999999}, "other-key", algorithm="HS256"
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)


def test_unmatched_routes_and_methods_are_problem_json() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things")
    def things() -> list:
        return []

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert r.headers["content-type"] == "application/problem+json"
    r = client.post("/things")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = client.get("/boom")
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert "secret detail" not in r.text


def test_json_logs_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test-service", "INFO", json_logs=True)
    token = request_id_var.set("req-123")
    try:
        logging.getLogger("test").info("hello")
    finally:
        request_id_var.reset(token)
        logging.getLogger().handlers.clear()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["request_id"] == "req-123"
    assert line["service"] == "test-service" and line["level"] == "INFO"


def _failing_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(ObservabilityMiddleware, service="test")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    return app


def test_a_500_keeps_the_request_id_in_header_body_and_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("test-service", "INFO", json_logs=True)
    try:
        client = TestClient(_failing_app())  # raises nothing: the middleware answered
        given = client.get("/boom", headers={"X-Request-ID": "trace-500"})
        fresh = client.get("/boom")
    finally:
        logging.getLogger().handlers.clear()
    assert given.status_code == 500 and given.json()["code"] == "internal_error"
    assert given.headers["content-type"] == "application/problem+json"
    assert given.headers["x-request-id"] == given.json()["request_id"] == "trace-500"
    assert "secret detail" not in given.text
    rid = fresh.headers["x-request-id"]
    assert len(rid) == 32 and fresh.json()["request_id"] == rid
    logged = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    errors = [x for x in logged if x["message"] == "unhandled error"]
    assert [x["request_id"] for x in errors] == ["trace-500", rid]
    assert "secret detail" in errors[0]["exc_info"]  # the log keeps what the body hides
