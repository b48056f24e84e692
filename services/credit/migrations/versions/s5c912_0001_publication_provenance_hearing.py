"""publication deadline provenance, hearings, disputes for named persons, one proposer record

- ``credit_record.publication_until_provenance`` / ``publication_calendar_version``: whether a
  record's last day of publication rests on an official working-day table (issue 9). Existing
  rows stay NULL (unknown): the table-load job recomputes those of working-day classes.
- ``record_publication_change``: a publication end that moved when a table was loaded.
- ``listing.hearing``: the hearing procedure on a listing (issue 12).
- ``record_dispute.on_behalf_of``: a dispute filed for a natural person named in the record.
- The listing is the one record of who proposed it: ``listing.proposer_department`` is added,
  the level, region and department of ``listing_authority`` (issue 10) are copied onto listings
  that lack them, and that table is dropped.

Revision ID: s5c912_0001
Revises: i12_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "s5c912_0001"
down_revision: str | None = "i12_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FROM_AUTHORITY = (
    "UPDATE listing SET "
    "proposer_level = (SELECT a.authority_level FROM listing_authority a "
    "WHERE a.listing_id = listing.id), "
    "proposer_region = (SELECT a.region_code FROM listing_authority a "
    "WHERE a.listing_id = listing.id), "
    "proposer_department = (SELECT a.department FROM listing_authority a "
    "WHERE a.listing_id = listing.id) "
    "WHERE proposer_level IS NULL AND EXISTS "
    "(SELECT 1 FROM listing_authority a WHERE a.listing_id = listing.id)"
)
_DEPARTMENT_FROM_AUTHORITY = (
    "UPDATE listing SET proposer_department = (SELECT a.department FROM listing_authority a "
    "WHERE a.listing_id = listing.id) WHERE proposer_department IS NULL"
)
_TO_AUTHORITY = (
    "INSERT INTO listing_authority (listing_id, authority_level, region_code, department) "
    "SELECT id, proposer_level, COALESCE(proposer_region, ''), "
    "COALESCE(proposer_department, '') FROM listing WHERE proposer_level IS NOT NULL"
)


def upgrade() -> None:
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("publication_until_provenance", sa.String(20), nullable=True))
        batch.add_column(sa.Column("publication_calendar_version", sa.String(300), nullable=True))
        batch.create_index(
            "ix_credit_record_publication_until_provenance", ["publication_until_provenance"]
        )
    op.create_table(
        "record_publication_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.String(24), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("previous_until", sa.Date(), nullable=False),
        sa.Column("new_until", sa.Date(), nullable=False),
        sa.Column("previous_provenance", sa.String(20), nullable=True),
        sa.Column("new_provenance", sa.String(20), nullable=False),
        sa.Column("calendar_version", sa.String(300), nullable=False),
        sa.Column("changed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_publication_change"),
    )
    op.create_index(
        "ix_record_publication_change_record_id", "record_publication_change", ["record_id"]
    )
    with op.batch_alter_table("record_dispute") as batch:
        batch.add_column(sa.Column("on_behalf_of", sa.JSON(), nullable=True))
    with op.batch_alter_table("listing") as batch:
        batch.add_column(sa.Column("hearing", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("proposer_department", sa.String(100), nullable=True))
    op.execute(sa.text(_FROM_AUTHORITY))
    op.execute(sa.text(_DEPARTMENT_FROM_AUTHORITY))
    op.drop_table("listing_authority")


def downgrade() -> None:
    op.create_table(
        "listing_authority",
        sa.Column("listing_id", sa.String(24), nullable=False),
        sa.Column("authority_level", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("listing_id", name="pk_listing_authority"),
    )
    op.execute(sa.text(_TO_AUTHORITY))
    with op.batch_alter_table("listing") as batch:
        batch.drop_column("proposer_department")
        batch.drop_column("hearing")
    with op.batch_alter_table("record_dispute") as batch:
        batch.drop_column("on_behalf_of")
    op.drop_index("ix_record_publication_change_record_id", "record_publication_change")
    op.drop_table("record_publication_change")
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_index("ix_credit_record_publication_until_provenance")
        batch.drop_column("publication_calendar_version")
        batch.drop_column("publication_until_provenance")
