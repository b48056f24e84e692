"""Certification statistics over time (issue 14): per month (China time), scheme and region,
how many certificates were issued, suspended, restored, revoked, cancelled, expired or
replaced, counted from the append-only transition history and named as in the change feed."""

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import Connection

from services.registry.service_layer.views import CERTIFICATE, TRANSITION, C, T
from shared.clock import CHINA_TZ
from shared.exceptions import InvalidInput

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# change-feed names of the transitions (the feed says "issued" for Action.ISSUE)
CHANGE_NAMES = {"issue": "issued"}
REGION_DIGITS = {"province": 2, "city": 4, "county": 6}


def _month_expr(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", T.occurred_at), "YYYY-MM")
    return func.strftime("%Y-%m", T.occurred_at, literal_column("'+8 hours'"))


def _month_start(month: str) -> datetime:
    year, mon = (int(x) for x in month.split("-"))
    return datetime(year, mon, 1, tzinfo=CHINA_TZ)


def _next_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def monthly(
    conn: Connection,
    *,
    from_month: str,
    to_month: str,
    scheme: str | None,
    region_level: str,
) -> dict[str, Any]:
    for m in (from_month, to_month):
        if not MONTH.match(m):
            raise InvalidInput(f"{m!r} is not a month (YYYY-MM)", code="invalid_month")
    if to_month < from_month:
        raise InvalidInput("to is before from", code="invalid_month_range")
    digits = REGION_DIGITS.get(region_level)
    if digits is None:
        raise InvalidInput("region_level is province, city or county", code="invalid_region_level")
    month = _month_expr(conn.dialect.name).label("month")
    region = func.substr(C.holder_region, 1, digits).label("region")
    stmt = (
        select(month, C.scheme, region, T.action, func.count().label("n"))
        .select_from(TRANSITION.join(CERTIFICATE, C.id == T.certificate_id))
        .where(T.occurred_at >= _month_start(from_month))
        .where(T.occurred_at < _month_start(_next_month(to_month)))
        .group_by(month, C.scheme, region, T.action)
    )
    if scheme:
        stmt = stmt.where(C.scheme == scheme)
    cells: dict[tuple[str, str, str], dict[str, int]] = {}
    for r in conn.execute(stmt):
        key = (r.month, r.scheme, r.region.ljust(6, "0"))
        counts = cells.setdefault(key, {})
        name = CHANGE_NAMES.get(r.action, r.action)
        counts[name] = counts.get(name, 0) + r.n
    return {
        "from": from_month,
        "to": to_month,
        "region_level": region_level,
        "items": [
            {"month": m, "scheme": s, "region_code": reg, "counts": counts}
            for (m, s, reg), counts in sorted(cells.items())
        ],
    }


def this_month(today: date) -> str:
    return f"{today:%Y-%m}"
