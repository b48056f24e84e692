"""Draw contributions by other parties and the public transparency log (issue 13, item 2).
Each route's docstring says who may call it; the powers are in shared/auth/authority.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from services.inspection.entrypoints import schemas_records_out as o
from services.inspection.entrypoints.schemas import Strict
from services.inspection.service_layer import draw_inputs, draw_inputs_views, draws
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.web.auth import DrawParticipant
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["draw contributions and transparency log"], responses=PROBLEM_RESPONSES)
HEX32 = r"^[0-9a-fA-F]{64}$"


def _uow(request: Request) -> InspectionUnitOfWork:
    uow = InspectionUnitOfWork(request.app.state.engine)
    uow.contributions_required = request.app.state.settings.draw_contributions_required
    return uow


Uow = Annotated[InspectionUnitOfWork, Depends(_uow)]


class CommitmentIn(Strict):
    commitment: str = Field(
        pattern=HEX32,
        description='hex SHA-256("qp-draw-contribution-v1" || 0x00 || value), value 32 bytes',
    )


class RevealIn(Strict):
    value: str = Field(pattern=HEX32, description="the 32-byte value, hex")


@router.post(
    "/plans/{plan_id}/contributions",
    status_code=201,
    response_model=o.ContributionCommittedOut,
    summary="Commit a contribution",
)
def commit_contribution(plan_id: str, body: CommitmentIn, actor: DrawParticipant, uow: Uow) -> dict:
    """A public observer (role ``observer``, power ``observe_draw``) or a regulator whose
    jurisdiction covers the plan's region and who is not the plan's own authority
    (``supervise_draw``); one pending commitment per party. The plan's next freeze lists it."""
    cid = draw_inputs.commit_contribution(uow, plan_id, body.commitment, actor)
    return {"id": cid, "plan_id": plan_id, "commitment": body.commitment.lower()}


@router.post(
    "/contributions/{contribution_id}/reveal",
    response_model=o.ContributionRevealedOut,
    summary="Reveal a contribution",
)
def reveal_contribution(
    contribution_id: str, body: RevealIn, actor: DrawParticipant, uow: Uow
) -> dict:
    """Its contributor only (the observer or regulator who committed it), after the freeze that listed it and before the draw. 422
    ``contribution_mismatch`` when the value does not match the commitment; 409 before the
    freeze (``contribution_pending``), twice, or once the snapshot is abandoned or drawn."""
    draw_inputs.reveal_contribution(
        uow, contribution_id, body.value, actor, seal=draws.seal_late_exclusions
    )
    return {"id": contribution_id, "status": "revealed"}


@router.get(
    "/public/snapshots/{snapshot_id}/contributions",
    response_model=list[o.ContributionOut],
    summary="A snapshot's contributions",
)
def snapshot_contributions(snapshot_id: str, engine: EngineDep) -> list[dict]:
    """Anyone, no login. The contributions the snapshot lists: each commitment from the
    freeze, each value once revealed."""
    with engine.connect() as conn:
        return draw_inputs_views.contributions(conn, snapshot_id)


@router.get(
    "/public/transparency-log",
    response_model=o.LogPageOut,
    summary="The transparency log, a page of entries",
)
def transparency_log(
    engine: EngineDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict:
    """Anyone, no login. Entries with ``seq > after`` in order, and the current head; check
    with ``python -m services.inspection.transparency verify URL`` (docs/draw-spec.md §8)."""
    with engine.connect() as conn:
        return draw_inputs_views.log_page(conn, after, limit)
