"""Repository of record proposals (records from other services awaiting a regulator)."""

from dataclasses import asdict, fields

from sqlalchemy import func, select
from sqlmodel import col

from services.credit.adapters.orm import RecordProposalRow
from services.credit.adapters.repository import _Repository
from services.credit.domain.intake import PENDING, RecordProposal

_FIELDS = [f.name for f in fields(RecordProposal)]


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

    def overdue_count(self, today_iso_or_date) -> int:  # type: ignore[no-untyped-def]
        stmt = select(func.count()).where(
            col(RecordProposalRow.status) == PENDING,
            col(RecordProposalRow.due_on) < today_iso_or_date,
        )
        return int(self.session.execute(stmt).scalar_one())
