"""Public routes (no login): policies, snapshots and draws for verification, published results.
Each route's docstring says who may call it."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.inspection.domain import hierarchy
from services.inspection.entrypoints import schemas_disclosure as s_disclosure
from services.inspection.entrypoints import schemas_out as out
from services.inspection.entrypoints.dependencies import JSON, Settings, json_response
from services.inspection.service_layer import (
    disclosure_views,
    hierarchy_views,
    plan_views,
    results_procedure,
    snapshot_views,
    task_views,
)
from shared.clock import today_in_china
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor, Limit
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["public: draws and results"], responses=PROBLEM_RESPONSES)


@router.get(
    "/public/policies",
    response_model=list[out.PolicyVersionOut],
    summary="Eligibility policy versions",
)
def list_policies(engine: EngineDep) -> list[dict]:
    """Anyone. The six-month rule and its overrides, every version ever in force."""
    with engine.connect() as conn:
        return plan_views.policies(conn)


@router.get(
    "/public/snapshots/{snapshot_id}",
    response_model=s_disclosure.PublicSnapshotOut,
    summary="A committed snapshot",
)
def get_snapshot(snapshot_id: str, engine: EngineDep) -> dict:
    """Anyone, no login. The snapshot hash and seed commitment, published before the draw."""
    with engine.connect() as conn:
        return disclosure_views.snapshot_public(conn, snapshot_id, today_in_china())


@router.get(
    "/public/snapshots/{snapshot_id}/document",
    response_class=Response,
    responses={
        200: {
            "model": out.SnapshotDocumentOut,
            "content": {JSON: {}},
            "description": "canonical snapshot bytes (the schema documents them; hash as served)",
        }
    },
    summary="The snapshot document (canonical JSON)",
)
def get_snapshot_document(snapshot_id: str, engine: EngineDep) -> Response:
    """Anyone, no login, from the day after the plan's sampling period (403 not_yet_public
    before). The frozen eligible roster in its canonical serialisation: its SHA-256 is the
    published snapshot hash. Save it as a file for the offline verifier."""
    with engine.connect() as conn:
        disclosure_views.require_document_public(conn, snapshot_id, today_in_china())
        body = snapshot_views.document_bytes(conn, snapshot_id)
    return Response(body, media_type=JSON)


@router.get(
    "/public/snapshots/{snapshot_id}/exclusions",
    response_model=out.ExclusionsPage,
    summary="Exclusions",
)
def get_exclusions(
    snapshot_id: str, engine: EngineDep, cursor: Cursor = None, limit: Limit = 200
) -> dict:
    """Anyone, no login. Each unit in the plan's scope that was not eligible: the rule and the
    earlier check that caused it; those caused by another plan's task that is not public yet
    are withheld (counted in ``withheld_count``)."""
    with engine.connect() as conn:
        return disclosure_views.exclusions(
            conn, snapshot_id, today_in_china(), cursor=cursor, limit=limit
        )


@router.get(
    "/public/draws/{draw_id}",
    response_model=out.PublicDrawOut,
    response_model_exclude_unset=True,
    summary="A draw",
)
def get_draw(draw_id: str, engine: EngineDep) -> dict:
    """Anyone, no login. The revealed seed, the hashes committed before, the commitment to the
    selection, public late exclusions and whether a later re-draw (with its reason) superseded
    it. Which units were drawn is not shown here (see the verification record)."""
    with engine.connect() as conn:
        return disclosure_views.draw_public(conn, draw_id, today_in_china())


@router.get(
    "/public/draws/{draw_id}/verification",
    response_class=Response,
    responses={200: {"model": out.DrawRecordOut, "content": {JSON: {}}}},
    summary="Draw record for offline verification",
)
def get_verification(draw_id: str, engine: EngineDep) -> Response:
    """Anyone, no login. Until the day after the plan's sampling period: the salted leaves
    of the selection and the entries whose sampling is recorded (``disclosure: partial``);
    then the whole record. Save as draw.json and run
    ``python -m services.inspection.verify draw.json --snapshot snapshot.json``."""
    with engine.connect() as conn:
        return json_response(disclosure_views.verification_bundle(conn, draw_id, today_in_china()))


@router.get(
    "/public/claim-events",
    response_model=out.ClaimEventPage,
    summary="Claims ended without result",
)
def get_claim_events(
    engine: EngineDep,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone, no login. Tasks withdrawn (with the reason), taken over by a higher level's
    check, or whose claim expired at the end of the sampling period; the unit and task are
    named once the task is public."""
    with engine.connect() as conn:
        return hierarchy_views.claim_events(
            conn, today_in_china(), plan_id=plan_id, cursor=cursor, limit=limit
        )


@router.get(
    "/public/hierarchy-policy",
    response_model=out.HierarchyPolicyOut,
    summary="Which running checks block which levels",
)
def get_hierarchy_policy(settings: Settings) -> dict:
    """Anyone. The rule in force, with its legal source."""
    return hierarchy.POLICIES[settings.hierarchy_policy].as_doc()


@router.get(
    "/public/results",
    response_model=out.TaskPage,
    response_model_exclude_unset=True,
    summary="Published results",
)
def get_published_results(
    engine: EngineDep,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone, no login ("一公开"). Final results once published; inspectors' names masked."""
    with engine.connect() as conn:
        return task_views.published_results(
            conn,
            plan_id=plan_id,
            uscc=uscc and uscc.upper(),
            outcome=outcome,
            cursor=cursor,
            limit=limit,
        )


@router.get(
    "/public/tasks/{task_id}/retest-lab",
    response_model=out.RetestLabOut,
    summary="A re-test lab draw",
)
def get_retest_lab(task_id: str, engine: EngineDep) -> dict:
    """Anyone, once the task is public: the candidates, the seed and the lab drawn."""
    with engine.connect() as conn:
        return results_procedure.public_retest_lab(conn, task_id, today_in_china())
