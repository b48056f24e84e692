"""The ``inspection_publications_overdue`` gauge, computed from the database at scrape time."""

import logging

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from services.inspection.service_layer import overdue_views, publication_deadlines
from shared.clock import today_in_china

log = logging.getLogger(__name__)


class OverdueGauge(Collector):
    """Tasks whose results were not published within 20 working days of the check's end.
    Registered in the app's own metrics registry, bound to the app's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self):  # type: ignore[no-untyped-def]
        try:
            with self.engine.connect() as conn:
                today = today_in_china()
                overdue, unknown = overdue_views.overdue_count(conn, today)
                per_result_overdue = publication_deadlines.overdue_result_count(conn, today)
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
        per_result = GaugeMetricFamily(
            "inspection_results_publication_overdue",
            "Final results not published within 20 working days of becoming final",
        )
        per_result.add_metric([], per_result_overdue)
        yield per_result
