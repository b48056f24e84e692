"""The credit unit of work: repositories on one transaction, events into the outbox.

``changed`` is called after a successful commit with the enterprises whose public profile the
use case touched, so this process's profile cache drops them at once (other processes learn
from the ordered ``profile_change`` log).
"""

from collections.abc import Callable, Iterable

from sqlalchemy.engine import Engine

from services.credit.adapters.authority_book import AuthorityBook
from services.credit.adapters.intake import DisputeRepository, ProposalRepository
from services.credit.adapters.orm import outbox
from services.credit.adapters.repository import (
    DisclosureFeed,
    EnterpriseRepository,
    ListingRepository,
    NoticeBook,
    ProfileChanges,
    RecordRepository,
    RepairRepository,
)
from shared.uow import SqlUnitOfWork

Evict = Callable[[Iterable[str]], None]


class CreditUnitOfWork(SqlUnitOfWork):
    enterprises: EnterpriseRepository
    records: RecordRepository
    listings: ListingRepository
    repairs: RepairRepository
    notices: NoticeBook
    disclosures: DisclosureFeed
    changes: ProfileChanges
    authority: AuthorityBook
    proposals: ProposalRepository
    disputes: DisputeRepository

    def __init__(self, engine: Engine, changed: Evict | None = None) -> None:
        super().__init__(engine, outbox, producer="credit")
        self.changed = changed

    def enter_repositories(self) -> None:
        self.enterprises = EnterpriseRepository(self.session)
        self.records = RecordRepository(self.session)
        self.listings = ListingRepository(self.session)
        self.repairs = RepairRepository(self.session)
        self.notices = NoticeBook(self.session)
        self.disclosures = DisclosureFeed(self.session)
        self.changes = ProfileChanges(self.session)
        self.authority = AuthorityBook(self.session)
        self.proposals = ProposalRepository(self.session)
        self.disputes = DisputeRepository(self.session)

    def commit(self) -> None:
        # Fixed lock order (feed, profile log, outbox) so concurrent commits cannot deadlock.
        self.disclosures.flush()
        self.changes.flush()
        if self.changed is not None and self.changes.usccs:
            touched, changed = set(self.changes.usccs), self.changed
            self.after_commit(lambda: changed(touched))
        self.changes.usccs.clear()
        super().commit()
