"""Draw verification ("双随机" made checkable): the portal, independently of the inspection
service, re-checks the commit-reveal of a draw from the public records: the revealed seed
against the commitment published before the draw, and the snapshot document's SHA-256 against
the published snapshot hash. The reader's browser then re-checks it all again and, with the
independent JavaScript verifier of the draw specification (``verifier-js/verifier.mjs``, served
here unchanged), the published selection against its selection commitment (static/draw-check.js).
Recomputing the selection from the snapshot is the offline verifier's job
(``python -m services.inspection.verify``), linked from the page."""

import hashlib
import json
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from services.portal.config import JS_VERIFIER
from services.portal.upstream import Upstreams
from services.portal.web import render

router = APIRouter()


@dataclass(frozen=True)
class Check:
    key: str  # i18n key of what was checked
    ok: bool


def checks(draw: dict, snapshot: dict, document: bytes, record: dict) -> list[Check]:
    """Pure: every check a reader can redo with sha256sum."""
    try:
        seed = bytes.fromhex(draw.get("seed") or "")
    except ValueError:
        seed = b""
    commitment = snapshot.get("seed_commitment")
    try:
        inside = json.loads(document).get("seed_commitment")
    except ValueError:
        inside = None
    return [
        Check(
            "draw.check.commitment",
            bool(seed)
            and hashlib.sha256(seed).hexdigest() == commitment == draw.get("seed_commitment"),
        ),
        Check(
            "draw.check.snapshot",
            hashlib.sha256(document).hexdigest()
            == snapshot.get("snapshot_hash")
            == draw.get("snapshot_hash"),
        ),
        Check("draw.check.document", inside == commitment),
        Check("draw.check.count", len(record.get("selection", [])) == draw.get("selected_count")),
    ]


@router.get("/draws/{draw_id}", response_class=HTMLResponse, summary="Verify a draw")
async def draw_page(request: Request, draw_id: str) -> HTMLResponse:
    """Anyone. The draw's public record and the portal's own re-check of it: MATCH or why not."""
    inspection = _upstreams(request).inspection
    draw = await inspection.get(f"/public/draws/{draw_id}")
    snapshot = await inspection.get(f"/public/snapshots/{draw['snapshot_id']}")
    document = (
        await inspection.get_raw(f"/public/snapshots/{draw['snapshot_id']}/document")
    ).content
    record = await inspection.get(f"/public/draws/{draw_id}/verification")
    results = checks(draw, snapshot, document, record)
    return render(
        request,
        "draw.html",
        d=draw,
        checks=results,
        match=all(c.ok for c in results),
        inspection_url=request.app.state.settings.inspection_url,
    )


@router.get("/draws/{draw_id}/snapshot.json", summary="A draw's snapshot document")
async def snapshot_document(request: Request, draw_id: str) -> Response:
    """Anyone. The inspection service's snapshot document, byte for byte (same origin, so the
    reader's browser can hash it)."""
    inspection = _upstreams(request).inspection
    draw = await inspection.get(f"/public/draws/{draw_id}")
    document = await inspection.get_raw(f"/public/snapshots/{draw['snapshot_id']}/document")
    return Response(document.content, media_type="application/json")


@router.get("/draws/{draw_id}/verification.json", summary="A draw's publicity record")
async def verification_record(request: Request, draw_id: str) -> Response:
    """Anyone. The inspection service's verification record of the draw, byte for byte (same
    origin, for the JavaScript verifier in the reader's browser)."""
    record = await _upstreams(request).inspection.get_raw(f"/public/draws/{draw_id}/verification")
    return Response(
        record.content, media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get("/verifier/verifier.mjs", summary="The independent draw verifier (ES module)")
async def js_verifier() -> FileResponse:
    """Anyone. ``verifier-js/verifier.mjs`` as committed: what the draw page runs."""
    return FileResponse(JS_VERIFIER, media_type="text/javascript; charset=utf-8")


def _upstreams(request: Request) -> Upstreams:
    return request.app.state.upstreams  # type: ignore[no-any-return]
