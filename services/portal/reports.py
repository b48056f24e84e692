"""Enterprise quality credit reports: HTML, signed PDF and signed JSON, the online check behind
the QR code, upload verification and the public key at a well-known URL. An enterprise downloads
its own report (its bearer token, role enterprise, names the USCC); anyone may verify one."""

from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from services.portal.report import pdf, signing
from services.portal.report.content import gather, new_claims
from services.portal.upstream import NotFoundError
from services.portal.web import error_page, render
from shared.auth.principal import ANONYMOUS, Principal, Role
from shared.auth.tokens import TokenVerifier
from shared.exceptions import Unauthenticated

router = APIRouter()
KEYS_PATH = "/.well-known/quality-report-keys.json"
KEY_PEM_PATH = "/.well-known/quality-report-key.pem"
MAX_UPLOAD = 5 * 1024 * 1024


def _settings(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


async def _issue(request: Request, uscc: str) -> tuple[dict, dict, str]:
    content = await gather(request.app.state.upstreams, uscc, _settings(request).max_rows)
    signer = request.app.state.signer
    claims = new_claims(content, signing.key_id(signer.public_key()))
    token = signing.sign_claims(signer, claims)
    return content, claims, token


def check_url(request: Request, token: str) -> str:
    return f"{_settings(request).public_url}/reports/check?token={quote(token)}"


Format = Annotated[str, Form(pattern="^(html|pdf|json)$")]


def _caller(request: Request, token: str | None) -> Principal:
    """The bearer of the Authorization header or of the form's token; anonymous without."""
    header = request.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        return ANONYMOUS
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(token)


def _refusal(request: Request, uscc: str, token: str | None, fmt: str) -> HTMLResponse | None:
    """None when the caller is the enterprise itself; else the page with the token form
    (401: no or bad token, 403: another enterprise's or a non-enterprise token)."""
    try:
        caller = _caller(request, token)
    except Unauthenticated as exc:
        return _access_page(request, uscc, fmt, 401, exc.code)
    if caller.is_anonymous:
        return _access_page(request, uscc, fmt, 401, "enterprise_token_required")
    if caller.role is not Role.ENTERPRISE or (caller.uscc or "").upper() != uscc.upper():
        return _access_page(request, uscc, fmt, 403, "not_your_report")
    return None


def _access_page(request: Request, uscc: str, fmt: str, status: int, code: str) -> HTMLResponse:
    page = render(
        request,
        "report_access.html",
        status=status,
        status_code=status,
        uscc=uscc,
        fmt=fmt,
        code=code,
    )
    if status == 401:
        page.headers["WWW-Authenticate"] = 'Bearer realm="enterprise"'
    return page


async def _deliver(request: Request, uscc: str, fmt: str) -> Response:
    content, claims, token = await _issue(request, uscc)
    if fmt == "html":
        return _html(request, content, claims, token)
    if fmt == "json":
        return _attachment(
            signing.canonical({"content": content, "token": token}),
            "application/json",
            f"{claims['report_id']}.json",
        )
    settings = _settings(request)
    try:
        document = await run_in_threadpool(
            pdf.render,
            content,
            claims,
            check_url(request, token),
            settings.public_url + KEY_PEM_PATH,
            settings.cjk_font,
        )
    except pdf.FontMissingError as exc:
        return error_page(request, 503, "report_font_missing", str(exc))
    body = signing.sign_pdf(request.app.state.signer, document, token)
    return _attachment(body, "application/pdf", f"{claims['report_id']}.pdf")


def _html(request: Request, content: dict, claims: dict, token: str) -> HTMLResponse:
    url = check_url(request, token)
    qr_svg = segno.make(url, error="m").svg_inline(scale=3, title=claims["report_id"])
    page = render(
        request,
        "report.html",
        e=content,
        p=content["profile"],
        claims=claims,
        check_url=url,
        qr_svg=qr_svg,
        key_url=_settings(request).public_url + KEY_PEM_PATH,
    )
    page.headers["Cache-Control"] = "private, no-store"
    return page


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


async def _own_report(request: Request, uscc: str, fmt: str, token: str | None = None) -> Response:
    refused = _refusal(request, uscc, token, fmt)
    return refused if refused is not None else await _deliver(request, uscc, fmt)


@router.get("/enterprises/{uscc}/report", response_class=HTMLResponse, summary="Credit report")
async def report_html(request: Request, uscc: str) -> Response:
    """Enterprise (own USCC; bearer token). The report as a page, with its id, QR code and
    signed downloads; others get the token form (401/403)."""
    return await _own_report(request, uscc, "html")


@router.get("/enterprises/{uscc}/report.pdf", summary="Credit report as a signed PDF")
async def report_pdf(request: Request, uscc: str) -> Response:
    """Enterprise (own USCC; bearer token). A PDF with embedded CJK font, report id and QR
    code, signed with Ed25519."""
    return await _own_report(request, uscc, "pdf")


@router.get("/enterprises/{uscc}/report.json", summary="Credit report as signed JSON")
async def report_json(request: Request, uscc: str) -> Response:
    """Enterprise (own USCC; bearer token). The report's content and its signed claims."""
    return await _own_report(request, uscc, "json")


@router.post("/enterprises/{uscc}/report", summary="Credit report for a browser (token form)")
async def report_form(
    request: Request,
    uscc: str,
    token: Annotated[str, Form(min_length=1, max_length=8000)],
    format: Format = "html",  # noqa: A002 - the form field's name
) -> Response:
    """Enterprise (own USCC; the token in the form). What the GET routes give, for a browser
    that cannot send an Authorization header."""
    return await _own_report(request, uscc, format, token)


async def _freshness(request: Request, claims: dict) -> bool:
    """True when the enterprise's public record still has the digest the report was made from."""
    try:
        content = await gather(
            request.app.state.upstreams, claims["uscc"], _settings(request).max_rows
        )
    except NotFoundError:
        return False
    return signing.digest(content) == claims.get("content_sha256")


def _keys(request: Request) -> dict:
    return request.app.state.verification_keys  # type: ignore[no-any-return]


async def _verdict_page(request: Request, verdict: signing.Verdict) -> HTMLResponse:
    if not verdict.valid:
        return render(request, "report_check.html", status=422, verdict=verdict, current=None)
    current = await _freshness(request, verdict.claims)
    return render(request, "report_check.html", verdict=verdict, current=current)


@router.get("/reports/check", response_class=HTMLResponse, summary="Check a report (QR link)")
async def check(
    request: Request, token: Annotated[str | None, Query(max_length=4000)] = None
) -> HTMLResponse:
    """Anyone. Verifies the signed claims in the QR link and says whether the record changed."""
    if not token:
        return render(request, "report_check.html", verdict=None, current=None)
    return await _verdict_page(request, signing.verify_token(token, _keys(request)))


@router.post("/reports/verify", response_class=HTMLResponse, summary="Verify a report file")
async def verify_upload(request: Request, file: Annotated[UploadFile, File()]) -> HTMLResponse:
    """Anyone. Upload a report PDF or JSON: authentic, tampered, or stale."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return error_page(request, 413, "report_too_large", "5 MiB")
    return await _verdict_page(request, signing.verify_report(data, _keys(request)))


@router.get(KEYS_PATH, summary="Report signing keys")
async def keys(request: Request) -> JSONResponse:
    """Anyone. The Ed25519 public keys that sign reports (JWK, OKP)."""
    return JSONResponse(
        {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "kid": kid,
                    "use": "sig",
                    "x": signing.b64(signing.raw_public_bytes(key)),
                }
                for kid, key in _keys(request).items()
            ]
        }
    )


@router.get(KEY_PEM_PATH, summary="Current report signing key (PEM)")
async def key_pem(request: Request) -> Response:
    """Anyone. The current public key, for ``python -m services.portal.verify --key``."""
    return Response(
        signing.public_pem(request.app.state.signer.public_key()),
        media_type="application/x-pem-file",
    )
