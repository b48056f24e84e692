"""What a credit report (and the enterprise page) says about one enterprise: gathered from the
three services' public APIs only, in a deterministic order so its digest identifies it."""

import asyncio
import secrets
from datetime import UTC, datetime

from services.portal.report.signing import digest
from services.portal.upstream import Upstreams


async def gather(upstreams: Upstreams, uscc: str, max_rows: int) -> dict:
    """The enterprise's public file. The credit profile comes first: it validates the USCC
    (422 with the faulty character) and says whether the enterprise exists (404)."""
    uscc = uscc.strip().upper()
    profile = await upstreams.credit.get(f"/public/enterprises/{uscc}")
    records, certificates, results = await asyncio.gather(
        upstreams.credit.get_all(f"/public/enterprises/{uscc}/records", max_rows),
        upstreams.registry.get_all("/public/certificates", max_rows, holder_uscc=uscc),
        upstreams.inspection.get_all("/public/results", max_rows, page=500, uscc=uscc),
    )
    return {
        "profile": profile,
        "records": sorted(records, key=lambda r: (r.get("decision_date") or "", r["id"])),
        "certificates": sorted(certificates, key=lambda c: c["number"]),
        "inspections": sorted(
            (_inspection(r) for r in results), key=lambda r: (r["sampling_date"] or "", r["id"])
        ),
    }


def _inspection(result: dict) -> dict:
    """The parts of a published result a report shows (inspectors' names stay out)."""
    outcome = result.get("result") or {}
    return {
        "id": result["id"],
        "plan": (result.get("plan") or {}).get("name"),
        "product_name": result.get("product_name"),
        "model": result.get("model"),
        "outcome": outcome.get("outcome"),
        "failed_items": outcome.get("failed_items") or [],
        "sampling_date": outcome.get("sampling_date"),
        "lab": (result.get("lab") or {}).get("name"),
        "published_at": result.get("published_at"),
    }


def new_claims(content: dict, kid: str, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    profile = content["profile"]
    return {
        "v": 1,
        "report_id": f"QCR-{now:%Y%m%d}-{secrets.token_hex(5).upper()}",
        "uscc": profile["uscc"],
        "name": profile["name"],
        "issued_at": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "kid": kid,
        "content_sha256": digest(content),
    }
