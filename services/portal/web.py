"""Rendering helpers shared by the portal's routes: language, templates, friendly errors."""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.portal.config import SERVICE_DIR
from services.portal.i18n import pick_language, translator

templates = Jinja2Templates(directory=str(SERVICE_DIR / "templates"))
COOKIE = "lang"


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(COOKIE))


def url_with(request: Request, **changes: Any) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    other = "en" if lang == "zh" else "zh"
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "html_lang": "zh-CN" if lang == "zh" else "en",
            "t": translator(lang),
            "switch_url": url_with(request, lang=other),
            "url_with": lambda **kw: url_with(request, **kw),
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(request: Request, status: int, code: str, detail: str) -> HTMLResponse:
    return render(
        request, "error.html", status=status, status_code=status, code=code, detail=detail
    )
