"""Demo data for ``make run``: credit files of the shared demo enterprises.

Goes through the service layer (one transaction per use case, events into the outbox), so the
demo shows real grades, the disclosure feed, notices and events. The demo is dated as of
``AS_OF`` (inside the years the holiday calendar covers); the scheduler then brings it up to the
real date, withdrawing what has run out. Idempotent: does nothing when enterprises exist.

Following the flows across services: demo enterprise 1 is on the dishonesty list with
``no_new_certificates`` (the registry refuses it new certificates), enterprise 2 objected to a
proposed listing, enterprise 3 has a repair application waiting, enterprise 4 was repaired.
"""

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from devtools.demo import DemoEnterprise, demo_enterprises
from services.credit.adapters.orm import EnterpriseRow
from services.credit.domain.catalogue import RECORD_CLASSES
from services.credit.service_layer import files, listings, records, repairs
from services.credit.service_layer.commands import (
    AddRecord,
    ApplyForRepair,
    ProposeListing,
    RegisterEnterprise,
)
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.db import make_engine

AS_OF = date(2026, 11, 20)
RECORDS = 500
REGULATOR = Principal(
    role=Role.REGULATOR,
    subject="demo-seed",
    authority_level=AuthorityLevel.PROVINCIAL,
    department="ZJAMR",
    region_code="330000",
)
LISTING_BASIS = "《市场监督管理严重违法失信名单管理办法》第十条"
PERSONS = ["王小明", "李建国", "陈静", "刘洋", "赵敏"]
# (record class, severity, title, legal basis)
CASES = [
    ("penalty_warning", None, "Incomplete product labelling", "《产品质量法》第二十七条"),
    ("penalty_small_fine", None, "Missing production records", "《工业产品生产许可证管理条例》"),
    ("penalty", "general", "Products below the national standard", "《产品质量法》第四十九条"),
    ("penalty", "serious", "Counterfeit certification mark", "《认证认可条例》第六十六条"),
    ("spot_check_failed", "general", "Failed the provincial spot check", "《产品质量法》第十五条"),
    ("spot_check_corrected", None, "Spot check: label defects corrected", "《产品质量法》第十五条"),
    ("inspection_refused", "serious", "Refused a random inspection", "《产品质量法》第五十六条"),
    ("commendation", None, "Provincial quality award", "《浙江省质量奖管理办法》"),
    # a listing ground (the bare refusal reported by a team is not): only in the examples
    (
        "inspection_refused",
        "very_serious",
        "Obstructed a random inspection (decided as a very serious violation)",
        "《产品质量法》第五十六条",
    ),
]
SECTORS = {"food": "food", "electrical": "industrial_products", "auto_parts": "industrial_products"}


def seed(url: str, count: int = RECORDS) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(EnterpriseRow)).scalar_one():
            return
    rng = random.Random(11)
    enterprises = demo_enterprises()
    for e in enterprises:
        files.register_enterprise(
            CreditUnitOfWork(engine), RegisterEnterprise(e.uscc, e.name), REGULATOR
        )
    _register_others(engine)
    for i in range(count):
        _random_record(engine, rng, rng.choice(enterprises[5:]), i)
    _due_process_examples(engine, enterprises)
    engine.dispose()


def _register_others(engine: Engine) -> None:
    """A natural person's individual business (its operator's data is masked in public) and
    a testing lab (the lifetime ban applies to such bodies)."""
    files.register_enterprise(
        CreditUnitOfWork(engine),
        RegisterEnterprise(
            uscc.make("92330106MA2J0000"),
            "杭州市西湖区小明五金店",
            category="individual_business",
            operator_name="王小明",
            operator_id_number="330106198001011234",
        ),
        REGULATOR,
    )
    files.register_enterprise(
        CreditUnitOfWork(engine),
        RegisterEnterprise(
            uscc.make("91330100MA2LAB00"), "浙江方正检测技术有限公司", category="testing_lab"
        ),
        REGULATOR,
    )


def _add(
    engine: Engine, e: DemoEnterprise, case: int, decided: date, number: str, rng: random.Random
) -> str:
    cls, severity, title, basis = CASES[case]
    person = rng.choice(PERSONS)
    negative = RECORD_CLASSES[cls].negative
    cmd = AddRecord(
        uscc=e.uscc,
        record_class=cls,
        severity=severity,
        sector=SECTORS.get(e.industry, "general"),
        title=title,
        facts=f"Inspection of {rng.choice(e.products).lower()}s; person responsible {person}."
        if negative
        else "Awarded for consistent product quality.",
        legal_basis=basis,
        decision_number=number,
        decision_date=decided,
        source_service="credit",
        source_department="ZJAMR",
        persons=[{"role": "person responsible", "name": person}] if negative else [],
    )
    return records.add_record(CreditUnitOfWork(engine), cmd, REGULATOR, today=AS_OF).id


def _random_record(engine: Engine, rng: random.Random, e: DemoEnterprise, i: int) -> None:
    case = rng.choices(range(len(CASES)), weights=[12, 20, 25, 5, 15, 8, 3, 12, 0])[0]
    if CASES[case][0] == "spot_check_corrected":  # a period in working days: keep it in 2026
        decided = date(2026, 1, 5) + timedelta(days=rng.randrange(300))
    else:
        decided = AS_OF - timedelta(days=rng.randrange(3 * 365))
    _add(engine, e, case, decided, f"浙市监罚〔{decided.year}〕{1000 + i}号", rng)


def _due_process_examples(engine: Engine, enterprises: list[DemoEnterprise]) -> None:
    rng = random.Random(5)  # one generator through the examples, in this order
    listed, objecting, repairing, repaired = enterprises[1:5]
    _listed_example(engine, listed, rng)
    _objection_example(engine, objecting, rng)
    _repair_examples(engine, [repairing, repaired], rng)


def _listed_example(engine: Engine, listed: DemoEnterprise, rng: random.Random) -> None:
    """Listed in June 2026 after the objection window, with measures for other services."""
    basis = _add(engine, listed, 3, date(2026, 3, 10), "浙市监罚〔2026〕88号", rng)
    listing = listings.propose_listing(
        CreditUnitOfWork(engine),
        ProposeListing(
            listed.uscc,
            "Counterfeit certification marks on products sold nationwide",
            LISTING_BASIS,
            [basis],
            [
                "no_new_certificates",
                "increased_inspection_frequency",
                "no_six_month_exemption",
                "procurement_exclusion",
            ],
        ),
        REGULATOR,
        today=date(2026, 6, 1),
    )
    listings.confirm_listing(
        CreditUnitOfWork(engine), listing.id, REGULATOR, today=date(2026, 6, 20)
    )


def _objection_example(engine: Engine, objecting: DemoEnterprise, rng: random.Random) -> None:
    """Proposed, and the enterprise objected in time; the regulator has yet to decide."""
    basis = _add(engine, objecting, 8, date(2026, 9, 8), "浙市监罚〔2026〕120号", rng)
    listing = listings.propose_listing(
        CreditUnitOfWork(engine),
        ProposeListing(
            objecting.uscc,
            "Refused a random inspection",
            LISTING_BASIS,
            [basis],
            ["increased_inspection_frequency"],
        ),
        REGULATOR,
        today=date(2026, 11, 10),
    )
    owner = Principal(role=Role.ENTERPRISE, subject="demo", uscc=objecting.uscc)
    listings.file_objection(
        CreditUnitOfWork(engine),
        listing.id,
        "The inspectors came outside business hours; we offered a new date.",
        ["visitor-log.pdf"],
        owner,
        today=date(2026, 11, 12),
    )


def _repair_examples(engine: Engine, applicants: list[DemoEnterprise], rng: random.Random) -> None:
    """Repair applied for by both; the second approved (its withdrawal is in the feed)."""
    for e, approve in zip(applicants, (False, True), strict=True):
        record_id = _add(engine, e, 2, date(2025, 12, 1), f"浙市监罚〔2025〕{len(e.name)}号", rng)
        owner = Principal(role=Role.ENTERPRISE, subject="demo", uscc=e.uscc)
        application = repairs.apply_for_repair(
            CreditUnitOfWork(engine),
            ApplyForRepair(
                record_id,
                "We have recalled the batch and retrained staff.",
                ["recall-report.pdf", "training-records.pdf"],
            ),
            owner,
            today=date(2026, 11, 2),
        )
        if approve:
            repairs.decide_repair(
                CreditUnitOfWork(engine),
                application.id,
                True,
                "Recall verified on site",
                REGULATOR,
                today=date(2026, 11, 16),
            )
