"""The credit service's HTTP API: the app, with one router per use case (``api_public``,
``api_catalogue``, ``api_files``, ``api_records``, ``api_listings``, ``api_repairs``, ...).
Each route's docstring says who may call it."""

from collections.abc import Callable
from datetime import date

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.credit.adapters.orm import outbox
from services.credit.adapters.webhook_feed import DisclosureFeed
from services.credit.config import CreditSettings
from services.credit.entrypoints import cross_region, transfers_api
from services.credit.entrypoints.api_catalogue import catalogue
from services.credit.entrypoints.api_files import enterprises
from services.credit.entrypoints.api_listings import listings
from services.credit.entrypoints.api_process import hearing_routes, person_disputes
from services.credit.entrypoints.api_public import public
from services.credit.entrypoints.api_records import records
from services.credit.entrypoints.api_repairs import repairs
from services.credit.entrypoints.api_rules import (
    dispute_routes,
    proposal_gauges,
    queue,
    removal,
    rules,
)
from services.credit.entrypoints.cache import profile_cache
from services.credit.entrypoints.openapi_examples import EXAMPLES as OPENAPI_EXAMPLES
from shared.cache import cache_lifespan
from shared.calendar.metrics import CalendarGauge
from shared.clock import today_in_china
from shared.db import make_engine
from shared.web.app import create_app as create_service_app
from shared.webhooks.api import webhook_router
from shared.webhooks.settings import webhook_settings


def create_app(
    settings: CreditSettings | None = None,
    engine: Engine | None = None,
    *,
    today: Callable[[], date] | None = None,
) -> FastAPI:
    """``today`` pins the legal date (tests); by default the date in China Standard Time."""
    settings = settings or CreditSettings()
    engine = engine or make_engine(settings.database_url)
    clock = today or today_in_china
    settings.policy  # noqa: B018 - load the calendar file now: a bad file fails at startup
    cache = profile_cache(engine, settings.cache_mb, clock)
    app = create_service_app(
        settings=settings,
        engine=engine,
        outbox=outbox,
        title="Enterprise credit",
        description="Credit files, risk grades, the list of serious violators with due process, "
        "credit repair and public disclosure for regulators, enterprises and portals.",
        lifespan=cache_lifespan(cache, settings.cache_refresh_seconds),
        extra_state={"cache": cache, "today": clock},
        openapi_examples=OPENAPI_EXAMPLES,
        collectors=(
            proposal_gauges(engine, clock),
            CalendarGauge(settings.service_name, settings.calendar_source),
        ),
    )
    for router in (
        public,
        catalogue,
        rules,
        enterprises,
        cross_region.router,
        transfers_api.router,
        records,
        listings,
        removal,
        repairs,
        queue,
        person_disputes,
        dispute_routes,
        hearing_routes,
    ):
        app.include_router(router)
    app.include_router(webhook_router(DisclosureFeed(), webhook_settings(settings, "CREDIT_")))
    return app


def main() -> None:
    from shared.web.serve import serve

    serve("services.credit.entrypoints.api:create_app", CreditSettings())


if __name__ == "__main__":
    main()
