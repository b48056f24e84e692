"""The registry's unit of work: repositories on one transaction, events into the outbox."""

from sqlalchemy.engine import Engine

from services.registry.adapters.orm import outbox
from services.registry.adapters.repository import (
    BodyRepository,
    CertificateRepository,
    ChangeLog,
    SanctionRepository,
)
from shared.uow import SqlUnitOfWork


class RegistryUnitOfWork(SqlUnitOfWork):
    bodies: BodyRepository
    certificates: CertificateRepository
    changes: ChangeLog
    sanctions: SanctionRepository

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, outbox, producer="registry")

    def enter_repositories(self) -> None:
        self.bodies = BodyRepository(self.session)
        self.certificates = CertificateRepository(self.session)
        self.changes = ChangeLog(self.session)
        self.sanctions = SanctionRepository(self.session)

    def commit(self) -> None:
        self.changes.flush()
        super().commit()
