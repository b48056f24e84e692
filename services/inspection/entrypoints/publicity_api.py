"""Public lists of inspection matters and annual plans, and pass-rate statistics (issue 13,
item 7): anyone, no login, built from structured fields only."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from services.inspection.entrypoints import schemas_out as o
from services.inspection.service_layer import publicity_views
from shared.web.pagination import Cursor, CursorPage, Limit
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["public: matters, plans and statistics"], responses=PROBLEM_RESPONSES)
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Level = Annotated[Literal["national", "provincial", "municipal", "county"] | None, Query()]
Region = Annotated[str | None, Query(pattern=r"^\d{6}$")]
Dimension = Literal["level", "region", "product_category", "check_type"]


@router.get(
    "/public/inspection-matters",
    response_model=o.MattersOut,
    summary="Inspection matters (随机抽查事项清单)",
)
def inspection_matters(request: Request, year: Year = None) -> dict:
    """Anyone. Each matter (check type) with its legal basis, and the authorities planning
    checks of it in ``year``: plans, product categories, units planned and drawn."""
    with request.app.state.engine.connect() as conn:
        return publicity_views.matters(conn, year)


@router.get(
    "/public/plans", response_model=CursorPage[o.PublicPlanOut], summary="Annual spot-check plans"
)
def public_plans(
    request: Request,
    year: Year = None,
    level: Level = None,
    region: Region = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone. Plans whose sampling period touches ``year``: what will be checked (matter,
    scope), by whom (authority and joint departments), how many (strata, planned and drawn
    counts), when. Which units were drawn stays secret until sampling (see the draws)."""
    with request.app.state.engine.connect() as conn:
        return publicity_views.plans(
            conn, year=year, level=level, region=region, cursor=cursor, limit=limit
        )


@router.get("/public/plans/{plan_id}", response_model=o.PublicPlanOut, summary="A spot-check plan")
def public_plan(plan_id: str, request: Request) -> dict:
    """Anyone. As in the list."""
    with request.app.state.engine.connect() as conn:
        return publicity_views.plan(conn, plan_id)


@router.get(
    "/public/statistics/pass-rates",
    response_model=o.PassRatesOut,
    response_model_exclude_unset=True,  # a dimension not grouped by is absent
    summary="Pass rates of published results",
)
def pass_rates(
    request: Request,
    period: Literal["year", "quarter", "month"] = "year",
    group_by: Annotated[list[Dimension], Query()] = [],  # noqa: B006
    region_digits: Annotated[int, Query(description="2 province, 4 city, 6 county")] = 2,
    date_from: date | None = None,
    date_to: date | None = None,
    level: Level = None,
    check_type: Annotated[str | None, Query(max_length=40)] = None,
    product_category: Annotated[str | None, Query(max_length=64)] = None,
    region: Region = None,
) -> dict:
    """Anyone. Published final results counted per sampling period and the chosen
    dimensions (authority level, the unit's region at 2/4/6 digits, product category, check
    type): pass, fail, refused, not_found, and pass_rate = pass / (pass + fail)."""
    with request.app.state.engine.connect() as conn:
        return publicity_views.pass_rates(
            conn,
            period=period,
            group_by=tuple(group_by),
            region_digits=region_digits,
            date_from=date_from,
            date_to=date_to,
            level=level,
            check_type=check_type,
            product_category=product_category,
            region=region,
        )
