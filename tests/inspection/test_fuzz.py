"""schemathesis against inspection (issue 10): generated requests never get a 5xx."""

from sqlalchemy.engine import Engine

from devtools.testing.fuzz import assert_no_5xx
from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import create_app
from tests.inspection.conftest import NATIONAL, ZJ, bearer


def test_generated_requests_never_get_a_5xx(settings: InspectionSettings, engine: Engine) -> None:
    headers = [{}, bearer(settings, ZJ), bearer(settings, NATIONAL)]
    assert_no_5xx(create_app(settings, engine), headers)
