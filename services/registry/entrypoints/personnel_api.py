"""Certification personnel routes (issue 14). Each route's docstring says who may call it."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Engine

from services.registry.domain.personnel import FINDINGS
from services.registry.entrypoints import schemas_out as o
from services.registry.service_layer import personnel
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, Role
from shared.exceptions import NotFound
from shared.web.auth import AnyUser, CertificationBody, CurrentPrincipal, Regulator
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["certification personnel"], responses=PROBLEM_RESPONSES)


RegistrationNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9\-/]{2,63}$")]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registration_no: RegistrationNo = Field(description="personal registration, e.g. CCAA-2019-1")
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    roles: list[str] = Field(min_length=1, max_length=2, description="auditor and/or signer")
    qualifications: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=50
    )


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    finding_code: str = Field(max_length=64)
    decision_number: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=4000)


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objection: str = Field(min_length=1, max_length=4000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool


class BanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: date | None = Field(default=None, description="last day of the ban; null = lifetime")


def _entitled(actor: Principal, body_id: str) -> bool:
    return actor.is_regulator or (
        actor.role is Role.CERTIFICATION_BODY and actor.body_id == body_id
    )


def _view(engine: Engine, registration_no: str) -> dict[str, Any]:
    with engine.connect() as conn:
        view = personnel.person_view(conn, registration_no)
    if view is None:
        raise NotFound(f"no person {registration_no}", code="person_not_found")
    return view


@router.post(
    "/bodies/{body_id}/personnel",
    status_code=201,
    response_model=o.PersonOut,
    summary="Register a person",
)
def register(body_id: str, body: PersonIn, actor: CertificationBody, engine: EngineDep) -> dict:
    """The body itself. Auditors and signers; a person is active with one body at a time."""
    cmd = personnel.RegisterPerson(**body.model_dump())
    person = personnel.register_person(RegistryUnitOfWork(engine), body_id, cmd, actor)
    return _view(engine, person.registration_no)


@router.get(
    "/bodies/{body_id}/personnel",
    response_model=list[o.PersonOut],
    response_model_exclude_unset=True,  # the public listing has name and number only
    summary="A body's certification personnel",
)
def list_personnel(body_id: str, actor: CurrentPrincipal, engine: EngineDep) -> list[dict]:
    """Anyone: name and registration number of active persons. The body itself and
    regulators: every person with roles, qualifications, status and findings."""
    with engine.connect() as conn:
        return personnel.personnel_of(conn, body_id, full=_entitled(actor, body_id))


@router.post(
    "/bodies/{body_id}/personnel/{registration_no}/deactivate",
    response_model=o.PersonOut,
    summary="A person left the body",
)
def deactivate(
    body_id: str, registration_no: str, actor: CertificationBody, engine: EngineDep
) -> dict:
    """The body itself. The person can no longer sign for it."""
    personnel.deactivate_person(RegistryUnitOfWork(engine), body_id, registration_no, actor)
    return _view(engine, registration_no)


@router.get(
    "/personnel/{registration_no}",
    response_model=o.PersonOut,
    summary="A person's integrity record",
)
def get_person(registration_no: str, actor: AnyUser, engine: EngineDep) -> dict:
    """Their body and regulators; others get 404."""
    view = _view(engine, registration_no)
    if not _entitled(actor, view["body_id"]):
        raise NotFound(f"no person {registration_no}", code="person_not_found")
    return view


@router.get("/personnel-findings/catalogue", summary="Misconduct findings and their bans")
def catalogue() -> dict[str, dict[str, str]]:
    """Anyone. Each finding with its legal basis and the heaviest ban it allows."""
    return {
        code: {"name": k.name, "legal_basis": k.legal_basis, "max_ban": k.max_ban}
        for code, k in FINDINGS.items()
    }


@router.post(
    "/personnel/{registration_no}/findings",
    status_code=201,
    response_model=o.FindingProposedOut,
    summary="Propose a finding",
)
def propose(registration_no: str, body: FindingIn, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators whose jurisdiction covers the person's body. Opens the objection window."""
    finding = personnel.propose_finding(
        RegistryUnitOfWork(engine),
        registration_no,
        body.finding_code,
        body.description,
        body.decision_number,
        actor,
    )
    return {
        "id": finding.id,
        "status": finding.status,
        "objection_deadline": finding.objection_deadline,
    }


@router.post(
    "/personnel-findings/{finding_id}/objection",
    response_model=o.ObjectionOut,
    summary="Object to a finding",
)
def objection(
    finding_id: int, body: ObjectionIn, actor: CertificationBody, engine: EngineDep
) -> dict:
    """The person's body, within the objection window."""
    finding = personnel.object_to_finding(
        RegistryUnitOfWork(engine), finding_id, body.objection, actor
    )
    return {"id": finding.id, "status": finding.status, "objection": finding.objection}


@router.post(
    "/personnel-findings/{finding_id}/decision",
    response_model=o.FindingDecidedOut,
    summary="Confirm or withdraw a finding",
)
def decide(finding_id: int, body: DecisionIn, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators of the person's body: after the window closed or an objection was heard."""
    finding = personnel.decide_finding(RegistryUnitOfWork(engine), finding_id, body.confirm, actor)
    return {"id": finding.id, "status": finding.status}


@router.post(
    "/personnel-findings/{finding_id}/ban", response_model=o.BanOut, summary="Ban the person"
)
def ban(finding_id: int, body: BanIn, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators of the person's body, on a confirmed finding; lifetime only where the finding
    allows it. The person can no longer sign; their valid certificates are flagged for review."""
    person, flagged = personnel.ban_person(
        RegistryUnitOfWork(engine), finding_id, body.until, actor
    )
    return {"person": _view(engine, person.registration_no), "flagged_certificates": flagged}


@router.get(
    "/review-flags", response_model=list[o.ReviewFlagOut], summary="Certificates flagged for review"
)
def flags(actor: AnyUser, engine: EngineDep) -> list[dict]:
    """Regulators: all; a certification body: its own; others: 403."""
    if actor.is_regulator:
        body_id = None
    elif actor.role is Role.CERTIFICATION_BODY:
        body_id = actor.body_id
    else:
        from shared.exceptions import Forbidden

        raise Forbidden("regulators and certification bodies only", code="role_not_allowed")
    with engine.connect() as conn:
        return personnel.review_flags(conn, body_id)
