"""Repository of record proposals (records from other services awaiting a regulator)."""

from dataclasses import asdict, fields
from datetime import date

from sqlalchemy import func, select
from sqlmodel import col

from services.credit.adapters.orm import DisputeRow, RecordProposalRow
from services.credit.adapters.repository import _Repository
from services.credit.domain.disputes import Dispute
from services.credit.domain.intake import PENDING, RecordProposal

_FIELDS = [f.name for f in fields(RecordProposal)]
_DISPUTE_FIELDS = [f.name for f in fields(Dispute)]


class ProposalRepository(_Repository):
    row_type = RecordProposalRow
    key = "id"

    def get(self, proposal_id: str, *, for_update: bool = False) -> RecordProposal | None:
        row = self._load(proposal_id, for_update)
        return None if row is None else self._domain(row)

    def _domain(self, row: RecordProposalRow) -> RecordProposal:
        values = {name: getattr(row, name) for name in _FIELDS}
        values["command"] = dict(values["command"])
        return RecordProposal(**values)

    def by_source_event(self, event_id: str) -> RecordProposal | None:
        stmt = select(RecordProposalRow).where(col(RecordProposalRow.source_event_id) == event_id)
        row = self.session.execute(stmt).scalar_one_or_none()
        return None if row is None else self._domain(row)

    def add(self, proposal: RecordProposal) -> None:
        self._insert(proposal.id, RecordProposalRow(**asdict(proposal)))
        self.session.flush()  # a concurrent delivery of the same event fails here

    def save(self, proposal: RecordProposal) -> None:
        self._store(proposal.id, {k: v for k, v in asdict(proposal).items() if k != "id"})

    def overdue_count(self, today: date) -> int:
        stmt = select(func.count()).where(
            col(RecordProposalRow.status) == PENDING, col(RecordProposalRow.due_on) < today
        )
        return int(self.session.execute(stmt).scalar_one())


class DisputeRepository(_Repository):
    row_type = DisputeRow
    key = "id"

    def get(self, dispute_id: str, *, for_update: bool = False) -> Dispute | None:
        row = self._load(dispute_id, for_update)
        if row is None:
            return None
        values = {name: getattr(row, name) for name in _DISPUTE_FIELDS}
        values["evidence"] = list(values["evidence"])
        values["corrections"] = dict(values["corrections"])
        return Dispute(**values)

    def add(self, dispute: Dispute) -> None:
        self._insert(dispute.id, DisputeRow(**asdict(dispute)))

    def save(self, dispute: Dispute) -> None:
        self._store(dispute.id, {k: v for k, v in asdict(dispute).items() if k != "id"})
