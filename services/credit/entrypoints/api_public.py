"""Public disclosure routes: anyone, no login."""

from fastapi import APIRouter, Request, Response
from pydantic_core import to_json

from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    JSON,
    SmallLimit,
    Today,
)
from services.credit.entrypoints.cache import ProfileCache
from services.credit.service_layer import feed_views, profile_views
from shared.exceptions import NotFound
from shared.uscc import normalise
from shared.uscc import validate as validate_uscc
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor, Limit
from shared.web.problems import PROBLEM_RESPONSES

public = APIRouter(tags=["public disclosure"], responses=PROBLEM_RESPONSES)


@public.get(
    "/public/enterprises/{uscc}",
    response_model=None,
    responses={200: {"model": s.ProfileOut}},
    summary="Public credit profile of an enterprise",
)
async def public_profile(uscc: str, request: Request) -> Response:
    """Anyone, no login. Risk grade, dishonesty-list status and the joint-punishment measures
    in force."""
    # The hot path: no dependencies (a sync dependency would cost a threadpool hop).
    cache: ProfileCache = request.app.state.cache
    uscc = normalise(uscc)
    hits, misses = cache.get_many([uscc])
    if misses:
        validate_uscc(uscc, legacy_codes=request.app.state.settings.policy.legacy_codes)
        hits = await cache.load_async(misses)
    body = hits.get(uscc)
    if body is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    return Response(body, media_type=JSON)


@public.get(
    "/public/enterprises/{uscc}/records",
    response_model=s.RecordPageOut,
    summary="Records of an enterprise in disclosure",
)
def public_records(
    uscc: str,
    engine: EngineDep,
    today: Today,
    cursor: Cursor = None,
    limit: SmallLimit = 50,
) -> dict:
    """Anyone, no login. Only records within their publication period; natural persons'
    names masked, identity numbers never shown."""
    with engine.connect() as conn:
        return profile_views.public_records(conn, normalise(uscc), today, cursor, limit)


@public.get(
    "/public/disclosures",
    response_model=None,
    responses={200: {"model": s.FeedPageOut}},
    summary="Disclosure feed",
)
async def disclosure_feed(
    request: Request,
    today: Today,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """Anyone (credit-disclosure portals). Publish and withdraw entries in commit order; keep
    the returned cursor and ask again. Delete what a withdraw entry names."""
    cache: ProfileCache = request.app.state.cache  # its reads: one round trip, no transaction
    page = await cache.read_either(  # PostgreSQL: in the event loop
        lambda reads: feed_views.feed_async(reads, cursor=cursor, limit=limit, today=today),
        lambda conn: feed_views.feed(conn, cursor=cursor, limit=limit, today=today),
    )
    # serialised directly: validating 100 nested items against the response model would cost
    # more than the query (the model above documents the shape; tests check it)
    return Response(to_json(page), media_type=JSON)


@public.get(
    "/public/dishonesty-list",
    response_model=s.ListingPageOut,
    summary="The list of serious violators in force",
)
def public_list(
    engine: EngineDep,
    today: Today,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone, no login. Listings in force with reasons, legal basis, term and measures."""
    with engine.connect() as conn:
        return profile_views.dishonesty_list(conn, today, cursor, limit)
