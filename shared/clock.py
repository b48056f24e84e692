"""One place that says what "now" is, so tests and jobs can agree on it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in_china() -> date:
    """Certificates and decisions are dated in China Standard Time, not UTC."""
    return datetime.now(CHINA_TZ).date()


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
