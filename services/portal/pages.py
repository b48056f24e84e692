"""The portal's public pages. Every page is for anyone, no login; data comes from the three
services' public APIs (the Upstreams in app state)."""

import re
from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.portal.charts import bars, pass_rates
from services.portal.report.content import gather
from services.portal.upstream import NotFoundError, Upstreams
from services.portal.web import error_page, render

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


@router.get("/dishonesty-list", response_class=HTMLResponse, summary="The dishonesty list")
async def dishonesty_list(request: Request, cursor: Cursor = None) -> HTMLResponse:
    """Anyone. Listings in force, 20 a page."""
    page = await ups(request).credit.get("/public/dishonesty-list", cursor=cursor, limit=20)
    return render(request, "dishonesty.html", page=page, cursor=cursor)


@router.get("/disclosures", response_class=HTMLResponse, summary="The disclosure stream")
async def disclosures(request: Request, cursor: Cursor = None) -> HTMLResponse:
    """Anyone. Records published and withdrawn in commit order, 20 a page."""
    page = await ups(request).credit.get("/public/disclosures", cursor=cursor, limit=20)
    return render(request, "disclosures.html", page=page, cursor=cursor)


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
    everything = await up.inspection.get_all(
        "/public/results", request.app.state.settings.max_rows, page=500
    )
    charts = {
        "by_plan": pass_rates(everything, lambda r: (r.get("plan") or {}).get("name")),
        "by_region": pass_rates(everything, lambda r: r.get("region_code")),
        "by_category": pass_rates(everything, lambda r: r.get("product_category")),
    }
    return render(
        request,
        "inspections.html",
        page=page,
        cursor=cursor,
        outcome=outcome,
        charts=charts,
        sample=len(everything),
    )


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
        by_status=bars(dict(sorted(stats.get("certificates_by_status", {}).items()))),
        by_scheme=bars(by_scheme),
        by_region=sorted(stats.get("valid_by_region", {}).items()),
    )


__all__ = ["router", "NotFoundError"]
