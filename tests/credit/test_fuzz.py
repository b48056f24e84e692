"""schemathesis against credit (issue 10): generated requests never get a 5xx."""

from sqlalchemy.engine import Engine

from devtools.testing.fuzz import assert_no_5xx
from services.credit.config import CreditSettings
from services.credit.entrypoints.api import create_app
from tests.credit.conftest import HANGZHOU, TODAY, bearer


def test_generated_requests_never_get_a_5xx(settings: CreditSettings, engine: Engine) -> None:
    headers = [
        {},
        bearer(
            settings,
            role="regulator",
            sub="fuzz",
            authority_level="provincial",
            region_code="330000",
            department="ZJAMR",
        ),
        bearer(settings, role="enterprise", sub="fuzz-e", uscc=HANGZHOU),
    ]
    assert_no_5xx(create_app(settings, engine, today=lambda: TODAY), headers)
