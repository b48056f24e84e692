"""Demo data for ``make run``: bodies, and a few thousand certificates in every state.

Goes through the service layer (one transaction per use case, events into the outbox), so
the demo shows the real history, change feed and events. Idempotent: does nothing when the
database already has bodies.
"""

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from devtools.demo import demo_enterprises
from services.registry.adapters.orm import BodyRow
from services.registry.domain.reasons import Action
from services.registry.service_layer import services
from services.registry.service_layer.commands import IssueCertificate, RegisterBody
from services.registry.service_layer.personnel import RegisterPerson, register_person
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.db import make_engine

BODIES = [
    (
        "CNCA-R-2002-001",
        "中国质量认证中心",
        "110000",
        ["CCC", "ISO9001", "ISO14001", "ISO45001", "ENERGY_SAVING", "CQC_VOLUNTARY"],
    ),
    (
        "CNCA-R-2002-004",
        "方圆标志认证集团有限公司",
        "110000",
        ["ISO9001", "ISO14001", "ISO45001", "ISO27001"],
    ),
    (
        "CNCA-R-2003-117",
        "杭州万泰认证有限公司",
        "330100",
        ["ISO9001", "HACCP", "ISO22000", "ORGANIC", "GAP"],
    ),
    (
        "CNCA-R-2004-052",
        "中环联合(北京)认证中心有限公司",
        "110000",
        ["ISO14001", "LOW_CARBON", "GREEN_PRODUCT"],
    ),
    ("CNCA-R-2011-139", "浙江公信认证有限公司", "330100", ["ISO9001", "SERVICE", "ISO20000"]),
]
CERTIFICATES = 2500
REGULATOR = Principal(
    role=Role.REGULATOR,
    subject="demo-seed",
    authority_level=AuthorityLevel.NATIONAL,
    department="CNCA",
    region_code="100000",
)


def body_uscc(body_id: str) -> str:
    """Demo bodies' own USCCs (deterministic, valid checksums)."""
    digits = "".join(ch for ch in body_id if ch.isdigit())[-7:].rjust(7, "0")
    return uscc.make(f"12110000{digits}A")


SIGNER_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]


def signers_of(body_id: str) -> list[tuple[str, str]]:
    """Each demo body's registered signers: (registration number, name)."""
    serial = int("".join(ch for ch in body_id if ch.isdigit())[-3:])
    return [(f"CCAA-2019-{serial:03d}{k:03d}", SIGNER_NAMES[(serial + k) % 6]) for k in range(3)]


def _register_signers(engine: Engine, body_id: str) -> None:
    actor = Principal(role=Role.CERTIFICATION_BODY, subject=f"{body_id}-hr", body_id=body_id)
    for registration_no, name in signers_of(body_id):
        register_person(
            RegistryUnitOfWork(engine),
            body_id,
            RegisterPerson(registration_no, name, ["auditor", "signer"], ["CCAA auditor"]),
            actor,
        )


def seed(url: str, count: int = CERTIFICATES) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(BodyRow)).scalar_one():
            return
    rng = random.Random(42)
    for body_id, name, region, schemes in BODIES:
        services.register_body(
            RegistryUnitOfWork(engine),
            RegisterBody(body_id, name, body_uscc(body_id), region, schemes),
            REGULATOR,
        )
        _register_signers(engine, body_id)
    enterprises = demo_enterprises()
    today = date.today()
    for i in range(count):
        body_id, _, _, schemes = rng.choice(BODIES)
        scheme = rng.choice(schemes)
        holder = rng.choice(enterprises)
        product = rng.choice(holder.products)
        actor = Principal(
            role=Role.CERTIFICATION_BODY, subject=f"{body_id}-officer", body_id=body_id
        )
        years = 1 if scheme in ("ORGANIC", "GAP") else 3
        issued = today - timedelta(days=rng.randrange(0, 365 * years + 200))
        number = f"{body_id[-3:]}{issued:%Y}{scheme[:3]}{i:06d}"
        cmd = IssueCertificate(
            number=number,
            scheme=scheme,
            scope=f"Design, production and sale of {product.lower()}s",
            holder_uscc=holder.uscc,
            holder_name=holder.name,
            issue_date=issued,
            expiry_date=issued + timedelta(days=365 * years - 1),
            signer_name=(signer := rng.choice(signers_of(body_id)))[1],
            product_name=product,
            product_model=f"{product[:2].upper()}-{rng.randrange(100, 9999)}",
            signer_position="Certification decision maker",
            signer_registration_no=signer[0],
        )
        services.issue_certificate(RegistryUnitOfWork(engine), cmd, actor)
        _random_lifecycle(engine, rng, number, actor)
    # certificates past their date are expired by the scheduler, as in production
    engine.dispose()


def _random_lifecycle(engine: Engine, rng: random.Random, number: str, actor: Principal) -> None:
    roll = rng.random()
    steps: list[tuple[Action, str]] = []
    if roll < 0.06:
        steps = [(Action.SUSPEND, "surveillance_nonconformity")]
    elif roll < 0.09:
        steps = [
            (Action.SUSPEND, "surveillance_overdue"),
            (Action.RESTORE, "surveillance_completed"),
        ]
    elif roll < 0.12:
        steps = [
            (Action.SUSPEND, "surveillance_nonconformity"),
            (Action.REVOKE, "suspension_not_remedied"),
        ]
    elif roll < 0.13:
        steps = [(Action.REVOKE, rng.choice(["forgery", "fraud", "serious_nonconformity"]))]
    elif roll < 0.16:
        steps = [(Action.CANCEL, "holder_surrender")]
    for action, reason in steps:
        services.change_status(
            RegistryUnitOfWork(engine), number, action, reason, "demo data", actor
        )
