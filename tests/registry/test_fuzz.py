"""schemathesis against the registry (issue 10): generated requests never get a 5xx.

Bounded (``FUZZ_EXAMPLES`` per operation, default 4, derandomized) so ``make test`` stays fast;
each case is sent anonymously and as a national regulator (which passes the role checks).
"""

from sqlalchemy.engine import Engine

from devtools.testing.fuzz import assert_no_5xx
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from tests.registry.conftest import bearer


def test_generated_requests_never_get_a_5xx(settings: RegistrySettings, engine: Engine) -> None:
    national = bearer(
        settings,
        role="regulator",
        sub="fuzz",
        authority_level="national",
        region_code="100000",
        department="CNCA",
    )
    assert_no_5xx(create_app(settings, engine), [{}, national])
