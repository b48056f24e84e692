"""Scheduled jobs: publication periods and listing terms that run out, regrading under new
rule tables. Each batch is one transaction; enterprises are locked in a fixed order."""

from collections.abc import Iterable
from datetime import date

from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.grading import CURRENT_RULES
from services.credit.domain.record import DisclosureEnd
from services.credit.service_layer.files import lock_enterprise, regrade
from services.credit.service_layer.listings import remove
from services.credit.service_layer.policy import SystemActor
from services.credit.service_layer.ports import CreditWork

JOB = SystemActor("credit-scheduler")


def end_publication_periods(uow: CreditWork, today: date, batch_size: int = 500) -> int:
    """Withdraw records whose publication period is over; one batch per transaction."""
    with uow:
        due = uow.records.due_to_end(today, batch_size)
        for uscc, record_ids in by_enterprise(due):
            enterprise = lock_enterprise(uow, uscc, None)
            for record_id in record_ids:
                record = uow.records.get(record_id, for_update=True)
                if record is None or not record.disclosed or record.in_force(today):
                    continue
                record.end_disclosure(DisclosureEnd.PERIOD_ENDED, today)
                uow.records.save(record)
                uow.disclosures.withdraw("record", record.id, uscc, "period_ended")
                uow.changes.record(uscc, "publication_ended")
            regrade(uow, enterprise, today, "publication_period_ended")
        uow.commit()
        return len(due)


def end_listing_terms(uow: CreditWork, today: date, batch_size: int = 200) -> int:
    with uow:
        due = uow.listings.due_to_end(today, batch_size)
        for uscc, listing_ids in by_enterprise(due):
            enterprise = lock_enterprise(uow, uscc, None)
            for listing_id in listing_ids:
                listing = uow.listings.get(listing_id, for_update=True)
                if listing is None or not listing.term_over(today):
                    continue
                remove(uow, enterprise, listing, RemovalReason.TERM_ENDED, today, JOB.actor())
            regrade(uow, enterprise, today, "listing_term_ended")
        uow.commit()
        return len(due)


def regrade_stale(uow: CreditWork, today: date, batch_size: int = 500) -> int:
    """After a new rule table is deployed, regrade everyone graded under an older one."""
    with uow:
        usccs = uow.enterprises.graded_under_other_rules(CURRENT_RULES.version, batch_size)
        for uscc in usccs:
            regrade(uow, lock_enterprise(uow, uscc, None), today, "rule_table_changed")
        uow.commit()
        return len(usccs)


def by_enterprise(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(id, uscc) pairs grouped by enterprise, enterprises in a fixed order (lock order)."""
    grouped: dict[str, list[str]] = {}
    for item_id, uscc in pairs:
        grouped.setdefault(uscc, []).append(item_id)
    return sorted(grouped.items())
