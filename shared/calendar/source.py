"""The calendar a running service uses: official tables from the table directory (reloaded when
``qp-calendar load`` changes it), legacy JSON tables, chinese-calendar, else provisional."""

import threading
from pathlib import Path

from shared.calendar.schedule import WorkingCalendar, YearSchedule
from shared.calendar.tables import TableStore


class CalendarSource:
    def __init__(self, tables_dir: Path | None, extra: tuple[YearSchedule, ...] = ()) -> None:
        self.store = TableStore(tables_dir) if tables_dir else None
        self.extra = extra
        self._lock = threading.Lock()
        self._fingerprint: tuple | None = None
        self._calendar = WorkingCalendar(extra)

    def current(self) -> WorkingCalendar:
        """The calendar on the latest stored tables (a directory stat per call, cached)."""
        if self.store is None:
            return self._calendar
        fingerprint = self.store.fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._calendar = self.store.calendar(self.extra)
                self._fingerprint = fingerprint
            return self._calendar
