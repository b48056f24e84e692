"""The portal's public pages. Every page is for anyone, no login; data comes from the three
services' public APIs (the Upstreams in app state)."""

import re
from datetime import date
from typing import Annotated
from urllib.parse import quote

import segno
from cachetools import TTLCache
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from services.portal.charts import bars, pass_rates
from services.portal.i18n import translator
from services.portal.report.content import gather
from services.portal.upstream import NotFoundError, Upstreams
from services.portal.web import error_page, language, render

router = APIRouter()
Cursor = Annotated[str | None, Query(max_length=200)]
USCC_SHAPE = re.compile(r"^[0-9A-Za-z]{18}$")
NUMBER_SHAPE = re.compile(r"^[\w\-.()（）]{1,64}$")


def ups(request: Request) -> Upstreams:
    return request.app.state.upstreams  # type: ignore[no-any-return]


@router.get("/", response_class=HTMLResponse, summary="Home")
async def home(request: Request) -> HTMLResponse:
    """Anyone. Search forms for certificates and enterprises."""
    return render(request, "home.html")


@router.get("/certificates", response_class=HTMLResponse, summary="Find a certificate")
async def find_certificate(
    request: Request, number: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    """Anyone. Redirects to the certificate's page."""
    number = (number or "").strip()
    if not number:
        return render(request, "home.html")
    if not NUMBER_SHAPE.match(number):
        return error_page(request, 422, "certificate_number_malformed", number)
    return RedirectResponse(f"/certificates/{quote(number)}", status_code=303)


@router.get("/certificates/{number}", response_class=HTMLResponse, summary="Verify a certificate")
async def certificate(request: Request, number: str) -> HTMLResponse:
    """Anyone. Status, holder, validity, body and accreditation, joint punishment, a verdict."""
    cert = await ups(request).registry.get(f"/public/certificates/{number}")
    return render(request, "certificate.html", c=cert)


@router.get("/certificates/{number}/qr.{kind}", summary="QR code of a certificate's page")
async def certificate_qr(request: Request, number: str, kind: str) -> Response:
    """Anyone. PNG or SVG; the code opens the certificate's verification page."""
    if kind not in ("png", "svg"):
        return error_page(request, 404, "not_found", kind)
    await ups(request).registry.get(f"/public/certificates/{number}")  # 404 for unknown numbers
    url = f"{request.app.state.settings.public_url}/certificates/{number}"
    return qr_response(url, kind)


def qr_response(url: str, kind: str) -> Response:
    import io

    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind=kind, scale=6, border=2, **({"title": url} if kind == "svg" else {})
    )
    media = "image/png" if kind == "png" else "image/svg+xml"
    return Response(out.getvalue(), media_type=media, headers={"Cache-Control": "max-age=300"})


@router.get("/enterprises", response_class=HTMLResponse, summary="Find an enterprise")
async def find_enterprise(
    request: Request, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    """Anyone. A USCC opens the enterprise page; a name lists matching certificate holders."""
    q = (q or "").strip()
    if not q:
        return render(request, "home.html")
    if USCC_SHAPE.match(q):
        return RedirectResponse(f"/enterprises/{q.upper()}", status_code=303)
    if len(q) < 2:
        return error_page(request, 422, "query_too_short", q)
    page = await ups(request).registry.get("/public/certificates", holder_name=q, limit=200)
    holders = {c["holder"]["uscc"]: c["holder"]["name"] for c in page["items"]}
    return render(request, "search.html", q=q, holders=sorted(holders.items(), key=lambda h: h[1]))


@router.get("/enterprises/{uscc}", response_class=HTMLResponse, summary="An enterprise")
async def enterprise(request: Request, uscc: str) -> HTMLResponse:
    """Anyone. Certificates, credit grade and what it means, listing and measures with legal
    basis and term, records in disclosure, inspection results."""
    content = await gather(ups(request), uscc, request.app.state.settings.max_rows)
    return render(request, "enterprise.html", e=content, p=content["profile"])


PAGE = 20
Text = Annotated[str | None, Query(max_length=100)]


def listing_matches(listing: dict, q: str | None, region: str | None, measure: str | None) -> bool:
    """Name or USCC contains ``q``; the USCC's division code (characters 3-8) starts with
    ``region``; a measure with code ``measure`` applies."""
    if q and q.upper() not in listing["uscc"] and q not in (listing.get("enterprise_name") or ""):
        return False
    if region and not listing["uscc"][2:8].startswith(region):
        return False
    return not measure or any(m["code"] == measure for m in listing.get("measures", []))


@router.get("/dishonesty-list", response_class=HTMLResponse, summary="The dishonesty list")
async def dishonesty_list(
    request: Request,
    cursor: Cursor = None,
    q: Text = None,
    region: Annotated[str | None, Query(pattern="^[0-9]{0,6}$")] = None,
    measure: Annotated[str | None, Query(pattern="^[a-z_]{0,64}$")] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """Anyone. Listings in force, 20 a page; filters by name or USCC, region and measure."""
    credit = ups(request).credit
    measures = await credit.get("/catalogue/measures")
    filters = {"q": (q or "").strip() or None, "region": region or None, "measure": measure or None}
    if not any(filters.values()):
        listing_page = await credit.get("/public/dishonesty-list", cursor=cursor, limit=PAGE)
        return render(
            request,
            "dishonesty.html",
            page=listing_page,
            cursor=cursor,
            measures=measures,
            f=filters,
        )
    everything = await _all_listings(request)
    hits = [item for item in everything if listing_matches(item, **filters)]
    start = (page - 1) * PAGE
    listing_page = {"items": hits[start : start + PAGE], "next_cursor": None}
    return render(
        request,
        "dishonesty.html",
        page=listing_page,
        cursor=None,
        measures=measures,
        f=filters,
        total=len(hits),
        page_number=page,
        more=start + PAGE < len(hits),
    )


async def _all_listings(request: Request) -> list[dict]:
    """From the portal's own mirror of the disclosure feed once it has caught up; else every
    listing read from the credit service."""
    mirror = getattr(request.app.state, "mirror", None)
    if mirror is not None and mirror.caught_up.is_set():
        return await run_in_threadpool(mirror.listings, date.today())
    return await ups(request).credit.get_all(
        "/public/dishonesty-list", request.app.state.settings.max_rows
    )


@router.get("/disclosures", response_class=HTMLResponse, summary="The disclosure stream")
async def disclosures(
    request: Request,
    cursor: Cursor = None,
    action: Annotated[str | None, Query(pattern="^(publish|withdraw)?$")] = None,
) -> HTMLResponse:
    """Anyone. Records published and withdrawn in commit order, 20 a page, optionally only
    one kind of entry (the stream is read forward until a page is full)."""
    credit = ups(request).credit
    items: list = []
    next_cursor = cursor
    for _ in range(10):  # at most 10 upstream pages for one page of filtered entries
        feed = await credit.get("/public/disclosures", cursor=next_cursor, limit=PAGE)
        items += [d for d in feed["items"] if not action or d["action"] == action]
        next_cursor = feed.get("next_cursor") if feed.get("has_more", True) else None
        if len(items) >= PAGE or not next_cursor:
            break
    page = {"items": items, "next_cursor": next_cursor}
    return render(request, "disclosures.html", page=page, cursor=cursor, action=action or None)


@router.get("/inspections", response_class=HTMLResponse, summary="Inspection results")
async def inspections(
    request: Request,
    cursor: Cursor = None,
    outcome: Annotated[str | None, Query(pattern="^(pass|fail|refused)$")] = None,
) -> HTMLResponse:
    """Anyone ("一公开"). Published results with paging and an outcome filter, and pass rates
    by plan, region and product category."""
    up = ups(request)
    page = await up.inspection.get("/public/results", cursor=cursor, limit=20, outcome=outcome)
    charts, sample = await _pass_rate_charts(request)
    return render(
        request,
        "inspections.html",
        page=page,
        cursor=cursor,
        outcome=outcome,
        charts=charts,
        sample=sample,
    )


async def _pass_rate_charts(request: Request) -> tuple[dict, int]:
    """Pass rates over every published result, computed at most every PORTAL_CHART_CACHE_SECONDS (the
    results change a few times a day; the page must not re-read them all on every view)."""
    cache: TTLCache = request.app.state.chart_cache
    if "charts" not in cache:
        everything = await ups(request).inspection.get_all(
            "/public/results", request.app.state.settings.max_rows, page=500
        )
        cache["charts"] = (
            {
                "by_plan": pass_rates(everything, lambda r: (r.get("plan") or {}).get("name")),
                "by_region": pass_rates(everything, lambda r: r.get("region_code")),
                "by_category": pass_rates(everything, lambda r: r.get("product_category")),
            },
            len(everything),
        )
    return cache["charts"]  # type: ignore[no-any-return]


@router.get("/statistics", response_class=HTMLResponse, summary="Certification statistics")
async def statistics(request: Request) -> HTMLResponse:
    """Anyone. The registry's statistics as bar charts."""
    stats = await ups(request).registry.get("/public/statistics")
    by_scheme = {
        scheme: counts.get("valid", 0)
        for scheme, counts in sorted(stats.get("certificates_by_scheme_and_status", {}).items())
    }
    return render(
        request,
        "statistics.html",
        by_status=bars(
            {
                translator(language(request))(f"status.{k}"): v
                for k, v in sorted(stats.get("certificates_by_status", {}).items())
            }
        ),
        by_scheme=bars(by_scheme),
        by_region=sorted(stats.get("valid_by_region", {}).items()),
    )


__all__ = ["router", "NotFoundError"]
