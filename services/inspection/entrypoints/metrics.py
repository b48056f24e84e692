"""The ``inspection_publications_overdue`` gauge, computed from the database at scrape time."""

import logging

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.engine import Engine

from services.inspection.service_layer import views
from shared.clock import today_in_china

log = logging.getLogger(__name__)


class OverdueGauge(Collector):
    """Tasks whose results were not published within 20 working days of the check's end.

    One collector per process in the default registry; the app binds its engine to it (tests
    build many apps in one process, so the latest one wins).
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._registered = False

    def bind(self, engine: Engine) -> None:
        self.engine = engine
        if not self._registered:
            REGISTRY.register(self)
            self._registered = True

    def collect(self):  # type: ignore[no-untyped-def]
        if self.engine is None:
            return
        try:
            with self.engine.connect() as conn:
                overdue, unknown = views.overdue_count(conn, today_in_china())
        except Exception:  # noqa: BLE001 - a failed scrape must not break /metrics
            log.warning("overdue publications gauge failed", exc_info=True)
            return
        gauge = GaugeMetricFamily(
            "inspection_publications_overdue",
            "Tasks whose final results were not published within 20 working days of the "
            "check's end",
        )
        gauge.add_metric([], overdue)
        yield gauge
        unknown_gauge = GaugeMetricFamily(
            "inspection_publication_deadline_unknown",
            "Unpublished tasks of ended checks whose deadline cannot be computed because the "
            "working-day calendar does not cover its year",
        )
        unknown_gauge.add_metric([], unknown)
        yield unknown_gauge


OVERDUE_GAUGE = OverdueGauge()
