"""``working_calendar_last_official_day_timestamp_seconds``: the last day an official table
covers (00:00 UTC of that day), so an alert can fire 60 days before deadlines turn
provisional. A provisional year is not an outage: ``/readyz`` does not look at this."""

import calendar as _gregorian
import logging

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.calendar.source import CalendarSource

log = logging.getLogger(__name__)

METRIC = "working_calendar_last_official_day_timestamp_seconds"


class CalendarGauge(Collector):
    def __init__(self, service: str, source: CalendarSource) -> None:
        self.service = service
        self.source = source

    def collect(self):  # type: ignore[no-untyped-def]
        try:
            last = self.source.current().last_official_day
        except Exception:  # noqa: BLE001 - a failed scrape must not break /metrics
            log.warning("working calendar gauge failed", exc_info=True)
            return
        gauge = GaugeMetricFamily(
            METRIC,
            "Last day covered by an official working-day table (00:00 UTC); later deadlines "
            "are provisional until the State Council's table is loaded",
            labels=["service"],
        )
        gauge.add_metric([self.service], _gregorian.timegm(last.timetuple()))
        yield gauge
