"""Other services' events that become credit record *proposals* (joint punishment, issue 5;
publication that follows the procedure, issue 12). A regulator confirms each proposal
(``intake.decide``) before it becomes a record; nothing from another service is published
automatically.

- inspection: a failed supervisory spot check once its result is final *and published*
  (``inspection.result.published``) -> ``spot_check_failed``; a final refusal ->
  ``inspection_refused`` (confirmed only with the regulator's own decision); risk monitoring
  never becomes a record;
- registry: a certificate revoked for cause -> ``certificate_revoked`` of the holder;
  a body's approval withdrawn -> ``accreditation_withdrawn`` of the body (by its USCC).
Each record carries the event id as ``source_event_id``, and runs in the consumer's
transaction, so a redelivered event has exactly one effect.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from services.credit.service_layer import intake, policy
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.clock import CHINA_TZ, today_in_china
from shared.contracts.inspection import ResultFinalisedV2, ResultPublishedV2
from shared.contracts.registry import BodyAccreditationChangedV1, CertificateRevokedV1
from shared.dispatch import Dispatcher
from shared.events import EventEnvelope, EventPayload

TOPICS = ["inspection.events", "registry.events"]
CONSUMER = policy.SystemActor("credit-consumer")

SPOT_CHECK_BASIS = "《中华人民共和国产品质量法》第十五条；《产品质量监督抽查管理暂行办法》"
REFUSAL_BASIS = "《中华人民共和国产品质量法》第五十六条"
REVOCATION_BASIS = "《认证证书和认证标志管理办法》；《中华人民共和国认证认可条例》"
WITHDRAWAL_BASIS = "《中华人民共和国认证认可条例》；《认证机构管理办法》"
VERY_SERIOUS_REVOCATIONS = {"forgery", "fraud"}


def record_for_inspection(
    event_id: str, p: ResultFinalisedV2 | ResultPublishedV2, rules: RuleSet = DEFAULT_RULES
) -> AddRecord | None:
    """Risk monitoring (风险监测) is not a supervisory spot check: it never makes a record.
    The sector comes from the unit's product category (v2 events; v1: general)."""
    if p.outcome not in ("fail", "refused") or p.check_type == "risk_monitoring":
        return None
    failed = "; ".join(f"{i.item} ({i.requirement}: {i.measured})" for i in p.failed_items)
    refused = p.outcome == "refused"
    return AddRecord(
        uscc=p.enterprise_uscc,
        record_class="inspection_refused" if refused else "spot_check_failed",
        severity="serious" if refused else "general",
        title=("Refused a supervisory spot check" if refused else "Failed a supervisory spot check")
        + f": {p.product_name} {p.model}",
        facts=failed or p.outcome,
        legal_basis=REFUSAL_BASIS if refused else SPOT_CHECK_BASIS,
        decision_number=f"INSP-{p.task_id}",
        decision_date=(p.finalised_at if isinstance(p, ResultFinalisedV2) else p.published_at)
        .astimezone(CHINA_TZ)
        .date(),
        source_service="inspection",
        source_department=f"{p.authority_level} market regulator {p.region_code}",
        source_event_id=event_id,
        enterprise_name=p.enterprise_name,
        sector=rules.sector_for_product(p.product_category),
    )


def record_for_revocation(event_id: str, p: CertificateRevokedV1, today: date) -> AddRecord | None:
    if not p.for_cause:
        return None
    return AddRecord(
        uscc=p.holder_uscc,
        record_class="certificate_revoked",
        severity="very_serious" if p.reason_code in VERY_SERIOUS_REVOCATIONS else "serious",
        title=f"Certificate {p.number} ({p.scheme}) revoked: {p.reason_code}",
        facts=p.reason,
        legal_basis=REVOCATION_BASIS,
        decision_number=f"CERT-REVOKED-{p.number}",
        decision_date=today,
        source_service="registry",
        source_department=f"certification body {p.body_id}",
        source_event_id=event_id,
        enterprise_name=p.holder_name,
    )


def record_for_withdrawal(
    event_id: str, p: BodyAccreditationChangedV1, today: date
) -> AddRecord | None:
    if p.to_status != "withdrawn" or p.from_status == "withdrawn" or not p.body_uscc:
        return None
    if p.reason_code in ("voluntary_exit", "lifetime_ban"):
        return None  # leaving the market is no misconduct; a ban already is the punishment
    return AddRecord(
        uscc=p.body_uscc,
        record_class="accreditation_withdrawn",
        severity="very_serious" if p.reason_code == "false_certification" else "serious",
        title=f"Approval of certification body {p.body_id} withdrawn: {p.reason_code}",
        facts=p.reason,
        legal_basis=WITHDRAWAL_BASIS,
        decision_number=f"BODY-WITHDRAWN-{p.body_id}",
        decision_date=today,
        source_service="registry",
        source_department="certification and accreditation administration",
        source_event_id=event_id,
        enterprise_name=p.body_name,
        enterprise_category="certification_body",
    )


Proposal = Callable[[EventEnvelope, EventPayload, date, RuleSet], AddRecord | None]


def _refusal(e: EventEnvelope, p: EventPayload, _today: date, rules: RuleSet) -> AddRecord | None:
    # a failure waits for publication; a refusal is final here
    assert isinstance(p, ResultFinalisedV2)
    return record_for_inspection(str(e.event_id), p, rules) if p.outcome == "refused" else None


def _failure(e: EventEnvelope, p: EventPayload, _today: date, rules: RuleSet) -> AddRecord | None:
    assert isinstance(p, ResultPublishedV2)
    return record_for_inspection(str(e.event_id), p, rules) if p.outcome == "fail" else None


def _revocation(e: EventEnvelope, p: EventPayload, today: date, _r: RuleSet) -> AddRecord | None:
    assert isinstance(p, CertificateRevokedV1)
    return record_for_revocation(str(e.event_id), p, today)


def _withdrawal(e: EventEnvelope, p: EventPayload, today: date, _r: RuleSet) -> AddRecord | None:
    assert isinstance(p, BodyAccreditationChangedV1)
    return record_for_withdrawal(str(e.event_id), p, today)


PROPOSALS: dict[type[EventPayload], Proposal] = {
    ResultFinalisedV2: _refusal,
    ResultPublishedV2: _failure,
    CertificateRevokedV1: _revocation,
    BodyAccreditationChangedV1: _withdrawal,
}


def make_handler(engine: Engine, policy: policy.Policy) -> Dispatcher[CreditUnitOfWork]:
    """The handler table: each contract that may become a record proposal."""

    def propose(proposal: Proposal) -> Callable[[CreditUnitOfWork, Any, EventEnvelope], None]:
        def action(uow: CreditUnitOfWork, payload: EventPayload, envelope: EventEnvelope) -> None:
            today = today_in_china()
            cmd = proposal(envelope, payload, today, policy.rules)
            if cmd is not None:
                intake.propose_record(uow, cmd, today=today, policy=policy)

        return action

    dispatcher = Dispatcher(lambda session: CreditUnitOfWork(engine).joining(session))
    for contract, proposal in PROPOSALS.items():
        dispatcher.on(contract, propose(proposal))
    return dispatcher
