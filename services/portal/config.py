"""The portal's settings (env prefix ``PORTAL_``). It has no database and no broker: it reads the
other services' public APIs only, as an outside portal would."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import DEV_JWT_SECRET, MAX_TOKEN_LIFETIME_HOURS

SERVICE_DIR = Path(__file__).resolve().parent
# The independent JavaScript verifier of the draw specification, run by the draw page in the
# reader's browser (the image copies it to the same place relative to the code).
JS_VERIFIER = SERVICE_DIR.parents[1] / "verifier-js" / "verifier.mjs"
# TrueType CJK fonts reportlab can embed (it cannot embed CFF-outline OpenType such as Noto CJK).
# Debian: fonts-wqy-zenhei (installed by `make portal-tools` and the portal's Dockerfile).
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", env_file=None)

    service_name: str = "portal"
    environment: Literal["dev", "test", "prod"] = "dev"
    host: str = "127.0.0.1"
    port: int = 8004
    workers: int = 1
    log_level: str = "INFO"
    log_json: bool = True
    # The public APIs the portal reads.
    registry_url: str = "http://127.0.0.1:8001"
    inspection_url: str = "http://127.0.0.1:8002"
    credit_url: str = "http://127.0.0.1:8003"
    upstream_timeout_seconds: float = 5.0
    # Absolute base URL of the portal as the public reaches it (QR codes and printed links).
    public_url: str = "http://127.0.0.1:8004"
    # Ed25519 private key (PKCS#8 PEM) that signs credit reports. In dev/test a key is created
    # in ``signing_key_file`` when neither is given; production refuses to start without one.
    signing_key: SecretStr | None = None
    signing_key_file: Path = Path("var/portal-signing-key.pem")
    # A TrueType CJK font file to embed in PDF reports; by default the first of
    # CJK_FONT_CANDIDATES that exists.
    cjk_font: str | None = None
    # Upper bound of rows the report and the charts read from each list endpoint.
    max_rows: int = 1000
    # Enterprises download their own reports with the platform's bearer token (role
    # enterprise, claim uscc), checked as the services check it: HS256 with the dev key in
    # dev/test, RS256 with the identity provider's public key in production.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_dev_secret: SecretStr | None = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str | None = None
    jwt_issuer: str = "quality-platform"
    jwt_audience: str = "quality-platform"
    jwt_max_lifetime_hours: float = Field(default=12, gt=0, le=MAX_TOKEN_LIFETIME_HOURS)
    # The portal's own mirror of the disclosure feed (services/portal/mirror.py), e.g.
    # sqlite:///var/portal-mirror.db; searches of the dishonesty list read it. Empty: none.
    mirror_url: str | None = None
    mirror_poll_seconds: float = 5.0
    # How long the inspection pass-rate charts are reused before the results are read again.
    chart_cache_seconds: float = 30.0

    @model_validator(mode="after")
    def _fail_fast_in_prod(self) -> "PortalSettings":
        if self.environment != "prod":
            return self
        if self.signing_key is None:
            raise ValueError("production requires PORTAL_SIGNING_KEY (Ed25519 PKCS#8 PEM)")
        if self.jwt_algorithm != "RS256" or not self.jwt_public_key:
            raise ValueError(
                "production requires PORTAL_JWT_ALGORITHM=RS256 and PORTAL_JWT_PUBLIC_KEY"
            )
        self.jwt_dev_secret = None  # the committed dev key is useless outside dev/test
        return self
